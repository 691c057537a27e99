//! The room as a pure state machine: frames and alarms in, effects out.
//!
//! [`Room::handle`] takes a decoded frame from a seated connection and
//! [`Room::on_alarm`] a firing of the Durable Object's alarm; both take the
//! time as an argument and return the [`Effect`]s the caller must carry out,
//! in order. Nothing here does I/O, so every transition is unit-tested with a
//! manual clock.

use serde::{Deserialize, Serialize};
use volley_shared::artillery::{ArtilleryState, GameEvent, Outcome, RuleError};
use volley_shared::protocol::{ClientFrame, ErrorCode, PROTOCOL_VERSION, ServerFrame, close};
use volley_shared::{Mode, PlayerId, Seat};

/// How a room is set up by the coordinator.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoomSetup {
    /// The kind of match.
    pub mode: Mode,
    /// The player in each seat, in seat order.
    pub players: Vec<PlayerId>,
    /// The seed for terrain and wind.
    pub seed: u64,
    /// How long a turn lasts before it times out.
    pub turn_timeout_ms: u64,
}

/// Where a room is in its life.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Phase {
    /// Entered at creation. Left for `Playing` once every seat has said hello.
    Waiting {
        /// Which seats have connected at least once.
        joined: Vec<bool>,
    },
    /// Entered when the last seat joins; each move or timeout moves the
    /// deadline. Left for `Finished` when the game ends.
    Playing {
        /// When the current turn times out, in ms since the Unix epoch.
        deadline_ms: u64,
    },
    /// Entered when the game ends; final.
    Finished {
        /// How the game ended.
        outcome: Outcome,
    },
}

/// Something the caller must do, in the order given.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    /// Send a frame to the connection the input came from.
    Reply(ServerFrame),
    /// Send a frame to every connection of the room.
    Broadcast(ServerFrame),
    /// Save the room as it is after this call, before carrying out the
    /// effects that follow.
    Persist,
    /// Make the alarm fire at this time (ms since the Unix epoch).
    SetAlarm(u64),
    /// No timer is needed any more.
    ClearAlarm,
    /// Close the connection the input came from.
    Close {
        /// The WebSocket close code.
        code: u16,
        /// Why, for people.
        reason: String,
    },
}

/// One game room.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Room {
    setup: RoomSetup,
    game: ArtilleryState,
    phase: Phase,
    /// Sequence number of the last event sent.
    seq: u64,
}

impl Room {
    /// A new room, waiting for its players.
    pub fn new(setup: RoomSetup) -> Room {
        let seats = setup.players.len();
        let game = ArtilleryState::new(setup.seed, u8::try_from(seats).unwrap_or(u8::MAX));
        Room {
            setup,
            game,
            phase: Phase::Waiting {
                joined: vec![false; seats],
            },
            seq: 0,
        }
    }

    /// The room's set-up.
    pub fn setup(&self) -> &RoomSetup {
        &self.setup
    }

    /// The room's phase.
    pub fn phase(&self) -> &Phase {
        &self.phase
    }

    /// The game state.
    pub fn game(&self) -> &ArtilleryState {
        &self.game
    }

    /// Sequence number of the last event sent.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// Whether `player` holds `seat` here.
    pub fn seats(&self, seat: Seat, player: PlayerId) -> bool {
        self.setup.players.get(seat.index()) == Some(&player)
    }

    /// A frame from the connection playing `seat`.
    pub fn handle(&mut self, now_ms: u64, seat: Seat, frame: ClientFrame) -> Vec<Effect> {
        match frame {
            ClientFrame::Hello { protocol } => self.hello(now_ms, seat, protocol),
            ClientFrame::Fire { aim } => {
                let Phase::Playing { .. } = self.phase else {
                    return refuse(self.not_playing_code(), "the game is not in play");
                };
                match self.game.fire(seat, aim) {
                    Ok(events) => self.publish(now_ms, events),
                    Err(err) => refuse(rule_error_code(&err), &err.to_string()),
                }
            }
            ClientFrame::Ping { nonce } => vec![Effect::Reply(ServerFrame::Pong { nonce })],
            ClientFrame::FindMatch { .. } => refuse(
                ErrorCode::UnexpectedFrame,
                "FindMatch goes to /api/matchmake",
            ),
        }
    }

