//! One room hosted in memory, carrying out its engine's effects the way the
//! `GameRoom` Durable Object does (`server/src/room/durable/carry.rs`):
//! storage first (the logs, the record, the timers), then the caller's
//! admission, then frames and closes, then the result report, sent only
//! while the game is unreported (its retry timer set).
//!
//! Its "storage" survives a restart and nothing else does: a restart
//! forgets every socket and reads the room back from its stored record
//! (the real format, `RoomRecord`), so state the engine forgot to persist
//! is lost here as it would be on Cloudflare.

use crate::games::SimGame;
use crate::net::ConnId;
use std::collections::BTreeMap;
use volley_server::flood::{FloodGuard, SLOW_DOWN, Verdict};
use volley_server::internal::SeatSetup;
use volley_server::room::effects::{Effect, Timer, TimerKind};
use volley_server::room::engine::Room;
use volley_server::room::inbound::{self, Caller};
use volley_server::room::outbound;
use volley_server::room::record::RoomRecord;
use volley_server::room::refusals::Denied;
use volley_server::token::JoinKey;
use volley_shared::codec;
use volley_shared::protocol::{Answer, ErrorCode, Role, RoomServerFrame, close};
use volley_shared::replay::{LoggedAction, Replay};
use volley_shared::{Outcome, RoomId};

/// What the room asks of the world after an input.
#[derive(Clone, Debug, PartialEq)]
pub enum Output {
    /// Bytes for one connection.
    Send(ConnId, Vec<u8>),
    /// Close one connection with this code.
    Close(ConnId, u16),
    /// Report the result to the coordinator.
    Report(Outcome, Vec<SeatSetup>),
}

/// A socket as the room knows it.
#[derive(Clone, Copy, Debug)]
struct Socket {
    caller: Caller,
    guard: FloodGuard,
}

/// Where a frame goes, before the admitted sockets are looked up.
enum Outgoing<G: SimGame> {
    ToCaller(Vec<u8>),
    ToAdmitted(RoomServerFrame<G>, Option<Role>),
    CloseCaller(u16),
    CloseAll(u16),
}

/// What a room keeps across restarts.
#[derive(Clone, Debug)]
struct Stored<G: SimGame> {
    record: Vec<u8>,
    actions: Vec<LoggedAction<G>>,
    events: Vec<RoomServerFrame<G>>,
    timers: BTreeMap<TimerKind, Timer>,
}

impl<G: SimGame> Default for Stored<G> {
    fn default() -> Self {
        Stored {
            record: Vec::new(),
            actions: Vec::new(),
            events: Vec::new(),
            timers: BTreeMap::new(),
        }
    }
}

/// One hosted room.
#[derive(Debug)]
pub struct RoomHost<G: SimGame> {
    id: RoomId,
    /// The room in memory; `None` once it deleted itself.
    room: Option<Room<G>>,
    stored: Stored<G>,
    sockets: BTreeMap<ConnId, Socket>,
    /// The last replay read before the room deleted itself.
    final_replay: Option<Replay<G>>,
}

impl<G: SimGame> RoomHost<G> {
    /// Hosts a new room and carries out its first effects.
    pub fn new(id: RoomId, room: Room<G>, effects: Vec<Effect<G>>, now_ms: u64) -> Self {
        let mut host = RoomHost {
            id,
            room: Some(room),
            stored: Stored::default(),
            sockets: BTreeMap::new(),
            final_replay: None,
        };
        host.persist(now_ms);
        let outputs = host.carry_out(None, effects, now_ms);
        debug_assert!(outputs.is_empty(), "a new room sends nothing");
        host
    }

    /// The room's id.
    pub fn id(&self) -> &RoomId {
        &self.id
    }

    /// The room, unless it deleted itself.
    pub fn room(&self) -> Option<&Room<G>> {
        self.room.as_ref()
    }

    /// The replay of its log (kept from just before it deleted itself).
    pub fn replay(&self) -> Option<Replay<G>> {
        match &self.room {
            Some(room) => Some(room.replay(self.stored.actions.clone())),
            None => self.final_replay.clone(),
        }
    }

    /// When its last logged action was taken (its game's end, once over).
    pub fn last_action_ms(&self) -> Option<u64> {
        match &self.room {
            Some(_) => self.stored.actions.last().map(|a| a.at_ms),
            None => self.final_replay.as_ref()?.actions.last().map(|a| a.at_ms),
        }
    }

    /// When its earliest timer is due.
    pub fn next_due_ms(&self) -> Option<u64> {
        self.stored.timers.values().map(|t| t.due_ms).min()
    }

