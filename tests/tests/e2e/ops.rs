//! The operators' dashboard: `GET /api/ops` answers only with the key,
//! and shows a match made this minute in its mode's hour, the room alive
//! by its build while it plays, the moves' round trips its room measured
//! once it is over, and closes and refusals by kind (a flooding ticket
//! socket's among them); the page draws it all.

use anyhow::{Context, Result, ensure};
use std::time::Duration;
use url::Url;
use volley_client::bot::Strategy;
use volley_client::native::{Client, PlayStyle, matchmake};
use volley_shared::Mode;
use volley_shared::api::{Health, OpsMode, OpsReport};
use volley_tests::browser::{in_browser, sized_name};
use volley_tests::{WranglerDev, get_body, get_text, get_text_with};

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

/// The duel's hour, with the key.
fn duel_hour(base: &Url) -> Result<OpsMode> {
    let (status, body) = ops(base, Some(KEY))?;
    ensure!(status == 200, "with the key: {status} {body}");
    let report: OpsReport = serde_json::from_str(&body)?;
    report
        .modes
        .into_iter()
        .find(|m| m.mode == Mode::Duel)
        .context("no duel in the report")
}

/// How many of `name` the hour counted.
fn counted(duel: &OpsMode, name: &str) -> u64 {
    duel.kinds
        .iter()
        .find(|k| k.name == name)
        .map_or(0, |k| k.total)
}

pub async fn the_dashboard_shows_the_last_hour_behind_its_key(base: Url) -> Result<()> {
    for key in [None, Some("not-the-key")] {
        let (status, body) = ops(&base, key)?;
        ensure!(status == 403, "{key:?} read the dashboard: {status} {body}");
    }
    let before = duel_hour(&base)?;
    // A match now, in the global pool (no continent).
    let (a, b) = tokio::join!(
        matchmake(&base, Mode::Duel, "ops-a"),
        matchmake(&base, Mode::Duel, "ops-b")
    );
    let (a, b) = (a?, b?);
    ensure!(a.room == b.room, "matched apart");
    let room = a.room.clone();
    // The flood is cut (4008), or, when the server reads its frames slower
    // than the bucket refills (a loaded machine), refused until its first
    // frame's deadline closes it (4002): whichever close it got is counted.
    let (_, _, flood_closed) = crate::limits::flood_a_ticket(&base).await?;
    let flood_close = format!(
        "close:{}",
        flood_closed.split_whitespace().next().unwrap_or_default()
    );

    let duel = duel_hour(&base)?;
    ensure!(duel.all.len() == 60, "{} minutes", duel.all.len());
    ensure!(
        duel.rooms_alive_per_build.values().sum::<u64>() >= 1,
        "the room playing is not alive: {:?}",
        duel.rooms_alive_per_build
    );
    // Each matched socket is closed normally; the flood is refused, then
    // closed. (Other tests share the server: counts only grow.)
    for (name, at_least) in [
        ("close:1000", 2),
        ("refused:FRAMES_PER_SECOND", 1),
        ("error:RateLimited", 1),
        (flood_close.as_str(), 1),
    ] {
        ensure!(
            counted(&duel, name) >= counted(&before, name) + at_least,
            "{name}: {} before, {} after",
            counted(&before, name),
            counted(&duel, name)
        );
    }
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

    let style = PlayStyle {
        think: Duration::from_secs(2),
        ..PlayStyle::new(Strategy::BEST)
    };
    let game = {
        let (base, style) = (base.clone(), style.clone());
        tokio::spawn(async move {
            let client = Client::new(base);
            let (ra, rb) = tokio::join!(client.play_any(&a, &style), client.play_any(&b, &style));
            anyhow::Ok(ra?.shots + rb?.shots)
        })
    };
    // The room (set up by its players' first hello) says who plays in it,
    // and the home page lists the game live with their names (a phone's
    // width); each bot thinks 2 s, so the game is still on when the page
    // looks.
    let info = crate::room_info_once_set_up(&base, &room).await?;
    let names: Vec<&str> = info["players"]
        .as_array()
        .context("no players in the room's info")?
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    ensure!(
        names == ["ops-a", "ops-b"] || names == ["ops-b", "ops-a"],
        "{info}"
    );
    let home = base.clone();
    in_browser(&sized_name("home-live", 360), 360, async |browser| {
        browser.goto(home.as_str()).await?;
        let live = browser
            .wait_text(
                "live-games",
                |t| t.contains("ops-a") && t.contains("ops-b"),
                WAIT,
            )
            .await
            .context("the live game is not listed with its players")?;
        ensure!(live.contains(" vs ") && live.contains("Watch"), "{live:?}");
        browser.audit_accessibility("home at 360 px").await?;
        Ok(())
    })
    .await?;

    // Played to the end, the room hands over what it measured: each
    // move acknowledged is a round trip.
    let measured = |duel: &OpsMode| duel.all.iter().map(|m| m.moves_measured).sum::<u64>();
    let moves = u64::from(game.await.context("the game's task")??);
    // The last move's acknowledgement may still be on its way: wait for
    // every move, then check none was counted twice (no other game acks a
    // move meanwhile: the tests run one at a time).
    let expected = measured(&duel) + moves;
    let after = until(&base, |duel| measured(duel) >= expected).await?;
    ensure!(
        measured(&after) == expected,
        "{moves} moves played, round trips measured: {} before, {} after",
        measured(&duel),
        measured(&after)
    );
    ensure!(
        after.all[58..].iter().any(|m| m.rtt_ms_p99.is_some()),
        "no round trip in the last minutes"
    );

    let (status, page) = get_text(&base.join("/ops.html")?)?;
    ensure!(
        status == 200 && page.contains("ops.js"),
        "/ops.html: {status}"
    );
    // In a browser, on a desktop and on a phone: asked for the key, then
    // every mode's charts.
    let url = base.join("/ops.html")?;
    for width in [1024, 360] {
        dashboard_in_browser(&url, width).await?;
    }
    Ok(())
}

