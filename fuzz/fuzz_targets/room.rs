//! The room engine driven by any sequence of hellos (good and bad tokens,
//! both protocol versions), frames (decoded from any bytes, and moves made
//! from two bytes, mostly legal), resignations, claims, timers (due, early, stale, repeated) and
//! raw bytes from any caller, for artillery and Connect Four rooms.
//!
//! A bot's turn is never played here: the shared AI's search would take
//! nearly all the time (the games' own tests cover it); the timer still
//! fires for seats that are not bots.
//!
//! Invariants checked after every input:
//! - no panic;
//! - logged actions are numbered 1, 2, 3, … and event numbers run on
//!   without a gap, ending at the room's `seq`;
//! - nothing is logged once the game is over, and a closed room stays
//!   closed;
//! - at the end, the room's own log replays to the room's own game.

#![no_main]

use libfuzzer_sys::fuzz_target;
use volley_server::flood::FloodGuard;
use volley_server::handshake::Offered;
use volley_server::internal::{RoomSetup, SeatSetup};
use volley_server::room::effects::{Effect, Timer, TimerKind};
use volley_server::room::engine::{Greeting, Room};
use volley_server::room::inbound::{self, Caller};
use volley_server::room::phase::Phase;
use volley_server::room::refusals::Denied;
use volley_server::token::{Grant, TokenError};
use volley_shared::artillery::{Aim, Artillery, Fire, Weapon};
use volley_shared::codec;
use volley_shared::connect_four::ConnectFour;
use volley_shared::game::Game;
use volley_shared::protocol::{RoomClientFrame, Versions};
use volley_shared::replay::LoggedAction;
use volley_shared::{Mode, PlayerId, Role, Seat};

/// The fuzzer's bytes, read as a script.
struct Script<'a>(&'a [u8]);

impl Script<'_> {
    fn byte(&mut self) -> Option<u8> {
        let (first, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(*first)
    }

    fn chunk(&mut self) -> &[u8] {
        let len = usize::from(self.byte().unwrap_or(0) % 32).min(self.0.len());
        let (chunk, rest) = self.0.split_at(len);
        self.0 = rest;
        chunk
    }

    /// The protocol version an admitted frame comes in (2 when the
    /// script has run out).
    fn version(&mut self) -> u16 {
        if self.byte().unwrap_or(0) & 1 == 0 {
            2
        } else {
            1
        }
    }
}

/// A move made from two of the fuzzer's bytes (the shared AI would find
/// legal ones, but is a thousand times slower than the engine).
trait FromBytes: Game {
    fn move_from(a: u8, b: u8) -> Self::Move;
}

impl FromBytes for Artillery {
    fn move_from(a: u8, b: u8) -> Fire {
        Fire {
            aim: Aim {
                angle_deg: u16::from(a) * 180 / 255,
                power: u16::from(b & 0x7f),
            },
            weapon: if b & 0x80 != 0 {
                Weapon::Heavy
            } else {
                Weapon::Shell
            },
        }
    }
}

impl FromBytes for ConnectFour {
    fn move_from(a: u8, _: u8) -> u8 {
        a % 8
    }
}

/// What a run of one room has seen.
struct Log<G: Game> {
    actions: Vec<LoggedAction<G>>,
    seq: u64,
}

fn check<G: Game>(room: &Room<G>, before: &Phase, effects: Vec<Effect<G>>, log: &mut Log<G>) {
    if *before == Phase::Closed {
        assert_eq!(room.phase(), &Phase::Closed, "a closed room opened again");
    }
    for effect in effects {
        if let Effect::Commit(commit) = effect {
            assert!(
                !matches!(before, Phase::Finished { .. } | Phase::Closed),
                "an action logged after the game ended"
            );
            assert_eq!(commit.action.number, log.actions.len() as u64 + 1);
            for (seq, _) in &commit.events {
                assert_eq!(*seq, log.seq + 1, "event numbers skip");
                log.seq = *seq;
            }
            log.actions.push(commit.action);
        }
    }
    assert_eq!(room.seq(), log.seq, "the room's seq is not its last event");
}

