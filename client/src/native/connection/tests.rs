//! A connection meets a server that only speaks version 1 (the previous
//! release): an in-process WebSocket server on loopback that answers as
//! that release did, and the client falls back to version 1 by itself.

use crate::native::Client;
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;
use url::Url;
use volley_shared::artillery::Artillery;
use volley_shared::protocol::opening::OPENING_TAG;
use volley_shared::protocol::{ErrorCode, RoomClientFrame, RoomServerFrame, v1};
use volley_shared::{Game, GameKind, Mode, PlayerId, Role, RoomId, Seat, codec};

type V1Client = v1::ClientFrame<Artillery>;
type V1Server = v1::ServerFrame<Artillery>;

/// A server for one connection that answers like the first release:
/// the opening is not a frame it knows (a `MalformedFrame` error, socket
/// open), then it serves `script` for each later frame it reads.
async fn v1_server(script: Vec<(V1Client, Vec<V1Server>)>) -> Url {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = Url::parse(&format!("http://{}", listener.local_addr().unwrap())).unwrap();
    tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let mut ws = tokio_tungstenite::accept_async(stream).await.unwrap();
        let Some(Ok(Message::Binary(opening))) = ws.next().await else {
            panic!("no opening");
        };
        assert_eq!(opening[0], OPENING_TAG);
        let refusal = V1Server::Error {
            code: ErrorCode::MalformedFrame,
            message: "malformed frame: unexpected variant index 86".into(),
        };
        ws.send(Message::Binary(codec::encode(&refusal).unwrap().into()))
            .await
            .unwrap();
        for (expected, answers) in script {
            let Some(Ok(Message::Binary(bytes))) = ws.next().await else {
                panic!("no frame, expected {expected:?}");
            };
            assert_eq!(codec::decode_client::<V1Client>(&bytes).unwrap(), expected);
            for answer in answers {
                ws.send(Message::Binary(codec::encode(&answer).unwrap().into()))
                    .await
                    .unwrap();
            }
        }
        let _ = ws.close(None).await;
    });
    url
}

#[tokio::test]
async fn matchmaking_falls_back_to_version_1() {
    let room = RoomId("ab".repeat(32));
    let url = v1_server(vec![(
        V1Client::FindMatch {
            protocol: 1,
            mode: Mode::Duel,
            name: "ann".into(),
        },
        vec![
            V1Server::Queued {
                player: PlayerId(7),
            },
            V1Server::Matched {
                room: room.clone(),
                seat: Seat(1),
                token: "t".into(),
            },
        ],
    )])
    .await;
    let matched = Client::new(url).matchmake(Mode::Duel, "ann").await.unwrap();
    assert_eq!(matched.room, room);
    assert_eq!(matched.game, GameKind::Artillery);
    assert_eq!(matched.seat, Seat(1));
}

#[tokio::test]
async fn a_room_socket_falls_back_to_version_1() {
    let mut game = Artillery::new(&Default::default(), 3, 2).unwrap();
    game.begin();
    let welcome = V1Server::Welcome {
        role: Role::Player(Seat(0)),
        seq: 1,
        names: vec!["ann".into(), "bob".into()],
        waiting: false,
        view: game.clone(),
        deadline_ms: None,
    };
    let url = v1_server(vec![
        (
            V1Client::Hello {
                protocol: 1,
                token: "t".into(),
                last_seq: 0,
            },
            vec![welcome.clone()],
        ),
        (V1Client::Resign, vec![V1Server::Pong { nonce: 1 }]),
    ])
    .await;
    let client = Client::new(url);
    let mut conn = client.open_room(&RoomId("ab".repeat(32))).await.unwrap();
    let session = crate::session::GameSession::<Artillery>::new();
    assert_eq!(conn.open_with(&session.hello("t")).await.unwrap(), 1);
    assert_eq!(conn.version(), 1);
    let v1::Received::Room(expected) = welcome.sort() else {
        panic!("a welcome is a room frame");
    };
    assert_eq!(conn.recv_room::<Artillery>().await.unwrap(), expected);
    conn.send_room(&RoomClientFrame::<Artillery>::Resign)
        .await
        .unwrap();
    assert_eq!(
        conn.recv_room::<Artillery>().await.unwrap(),
        RoomServerFrame::Pong { nonce: 1 }
    );
}