    /// A new socket, accepted.
    pub fn accept(&mut self, conn: ConnId, now_ms: u64) {
        if self.room.is_some() {
            self.sockets.insert(
                conn,
                Socket {
                    caller: Caller::Pending,
                    guard: FloodGuard::new(now_ms),
                },
            );
        }
    }

    /// A socket closed from the other end.
    pub fn hang_up(&mut self, conn: ConnId) {
        self.sockets.remove(&conn);
    }

    /// Bytes from a socket: rate-limited, read, handled.
    pub fn receive(
        &mut self,
        conn: ConnId,
        bytes: &[u8],
        key: &JoinKey,
        now_ms: u64,
    ) -> Vec<Output> {
        let (Some(room), Some(socket)) = (self.room.as_mut(), self.sockets.get_mut(&conn)) else {
            return Vec::new();
        };
        let verdict = socket.guard.frame(now_ms);
        if verdict != Verdict::Allow {
            let mut outputs = Vec::new();
            if let Ok(bytes) =
                outbound::encode_error(ErrorCode::RateLimited, SLOW_DOWN, socket.caller.version())
            {
                outputs.push(Output::Send(conn, bytes));
            }
            if verdict == Verdict::Cut {
                outputs.push(Output::Close(conn, close::RATE_LIMITED));
            }
            return outputs;
        }
        let caller = socket.caller;
        let id = self.id.clone();
        let effects = inbound::receive(room, now_ms, caller, bytes, &mut socket.guard, |token| {
            key.verify(&id, token, now_ms).map_err(Denied::Token)
        });
        self.carry_out(Some(conn), effects, now_ms)
    }

    /// The alarm rang: every timer due runs, earliest first.
    pub fn alarm(&mut self, now_ms: u64) -> Vec<Output> {
        let mut due: Vec<Timer> = self
            .stored
            .timers
            .values()
            .filter(|t| t.due_ms <= now_ms)
            .copied()
            .collect();
        due.sort_by_key(|t| (t.due_ms, t.kind));
        let mut outputs = Vec::new();
        for timer in due {
            let Some(room) = self.room.as_mut() else {
                break;
            };
            // A timer is dropped before it runs; the effects may set it anew.
            self.stored.timers.remove(&timer.kind);
            let effects = room.on_timer(now_ms, timer);
            outputs.extend(self.carry_out(None, effects, now_ms));
        }
        outputs
    }

    /// The coordinator acknowledged the result: no more retries.
    pub fn acknowledged(&mut self) {
        self.stored.timers.remove(&TimerKind::ReportRetry);
    }

    /// The object restarts: every socket is gone and the room is read back
    /// from its stored record. Returns the sockets that were open.
    pub fn restart(&mut self) -> Vec<ConnId> {
        let open = std::mem::take(&mut self.sockets).into_keys().collect();
        if self.room.is_some() {
            let record = RoomRecord::from_blob(&self.stored.record)
                .unwrap_or_else(|e| panic!("room {}: its stored record: {e}", self.id));
            let room = G::from_any(record.room)
                .unwrap_or_else(|| panic!("room {}: stored as another game", self.id));
            self.room = Some(room);
        }
        open
    }

    fn persist(&mut self, now_ms: u64) {
        if let Some(room) = &self.room {
            let record = RoomRecord::new(G::into_any(room.clone()), "harness".into(), None, now_ms);
            self.stored.record = record
                .to_blob()
                .unwrap_or_else(|e| panic!("room {}: its record: {e}", self.id));
        }
    }

