//! Private rooms by join code: `POST /api/rooms` creates one and gives its
//! creator the first seat; `POST /api/rooms/join` gives a friend the next
//! free seat. Wrong codes count against the client's address.

use super::matching::seat_token;
use super::{Matchmaker, random_u64};
use crate::error::{Result, ServerError};
use crate::http::{self, now_ms};
use crate::internal::{CLAIM_PATH, ClaimSeat, SeatSetup, link};
use crate::location::hint_for_match;
use crate::matchmaker::codes::{new_code, parse_code};
use crate::matchmaker::storage::PrivateRoom;
use volley_shared::api::SeatGrant;
use volley_shared::protocol::MAX_NAME_LEN;
use volley_shared::{PlayerId, RoomId, Seat};
use worker::{Request, Response};

impl Matchmaker {
    /// `POST /api/rooms?mode=..&name=..`: a private room and its join code;
    /// the creator gets the first seat.
    pub(super) async fn create_private(&self, req: &Request) -> Result<Response> {
        let mode = Self::mode(req)?;
        let player = requester(req)?;
        let name = display_name(req);
        let storage = self.storage()?;
        let now = now_ms();
        storage.forget_expired_codes(now)?;
        let mut code = new_code(mode, random_u64()?);
        while storage.private_room(&code)?.is_some() {
            code = new_code(mode, random_u64()?);
        }
        let ttl = self.settings()?.private_code_ttl_ms;
        let seats: Vec<SeatSetup> = (0..mode.players())
            .map(|n| {
                Ok(SeatSetup {
                    player: if n == 0 {
                        player
                    } else {
                        PlayerId(random_u64()?)
                    },
                    name: if n == 0 {
                        name.clone()
                    } else {
                        format!("seat {}", n + 1)
                    },
                    bot: false,
                })
            })
            .collect::<Result<_>>()?;
        let hint = hint_for_match([http::query_param(req, "hint").as_deref()]);
        let (room, _build) = self.create_room(mode, seats, hint, ttl).await?;
        let expires_ms = now.saturating_add(ttl);
        storage.put_private_room(&PrivateRoom {
            code: code.clone(),
            room_id: room.0.clone(),
            seats: mode.players() as u64,
            claimed: 1,
            expires_ms,
        })?;
        let key = self.settings.key(&self.env)?;
        let grant = SeatGrant {
            code,
            mode,
            game: mode.game(),
            seat: Seat(0),
            token: seat_token(key, &room, Seat(0), player),
            room,
            player: player.to_string(),
            expires_ms,
        };
        Ok(Response::from_json(&grant)?.with_status(201))
    }

    /// `POST /api/rooms/join?code=..&name=..`: the next free seat of a
    /// private room. Wrong codes count against the client's address.
    pub(super) async fn join_private(&self, req: &Request) -> Result<Response> {
        let player = requester(req)?;
        let address = http::query_param(req, "address").unwrap_or_else(|| "unknown".into());
        let storage = self.storage()?;
        let now = now_ms();
        let guesses = storage.guesses(&address)?;
        if !guesses.allowed(now) {
            return Err(ServerError::TooManyRequests(
                "too many wrong codes; wait a minute".into(),
            ));
        }
        let code = http::query_param(req, "code")
            .and_then(|typed| parse_code(&typed))
            .map(|(code, _)| code);
        let found = match &code {
            Some(code) => storage.private_room(code)?.filter(|r| r.expires_ms > now),
            None => None,
        };
        let Some(mut private) = found else {
            storage.put_guesses(&address, guesses.after_failure(now))?;
            return Err(ServerError::NotFound(
                "no room has that code (or it expired)".into(),
            ));
        };
        if private.claimed >= private.seats {
            return Err(ServerError::Conflict("that room is full".into()));
        }
        let seat = Seat(u8::try_from(private.claimed).unwrap_or(u8::MAX));
        // Taken before the first await: two friends never get one seat.
        private.claimed += 1;
        storage.put_private_room(&private)?;
        let room = RoomId(private.room_id.clone());
        let claim = ClaimSeat {
            seat,
            player,
            name: display_name(req),
        };
        let response = link::room(&self.env, &room)?
            .fetch_with_request(link::post_message(CLAIM_PATH, &claim)?)
            .await?;
        if response.status_code() != 200 {
            return Err(ServerError::Conflict(
                "that seat could not be given; the game may have begun".into(),
            ));
        }
        let key = self.settings.key(&self.env)?;
        let mode = Self::mode(req)?;
        Ok(Response::from_json(&SeatGrant {
            code: private.code,
            mode,
            game: mode.game(),
            seat,
            token: seat_token(key, &room, seat, player),
            room,
            player: player.to_string(),
            expires_ms: private.expires_ms,
        })?)
    }
}

/// The requester's player id: the guest id the Worker verified, or a fresh
/// anonymous one.
fn requester(req: &Request) -> Result<PlayerId> {
    match http::query_param(req, "player") {
        Some(hex) => u64::from_str_radix(&hex, 16)
            .map(PlayerId)
            .map_err(|_| ServerError::BadRequest("missing player".into())),
        None => random_u64().map(PlayerId),
    }
}

/// The display name in `?name=`, cut to the protocol's limit.
fn display_name(req: &Request) -> String {
    let mut name = http::query_param(req, "name").unwrap_or_else(|| "player".into());
    while name.len() > MAX_NAME_LEN {
        name.pop();
    }
    name
}
