//! The room as a pure state machine: frames and timers in, effects out.
//!
//! [`Room`] runs any [`Game`]: it seats players and spectators, logs and
//! numbers the game's actions and events, keeps the turn clock and other
//! timers, and relays live intentions, and it never looks inside the game.
//!
//! - [`Room::new`] sets a room up and starts its seat reservation timer.
//! - [`Room::hello`] takes a connection's first frame: it settles the
//!   protocol version, judges the join token (through the verifier the
//!   caller passes in), checks the seat, and admits the connection,
//!   welcoming it or bringing it up to date from its `last_seq`.
//! - [`Room::handle`] takes a decoded frame from an admitted connection.
//! - [`Room::on_timer`] takes a timer that fell due.
//!
//! The room's [`Phase`] is defined in [`super::phase`], and the error
//! frames it answers with in [`super::refusals`]; both are re-exported here.
//!
//! Bytes become frames in [`super::inbound`], which calls these.
//!
//! Each takes the time as an argument and returns the [`Effect`]s the
//! caller must carry out, in order. Nothing here does I/O, so every
//! transition is unit-tested with a manual clock.

pub use super::phase::Phase;
pub use super::refusals::{refuse, refuse_and_close};

use super::effects::{Commit, Effect, Timer, TimerKind};
use super::refusals::Denied;
use super::refusals::rule_error_code;
use crate::handshake::{self, Offered, Refusal};
use crate::internal::{RoomSetup, SeatSetup};
use crate::token::Grant;
use serde::{Deserialize, Serialize};
use volley_shared::game::{Game, SetupError, Viewer};
use volley_shared::protocol::room::move_ack;
use volley_shared::protocol::{ErrorCode, Role, RoomClientFrame, RoomServerFrame, close, v1};
use volley_shared::replay::{Action, LoggedAction, Replay};
use volley_shared::{PlayerId, Seat};

/// How long a bot seat takes over its move, so that people can follow; in
/// a room whose turns are shorter than twice this, half a turn.
pub const BOT_THINK_MS: u64 = 1_200;

/// How long a bot seat thinks in a room whose turns last `turn_ms`: never
/// so long that its turn runs out first.
pub fn bot_think_ms(turn_ms: u64) -> u64 {
    BOT_THINK_MS.min(turn_ms / 2)
}
/// How long a finished room waits before reporting its result again (the
/// first time, at least until its last turn's deadline).
pub const REPORT_RETRY_MS: u64 = 30_000;

/// When the result of a game an action ends is reported to the shard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Report {
    /// With the action's own effects.
    AtOnce,
    /// When a player acknowledges a move after the game's end
    /// ([`move_ack`]; as a rule the mover, once the move's events reached
    /// it), or else by the retry timer: the shard's work on the result
    /// (on the local runtime, on the same thread) then seldom shares its
    /// time with the game's last frames. For a move of a client that
    /// acknowledges its moves. The engine asks; the adapter reports only
    /// while the game is unreported ([`Effect::ReportResult`]).
    OnAcknowledgement,
}

/// A connection's first frame, as [`super::inbound`] read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Greeting {
    /// The versions the client speaks.
    pub offered: Offered,
    /// The join token it presents.
    pub token: String,
    /// The last event it applied; 0 on a first connection.
    pub last_seq: u64,
}

/// One game room.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct Room<G: Game> {
    setup: RoomSetup<G>,
    game: G,
    phase: Phase,
    /// Sequence number of the last event.
    seq: u64,
    /// Number of the last logged action.
    actions: u64,
}

impl<G: Game> Room<G> {
    /// A new room, waiting for its players, and the effects that start its
    /// seat reservation. Fails when the game does not take that many seats.
    pub fn new(setup: RoomSetup<G>, now_ms: u64) -> Result<(Room<G>, Vec<Effect<G>>), SetupError> {
        let seats = u8::try_from(setup.seats.len()).unwrap_or(u8::MAX);
        let game = G::new(&setup.config, setup.seed, seats)?;
        let reservation = Timer {
            kind: TimerKind::SeatReservation,
            due_ms: now_ms.saturating_add(setup.reservation_ms),
            epoch: 0,
        };
        let room = Room {
            // Bot seats are there from the start.
            phase: Phase::Waiting {
                joined: setup.seats.iter().map(|s| s.bot).collect(),
            },
            setup,
            game,
            seq: 0,
            actions: 0,
        };
        Ok((room, vec![Effect::Persist, Effect::SetTimer(reservation)]))
    }

