//! A player: the real client session (`GameSession`, the wire `Inbox`)
//! driven by a behaviour instead of a person or the shared AI. It joins
//! the room it was matched into, rejoins from its last event after any
//! lost connection, and remembers what it sent and saw for the checks.

use crate::games::SimGame;
use crate::net::ConnId;
use rand::{Rng, RngExt};
use volley_client::session::{GameSession, Update};
use volley_client::wire::{self, Accepted, Inbox};
use volley_shared::codec;
use volley_shared::protocol::RoomClientFrame;
use volley_shared::{Game, Outcome, PlayerId, RoomId, Seat};

/// How a player plays.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Behaviour {
    /// Moves after thinking for between these many ms.
    Plays {
        /// The shortest think.
        min_ms: u64,
        /// The longest think.
        max_ms: u64,
    },
    /// Never moves: its turns time out.
    Idle,
    /// Plays at once, and resigns on its `n`th turn.
    Resigns(u32),
}

/// A game the player was in, as it saw it.
#[derive(Clone, Debug)]
pub struct Seen<G: SimGame> {
    /// The room's index in the world.
    pub room: usize,
    /// Its seat.
    pub seat: Seat,
    /// How the game ended, as the room said; `None` if the player never
    /// heard (it stopped before).
    pub outcome: Option<Outcome>,
    /// Every move it sent, in order.
    pub sent: Vec<G::Move>,
    /// Its moves it saw resolved.
    pub resolved: u32,
    /// Times it rejoined after a lost connection.
    pub rejoins: u32,
    /// Its copy of the game at the end.
    pub state: Option<G>,
}

/// What the world should do after a player read a frame.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Reaction {
    /// Frames to send on the connection (a move's acknowledgement).
    pub send: Vec<Vec<u8>>,
    /// Think about turn `n`: the world wakes the player when done.
    pub think: Option<(u32, u64)>,
    /// The game is over: close the connection.
    pub over: bool,
}

/// The game in progress.
#[derive(Debug)]
struct Seated<G: SimGame> {
    seen: Seen<G>,
    room_id: RoomId,
    token: String,
    session: GameSession<G>,
    conn: Option<ConnId>,
    inbox: Inbox,
    /// The turn it is thinking about.
    thinking: Option<u32>,
    /// Turns it has had.
    turns: u32,
}

/// One player.
#[derive(Debug)]
pub struct Player<G: SimGame> {
    /// Who.
    pub id: PlayerId,
    /// The name it queues with.
    pub name: String,
    /// How it plays.
    pub behaviour: Behaviour,
    /// Games it will still queue for.
    pub games_left: u32,
    current: Option<Seated<G>>,
    /// Games it finished (or was in when the run stopped).
    pub games: Vec<Seen<G>>,
    /// Whatever went wrong in its sessions (a desync, a frame it could not
    /// read): each is a failed check.
    pub problems: Vec<String>,
}

impl<G: SimGame> Player<G> {
    /// A player who will play `games` games.
    pub fn new(id: PlayerId, name: String, behaviour: Behaviour, games: u32) -> Self {
        Player {
            id,
            name,
            behaviour,
            games_left: games,
            current: None,
            games: Vec::new(),
            problems: Vec::new(),
        }
    }

    /// It was matched: `seat` in `room`, with `token`.
    pub fn matched(&mut self, room: usize, room_id: RoomId, seat: Seat, token: String) {
        self.games_left = self.games_left.saturating_sub(1);
        self.current = Some(Seated {
            seen: Seen {
                room,
                seat,
                outcome: None,
                sent: Vec::new(),
                resolved: 0,
                rejoins: 0,
                state: None,
            },
            room_id,
            token,
            session: GameSession::new(),
            conn: None,
            inbox: Inbox::new(),
            thinking: None,
            turns: 0,
        });
    }

    /// The room it plays in, and its id.
    pub fn room(&self) -> Option<(usize, &RoomId)> {
        self.current.as_ref().map(|s| (s.seen.room, &s.room_id))
    }

    /// Times it rejoined its current game.
    pub fn rejoins(&self) -> u32 {
        self.current.as_ref().map_or(0, |s| s.seen.rejoins)
    }

    /// It opened `conn` to its room: the opening to send (its hello, from
    /// the last event it applied).
    pub fn connected(&mut self, conn: ConnId) -> Vec<u8> {
        let Some(seated) = self.current.as_mut() else {
            return Vec::new();
        };
        if seated.conn.is_some() || seated.session.state().is_some() {
            seated.seen.rejoins += 1;
        }
        seated.conn = Some(conn);
        seated.inbox = Inbox::new();
        seated.thinking = None;
        let opening = seated.session.hello(&seated.token);
        codec::encode_opening(&opening).unwrap_or_else(|e| panic!("an opening: {e}"))
    }