async fn dashboard_in_browser(url: &Url, width: u32) -> Result<()> {
    let name = sized_name("ops", width);
    in_browser(&name, width, async |browser| {
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
            .eval("return document.querySelectorAll('#charts .chart canvas[aria-label]').length;")
            .await?;
        ensure!(charts == 12, "{charts} charts drawn, three per mode expected");
        let kinds = browser
            .eval("return [...document.querySelectorAll('.kinds td')].map(td => td.textContent).join('|');")
            .await?;
        ensure!(
            kinds.as_str().is_some_and(|k| k.contains("closed 1000 (normal)")),
            "the closes are not listed: {kinds}"
        );
        browser.audit_accessibility("dashboard").await?;
        // The last screen saved shows the newest panels.
        browser
            .eval("document.querySelector('.chart:nth-of-type(3)').scrollIntoView(); return true;")
            .await?;
        Ok(())
    })
    .await
}

/// On a server of its own, so nothing else happens meanwhile: the
/// dashboard counts exactly what the test did. A (chartered) room nobody
/// comes to is alive until its seats' reservation ends, and by build as
/// `chartered`; a room its players set up counts by the build it says it
/// runs; a flooding ticket socket's refusals are
/// counted up to its cut, not once per frame; each move of a game played
/// to the end has its round trip counted once, however many times its
/// room hands its counts over.
pub async fn the_dashboard_counts_exactly_what_happened(secret: String) -> Result<()> {
    let server = WranglerDev::start(&[
        ("JOIN_SECRET", &secret),
        ("VOLLEY_TEST_HOOKS", "1"),
        ("OPS_SECRET", KEY),
        ("SEAT_RESERVATION_MS", "3000"),
    ])?;
    let base = server.base().clone();
    let alive = |duel: &OpsMode| duel.rooms_alive_per_build.values().sum::<u64>();
    let measured = |duel: &OpsMode| duel.all.iter().map(|m| m.moves_measured).sum::<u64>();

    // A match nobody comes to: alive until its seats' reservation (3 s)
    // runs out, and never made.
    let (a, b) = tokio::join!(
        matchmake(&base, Mode::Duel, "nobody-a"),
        matchmake(&base, Mode::Duel, "nobody-b")
    );
    let (a, _) = (a?, b?);
    ensure!(a.room.0.contains('~'), "{} is not chartered", a.room);
    let made = duel_hour(&base)?;
    ensure!(alive(&made) == 1, "the new room is not alive");
    ensure!(
        made.rooms_per_build.get(CHARTERED) == Some(&1),
        "{:?}",
        made.rooms_per_build
    );
    let gone = until(&base, |duel| alive(duel) == 0).await?;
    ensure!(alive(&gone) == 0, "a room nobody came to is still alive");

    // A flood is counted up to the cut: each refusal the socket was sent
    // before it, and the cut, not the frames still arriving after it.
    let (_, refusals, _) = crate::limits::flood_a_ticket(&base).await?;
    let refusals = u64::from(refusals);
    let flooded = duel_hour(&base)?;
    let counts = [
        "refused:FRAMES_PER_SECOND",
        "error:RateLimited",
        "close:4008",
    ]
    .map(|name| counted(&flooded, name));
    ensure!(
        counts == [refusals, refusals, 1] && refusals < 340,
        "a flood of 400 frames counted {counts:?}: {:?}",
        flooded.kinds
    );

    // A game to the end: each move's round trip once.
    let (c, d) = tokio::join!(
        matchmake(&base, Mode::Duel, "counted-c"),
        matchmake(&base, Mode::Duel, "counted-d")
    );
    let (c, d) = (c?, d?);
    let style = PlayStyle::new(Strategy::BEST);
    let client = Client::new(base.clone());
    let (rc, rd) = tokio::join!(client.play_any(&c, &style), client.play_any(&d, &style));
    let moves = u64::from(rc?.shots + rd?.shots);
    let played = until(&base, |duel| measured(duel) >= moves).await?;
    ensure!(
        measured(&played) == moves && alive(&played) == 0,
        "{moves} moves, {} round trips counted, {} rooms alive",
        measured(&played),
        alive(&played)
    );
    // Four tickets matched, four sockets closed normally by the shard.
    ensure!(counted(&played, "close:1000") == 4, "{:?}", played.kinds);
    // The room its players set up said which build it runs; the one
    // nobody came to is still counted as chartered.
    let health: Health = get_body(&base.join("/api/health")?)?;
    ensure!(
        played.rooms_per_build.get(&health.build) == Some(&1)
            && played.rooms_per_build.get(CHARTERED) == Some(&1),
        "rooms made by build: {:?} (this build is {})",
        played.rooms_per_build,
        health.build
    );
    Ok(())
}

/// What a shard counts a chartered room's build as until the room says.
const CHARTERED: &str = "chartered";

/// The duel's hour once `ok` holds of it, or the last one read after
/// [`WAIT`].
async fn until(base: &Url, ok: impl Fn(&OpsMode) -> bool) -> Result<OpsMode> {
    let started = std::time::Instant::now();
    loop {
        let duel = duel_hour(base)?;
        if ok(&duel) || started.elapsed() > WAIT {
            return Ok(duel);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