    /// The room, its game drawing its future chance from `secret`, which
    /// no view shows ([`Game::with_secret`]); the replay gives it once the
    /// game is over. Only before the game begins: later it would change
    /// the chance already drawn.
    pub fn with_secret(self, secret: u64) -> Room<G> {
        if !self.waiting() {
            return self;
        }
        Room {
            game: self.game.with_secret(secret),
            ..self
        }
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

    /// Sequence number of the last event.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// The replay of this room, given its action log.
    pub fn replay(&self, actions: Vec<LoggedAction<G>>) -> Replay<G> {
        Replay {
            mode: self.setup.mode,
            config: self.setup.config.clone(),
            seed: self.setup.seed,
            names: self.names(),
            actions,
            // While the game is on, the secret would tell the chance to come.
            secret: self
                .game
                .secret()
                .filter(|_| matches!(self.phase, Phase::Finished { .. } | Phase::Closed)),
        }
    }

    /// Gives a seat of a private room, not yet taken, to `player`: the
    /// coordinator hands out a private room's seats one by one as friends
    /// join with its code. Refused once the seat has been joined or the game
    /// has begun.
    pub fn claim(&mut self, seat: Seat, player: PlayerId, name: String) -> Option<Vec<Effect<G>>> {
        let Phase::Waiting { joined } = &self.phase else {
            return None;
        };
        if joined.get(seat.index()) != Some(&false) {
            return None;
        }
        // One person, one seat: a second seat would let a player rate a
        // game against themselves.
        if self.setup.seats.iter().any(|s| s.player == player) {
            return None;
        }
        let slot = self.setup.seats.get_mut(seat.index())?;
        *slot = SeatSetup {
            player,
            name,
            bot: false,
        };
        Some(vec![Effect::Persist])
    }

    /// A connection's first frame. Settles the version (refusing one this
    /// room cannot speak, with the close code that says who is too old),
    /// judges the token with `verify`, checks that the token's player holds
    /// the seat, then admits the connection and welcomes it or brings it up
    /// to date. Starts the game when it was the last seat missing.
    pub fn hello(
        &mut self,
        now_ms: u64,
        greeting: Greeting,
        verify: impl FnOnce(&str) -> Result<Grant, Denied>,
    ) -> Vec<Effect<G>> {
        let mut effects = Vec::new();
        match handshake::settle(self.setup.mode, greeting.offered) {
            Ok(settled) => effects.extend(settled.answer().map(Effect::Answer)),
            Err(Refusal::V1 { message }) => {
                return refuse_and_close(Refusal::V1_CODE, Refusal::V1_CLOSE, message);
            }
            Err(Refusal::Opening {
                answer,
                close,
                message,
            }) => {
                return vec![
                    Effect::Answer(answer),
                    Effect::Close {
                        code: close,
                        reason: message,
                    },
                ];
            }
        }
        let grant = match verify(&greeting.token) {
            Ok(grant) => grant,
            Err(Denied::Token(err)) => {
                effects.extend(refuse_and_close(
                    ErrorCode::BadToken,
                    close::BAD_TOKEN,
                    err.to_string(),
                ));
                return effects;
            }
            Err(Denied::Full(message)) => {
                effects.extend(refuse_and_close(
                    ErrorCode::RateLimited,
                    close::FULL,
                    message,
                ));
                return effects;
            }
        };
        let role = grant.role;
        if let Role::Player(seat) = role
            && !self
                .setup
                .seats
                .get(seat.index())
                .is_some_and(|s| s.player == grant.player && !s.bot)
        {
            effects.extend(refuse_and_close(
                ErrorCode::BadToken,
                close::BAD_TOKEN,
                format!("the token's player does not hold {seat} here"),
            ));
            return effects;
        }
        effects.push(Effect::Admit(role));
        effects.push(self.catch_up(role, greeting.last_seq));
        if let Phase::Finished { outcome } = self.phase {
            effects.push(Effect::Reply(RoomServerFrame::GameOver {
                outcome,
                seq: self.seq,
            }));
        }
        let (Role::Player(seat), Phase::Waiting { joined }) = (role, &mut self.phase) else {
            return effects;
        };
        if let Some(slot) = joined.get_mut(seat.index()) {
            *slot = true;
        }
        if joined.iter().all(|&j| j) {
            effects.push(Effect::CancelTimer(TimerKind::SeatReservation));
            effects.extend(self.begin(now_ms));
        } else {
            effects.push(Effect::Persist);
        }
        effects
    }

    /// A frame from an admitted connection speaking protocol `version`.
    pub fn handle(
        &mut self,
        now_ms: u64,
        role: Role,
        version: u16,
        frame: RoomClientFrame<G>,
    ) -> Vec<Effect<G>> {
        match (role, frame) {
            (_, RoomClientFrame::Ping { nonce }) => match (role, move_ack::seq(nonce)) {
                (Role::Player(seat), Some(seq)) => self.acknowledged(seat, seq, version),
                _ => vec![Effect::Reply(RoomServerFrame::Pong { nonce })],
            },
            (Role::Spectator, _) => refuse(ErrorCode::UnexpectedFrame, "spectators cannot act"),
            (Role::Player(seat), RoomClientFrame::Move(mv)) => {
                let turn = self.game.turn();
                // Every client of version 2 acknowledges its moves, none
                // of version 1 (the first release's).
                let report = if version > v1::VERSION {
                    Report::OnAcknowledgement
                } else {
                    Report::AtOnce
                };
                match self.game.play(seat, &mv) {
                    Ok(events) => {
                        self.commit(now_ms, Action::Move { seat, mv }, events, turn, report)
                    }
                    Err(err) => refuse(rule_error_code(&err), &err.to_string()),
                }
            }
            (Role::Player(seat), RoomClientFrame::Live(live)) => {
                match self.game.check_live(seat, &live) {
                    Ok(()) => vec![Effect::Relay(RoomServerFrame::Live { seat, live })],
                    Err(err) => refuse(rule_error_code(&err), &err.to_string()),
                }
            }
            (Role::Player(seat), RoomClientFrame::Resign) => {
                let turn = self.game.turn();
                match self.game.resign(seat) {
                    Ok(events) => self.commit(
                        now_ms,
                        Action::Resign { seat },
                        events,
                        turn,
                        Report::AtOnce,
                    ),
                    Err(err) => refuse(rule_error_code(&err), &err.to_string()),
                }
            }
        }
    }

    /// `seat`, speaking `version`, acknowledged event `seq` ([`move_ack`]).
    /// Not answered in version 2: a `Pong` would be a frame the client has
    /// no use for, on every move; version 1 promised an answer to every
    /// ping, so a version 1 socket still gets one. After the game's end
    /// the result is asked for ([`Report::OnAcknowledgement`]): as a rule
    /// this is the last mover's acknowledgement, its events arrived. Any
    /// player's will do: an instance evicted since the move cannot match
    /// it to the move, and the adapter sends a report only while the game
    /// is unreported.
    fn acknowledged(&self, seat: Seat, seq: u64, version: u16) -> Vec<Effect<G>> {
        let mut effects = vec![Effect::MoveAcknowledged { seat, seq }];
        if version == v1::VERSION {
            effects.push(Effect::Reply(RoomServerFrame::Pong {
                nonce: move_ack::nonce(seq),
            }));
        }
        if let Phase::Finished { outcome } = self.phase {
            effects.push(Effect::ReportResult(outcome));
        }
        effects
    }

    /// A timer fell due. Timers may come late or twice: one that belongs to
    /// a past turn or phase does nothing.
    pub fn on_timer(&mut self, now_ms: u64, timer: Timer) -> Vec<Effect<G>> {
        match (timer.kind, &self.phase) {
            (TimerKind::TurnDeadline, Phase::InTurn { deadline_ms }) => {
                let deadline_ms = *deadline_ms;
                let turn = self.game.turn();
                if timer.epoch != u64::from(turn) {
                    return Vec::new();
                }
                if now_ms < deadline_ms {
                    // Early: wait for the real deadline.
                    return vec![Effect::SetTimer(self.turn_timer(deadline_ms))];
                }
                let events = self.game.time_out();
                self.commit(now_ms, Action::TimeOut, events, turn, Report::AtOnce)
            }
            (TimerKind::SeatReservation, Phase::Waiting { joined }) => {
                if joined.iter().any(|&j| j) {
                    // Seats nobody took are played by the server's bots, so
                    // the game goes on, and nobody is rated for beating an
                    // empty chair (only people are rated).
                    let absent: Vec<usize> = joined
                        .iter()
                        .enumerate()
                        .filter(|(_, joined)| !**joined)
                        .map(|(index, _)| index)
                        .collect();
                    for index in absent {
                        if let Some(seat) = self.setup.seats.get_mut(index) {
                            seat.bot = true;
                        }
                    }
                    self.begin(now_ms)
                } else {
                    self.phase = Phase::Closed;
                    vec![
                        Effect::CloseAll {
                            code: close::ROOM_CLOSED,
                            reason: "nobody came".into(),
                        },
                        Effect::DeleteAll,
                    ]
                }
            }
            (TimerKind::BotTurn, Phase::InTurn { .. }) => {
                let turn = self.game.turn();
                let bot = self.game.to_move().filter(|seat| self.is_bot(*seat));
                let (Some(seat), true) = (bot, timer.epoch == u64::from(turn)) else {
                    return Vec::new();
                };
                let Some(mv) = self.game.bot_move(seat) else {
                    // Nothing legal to do: the turn deadline will time it out.
                    return Vec::new();
                };
                match self.game.play(seat, &mv) {
                    Ok(events) => self.commit(
                        now_ms,
                        Action::Move { seat, mv },
                        events,
                        turn,
                        Report::AtOnce,
                    ),
                    Err(_) => Vec::new(),
                }
            }
            (TimerKind::ReportRetry, Phase::Finished { outcome }) => {
                let outcome = *outcome;
                vec![
                    Effect::SetTimer(self.report_retry(now_ms)),
                    Effect::ReportResult(outcome),
                ]
            }
            (TimerKind::Retention, Phase::Finished { .. }) => {
                self.phase = Phase::Closed;
                vec![
                    Effect::CloseAll {
                        code: close::ROOM_CLOSED,
                        reason: "the room's retention ran out".into(),
                    },
                    Effect::DeleteAll,
                ]
            }
            _ => Vec::new(),
        }
    }

    /// The welcome frame for a connection: everything needed to draw the
    /// game as of the last event.
    pub fn welcome(&self, role: Role) -> RoomServerFrame<G> {
        let viewer = match role {
            Role::Player(seat) => Viewer::Player(seat),
            Role::Spectator => Viewer::Spectator,
        };
        RoomServerFrame::Welcome {
            role,
            seq: self.seq,
            names: self.names(),
            waiting: self.waiting(),
            view: self.game.view(viewer),
            deadline_ms: self.deadline_ms(),
        }
    }

    /// Welcome, or catch up when the client has seen events the room still
    /// has after them.
    fn catch_up(&self, role: Role, last_seq: u64) -> Effect<G> {
        let welcome = self.welcome(role);
        if last_seq == 0 || last_seq > self.seq {
            return Effect::Reply(welcome);
        }
        Effect::CatchUp {
            last_seq,
            resumed: RoomServerFrame::Resumed {
                role,
                last_seq,
                seq: self.seq,
                waiting: self.waiting(),
                deadline_ms: self.deadline_ms(),
            },
            welcome,
        }
    }

    fn is_bot(&self, seat: Seat) -> bool {
        self.setup.seats.get(seat.index()).is_some_and(|s| s.bot)
    }

    fn names(&self) -> Vec<String> {
        self.setup.seats.iter().map(|s| s.name.clone()).collect()
    }

    fn waiting(&self) -> bool {
        matches!(self.phase, Phase::Waiting { .. })
    }

    fn deadline_ms(&self) -> Option<u64> {
        match self.phase {
            Phase::InTurn { deadline_ms } => Some(deadline_ms),
            _ => None,
        }
    }

    fn turn_timer(&self, deadline_ms: u64) -> Timer {
        Timer {
            kind: TimerKind::TurnDeadline,
            due_ms: deadline_ms,
            epoch: u64::from(self.game.turn()),
        }
    }

    /// Starts the game.
    fn begin(&mut self, now_ms: u64) -> Vec<Effect<G>> {
        let events = self.game.begin();
        self.commit(now_ms, Action::Begin, events, 0, Report::AtOnce)
    }

    /// Logs an accepted action and numbers its events; moves the phase and
    /// the turn clock on. `turn_before` is the game's turn before the
    /// action: when the turn changed, the new turn gets a full turn's time.
    fn commit(
        &mut self,
        now_ms: u64,
        action: Action<G>,
        events: Vec<G::Event>,
        turn_before: u32,
        report: Report,
    ) -> Vec<Effect<G>> {
        if events.is_empty() {
            return Vec::new();
        }
        let mut effects = Vec::new();
        let turn_deadline_ms = self.deadline_ms();
        let retention_ends_ms = now_ms.saturating_add(self.setup.retention_ms);
        match self.game.outcome() {
            Some(outcome) => {
                self.phase = Phase::Finished { outcome };
                effects.push(Effect::CancelTimer(TimerKind::TurnDeadline));
                effects.push(Effect::SetTimer(Timer {
                    kind: TimerKind::Retention,
                    due_ms: retention_ends_ms,
                    epoch: 0,
                }));
            }
            None => {
                let deadline_ms = match self.phase {
                    Phase::InTurn { deadline_ms } if self.game.turn() == turn_before => deadline_ms,
                    _ => now_ms.saturating_add(self.setup.turn_timeout_ms),
                };
                self.phase = Phase::InTurn { deadline_ms };
                effects.push(Effect::SetTimer(self.turn_timer(deadline_ms)));
                if self.game.to_move().is_some_and(|seat| self.is_bot(seat)) {
                    effects.push(Effect::SetTimer(Timer {
                        kind: TimerKind::BotTurn,
                        due_ms: now_ms.saturating_add(bot_think_ms(self.setup.turn_timeout_ms)),
                        epoch: u64::from(self.game.turn()),
                    }));
                }
            }
        }
        self.actions += 1;
        let deadline_ms = self.deadline_ms();
        let frames = events
            .into_iter()
            .map(|event| {
                self.seq += 1;
                let frame = RoomServerFrame::Event {
                    seq: self.seq,
                    event,
                    deadline_ms,
                };
                (self.seq, frame)
            })
            .collect();
        effects.push(Effect::Commit(Commit {
            action: LoggedAction {
                number: self.actions,
                at_ms: now_ms,
                action,
            },
            events: frames,
        }));
        if let Phase::Finished { outcome } = self.phase {
            effects.push(Effect::Broadcast(RoomServerFrame::GameOver {
                outcome,
                seq: self.seq,
            }));
            // The room's alarm rings by the last turn's deadline, so a
            // first retry no earlier than that never moves it: the last
            // move's events would wait for that write. It still comes
            // before the retention ends: a game whose last move nobody
            // acknowledges is reported by it, not deleted unreported.
            let mut retry = self.report_retry(now_ms);
            retry.due_ms = retry
                .due_ms
                .max(turn_deadline_ms.unwrap_or(0))
                .min(retention_ends_ms.saturating_sub(1));
            effects.push(Effect::SetTimer(retry));
            if report == Report::AtOnce {
                effects.push(Effect::ReportResult(outcome));
            }
        }
        effects
    }

    fn report_retry(&self, now_ms: u64) -> Timer {
        Timer {
            kind: TimerKind::ReportRetry,
            due_ms: now_ms.saturating_add(REPORT_RETRY_MS),
            epoch: 0,
        }
    }
}

#[cfg(test)]
mod tests;
