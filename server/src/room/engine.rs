//! The room as a pure state machine: frames and alarms in, effects out.
//!
//! [`Room`] runs any [`Game`]: it seats players, numbers the game's events,
//! runs the turn clock and relays live intentions, and never looks inside the
//! game. [`Room::hello`] admits a connection whose join token the caller has
//! verified, [`Room::handle`] takes a decoded frame from an admitted seat and
//! [`Room::on_alarm`] a firing of the Durable Object's alarm. Each takes the
//! time as an argument and returns the [`Effect`]s the caller must carry out,
//! in order. Nothing here does I/O, so every transition is unit-tested with a
//! manual clock.

use serde::{Deserialize, Serialize};
use volley_shared::game::{Game, Outcome, RuleError, Viewer};
use volley_shared::protocol::{
    self, ClientFrame, ErrorCode, PROTOCOL_VERSION, Role, ServerFrame, close,
};
use volley_shared::{Mode, PlayerId, Seat};

/// One seat as the coordinator filled it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeatSetup {
    /// The player who holds the seat.
    pub player: PlayerId,
    /// Their display name.
    pub name: String,
}

/// How a room is set up by the coordinator.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct RoomSetup<G: Game> {
    /// The kind of match.
    pub mode: Mode,
    /// The game's settings for this mode.
    pub config: G::Config,
    /// The seats, in seat order.
    pub seats: Vec<SeatSetup>,
    /// The seed the game grows from.
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
    /// Entered when the last seat joins; each new turn moves the deadline.
    /// Left for `Finished` when the game ends.
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
#[allow(clippy::large_enum_variant)]
pub enum Effect<G: Game> {
    /// Send a frame to the connection the input came from.
    Reply(ServerFrame<G>),
    /// The connection the input came from now plays this seat: remember it,
    /// and close any other connection for the seat with [`close::REPLACED`].
    Admit(Seat),
    /// Send a frame to every admitted connection of the room.
    Broadcast(ServerFrame<G>),
    /// Send a frame to every admitted connection except the caller.
    Relay(ServerFrame<G>),
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
#[serde(bound = "")]
pub struct Room<G: Game> {
    setup: RoomSetup<G>,
    game: G,
    phase: Phase,
    /// Sequence number of the last event sent.
    seq: u64,
}

impl<G: Game> Room<G> {
    /// A new room, waiting for its players. Fails when the game does not
    /// take that many seats.
    pub fn new(setup: RoomSetup<G>) -> Result<Room<G>, volley_shared::game::SetupError> {
        let seats = u8::try_from(setup.seats.len()).unwrap_or(u8::MAX);
        let game = G::new(&setup.config, setup.seed, seats)?;
        Ok(Room {
            phase: Phase::Waiting {
                joined: vec![false; setup.seats.len()],
            },
            setup,
            game,
            seq: 0,
        })
    }

    /// The room's set-up.
    pub fn setup(&self) -> &RoomSetup<G> {
        &self.setup
    }

    /// The room's phase.
    pub fn phase(&self) -> &Phase {
        &self.phase
    }

    /// The game state.
    pub fn game(&self) -> &G {
        &self.game
    }

    /// Sequence number of the last event sent.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// A connection says hello with a join token the caller has verified
    /// for `seat` and `player`. Admits it and welcomes it, and starts the
    /// game when it was the last seat missing.
    pub fn hello(
        &mut self,
        now_ms: u64,
        seat: Seat,
        player: PlayerId,
        protocol_version: u16,
    ) -> Vec<Effect<G>> {
        if !protocol::supports(protocol_version) {
            let message = format!(
                "protocol {protocol_version} is not supported; this server speaks {}..={PROTOCOL_VERSION}",
                protocol::MIN_PROTOCOL_VERSION
            );
            return refuse_and_close(
                ErrorCode::UnsupportedProtocol,
                close::UNSUPPORTED_PROTOCOL,
                message,
            );
        }
        if self.setup.seats.get(seat.index()).map(|s| s.player) != Some(player) {
            return refuse_and_close(
                ErrorCode::BadToken,
                close::BAD_TOKEN,
                format!("the token's player does not hold {seat} here"),
            );
        }
        let mut effects = vec![Effect::Admit(seat)];
        let Phase::Waiting { joined } = &mut self.phase else {
            effects.push(Effect::Reply(self.welcome(Role::Player(seat))));
            if let Phase::Finished { outcome } = self.phase {
                effects.push(Effect::Reply(ServerFrame::GameOver {
                    outcome,
                    seq: self.seq,
                }));
            }
            return effects;
        };
        if let Some(slot) = joined.get_mut(seat.index()) {
            *slot = true;
        }
        if !joined.iter().all(|&j| j) {
            effects.push(Effect::Persist);
            effects.push(Effect::Reply(self.welcome(Role::Player(seat))));
            return effects;
        }
        self.phase = Phase::Playing {
            deadline_ms: now_ms.saturating_add(self.setup.turn_timeout_ms),
        };
        effects.push(Effect::Reply(self.welcome(Role::Player(seat))));
        let opening = self.game.begin();
        effects.extend(self.publish(now_ms, opening, None));
        effects
    }

