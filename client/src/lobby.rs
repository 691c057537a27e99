//! Talking to the coordinator, without I/O: the opening that queues a
//! ticket, what its answers mean, and the rating a game left.

use crate::session::{SPOKEN, SessionError};
use volley_shared::api::{PlayerModes, START_RATING};
use volley_shared::protocol::{Hello, LobbyServerFrame, Opening, Party};
use volley_shared::{GameKind, Mode, PlayerId, RoomId, Seat};

/// A seat reserved for this client, by the coordinator or a private room.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Matched {
    /// The room to join.
    pub room: RoomId,
    /// The game it plays.
    pub game: GameKind,
    /// The seat reserved.
    pub seat: Seat,
    /// The join token for the room.
    pub token: String,
}

impl From<volley_shared::api::SeatGrant> for Matched {
    fn from(grant: volley_shared::api::SeatGrant) -> Self {
        Matched {
            room: grant.room,
            game: grant.game,
            seat: grant.seat,
            token: grant.token,
        }
    }
}

/// What an answer from the coordinator means.
#[derive(Clone, Debug, PartialEq)]
pub enum LobbyUpdate {
    /// The ticket is in the queue.
    Queued(PlayerId),
    /// A room is ready.
    Matched(Matched),
    /// Nothing that changes the ticket (a pong).
    Nothing,
}

/// The opening that queues a ticket for `mode`.
pub fn find_match(mode: Mode, name: &str) -> Opening {
    opening(mode, name, None)
}

/// The opening that queues a party member's ticket: every member sends the
/// same `party` key and `size`.
pub fn find_match_as_party(mode: Mode, name: &str, party: &str, size: u8) -> Opening {
    let party = Party {
        key: party.to_string(),
        size,
    };
    opening(mode, name, Some(party))
}

fn opening(mode: Mode, name: &str, party: Option<Party>) -> Opening {
    Opening {
        versions: SPOKEN,
        hello: Hello::FindMatch {
            mode,
            name: name.to_string(),
            party,
        },
    }
}

/// Reads one frame from the coordinator.
pub fn on_frame(frame: LobbyServerFrame) -> Result<LobbyUpdate, SessionError> {
    match frame {
        LobbyServerFrame::Queued { player } => Ok(LobbyUpdate::Queued(player)),
        LobbyServerFrame::Matched {
            room,
            game,
            seat,
            token,
        } => Ok(LobbyUpdate::Matched(Matched {
            room,
            game,
            seat,
            token,
        })),
        LobbyServerFrame::Pong { .. } => Ok(LobbyUpdate::Nothing),
        LobbyServerFrame::Error { code, message } => Err(SessionError::Refused { code, message }),
    }
}

/// "rating 1516 (+16)": the rating the game in `room` left, from the
/// player's records in its mode, once they show that game. Until the room
/// has reported (when the last move is acknowledged), they end with the
/// game before, whose change is not this one's: `None`, ask again.
pub fn rating_after(modes: &PlayerModes, room: &RoomId) -> Option<String> {
    let record = modes.modes.first()?;
    let mut recent = record.recent.iter();
    if recent.next()?.room_id.object_id() != room.object_id() {
        return None;
    }
    let before = recent.next().map_or(START_RATING, |game| game.rating_after);
    Some(format!(
        "rating {:.0} ({:+.0})",
        record.rating,
        record.rating - before
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use volley_shared::api::{PlayedMatch, PlayerRecord};

    fn room(n: u8) -> RoomId {
        RoomId(format!("{n:02x}").repeat(32))
    }

    /// A duel record whose games, newest first, left these ratings.
    fn records(games: &[(RoomId, f64)]) -> PlayerModes {
        PlayerModes {
            player: "00".repeat(8),
            modes: vec![PlayerRecord {
                player: "00".repeat(8),
                name: "ann".into(),
                rating: games.first().map_or(START_RATING, |g| g.1),
                games: games.len() as u64,
                recent: games
                    .iter()
                    .map(|(room_id, rating_after)| PlayedMatch {
                        room_id: room_id.clone(),
                        at_ms: 0,
                        result: "win".into(),
                        rating_after: *rating_after,
                    })
                    .collect(),
                mode: Some(Mode::Duel),
            }],
        }
    }

    #[test]
    fn a_first_game_moves_the_rating_from_the_start() {
        let modes = records(&[(room(1), 1516.0)]);
        assert_eq!(
            rating_after(&modes, &room(1)).as_deref(),
            Some("rating 1516 (+16)")
        );
    }

    #[test]
    fn a_later_game_moves_it_from_the_game_before() {
        let modes = records(&[(room(2), 1501.0), (room(1), 1516.0)]);
        assert_eq!(
            rating_after(&modes, &room(2)).as_deref(),
            Some("rating 1501 (-15)")
        );
    }

    #[test]
    fn records_not_yet_showing_the_game_say_nothing() {
        let modes = records(&[(room(1), 1516.0)]);
        assert_eq!(rating_after(&modes, &room(2)), None, "the game before's");
        assert_eq!(rating_after(&records(&[]), &room(1)), None, "unrated");
        let unrated = PlayerModes {
            player: "00".repeat(8),
            modes: Vec::new(),
        };
        assert_eq!(rating_after(&unrated, &room(1)), None);
    }

    #[test]
    fn a_chartered_address_names_the_room_its_result_names() {
        let modes = records(&[(room(3), 1484.0)]);
        let address = RoomId(format!("{}~weur", room(3)));
        assert_eq!(
            rating_after(&modes, &address).as_deref(),
            Some("rating 1484 (-16)")
        );
    }
}