    fn carry_out(
        &mut self,
        caller: Option<ConnId>,
        effects: Vec<Effect<G>>,
        now_ms: u64,
    ) -> Vec<Output> {
        let caller_socket = caller.and_then(|c| self.sockets.get(&c).copied());
        let mut version = caller_socket.map_or(1, |s| s.caller.version());
        let mut caller_role = match caller_socket.map(|s| s.caller) {
            Some(Caller::Admitted { role, .. }) => Some(role),
            _ => None,
        };
        let mut admitted = None;
        let mut outbox = Vec::new();
        let mut reports = Vec::new();
        // Who played, for a report (read before the room may delete itself).
        let seats = effects
            .iter()
            .any(|e| matches!(e, Effect::ReportResult(_)))
            .then(|| self.room.as_ref().map(|r| r.setup().seats.clone()))
            .flatten()
            .unwrap_or_default();
        for effect in effects {
            match effect {
                Effect::Answer(answer) => {
                    if let Answer::Agreed { version: agreed } = answer {
                        version = agreed;
                    }
                    outbox.push(Outgoing::ToCaller(encode(codec::encode_answer(&answer))));
                }
                Effect::Reply(frame) => {
                    outbox.push(Outgoing::ToCaller(encode(outbound::encode_for(
                        &frame, version,
                    ))));
                }
                Effect::MoveAcknowledged { .. } => {}
                Effect::Admit(role) => {
                    admitted = Some(role);
                    caller_role = Some(role);
                }
                Effect::CatchUp {
                    last_seq,
                    resumed,
                    welcome,
                } => {
                    let missed: Vec<Vec<u8>> = self
                        .stored
                        .events
                        .iter()
                        .skip(usize::try_from(last_seq).unwrap_or(usize::MAX))
                        .map(|frame| encode(outbound::encode_for(frame, version)))
                        .collect();
                    let caught_up = outbound::catch_up(
                        encode(outbound::encode_for(&resumed, version)),
                        missed,
                        encode(outbound::encode_for(&welcome, version)),
                    );
                    outbox.extend(caught_up.into_iter().map(Outgoing::ToCaller));
                }
                Effect::Commit(commit) => {
                    self.stored.actions.push(commit.action);
                    for (seq, frame) in commit.events {
                        assert_eq!(
                            seq,
                            self.stored.events.len() as u64 + 1,
                            "room {}: events are numbered without a gap",
                            self.id
                        );
                        self.stored.events.push(frame.clone());
                        outbox.push(Outgoing::ToAdmitted(frame, None));
                    }
                    self.persist(now_ms);
                }
                Effect::Persist => self.persist(now_ms),
                Effect::Broadcast(frame) => outbox.push(Outgoing::ToAdmitted(frame, None)),
                Effect::Relay(frame) => outbox.push(Outgoing::ToAdmitted(frame, caller_role)),
                Effect::SetTimer(timer) => {
                    self.stored.timers.insert(timer.kind, timer);
                }
                Effect::CancelTimer(kind) => {
                    self.stored.timers.remove(&kind);
                }
                Effect::Close { code, .. } => outbox.push(Outgoing::CloseCaller(code)),
                Effect::CloseAll { code, .. } => outbox.push(Outgoing::CloseAll(code)),
                Effect::ReportResult(outcome) => reports.push(outcome),
                Effect::DeleteAll => {
                    self.final_replay = self.replay();
                    self.room = None;
                    self.stored = Stored::default();
                }
            }
        }
        if !self.stored.timers.contains_key(&TimerKind::ReportRetry) {
            // The coordinator has the result already (`Effect::ReportResult`).
            reports.clear();
        }
        let mut outputs = Vec::new();
        if let (Some(conn), Some(role)) = (caller, admitted) {
            outputs.extend(self.admit(conn, role, version));
        }
        outputs.extend(self.send(caller, outbox));
        outputs.extend(
            reports
                .into_iter()
                .map(|o| Output::Report(o, seats.clone())),
        );
        outputs
    }

    /// Remembers the caller's role; another socket for the same seat is
    /// closed as replaced, and the stricter of their flood guards kept.
    fn admit(&mut self, conn: ConnId, role: Role, version: u16) -> Vec<Output> {
        let mut closes = Vec::new();
        let Some(mut socket) = self.sockets.get(&conn).copied() else {
            return closes;
        };
        if let Role::Player(_) = role {
            let replaced: Vec<ConnId> = self
                .sockets
                .iter()
                .filter(|(c, s)| {
                    **c != conn && matches!(s.caller, Caller::Admitted { role: r, .. } if r == role)
                })
                .map(|(c, _)| *c)
                .collect();
            for old in replaced {
                if let Some(previous) = self.sockets.remove(&old) {
                    socket.guard = socket.guard.stricter(previous.guard, 0);
                    closes.push(Output::Close(old, close::REPLACED));
                }
            }
        }
        socket.caller = Caller::Admitted { role, version };
        self.sockets.insert(conn, socket);
        closes
    }

