//! Golden frames of protocol version 2: the committed encoding of every
//! frame variant, the opening and its answer, the coordinator's frames, and
//! the room frames of both games. Each sample is encoded and compared byte
//! for byte with `tests/golden/v2/<name>.hex`, and the committed bytes are
//! decoded and compared with the sample. Once version 2 is released these
//! files never change (see `PROTOCOL.md`, "Versioning"); a new variant
//! needs a sample and a new file (run once with `VOLLEY_BLESS=1`).

mod common;

use std::collections::BTreeSet;
use std::fmt::Debug;
use volley_shared::artillery::{Aim, Artillery, ArtilleryEvent, Fire, Weapon};
use volley_shared::codec;
use volley_shared::connect_four::{ConnectFour, Event as Connect4Event};
use volley_shared::protocol::{
    Answer, ErrorCode, Hello, LobbyClientFrame, LobbyServerFrame, Opening, Party, Role,
    RoomClientFrame, RoomServerFrame, Versions,
};
use volley_shared::{Game, GameKind, Mode, Outcome, PlayerId, RoomId, Seat, Viewer};

fn check(name: &str, bytes: &[u8]) -> Vec<u8> {
    common::check_golden(&common::golden_dir("v2"), name, bytes)
}

/// Encodes, compares with the committed bytes, decodes them back.
fn round_trip<T>(name: &str, frame: &T, decode: impl Fn(&[u8]) -> T)
where
    T: serde::Serialize + PartialEq + Debug,
{
    let committed = check(name, &codec::encode(frame).unwrap());
    assert_eq!(&decode(&committed), frame, "{name}");
}

const V2: Versions = Versions { min: 2, max: 2 };
const DEADLINE: Option<u64> = Some(1_800_000_000_000);

fn openings() -> Vec<(&'static str, Opening)> {
    vec![
        (
            "opening-find-match",
            Opening {
                versions: V2,
                hello: Hello::FindMatch {
                    mode: Mode::ConnectFour,
                    name: "ann".into(),
                    party: None,
                },
            },
        ),
        (
            "opening-find-match-as-party",
            Opening {
                versions: Versions { min: 2, max: 7 },
                hello: Hello::FindMatch {
                    mode: Mode::Ffa4,
                    name: "ann".into(),
                    party: Some(Party {
                        key: "blue-otters".into(),
                        size: 2,
                    }),
                },
            },
        ),
        (
            "opening-join",
            Opening {
                versions: V2,
                hello: Hello::Join {
                    token: "0.0123456789abcdef.1900000000000.c0ffee".into(),
                    last_seq: 42,
                },
            },
        ),
    ]
}

fn answers() -> Vec<(&'static str, Answer)> {
    vec![
        ("answer-agreed", Answer::Agreed { version: 2 }),
        (
            "answer-refused",
            Answer::Refused {
                served: Versions { min: 1, max: 2 },
                message: "why".into(),
            },
        ),
    ]
}

fn lobby_client() -> Vec<(&'static str, LobbyClientFrame)> {
    vec![("lobby-client-ping", LobbyClientFrame::Ping { nonce: 7 })]
}

fn lobby_server() -> Vec<(&'static str, LobbyServerFrame)> {
    vec![
        (
            "lobby-server-queued",
            LobbyServerFrame::Queued {
                player: PlayerId(0x0123_4567_89ab_cdef),
            },
        ),
        (
            "lobby-server-matched",
            LobbyServerFrame::Matched {
                room: RoomId("ab".repeat(32)),
                game: GameKind::ConnectFour,
                seat: Seat(1),
                token: "1.0123456789abcdef.1900000000000.c0ffee".into(),
            },
        ),
        (
            "lobby-server-error",
            LobbyServerFrame::Error {
                code: ErrorCode::UnsupportedProtocol,
                message: "why".into(),
            },
        ),
        ("lobby-server-pong", LobbyServerFrame::Pong { nonce: 7 }),
    ]
}

fn room_client<G: Game>(live: G::Live, mv: G::Move) -> Vec<(&'static str, RoomClientFrame<G>)> {
    vec![
        ("live", RoomClientFrame::Live(live)),
        ("move", RoomClientFrame::Move(mv)),
        ("resign", RoomClientFrame::Resign),
        ("ping", RoomClientFrame::Ping { nonce: u64::MAX }),
    ]
}

