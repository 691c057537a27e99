//! Carrying out a room's effects: storage first (logs, record, timers, the
//! alarm), then frames and closes, then the result report.
//!
//! Writes between two awaits are committed together, and the runtime holds
//! outgoing frames (and requests) until they are durable: so nobody hears
//! of a move that a crash could lose. A result report waits for that
//! commit itself, so the frames leave first, and goes only while the game
//! is unreported (its retry timer set). When a game is reported is the
//! engine's to say: a version 2 player's last move, on an acknowledgement.

use super::GameRoom;
use super::sockets::Outgoing;
use crate::alarm::{self, AlarmPlan};
use crate::error::Result;
use crate::internal::{GameResult, RESULT_PATH, link};
use crate::room::effects::{Effect, TimerKind};
use crate::room::inbound::Caller;
use crate::room::outbound::{self, Encoded};
use crate::room::phase::Phase;
use crate::room::record::RoomRecord;
use crate::room::storage::Storage;
use crate::tally::Tally;
use std::cell::Cell;
use volley_shared::protocol::{Answer, Role, RoomServerFrame};
use volley_shared::{Game, Outcome, codec};
use worker::WebSocket;

impl GameRoom {
    /// Carries out the engine's effects in order. Returns whether the room
    /// deleted itself.
    pub(super) async fn carry_out<G: Game>(
        &self,
        storage: &Storage,
        record: &mut RoomRecord,
        caller: Option<(&WebSocket, Caller)>,
        now: u64,
        effects: Vec<Effect<G>>,
    ) -> Result<bool> {
        let mut outbox = Vec::new();
        let mut reports = Vec::new();
        let mut timers_changed = false;
        // The earliest timer set, while none is dropped (see
        // `reschedule_after_sets`).
        let mut only_set: Option<u64> = None;
        let mut cancelled = false;
        let mut deleted = false;
        // A round trip counted (the last move's comes after the game is
        // over, and is handed over then).
        let mut measured = false;
        // A room deleting itself: its last counts.
        let mut last_counts = None;
        // Who the caller turns out to be: written to its socket only once
        // storage is done, just before the frames go out, so a socket is
        // never admitted without its answer and welcome.
        let mut admitted = None;
        let (caller, mut caller_role, mut version) = match caller {
            Some((ws, who)) => {
                let role = match who {
                    Caller::Admitted { role, .. } => Some(role),
                    Caller::Pending => None,
                };
                (Some(ws), role, who.version())
            }
            None => (None, None, volley_shared::protocol::v1::VERSION),
        };
        for effect in effects {
            match effect {
                Effect::Answer(answer) => {
                    if let Answer::Agreed { version: agreed } = answer {
                        version = agreed;
                    }
                    outbox.push(Outgoing::ToCaller(codec::encode_answer(&answer)?));
                }
                Effect::Reply(frame) => {
                    if let RoomServerFrame::Error { code, .. } = &frame {
                        self.tally(now, Tally::Error(*code));
                    }
                    outbox.push(Outgoing::ToCaller(outbound::encode_for(&frame, version)?));
                }
                Effect::MoveAcknowledged { seat, seq } => {
                    measured |= self.note_acknowledgement(seat, seq, now);
                }
                Effect::Admit(role) => {
                    admitted = Some(role);
                    caller_role = Some(role);
                }
                Effect::CatchUp {
                    last_seq,
                    resumed,
                    welcome,
                } => {
                    let missed =
                        outbound::logged_events::<G>(storage.events_after(last_seq)?, version)?;
                    let caught_up = outbound::catch_up(
                        outbound::encode_for(&resumed, version)?,
                        missed,
                        outbound::encode_for(&welcome, version)?,
                    );
                    outbox.extend(caught_up.into_iter().map(Outgoing::ToCaller));
                }
                Effect::Commit(commit) => {
                    // Encoded once: the version 1 bytes are also what
                    // the event log stores.
                    let events = commit
                        .events
                        .iter()
                        .map(|(seq, frame)| Ok((*seq, Encoded::new(frame)?)))
                        .collect::<Result<Vec<_>>>()?;
                    storage.append(&commit.action, &events)?;
                    storage.save(record)?;
                    self.write_round_trips(storage);
                    // A player's move: its round trip ends when they
                    // acknowledge its first event.
                    if let (Some(Role::Player(seat)), Some((seq, _))) =
                        (caller_role, events.first())
                    {
                        self.note_move(seat, *seq, now);
                    }
                    outbox.extend(
                        events
                            .into_iter()
                            .map(|(_, encoded)| Outgoing::ToAdmitted(encoded, None)),
                    );
                }
                Effect::Persist => storage.save(record)?,
                Effect::Broadcast(frame) => {
                    outbox.push(Outgoing::ToAdmitted(Encoded::new(&frame)?, None));
                }
                Effect::Relay(frame) => {
                    outbox.push(Outgoing::ToAdmitted(Encoded::new(&frame)?, caller_role));
                }
                Effect::SetTimer(timer) => {
                    storage.set_timer(timer)?;
                    only_set = Some(only_set.map_or(timer.due_ms, |due| due.min(timer.due_ms)));
                    timers_changed = true;
                }
                Effect::CancelTimer(kind) => {
                    storage.cancel_timer(kind)?;
                    cancelled = true;
                    timers_changed = true;
                }
                Effect::Close { code, reason } => {
                    self.tally(now, Tally::Closed(code));
                    outbox.push(Outgoing::CloseCaller(code, reason));
                }
                Effect::CloseAll { code, reason } => {
                    let sockets = self.state.get_websockets().len();
                    self.tally_times(now, Tally::Closed(code), sockets);
                    outbox.push(Outgoing::CloseAll(code, reason));
                }
                Effect::ReportResult(outcome) => reports.push(outcome),
                Effect::DeleteAll => {
                    // What it counted is taken out first, sent once the
                    // room is gone (an event meanwhile finds no room).
                    last_counts = Some(self.take_tallies(storage));
                    // Also deletes the alarm (compatibility date >= 2026-02-24);
                    // deleted explicitly too, for older dates.
                    self.state.storage().delete_all().await?;
                    self.state.storage().delete_alarm().await?;
                    self.schema.forget();
                    self.alarm.forget();
                    self.record.take();
                    deleted = true;
                }
            }
        }
        if !deleted {
            // Storage now holds exactly this record: keep it for the next
            // event, before anything below awaits.
            self.record.replace(Some(record.clone()));
        }
        if timers_changed && !deleted {
            match only_set {
                Some(earliest) if !cancelled => {
                    self.reschedule_after_sets(storage, now, earliest).await?;
                }
                _ => self.reschedule(storage, now).await?,
            }
        }
        if let (Some(ws), Some(role)) = (caller, admitted) {
            self.admit(ws, role, version)?;
            // A game under way (its seats taken) whose last socket has
            // now said hello.
            if !deleted && !matches!(record.room.phase(), Phase::Waiting { .. }) {
                self.settle_after_hellos(storage, now).await?;
            }
        }
        self.send(caller, outbox);
        let over = match record.room.phase() {
            Phase::Finished { outcome } if !deleted => Some(*outcome),
            _ => None,
        };
        if deleted
            || self.reporting.get()
            || (!reports.is_empty() && !storage.has_timer(TimerKind::ReportRetry)?)
        {
            // The shard has the result already ([`Effect::ReportResult`]),
            // or is being told: a player's every acknowledgement after the
            // game's end asks for a report, and a hostile client may send
            // many while one is on its way.
            reports.clear();
        }
        let reported = !reports.is_empty();
        let _in_flight = reported.then(|| InFlight::mark(&self.reporting));
        if reported {
            // The report would wait for this commit anyway (the runtime
            // holds a request, as it holds frames, until the writes before
            // it are durable): the frames leave first.
            self.state.storage().sync().await?;
        }
        for outcome in reports {
            self.report(storage, record, outcome, now).await?;
        }
        if reported || (measured && over.is_some()) {
            self.hand_over_tallies(storage, record).await;
        }
        if let Some(counts) = last_counts {
            self.hand_over_last(record, counts).await;
        }
        Ok(deleted)
    }