    /// The alarm fired. Alarms come at least once and may come late or
    /// twice: only a deadline that has passed does anything.
    pub fn on_alarm(&mut self, now_ms: u64) -> Vec<Effect> {
        match self.phase {
            Phase::Playing { deadline_ms } if now_ms >= deadline_ms => {
                match self.game.time_out(self.game.current) {
                    Ok(events) => self.publish(now_ms, events),
                    // Unreachable while playing: the current seat may always time out.
                    Err(_) => vec![Effect::ClearAlarm],
                }
            }
            Phase::Playing { deadline_ms } => vec![Effect::SetAlarm(deadline_ms)],
            Phase::Waiting { .. } | Phase::Finished { .. } => vec![Effect::ClearAlarm],
        }
    }

    /// The welcome frame for a seat: everything needed to draw the game.
    pub fn welcome(&self, seat: Seat) -> ServerFrame {
        ServerFrame::Welcome {
            seat,
            seq: self.seq,
            waiting: matches!(self.phase, Phase::Waiting { .. }),
            state: self.game.clone(),
            deadline_ms: self.deadline_ms(),
        }
    }

    fn deadline_ms(&self) -> Option<u64> {
        match self.phase {
            Phase::Playing { deadline_ms } => Some(deadline_ms),
            _ => None,
        }
    }

    fn not_playing_code(&self) -> ErrorCode {
        match self.phase {
            Phase::Finished { .. } => ErrorCode::GameOver,
            _ => ErrorCode::UnexpectedFrame,
        }
    }

    fn hello(&mut self, now_ms: u64, seat: Seat, protocol: u16) -> Vec<Effect> {
        if protocol != PROTOCOL_VERSION {
            let message = format!(
                "protocol {protocol} is not supported; this server speaks {PROTOCOL_VERSION}"
            );
            return vec![
                Effect::Reply(ServerFrame::Error {
                    code: ErrorCode::UnsupportedProtocol,
                    message: message.clone(),
                }),
                Effect::Close {
                    code: close::UNSUPPORTED_PROTOCOL,
                    reason: message,
                },
            ];
        }
        let Phase::Waiting { joined } = &mut self.phase else {
            return vec![Effect::Reply(self.welcome(seat))];
        };
        if let Some(slot) = joined.get_mut(seat.index()) {
            *slot = true;
        }
        if !joined.iter().all(|&j| j) {
            return vec![Effect::Persist, Effect::Reply(self.welcome(seat))];
        }
        let deadline_ms = now_ms.saturating_add(self.setup.turn_timeout_ms);
        self.phase = Phase::Playing { deadline_ms };
        let mut effects = vec![Effect::Reply(self.welcome(seat))];
        let first_turn = self.game.turn_started();
        effects.extend(self.publish(now_ms, vec![first_turn]));
        effects
    }

    /// Numbers the events, moves the phase on, and says to persist before
    /// broadcasting them.
    fn publish(&mut self, now_ms: u64, events: Vec<GameEvent>) -> Vec<Effect> {
        let timer = match self.game.outcome {
            Some(outcome) => {
                self.phase = Phase::Finished { outcome };
                Effect::ClearAlarm
            }
            None => {
                let deadline_ms = match events.last() {
                    Some(GameEvent::TurnStarted { .. }) => {
                        now_ms.saturating_add(self.setup.turn_timeout_ms)
                    }
                    _ => self.deadline_ms().unwrap_or(now_ms),
                };
                self.phase = Phase::Playing { deadline_ms };
                Effect::SetAlarm(deadline_ms)
            }
        };
        let deadline_ms = self.deadline_ms();
        let mut effects = vec![Effect::Persist, timer];
        for event in events {
            self.seq += 1;
            effects.push(Effect::Broadcast(ServerFrame::Event {
                seq: self.seq,
                event,
                deadline_ms,
            }));
        }
        effects
    }
}

fn refuse(code: ErrorCode, message: &str) -> Vec<Effect> {
    vec![Effect::Reply(ServerFrame::Error {
        code,
        message: message.to_string(),
    })]
}

fn rule_error_code(err: &RuleError) -> ErrorCode {
    match err {
        RuleError::GameOver => ErrorCode::GameOver,
        RuleError::NotYourTurn { .. } => ErrorCode::NotYourTurn,
        RuleError::AimOutOfRange { .. } => ErrorCode::IllegalMove,
    }
}

#[cfg(test)]
mod tests;