    fn send(&mut self, caller: Option<ConnId>, outbox: Vec<Outgoing<G>>) -> Vec<Output> {
        let mut outputs = Vec::new();
        for outgoing in outbox {
            match outgoing {
                Outgoing::ToCaller(bytes) => {
                    if let Some(conn) = caller {
                        outputs.push(Output::Send(conn, bytes));
                    }
                }
                Outgoing::ToAdmitted(frame, except) => {
                    for (conn, socket) in &self.sockets {
                        if let Caller::Admitted { role, version } = socket.caller
                            && Some(role) != except
                        {
                            outputs.push(Output::Send(
                                *conn,
                                encode(outbound::encode_for(&frame, version)),
                            ));
                        }
                    }
                }
                Outgoing::CloseCaller(code) => {
                    if let Some(conn) = caller {
                        self.sockets.remove(&conn);
                        outputs.push(Output::Close(conn, code));
                    }
                }
                Outgoing::CloseAll(code) => {
                    for conn in std::mem::take(&mut self.sockets).into_keys() {
                        outputs.push(Output::Close(conn, code));
                    }
                }
            }
        }
        outputs
    }
}

/// Frames the engine made always encode; a failure is a bug in the codec.
fn encode(bytes: Result<Vec<u8>, codec::CodecError>) -> Vec<u8> {
    bytes.unwrap_or_else(|e| panic!("a frame the room made does not encode: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use volley_client::session::GameSession;
    use volley_client::wire;
    use volley_server::internal::{RoomSetup, Terms};
    use volley_server::token::Grant;
    use volley_shared::connect_four::ConnectFour;
    use volley_shared::protocol::RoomClientFrame;
    use volley_shared::protocol::room::move_ack;
    use volley_shared::{Game, Mode, PlayerId, Seat};

    /// A Connect Four room whose two players are in, seat n on
    /// connection n, both speaking version 2.
    fn two_players(key: &JoinKey) -> RoomHost<ConnectFour> {
        let seats = (0..2)
            .map(|n| SeatSetup {
                player: PlayerId(n),
                name: format!("p{n}"),
                bot: false,
            })
            .collect();
        let setup = RoomSetup::<ConnectFour>::with_terms(Terms {
            mode: Mode::ConnectFour,
            seats,
            seed: 1,
            turn_timeout_ms: 30_000,
            reservation_ms: 60_000,
            retention_ms: 600_000,
        });
        let (room, effects) = Room::new(setup, 0).unwrap();
        let id = RoomId("room".into());
        let mut host = RoomHost::new(id.clone(), room, effects, 0);
        for n in 0..2u8 {
            let conn = ConnId(u64::from(n));
            host.accept(conn, 0);
            let grant = Grant {
                role: Role::Player(Seat(n)),
                player: PlayerId(u64::from(n)),
                expires_ms: u64::MAX,
            };
            let opening = GameSession::<ConnectFour>::new().hello(&key.sign(&id, grant));
            host.receive(conn, &codec::encode_opening(&opening).unwrap(), key, 0);
        }
        host
    }

    #[test]
    fn a_result_goes_on_an_acknowledgement_after_the_end_until_the_coordinator_has_it() {
        let key = JoinKey::new("a harness secret of at least thirty-two bytes").unwrap();
        let mut host = two_players(&key);
        let send = |host: &mut RoomHost<ConnectFour>,
                    seat: Seat,
                    frame: RoomClientFrame<ConnectFour>,
                    at_ms: u64| {
            let bytes = wire::encode_room(&frame, 2).unwrap();
            host.receive(ConnId(u64::from(seat.0)), &bytes, &key, at_ms)
        };
        let reports = |outputs: &[Output]| {
            outputs
                .iter()
                .filter(|o| matches!(o, Output::Report(..)))
                .count()
        };
        let to_move = |host: &RoomHost<ConnectFour>| host.room().and_then(|r| r.game().to_move());
        // The first to move wins in column 3, the other playing column 4.
        let first = to_move(&host).unwrap();
        let mut last = Vec::new();
        for at_ms in (1..=7).map(|n| n * 1_000) {
            let seat = to_move(&host).unwrap();
            let column = if seat == first { 3 } else { 4 };
            last = send(&mut host, seat, RoomClientFrame::Move(column), at_ms);
        }
        assert_eq!(to_move(&host), None, "the game is over");
        assert_eq!(reports(&last), 0, "{last:?}");
        let ack = RoomClientFrame::Ping {
            nonce: move_ack::nonce(9),
        };
        let acked = send(&mut host, first, ack.clone(), 8_000);
        assert_eq!(reports(&acked), 1, "{acked:?}");
        assert!(
            !acked.iter().any(|o| matches!(o, Output::Send(..))),
            "an acknowledgement is not answered: {acked:?}"
        );
        // Once the coordinator has the result, no acknowledgement sends it.
        host.acknowledged();
        let other = Seat(1 - first.0);
        assert_eq!(send(&mut host, other, ack, 9_000), []);
    }
}