/// Every room server variant but `Event`, which each game samples for
/// each of its own events.
fn room_server<G: Game>(view: G::View, live: G::Live) -> Vec<(String, RoomServerFrame<G>)> {
    let mut samples = vec![
        (
            "welcome".to_string(),
            RoomServerFrame::Welcome {
                role: Role::Player(Seat(1)),
                seq: 57,
                names: vec!["ann".into(), "bob".into()],
                waiting: false,
                view,
                deadline_ms: DEADLINE,
            },
        ),
        (
            "resumed".into(),
            RoomServerFrame::Resumed {
                role: Role::Spectator,
                last_seq: 40,
                seq: 43,
                waiting: false,
                deadline_ms: DEADLINE,
            },
        ),
        (
            "live".into(),
            RoomServerFrame::Live {
                seat: Seat(1),
                live,
            },
        ),
        (
            "game-over".into(),
            RoomServerFrame::GameOver {
                outcome: Outcome::Winner(Seat(0)),
                seq: 90,
            },
        ),
        (
            "error".into(),
            RoomServerFrame::Error {
                code: ErrorCode::NotYourTurn,
                message: "wait".into(),
            },
        ),
        ("pong".into(), RoomServerFrame::Pong { nonce: 7 }),
    ];
    samples.retain(|(_, f)| !matches!(f, RoomServerFrame::Event { .. }));
    samples
}

fn events<G: Game>(events: Vec<(&str, G::Event)>) -> Vec<(String, RoomServerFrame<G>)> {
    events
        .into_iter()
        .enumerate()
        .map(|(i, (name, event))| {
            (
                format!("event-{name}"),
                RoomServerFrame::Event {
                    seq: i as u64 + 1,
                    event,
                    deadline_ms: DEADLINE,
                },
            )
        })
        .collect()
}

fn fire() -> Fire {
    Fire {
        aim: Aim {
            angle_deg: 135,
            power: 72,
        },
        weapon: Weapon::Heavy,
    }
}

fn artillery_server() -> Vec<(String, RoomServerFrame<Artillery>)> {
    let (mid_game, _) = common::scripted_game(2, 12);
    // The whole state, as views showed it when these files were made (with
    // the seed): the sample is fixed, whatever a view shows today.
    let mut samples = room_server::<Artillery>(mid_game.clone(), fire());
    samples.extend(events::<Artillery>(vec![
        (
            "turn-started",
            ArtilleryEvent::TurnStarted {
                seat: Seat(0),
                wind: -7,
                turn: 1,
                round: 0,
            },
        ),
        (
            "turn-timed-out",
            ArtilleryEvent::TurnTimedOut {
                seat: Seat(1),
                forfeited: false,
            },
        ),
        ("resigned", ArtilleryEvent::Resigned { seat: Seat(1) }),
        (
            "game-over",
            ArtilleryEvent::GameOver {
                outcome: Outcome::Draw,
            },
        ),
    ]));
    // A shot from the scripted game, with its crater, hits and falls.
    let (_, scripted) = common::scripted_game(2, 6);
    let shot = scripted
        .into_iter()
        .find(|e| matches!(e, ArtilleryEvent::Shot(_)))
        .unwrap();
    samples.extend(events::<Artillery>(vec![("shot", shot)]));
    samples
}

fn connect_four_server() -> Vec<(String, RoomServerFrame<ConnectFour>)> {
    let mut board = ConnectFour::new(&(), 0, 2).unwrap();
    board.begin();
    for column in [3, 3, 4, 2] {
        let seat = board.to_move().unwrap();
        board.play(seat, &column).unwrap();
    }
    let mut samples = room_server::<ConnectFour>(board.view(Viewer::Spectator), 5);
    samples.extend(events::<ConnectFour>(vec![
        ("began", Connect4Event::Began { first: Seat(0) }),
        (
            "dropped",
            Connect4Event::Dropped {
                seat: Seat(1),
                column: 6,
            },
        ),
        ("timed-out", Connect4Event::TimedOut { seat: Seat(0) }),
        (
            "over",
            Connect4Event::Over {
                outcome: Outcome::Winner(Seat(1)),
            },
        ),
    ]));
    samples
}