    /// A frame from the admitted connection playing `seat`.
    pub fn handle(&mut self, now_ms: u64, seat: Seat, frame: ClientFrame<G>) -> Vec<Effect<G>> {
        match frame {
            ClientFrame::Move(mv) => {
                let turn = self.game.turn();
                match self.game.play(seat, &mv) {
                    Ok(events) => self.publish(now_ms, events, Some(turn)),
                    Err(err) => refuse(rule_error_code(&err), &err.to_string()),
                }
            }
            ClientFrame::Live(live) => match self.game.check_live(seat, &live) {
                Ok(()) => vec![Effect::Relay(ServerFrame::Live { seat, live })],
                Err(err) => refuse(rule_error_code(&err), &err.to_string()),
            },
            ClientFrame::Resign => {
                let turn = self.game.turn();
                match self.game.resign(seat) {
                    Ok(events) => self.publish(now_ms, events, Some(turn)),
                    Err(err) => refuse(rule_error_code(&err), &err.to_string()),
                }
            }
            ClientFrame::Ping { nonce } => vec![Effect::Reply(ServerFrame::Pong { nonce })],
            ClientFrame::Hello { .. } => refuse(
                ErrorCode::UnexpectedFrame,
                "this connection already said hello",
            ),
            ClientFrame::FindMatch { .. } => refuse(
                ErrorCode::UnexpectedFrame,
                "FindMatch goes to /api/matchmake",
            ),
        }
    }

    /// The alarm fired. Alarms come at least once and may come late or
    /// twice: only a deadline that has passed does anything.
    pub fn on_alarm(&mut self, now_ms: u64) -> Vec<Effect<G>> {
        match self.phase {
            Phase::Playing { deadline_ms } if now_ms >= deadline_ms => {
                let turn = self.game.turn();
                let events = self.game.time_out();
                self.publish(now_ms, events, Some(turn))
            }
            Phase::Playing { deadline_ms } => vec![Effect::SetAlarm(deadline_ms)],
            Phase::Waiting { .. } | Phase::Finished { .. } => vec![Effect::ClearAlarm],
        }
    }

    /// The welcome frame for a connection: everything needed to draw the
    /// game as of the last event.
    pub fn welcome(&self, role: Role) -> ServerFrame<G> {
        let viewer = match role {
            Role::Player(seat) => Viewer::Player(seat),
            Role::Spectator => Viewer::Spectator,
        };
        ServerFrame::Welcome {
            role,
            seq: self.seq,
            names: self.setup.seats.iter().map(|s| s.name.clone()).collect(),
            waiting: matches!(self.phase, Phase::Waiting { .. }),
            view: self.game.view(viewer),
            deadline_ms: self.deadline_ms(),
        }
    }

    fn deadline_ms(&self) -> Option<u64> {
        match self.phase {
            Phase::Playing { deadline_ms } => Some(deadline_ms),
            _ => None,
        }
    }

    /// Numbers the events, moves the phase and the turn clock on, and says
    /// to persist before broadcasting them. `turn_before` is the game's turn
    /// before the events (`None` when the game has just begun): when the
    /// turn changed, the new turn gets a full turn's time.
    fn publish(
        &mut self,
        now_ms: u64,
        events: Vec<G::Event>,
        turn_before: Option<u32>,
    ) -> Vec<Effect<G>> {
        if events.is_empty() {
            return Vec::new();
        }
        let timer = match self.game.outcome() {
            Some(outcome) => {
                self.phase = Phase::Finished { outcome };
                Effect::ClearAlarm
            }
            None => {
                let deadline_ms = match (turn_before, self.deadline_ms()) {
                    (Some(turn), Some(deadline_ms)) if turn == self.game.turn() => deadline_ms,
                    _ => now_ms.saturating_add(self.setup.turn_timeout_ms),
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
        if let Phase::Finished { outcome } = self.phase {
            effects.push(Effect::Broadcast(ServerFrame::GameOver {
                outcome,
                seq: self.seq,
            }));
        }
        effects
    }
}

fn refuse<G: Game>(code: ErrorCode, message: &str) -> Vec<Effect<G>> {
    vec![Effect::Reply(ServerFrame::Error {
        code,
        message: message.to_string(),
    })]
}

/// An error frame followed by closing the connection.
pub fn refuse_and_close<G: Game>(
    code: ErrorCode,
    close_code: u16,
    message: String,
) -> Vec<Effect<G>> {
    vec![
        Effect::Reply(ServerFrame::Error {
            code,
            message: message.clone(),
        }),
        Effect::Close {
            code: close_code,
            reason: message,
        },
    ]
}

fn rule_error_code<E: std::error::Error>(err: &RuleError<E>) -> ErrorCode {
    match err {
        RuleError::NotInPlay => ErrorCode::NotInPlay,
        RuleError::NotYourTurn { .. } => ErrorCode::NotYourTurn,
        RuleError::NotPlaying(_) | RuleError::Illegal(_) => ErrorCode::IllegalMove,
    }
}

#[cfg(test)]
mod tests;
