//! The operators' dashboard: `GET /api/ops` answers only with the key,
//! and shows a match made this minute in its mode's hour; the page is
//! served.

use anyhow::{Context, Result, ensure};
use std::time::Duration;
use url::Url;
use volley_client::native::matchmake;
use volley_shared::Mode;
use volley_shared::api::OpsReport;
use volley_tests::browser::in_browser;
use volley_tests::{get_text, get_text_with};

/// How long the page may take to show something.
const WAIT: Duration = Duration::from_secs(15);

/// The test server's `OPS_SECRET`.
pub const KEY: &str = "e2e-ops-key-0123456789";

/// `GET /api/ops` with `key` as the bearer: status and body.
fn ops(base: &Url, key: Option<&str>) -> Result<(u16, String)> {
    let bearer = key.map(|key| format!("Bearer {key}"));
    let headers: Vec<(&str, &str)> = bearer
        .iter()
        .map(|value| ("Authorization", value.as_str()))
        .collect();
    get_text_with(&base.join("/api/ops?mode=duel")?, &headers)
}

pub async fn the_dashboard_shows_the_last_hour_behind_its_key(base: Url) -> Result<()> {
    for key in [None, Some("not-the-key")] {
        let (status, body) = ops(&base, key)?;
        ensure!(status == 403, "{key:?} read the dashboard: {status} {body}");
    }
    // A match now, in the global pool (no continent).
    let (a, b) = tokio::join!(
        matchmake(&base, Mode::Duel, "ops-a"),
        matchmake(&base, Mode::Duel, "ops-b")
    );
    ensure!(a?.room == b?.room, "matched apart");

    let (status, body) = ops(&base, Some(KEY))?;
    ensure!(status == 200, "with the key: {status} {body}");
    let report: OpsReport = serde_json::from_str(&body)?;
    let duel = report
        .modes
        .iter()
        .find(|m| m.mode == Mode::Duel)
        .context("no duel in the report")?;
    ensure!(duel.all.len() == 60, "{} minutes", duel.all.len());
    // The match may have been made just before the minute turned.
    let recent = &duel.all[58..];
    ensure!(
        recent.iter().map(|m| m.matches).sum::<u64>() >= 1
            && recent.iter().map(|m| m.matched_tickets).sum::<u64>() >= 2,
        "the match is not in the last two minutes: {recent:?}"
    );
    let global = duel
        .pools
        .iter()
        .find(|p| p.pool == "global")
        .context("no global pool")?;
    ensure!(
        global.minutes[58..].iter().any(|m| m.wait_ms_p50.is_some()),
        "no wait in the global pool's last minutes"
    );
    ensure!(duel.pools.len() == 7, "{} pools answered", duel.pools.len());
    ensure!(!duel.rooms_per_build.is_empty(), "no builds: {duel:?}");

    let (status, page) = get_text(&base.join("/ops.html")?)?;
    ensure!(
        status == 200 && page.contains("ops.js"),
        "/ops.html: {status}"
    );
    // In a browser: asked for the key, then every mode's charts.
    let url = base.join("/ops.html")?;
    in_browser("ops", 1024, async |browser| {
        browser.goto(url.as_str()).await?;
        browser
            .wait_text("ops-state", |t| t.contains("OPS_SECRET"), WAIT)
            .await?;
        // Enter submits the form.
        browser.type_into("key", &format!("{KEY}\u{E007}")).await?;
        browser
            .wait_text("ops-state", |t| t.starts_with("Last hour"), WAIT)
            .await?;
        let charts = browser
            .eval("return document.querySelectorAll('#charts canvas[aria-label]').length;")
            .await?;
        ensure!(charts == 8, "{charts} charts drawn, two per mode expected");
        Ok(())
    })
    .await
}
