//! The benchmarks' baseline: an echo Durable Object behind a route that
//! only `--var VOLLEY_BENCH:1` turns on.

use anyhow::{Result, ensure};
use url::Url;
use volley_client::native::{Connection, ws_url};
use volley_shared::artillery::Artillery;
use volley_shared::codec;
use volley_shared::protocol::v1::ServerFrame;
use volley_tests::{WranglerDev, get_status};

pub async fn the_echo_baseline_echoes_and_is_off_by_default(
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
    Ok(())
}