fn room_server_variant<G: Game>(frame: &RoomServerFrame<G>) -> &'static str {
    match frame {
        RoomServerFrame::Welcome { .. } => "Welcome",
        RoomServerFrame::Resumed { .. } => "Resumed",
        RoomServerFrame::Event { .. } => "Event",
        RoomServerFrame::Live { .. } => "Live",
        RoomServerFrame::GameOver { .. } => "GameOver",
        RoomServerFrame::Error { .. } => "Error",
        RoomServerFrame::Pong { .. } => "Pong",
    }
}
const ROOM_SERVER_VARIANTS: [&str; 7] = [
    "Welcome", "Resumed", "Event", "Live", "GameOver", "Error", "Pong",
];

fn room_client_variant<G: Game>(frame: &RoomClientFrame<G>) -> &'static str {
    match frame {
        RoomClientFrame::Live(_) => "Live",
        RoomClientFrame::Move(_) => "Move",
        RoomClientFrame::Resign => "Resign",
        RoomClientFrame::Ping { .. } => "Ping",
    }
}

fn lobby_server_variant(frame: &LobbyServerFrame) -> &'static str {
    match frame {
        LobbyServerFrame::Queued { .. } => "Queued",
        LobbyServerFrame::Matched { .. } => "Matched",
        LobbyServerFrame::Error { .. } => "Error",
        LobbyServerFrame::Pong { .. } => "Pong",
    }
}

fn lobby_client_variant(frame: &LobbyClientFrame) -> &'static str {
    match frame {
        LobbyClientFrame::Ping { .. } => "Ping",
    }
}

fn hello_variant(hello: &Hello) -> &'static str {
    match hello {
        Hello::FindMatch { party: None, .. } => "FindMatch",
        Hello::FindMatch { party: Some(_), .. } => "FindMatchAsParty",
        Hello::Join { .. } => "Join",
    }
}

fn answer_variant(answer: &Answer) -> &'static str {
    match answer {
        Answer::Agreed { .. } => "Agreed",
        Answer::Refused { .. } => "Refused",
    }
}

fn set<'a>(names: impl IntoIterator<Item = &'a str>) -> BTreeSet<&'a str> {
    names.into_iter().collect()
}

/// Every file name the samples below commit, for the orphan check.
fn all_names() -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    names.extend(openings().into_iter().map(|(n, _)| n.to_string()));
    names.extend(answers().into_iter().map(|(n, _)| n.to_string()));
    names.extend(lobby_client().into_iter().map(|(n, _)| n.to_string()));
    names.extend(lobby_server().into_iter().map(|(n, _)| n.to_string()));
    for game in ["artillery", "connect4"] {
        for (n, _) in room_client::<ConnectFour>(0, 0) {
            names.insert(format!("room-{game}-client-{n}"));
        }
    }
    for (n, _) in artillery_server() {
        names.insert(format!("room-artillery-server-{n}"));
    }
    for (n, _) in connect_four_server() {
        names.insert(format!("room-connect4-server-{n}"));
    }
    names
}

#[test]
fn openings_and_answers_match_their_golden_bytes() {
    let samples = openings();
    assert_eq!(
        set(samples.iter().map(|(_, o)| hello_variant(&o.hello))),
        set(["FindMatch", "FindMatchAsParty", "Join"])
    );
    for (name, opening) in samples {
        let committed = check(name, &codec::encode_opening(&opening).unwrap());
        assert_eq!(codec::decode_opening(&committed), Ok(Some(opening)));
    }
    let samples = answers();
    assert_eq!(
        set(samples.iter().map(|(_, a)| answer_variant(a))),
        set(["Agreed", "Refused"])
    );
    for (name, answer) in samples {
        let committed = check(name, &codec::encode_answer(&answer).unwrap());
        assert_eq!(codec::decode_answer(&committed), Ok(Some(answer)));
    }
}

#[test]
fn lobby_frames_match_their_golden_bytes() {
    let client = lobby_client();
    assert_eq!(
        set(client.iter().map(|(_, f)| lobby_client_variant(f))),
        set(["Ping"])
    );
    for (name, frame) in client {
        round_trip(name, &frame, |b| codec::decode_client(b).unwrap());
    }
    let server = lobby_server();
    assert_eq!(
        set(server.iter().map(|(_, f)| lobby_server_variant(f))),
        set(["Queued", "Matched", "Error", "Pong"])
    );
    for (name, frame) in server {
        round_trip(name, &frame, |b| codec::decode_server(b).unwrap());
    }
}