    /// Its connection `conn` was closed (by the room, the network or a
    /// restart). Whether it should rejoin.
    pub fn lost(&mut self, conn: ConnId) -> bool {
        let Some(seated) = self.current.as_mut() else {
            return false;
        };
        if seated.conn != Some(conn) {
            return false;
        }
        seated.conn = None;
        seated.thinking = None;
        true
    }

    /// Bytes from the room on `conn`.
    pub fn receive(
        &mut self,
        conn: ConnId,
        bytes: &[u8],
        now_ms: u64,
        rng: &mut impl Rng,
    ) -> Reaction {
        let mut reaction = Reaction::default();
        let Some(seated) = self.current.as_mut() else {
            return reaction;
        };
        if seated.conn != Some(conn) {
            return reaction;
        }
        let frame = match seated.inbox.accept(bytes) {
            Ok(Accepted::Answered) => return reaction,
            Ok(Accepted::FellBack) => {
                self.problems.push("a room answered in version 1".into());
                return reaction;
            }
            Ok(Accepted::Frame(frame)) => frame,
            Err(err) => {
                self.problems.push(format!("an unreadable answer: {err}"));
                return reaction;
            }
        };
        let version = seated.inbox.version().unwrap_or(1);
        let update =
            wire::decode_room::<G>(frame, version).and_then(|frame| seated.session.on_frame(frame));
        // Its move's first event arrived: acknowledged, as every version 2
        // client does (the room reports a game its move ended on that).
        if let Some(ack) = seated.session.take_ack() {
            let bytes = wire::encode_room(&ack, version).unwrap_or_else(|e| panic!("an ack: {e}"));
            reaction.send.push(bytes);
        }
        match update {
            Ok(Update::Event(event)) => {
                if G::resolves_move_of(&event) == Some(seated.seen.seat) {
                    seated.seen.resolved += 1;
                }
            }
            Ok(Update::GameOver(outcome)) => {
                seated.seen.outcome = Some(outcome);
                reaction.over = true;
            }
            Ok(_) => {}
            Err(err) => {
                self.problems
                    .push(format!("room {}: {err} (at {now_ms} ms)", seated.room_id));
            }
        }
        if seated.thinking.is_none() && seated.session.my_turn() && !reaction.over {
            let turn = seated.session.state().map_or(0, Game::turn);
            let think_ms = match self.behaviour {
                Behaviour::Plays { min_ms, max_ms } => {
                    Some(rng.random_range(min_ms..=max_ms.max(min_ms)))
                }
                Behaviour::Resigns(_) => Some(0),
                Behaviour::Idle => None,
            };
            if let Some(think_ms) = think_ms {
                seated.thinking = Some(turn);
                reaction.think = Some((turn, think_ms));
            }
        }
        reaction
    }

    /// Its think about `turn` is over: the move to send, if the turn is
    /// still its own.
    pub fn decide(&mut self, turn: u32, rng: &mut impl Rng) -> Option<(ConnId, Vec<u8>)> {
        let seated = self.current.as_mut()?;
        if seated.thinking != Some(turn) {
            return None;
        }
        seated.thinking = None;
        let conn = seated.conn?;
        let state = seated.session.state()?;
        if !seated.session.my_turn() || state.turn() != turn {
            return None;
        }
        seated.turns += 1;
        let frame = match self.behaviour {
            Behaviour::Resigns(n) if seated.turns >= n => RoomClientFrame::Resign,
            _ => {
                let mv = state.any_move(seated.seen.seat, rng)?;
                let frame = seated.session.make_move(mv.clone()).ok()?;
                seated.seen.sent.push(mv);
                frame
            }
        };
        let version = seated.inbox.version().unwrap_or(1);
        let bytes = wire::encode_room(&frame, version).unwrap_or_else(|e| panic!("a move: {e}"));
        Some((conn, bytes))
    }

    /// The game is over for this player (it heard the end, or the run
    /// stopped): it keeps what it saw.
    pub fn leave(&mut self) -> Option<ConnId> {
        let mut seated = self.current.take()?;
        seated.seen.state = seated.session.state().cloned();
        if seated.seen.outcome.is_none() {
            seated.seen.outcome = seated.session.outcome();
        }
        let conn = seated.conn.take();
        self.games.push(seated.seen);
        conn
    }
}