    /// Tells the coordinator that made this room how its game ended. When
    /// the coordinator acknowledges, the retry timer is dropped; when it
    /// fails, the timer reports again later.
    pub(super) async fn report(
        &self,
        storage: &Storage,
        record: &RoomRecord,
        outcome: Outcome,
        now: u64,
    ) -> Result<()> {
        let result = GameResult {
            room: self.room_id(),
            mode: record.room.mode(),
            seats: record.room.seats().to_vec(),
            outcome,
            at_ms: now,
        };
        match link::post_to_coordinator(&self.env, &record.created_by, RESULT_PATH, &result).await {
            Ok(status) if status < 300 => {
                storage.cancel_timer(TimerKind::ReportRetry)?;
                // Nothing is due now until the retention: the alarm moves
                // there, instead of waking the room for nothing when it
                // rings (the game's events went out before the report).
                self.settle_after_hellos(storage, now).await
            }
            Ok(status) => {
                crate::build::log_warn!("result report answered {status}");
                Ok(())
            }
            Err(err) => {
                crate::build::log_warn!("result report failed: {err}");
                Ok(())
            }
        }
    }

    /// Moves the alarm so it rings no later than the earliest timer; only
    /// ever earlier ([`alarm::plan`]).
    pub(super) async fn reschedule(&self, storage: &Storage, now: u64) -> Result<()> {
        self.reschedule_by(storage, now, None).await
    }