fn check_room_game<G: Game>(
    game: &str,
    client: Vec<(&str, RoomClientFrame<G>)>,
    server: Vec<(String, RoomServerFrame<G>)>,
) {
    assert_eq!(
        set(client.iter().map(|(_, f)| room_client_variant(f))),
        set(["Live", "Move", "Resign", "Ping"])
    );
    for (name, frame) in client {
        let name = format!("room-{game}-client-{name}");
        round_trip(&name, &frame, |b| {
            codec::decode_client::<RoomClientFrame<G>>(b).unwrap()
        });
    }
    assert_eq!(
        set(server.iter().map(|(_, f)| room_server_variant(f))),
        set(ROOM_SERVER_VARIANTS)
    );
    for (name, frame) in server {
        let name = format!("room-{game}-server-{name}");
        round_trip(&name, &frame, |b| {
            codec::decode_server::<RoomServerFrame<G>>(b).unwrap()
        });
    }
}

#[test]
fn artillery_room_frames_match_their_golden_bytes() {
    let events: BTreeSet<&str> = artillery_server()
        .iter()
        .filter_map(|(_, f)| match f {
            RoomServerFrame::Event { event, .. } => Some(match event {
                ArtilleryEvent::TurnStarted { .. } => "TurnStarted",
                ArtilleryEvent::Shot(_) => "Shot",
                ArtilleryEvent::TurnTimedOut { .. } => "TurnTimedOut",
                ArtilleryEvent::Resigned { .. } => "Resigned",
                ArtilleryEvent::GameOver { .. } => "GameOver",
            }),
            _ => None,
        })
        .collect();
    assert_eq!(events.len(), 5, "every artillery event has a sample");
    let shell = Fire {
        weapon: Weapon::Shell,
        ..fire()
    };
    check_room_game::<Artillery>(
        "artillery",
        room_client::<Artillery>(shell, fire()),
        artillery_server(),
    );
}

#[test]
fn connect_four_room_frames_match_their_golden_bytes() {
    let events: BTreeSet<&str> = connect_four_server()
        .iter()
        .filter_map(|(_, f)| match f {
            RoomServerFrame::Event { event, .. } => Some(match event {
                Connect4Event::Began { .. } => "Began",
                Connect4Event::Dropped { .. } => "Dropped",
                Connect4Event::TimedOut { .. } => "TimedOut",
                Connect4Event::Over { .. } => "Over",
            }),
            _ => None,
        })
        .collect();
    assert_eq!(events.len(), 4, "every Connect Four event has a sample");
    check_room_game::<ConnectFour>(
        "connect4",
        room_client::<ConnectFour>(2, 3),
        connect_four_server(),
    );
}

#[test]
fn no_golden_file_is_left_without_a_sample() {
    common::every_file_has_a_sample(&common::golden_dir("v2"), &all_names());
}

#[test]
fn version_1_frames_convert_to_version_2_and_back() {
    use volley_shared::protocol::v1;
    for (_, frame) in artillery_server() {
        let old: v1::ServerFrame<Artillery> = frame.clone().into();
        assert_eq!(old.sort(), v1::Received::Room(frame));
    }
    for (_, frame) in lobby_server() {
        let old: v1::ServerFrame<Artillery> = frame.clone().into();
        match (old.sort(), frame) {
            // Version 1 has no game in `Matched`: it reads back as artillery.
            (
                v1::Received::Lobby(LobbyServerFrame::Matched { game, .. }),
                LobbyServerFrame::Matched { .. },
            ) => assert_eq!(game, GameKind::Artillery),
            // Errors and pongs read back as room frames (v1 has one type).
            (
                v1::Received::Room(_),
                LobbyServerFrame::Error { .. } | LobbyServerFrame::Pong { .. },
            ) => {}
            (back, frame) => assert_eq!(back, v1::Received::Lobby(frame)),
        }
    }
    for (_, frame) in room_client::<Artillery>(fire(), fire()) {
        let old: v1::ClientFrame<Artillery> = frame.clone().into();
        assert_eq!(old.sort(), v1::Sorted::Room(frame));
    }
    for (_, opening) in openings() {
        let old = v1::ClientFrame::<Artillery>::hello(1, opening.hello.clone());
        assert_eq!(old.sort(), v1::Sorted::Hello(1, opening.hello));
    }
}