fn run<G: FromBytes>(mode: Mode, config: G::Config, script: &mut Script) {
    let seats = if mode == Mode::Ffa3 { 3 } else { 2 };
    let flags = script.byte().unwrap_or(0);
    let setup = RoomSetup::<G> {
        mode,
        config,
        seats: (0..seats)
            .map(|n| SeatSetup {
                player: PlayerId(100 + u64::from(n)),
                name: format!("p{n}"),
                bot: flags & (1 << n) != 0 && n > 0,
            })
            .collect(),
        seed: u64::from(script.byte().unwrap_or(7)),
        turn_timeout_ms: 1_000,
        reservation_ms: 5_000,
        retention_ms: 60_000,
    };
    let Ok((mut room, _)) = Room::new(setup, 0) else {
        return;
    };
    let mut log = Log::<G> {
        actions: Vec::new(),
        seq: 0,
    };
    let mut now = 0u64;
    let mut guard = FloodGuard::new(0);
    while let Some(op) = script.byte() {
        let arg = script.byte().unwrap_or(0);
        let seat = Seat(arg % seats);
        let role = if arg & 0x80 != 0 {
            Role::Spectator
        } else {
            Role::Player(seat)
        };
        let before = room.phase().clone();
        let effects = match op % 9 {
            0 => {
                now += u64::from(arg) * 50;
                Vec::new()
            }
            1 => {
                let offered = if arg & 0x40 != 0 {
                    Offered::V1(u16::from(arg & 3))
                } else {
                    Offered::Range(Versions { min: 1, max: 2 })
                };
                let greeting = Greeting {
                    offered,
                    token: "t".into(),
                    last_seq: u64::from(script.byte().unwrap_or(0)),
                };
                let player = PlayerId(100 + u64::from(seat.0) + u64::from(arg & 0x20 != 0));
                room.hello(now, greeting, |_| {
                    if arg & 0x10 != 0 {
                        Err(Denied::Token(TokenError::Expired))
                    } else {
                        Ok(Grant {
                            role,
                            player,
                            expires_ms: u64::MAX,
                        })
                    }
                })
            }
            2 => match codec::decode_client::<RoomClientFrame<G>>(script.chunk()) {
                Ok(frame) => room.handle(now, role, script.version(), frame),
                Err(_) => Vec::new(),
            },
            3 => match room.game().to_move() {
                Some(to_move) => {
                    let mv = G::move_from(arg, script.byte().unwrap_or(0));
                    room.handle(
                        now,
                        Role::Player(to_move),
                        script.version(),
                        RoomClientFrame::Move(mv),
                    )
                }
                None => Vec::new(),
            },
            4 => room.handle(now, role, script.version(), RoomClientFrame::Resign),
            5 => {
                let kind = TimerKind::ALL[usize::from(arg) % TimerKind::ALL.len()];
                let epoch = match script.byte() {
                    Some(e) if e & 1 == 0 => u64::from(room.game().turn()),
                    Some(e) => u64::from(e >> 1),
                    None => 0,
                };
                let bot_to_move = room
                    .game()
                    .to_move()
                    .and_then(|seat| room.setup().seats.get(usize::from(seat.0)))
                    .is_some_and(|seat| seat.bot);
                if kind == TimerKind::BotTurn && bot_to_move {
                    // The shared AI's search would take nearly all the
                    // time; the games' own tests cover it.
                    continue;
                }
                room.on_timer(
                    now,
                    Timer {
                        kind,
                        due_ms: now,
                        epoch,
                    },
                )
            }
            6 => room
                .claim(seat, PlayerId(200 + u64::from(arg)), "friend".into())
                .unwrap_or_default(),
            7 => {
                let caller = match arg % 3 {
                    0 => Caller::Pending,
                    1 => Caller::Admitted { role, version: 1 },
                    _ => Caller::Admitted { role, version: 2 },
                };
                let bytes = script.chunk().to_vec();
                inbound::receive(&mut room, now, caller, &bytes, &mut guard, |_| {
                    Err(Denied::Token(TokenError::BadSignature))
                })
            }
            _ => {
                // A deadline fires: the turn's own, on time.
                now += 1_000;
                let epoch = u64::from(room.game().turn());
                room.on_timer(
                    now,
                    Timer {
                        kind: TimerKind::TurnDeadline,
                        due_ms: now,
                        epoch,
                    },
                )
            }
        };
        check(&room, &before, effects, &mut log);
    }
    if room.phase() != &Phase::Closed {
        let (game, events) = room
            .replay(log.actions)
            .run()
            .expect("the room's own log replays");
        assert_eq!(&game, room.game(), "the replay ends elsewhere");
        assert_eq!(
            events.len() as u64,
            room.seq(),
            "the replay has other events"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let mut script = Script(data);
    match script.byte().unwrap_or(0) % 3 {
        0 => run::<Artillery>(Mode::Duel, Default::default(), &mut script),
        1 => run::<Artillery>(Mode::Ffa3, Default::default(), &mut script),
        _ => run::<ConnectFour>(Mode::ConnectFour, (), &mut script),
    }
});