    /// As [`GameRoom::reschedule`] after timers were only set, none due
    /// before `earliest`: an alarm that rings by then stays, known without
    /// reading the timers ([`alarm::rings_by`]).
    async fn reschedule_after_sets(
        &self,
        storage: &Storage,
        now: u64,
        earliest: u64,
    ) -> Result<()> {
        if alarm::rings_by(now, earliest, storage.alarm_ms(&self.alarm)?) {
            return Ok(());
        }
        self.reschedule(storage, now).await
    }

    /// As [`GameRoom::reschedule`], ringing by `also` at the latest too (a
    /// socket's hello deadline, which is no stored timer).
    pub(super) async fn reschedule_by(
        &self,
        storage: &Storage,
        now: u64,
        also: Option<u64>,
    ) -> Result<()> {
        let earliest = match (storage.next_due_ms()?, also) {
            (Some(due), Some(also)) => Some(due.min(also)),
            (due, also) => due.or(also),
        };
        let plan = alarm::plan(now, earliest, storage.alarm_ms(&self.alarm)?);
        self.follow(storage, plan).await
    }

    /// Once no socket is left to say hello, moves the alarm to the earliest
    /// timer ([`alarm::settle`]), later if need be: a socket's hello
    /// deadline or a timer since dropped moved it earlier, and left there
    /// it would wake the room for nothing when it rang (ten seconds into
    /// every game, after every rejoin, and a turn after a game's end).
    /// While a socket has yet to say hello, it stays: it rings by then.
    async fn settle_after_hellos(&self, storage: &Storage, now: u64) -> Result<()> {
        if self
            .hello_deadline(self.settings()?.limits.hello_ms)
            .is_some()
        {
            return Ok(());
        }
        let plan = alarm::settle(now, storage.next_due_ms()?, storage.alarm_ms(&self.alarm)?);
        self.follow(storage, plan).await
    }

    /// Sets, deletes or keeps the alarm as `plan` says, noting it.
    async fn follow(&self, storage: &Storage, plan: AlarmPlan) -> Result<()> {
        match plan {
            AlarmPlan::Keep => Ok(()),
            AlarmPlan::Set(due_ms) => {
                storage.note_alarm_ms(&self.alarm, Some(due_ms))?;
                Ok(self
                    .state
                    .storage()
                    .set_alarm(alarm::scheduled_at(due_ms))
                    .await?)
            }
            AlarmPlan::Delete => {
                storage.note_alarm_ms(&self.alarm, None)?;
                Ok(self.state.storage().delete_alarm().await?)
            }
        }
    }
}

/// A result report on its way to the shard: marked on the room until
/// dropped, whether the shard answers, fails, or an error ends the handler
/// first.
struct InFlight<'a>(&'a Cell<bool>);

impl<'a> InFlight<'a> {
    fn mark(flag: &'a Cell<bool>) -> InFlight<'a> {
        flag.set(true);
        InFlight(flag)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.set(false);
    }
}
