//! The benchmarks' baseline: an echo Durable Object behind a route that
//! only `--var VOLLEY_BENCH:1` turns on; and every test-only route and
//! header off on a server started without them.

use anyhow::{Result, bail, ensure};
use url::Url;
use volley_client::lobby;
use volley_client::native::{Connection, ws_url};
use volley_shared::Mode;
use volley_shared::api::TEST_CONTINENT_HEADER;
use volley_shared::artillery::Artillery;
use volley_shared::codec;
use volley_shared::protocol::LobbyServerFrame;
use volley_shared::protocol::v1::ServerFrame;
use volley_tests::{WranglerDev, get_status, post_status};

pub async fn the_echo_baseline_echoes_and_test_routes_are_off_by_default(
    base: Url,
    secret: String,
) -> Result<()> {
    // On (the harness's server passes VOLLEY_BENCH=1): frames come back as
    // they went.
    let mut conn = Connection::open(&ws_url(&base, "/api/bench/echo/ws?shard=3")?).await?;
    for nonce in [1, 2, u64::MAX] {
        let frame: ServerFrame<Artillery> = ServerFrame::Pong { nonce };
        conn.send_raw(codec::encode(&frame)?).await?;
        ensure!(
            conn.recv::<ServerFrame<Artillery>>().await? == frame,
            "echo changed the frame"
        );
    }
    conn.close().await;
    ensure!(get_status(&base.join("/api/bench/echo")?)? == 200);

    // Off: a server started without the var has no such route.
    let plain = WranglerDev::start(&[("JOIN_SECRET", &secret)])?;
    let status = get_status(&plain.base().join("/api/bench/echo")?)?;
    ensure!(
        status == 404,
        "the echo route answers {status} without VOLLEY_BENCH"
    );
    // Without VOLLEY_TEST_HOOKS: no coordinator hooks, and a client cannot
    // say which continent it is on (local wrangler reports North America).
    let hook = plain
        .base()
        .join("/api/coordinator/debug/holds?mode=duel")?;
    let status = post_status(&hook)?;
    ensure!(status == 404, "a coordinator hook answers {status}");
    let url = ws_url(plain.base(), "/api/matchmake?mode=duel")?;
    let mut rooms = Vec::new();
    for name in ["claims-oceania-1", "claims-oceania-2"] {
        let mut conn =
            Connection::open_with_headers(&url, &[(TEST_CONTINENT_HEADER, "OC")]).await?;
        conn.open_with(&lobby::find_match(Mode::Duel, name)).await?;
        rooms.push(conn);
    }
    let mut matched = Vec::new();
    for conn in &mut rooms {
        loop {
            match conn.recv_lobby().await? {
                LobbyServerFrame::Matched { room, .. } => {
                    matched.push(room);
                    break;
                }
                LobbyServerFrame::Queued { .. } => {}
                other => bail!("a ticket got {other:?}"),
            }
        }
    }
    ensure!(matched[0] == matched[1], "matched into two rooms");
    let placed = crate::room_hint(plain.base(), &matched[0])?;
    ensure!(
        placed.as_deref() == Some("enam"),
        "the test continent header was honoured: {} is placed at {placed:?}",
        matched[0]
    );
    Ok(())
}
