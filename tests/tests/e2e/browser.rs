//! The browser game in a real browser: Debian's Chromium, driven over
//! WebDriver, against the page `wrangler dev` serves. The tests wait on the
//! state the page exposes in `#status`, never on sleeps, and save a
//! screenshot of each test's last screen under `target/e2e/screens/`.

use anyhow::{Context, Result, ensure};
use std::time::Duration;
use tokio::task::JoinHandle;
use url::Url;
use volley_client::bot::Strategy;
use volley_client::native::{GameReport, matchmake, play};
use volley_shared::{Mode, Outcome};
use volley_tests::browser::{Browser, in_browser, sized_name};
use volley_tests::{WranglerDev, get_json, post_json, repo_root};

const PAGE_LOAD: Duration = Duration::from_secs(30);

pub async fn a_person_plays_a_quick_duel_against_a_bot(base: Url) -> Result<()> {
    quick_duel(&base, 1024).await
}

/// The same on a phone (360 px): every screen audited and saved at that
/// width too.
pub async fn a_person_plays_a_quick_duel_on_a_phone(base: Url) -> Result<()> {
    quick_duel(&base, 360).await
}

/// A quick duel in a browser `width` CSS pixels wide.
async fn quick_duel(base: &Url, width: u32) -> Result<()> {
    let name = sized_name("quick-duel", width);
    let outcome = in_browser(&name, width, async |browser| {
        play_in_browser(browser, base).await
    })
    .await?;
    println!("browser {outcome}; screenshot target/e2e/screens/{name}.png");
    Ok(())
}

/// A person named "person" opens the page and presses `button` to queue
/// for `mode`; `volley-bot` queues too and plays with `strategy`. Returns
/// once the page shows the game begun, with the bot's game as a task.
pub async fn against_a_bot(
    browser: &Browser,
    base: &Url,
    button: &str,
    mode: Mode,
    strategy: Strategy,
) -> Result<JoinHandle<Result<GameReport>>> {
    browser.goto(base.as_str()).await?;
    browser
        .wait_status("data-screen", |s| s == "home", PAGE_LOAD)
        .await
        .context("the game never loaded")?;
    browser.audit_accessibility("home").await?;
    browser.type_into("name", "person").await?;
    browser.click(button).await?;
    // Alone in the queue until the bot comes.
    browser
        .wait_status("data-screen", |s| s == "queue", Duration::from_secs(10))
        .await?;
    browser.shot(&format!("queue-{button}")).await?;
    browser.audit_accessibility("queue").await?;
    ensure!(
        browser.focused().await? == "cancel",
        "Cancel lacks the focus"
    );
    let bot = tokio::spawn({
        let base = base.clone();
        async move {
            let matched = matchmake(&base, mode, "volley-bot").await?;
            play(&base, &matched, strategy)
                .await
                .map_err(anyhow::Error::from)
        }
    });
    browser
        .wait_status("data-screen", |s| s == "game", Duration::from_secs(30))
        .await?;
    browser
        .wait_status(
            "data-seq",
            |s| s != "0" && !s.is_empty(),
            Duration::from_secs(30),
        )
        .await?;
    Ok(bot)
}

/// The page's outcome once the game is over, checked against the bot's.
pub async fn outcome_agrees(
    browser: &Browser,
    bot: JoinHandle<Result<GameReport>>,
) -> Result<String> {
    let outcome = browser.status("data-outcome").await?;
    let report = bot.await.context("bot task")??;
    let expected = match report.outcome {
        Outcome::Winner(seat) if seat == report.seat => "lost",
        Outcome::Winner(_) => "won",
        Outcome::Draw => "draw",
    };
    ensure!(
        outcome == expected,
        "the page says {outcome:?}, the bot saw {:?}",
        report.outcome
    );
    Ok(outcome)
}

/// Watches the replay from the game-over screen to its end (saving a
/// screenshot a few events in, `replay-{game}.png`), `faster` after the
/// screenshot (which needs a replay longer than five events); returns the
/// result it shows.
pub async fn watch_the_replay(browser: &Browser, game: &str, faster: bool) -> Result<String> {
    browser.click("watch-replay").await?;
    browser
        .wait_status("data-screen", |s| s == "game", Duration::from_secs(10))
        .await
        .context("the replay did not start")?;
    // A few events in, for the screenshot.
    browser
        .wait_status(
            "data-seq",
            |s| s.parse::<u64>().is_ok_and(|seq| seq >= 4),
            Duration::from_secs(30),
        )
        .await?;
    browser.shot(&format!("replay-{game}")).await?;
    if faster {
        eight_times_faster(browser).await?;
    }
    browser
        .wait_status("data-screen", |s| s == "over", Duration::from_secs(120))
        .await
        .context("the replay did not end")?;
    browser.text("result").await
}

/// During a replay, Fire gives way to the replay's speed, which steps up
/// to 8x: the rest of the replay plays eight times faster.
async fn eight_times_faster(browser: &Browser) -> Result<()> {
    let hidden = "return [document.getElementById('fire').hidden, \
                  document.getElementById('replay-speed').hidden];";
    let shown = browser.eval(hidden).await?;
    ensure!(
        shown == serde_json::json!([true, false]),
        "during a replay, [Fire hidden, speed hidden] is {shown}"
    );
    for speed in ["Speed: 2×", "Speed: 4×", "Speed: 8×"] {
        browser.click("replay-speed").await?;
        let now = browser.text("replay-speed").await?;
        ensure!(
            now == speed,
            "the replay's speed says {now:?}, not {speed:?}"
        );
    }
    Ok(())
}

async fn play_in_browser(browser: &Browser, base: &Url) -> Result<String> {
    let bot = against_a_bot(browser, base, "play-duel", Mode::Duel, Strategy::BEST).await?;
    browser.shot("quick-duel-playing").await?;
    browser.board_is_sharp_and_announced().await?;
    browser.audit_accessibility("game").await?;
    // By keyboard: the board has the focus as the game begins; Tab moves
    // it on to Fire (the game does not keep Tab), Shift+Tab back.
    ensure!(
        browser.focused().await? == "board",
        "the board lacks the focus"
    );
    browser.press_focused("\u{E004}").await?;
    let next = browser.focused().await?;
    ensure!(next == "fire", "Tab from the board went to {next:?}");
    browser.press_focused("\u{E008}\u{E004}").await?;
    let back = browser.focused().await?;
    ensure!(back == "board", "Shift+Tab from Fire went to {back:?}");
    // Sound is off until asked for; then the game's events are heard.
    let pressed = "return document.getElementById('sound').getAttribute('aria-pressed');";
    ensure!(
        browser.eval(pressed).await? == "false",
        "sound on by default"
    );
    browser.click("sound").await?;
    ensure!(
        browser.eval(pressed).await? == "true",
        "the sound button did nothing"
    );
    // Play by keyboard: on each turn nudge the aim and fire.
    let mut shots = 0;
    loop {
        let screen = browser.status("data-screen").await?;
        if screen == "over" {
            break;
        }
        ensure!(screen == "game", "left the game for {screen}");
        if browser.status("data-my-turn").await? == "true" {
            let seq = browser.status("data-seq").await?;
            let nudge = if shots % 2 == 0 {
                "\u{E012}"
            } else {
                "\u{E014}"
            };
            browser.press(&format!("{nudge}\u{E013}\u{E013} ")).await?;
            shots += 1;
            // Wait for the shot's events before looking again.
            browser
                .wait_status("data-seq", |s| s != seq, Duration::from_secs(20))
                .await?;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        ensure!(shots < 100, "the game does not end");
    }
    let outcome = outcome_agrees(browser, bot).await?;
    browser.shot("game-over").await?;
    browser.audit_accessibility("game over").await?;
    ensure!(
        browser.focused().await? == "again",
        "Play again lacks the focus"
    );
    // The bot cannot destroy a tank in one shot: the person had a turn.
    ensure!(shots > 0, "the person never fired ({outcome})");
    // The page shows the rating change the coordinator made (a fresh
    // profile is a new guest, so this was its first rated game).
    let rating = browser
        .wait_status("data-rating", |s| !s.is_empty(), Duration::from_secs(15))
        .await
        .context("the page never showed a rating")?;
    let sign = match outcome.as_str() {
        "won" => "(+",
        "lost" => "(-",
        _ => "(",
    };
    ensure!(
        rating.contains(sign),
        "{outcome} but the page shows {rating}"
    );

    // The replay plays the same game again, to the same end.
    let replayed = watch_the_replay(browser, "duel", false).await?;
    let expected = match outcome.as_str() {
        "won" => "person won.",
        "lost" => "volley-bot won.",
        _ => "A draw.",
    };
    ensure!(
        replayed == expected,
        "the game was {outcome}, the replay ended with {replayed:?}"
    );

    // Home again, the panel shows every mode's queue, the duel
    // leaderboard, and the player's own rating after this game.
    browser.click("again").await?;
    browser
        .wait_status("data-screen", |s| s == "home", Duration::from_secs(5))
        .await?;
    let counts = browser
        .wait_text(
            "mode-counts",
            |t| t.matches("waiting").count() == 4,
            Duration::from_secs(15),
        )
        .await?;
    ensure!(counts.contains("Duel: "), "the counts read {counts:?}");
    // The shared test server has rated many players by now: the top ten
    // is ranked, best first, whoever is in it.
    let leaders = browser
        .wait_text("leaders", |t| t.starts_with("1. "), Duration::from_secs(25))
        .await
        .context("the duel leaderboard never showed")?;
    ensure!(leaders.lines().count() <= 10, "{leaders:?}");
    let me = browser
        .wait_text(
            "me",
            |t| t.starts_with("Your ratings:"),
            Duration::from_secs(25),
        )
        .await?;
    ensure!(me.contains("Duel") && me.contains("(1 game)"), "{me:?}");
    browser.shot("home").await?;
    browser.audit_accessibility("home, after a game").await?;
    let sounds: u32 = browser.status("data-sounds").await?.parse()?;
    ensure!(sounds >= 2, "{sounds} sounds for a shot and a game's end");
    // A fresh profile loaded the page cold: when it first painted.
    let first_frame = browser.status("data-first-frame-ms").await?;
    let first_frame: f64 = first_frame
        .parse()
        .with_context(|| format!("no first frame time: {first_frame:?}"))?;
    ensure!(first_frame > 0.0, "first frame at {first_frame} ms");
    // The page remembers that sound is on, and the guest, whose token it
    // renews as it loads (tokens expire 90 days after they were issued or
    // renewed).
    let guest = "return [localStorage.getItem('volley-guest-player'), localStorage.getItem('volley-guest-token')];";
    let before = browser.eval(guest).await?;
    ensure!(
        before[1].as_str().is_some_and(|t| t.starts_with("g2.")),
        "the page holds no expiring guest token: {before}"
    );
    browser.goto(base.as_str()).await?;
    browser
        .wait_status("data-screen", |s| s == "home", PAGE_LOAD)
        .await?;
    ensure!(
        browser.eval(pressed).await? == "true",
        "the sound choice was forgotten"
    );
    let mut after = browser.eval(guest).await?;
    for _ in 0..50 {
        if after[1] != before[1] {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        after = browser.eval(guest).await?;
    }
    ensure!(
        after[0] == before[0] && after[1] != before[1],
        "the reloaded page did not renew its guest's token: {before} then {after}"
    );
    Ok(format!(
        "{outcome} after {shots} shots, {rating}, replayed, ranked; cold load: first frame {first_frame:.0} ms after navigation"
    ))
}

/// Fires when it is this page's turn; returns whether it did.
async fn fire_if_my_turn(browser: &Browser) -> Result<bool> {
    if browser.status("data-my-turn").await? != "true" {
        return Ok(false);
    }
    let seq = browser.status("data-seq").await?;
    browser.press("\u{E013} ").await?;
    browser
        .wait_status("data-seq", |s| s != seq, Duration::from_secs(20))
        .await?;
    Ok(true)
}

pub async fn two_browsers_share_a_private_room(base: Url) -> Result<()> {
    let work = repo_root().join("target/e2e");
    let host = Browser::start(&work.join("chromium-host"), 1024).await?;
    let friend = Browser::start(&work.join("chromium-friend"), 360).await?;
    let result = private_game(&host, &friend, &base).await;
    let shots = (
        host.shot("private-host").await,
        friend.shot("private-friend").await,
    );
    host.close().await;
    friend.close().await;
    result?;
    shots.0?;
    shots.1?;
    Ok(())
}

async fn private_game(host: &Browser, friend: &Browser, base: &Url) -> Result<()> {
    host.goto(base.as_str()).await?;
    host.wait_status("data-screen", |s| s == "home", PAGE_LOAD)
        .await?;
    host.type_into("name", "host").await?;
    host.click("create-private").await?;
    host.wait_status("data-screen", |s| s == "game", Duration::from_secs(20))
        .await?;
    let code = host.text("invite-code").await?;
    ensure!(code.len() == 9, "invite code {code:?}");

    // The friend follows the link, at 360 px wide.
    friend
        .goto(base.join(&format!("/?join={code}"))?.as_str())
        .await?;
    friend
        .wait_status("data-screen", |s| s == "home", PAGE_LOAD)
        .await?;
    friend.type_into("name", "friend").await?;
    friend.click("join-code").await?;
    friend
        .wait_status("data-screen", |s| s == "game", Duration::from_secs(20))
        .await?;
    let room = host.status("data-room").await?;
    ensure!(
        friend.status("data-room").await? == room,
        "the friend is in another room"
    );
    // A phone's screen has two or three pixels per CSS pixel.
    friend.board_is_sharp_and_announced().await?;
    friend.audit_accessibility("game at 360 px").await?;
    // Four shots, whoever's turn it is; both pages follow the same events.
    let mut shots = 0;
    while shots < 4 {
        if fire_if_my_turn(host).await? || fire_if_my_turn(friend).await? {
            shots += 1;
        }
        if host.status("data-screen").await? == "over" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let seq = host.status("data-seq").await?;
    friend
        .wait_status("data-seq", |s| s == seq, Duration::from_secs(10))
        .await
        .context("the two pages saw different games")?;
    let replay = get_json(&base.join(&format!("/api/rooms/{room}/replay"))?)?;
    ensure!(
        replay["names"] == serde_json::json!(["host", "friend"]),
        "names {}",
        replay["names"]
    );
    Ok(())
}

/// This scenario crashes its own `wrangler dev` under the page, so it
/// starts one (with 60 s turns, so no turn times out meanwhile).
pub async fn the_page_survives_a_dropped_connection(secret: String) -> Result<()> {
    let mut server = WranglerDev::start(&[("TURN_TIMEOUT_MS", "60000"), ("JOIN_SECRET", &secret)])?;
    let base = server.base().clone();
    let work = repo_root().join("target/e2e");
    let browser = Browser::start(&work.join("chromium-drop"), 1024).await?;
    let result = survive_drop(&browser, &mut server, &base).await;
    let saved = browser
        .screenshot(&work.join("screens/dropped-connection.png"))
        .await;
    browser.close().await;
    drop(server);
    result?;
    saved
}

async fn survive_drop(browser: &Browser, server: &mut WranglerDev, base: &Url) -> Result<()> {
    browser.goto(base.as_str()).await?;
    browser
        .wait_status("data-screen", |s| s == "home", PAGE_LOAD)
        .await?;
    browser.click("create-private").await?;
    browser
        .wait_status("data-screen", |s| s == "game", Duration::from_secs(20))
        .await?;
    let code = browser.text("invite-code").await?;
    let seat = post_json(&base.join(&format!("/api/rooms/join?code={code}&name=other"))?)?;
    let other: volley_client::lobby::Matched =
        serde_json::from_value::<volley_shared::api::SeatGrant>(seat)?.into();
    let mut native = crate::rooms::Client::join(base, &other).await?;
    native.until_seq(1).await?;
    browser
        .wait_status("data-my-turn", |s| s == "true", Duration::from_secs(20))
        .await?;
    let seq_before = browser.status("data-seq").await?;

    let connects = browser.status("data-connects").await?;
    ensure!(
        connects == "1",
        "{connects} room connections before the drop"
    );
    server.crash_and_restart()?;
    // The page may already be back by the time the server is: wait for a
    // second connection rather than for the reconnecting state itself.
    browser
        .wait_status("data-connects", |s| s == "2", Duration::from_secs(60))
        .await
        .context("the page never reconnected")?;
    browser
        .wait_status("data-connection", |s| s == "open", Duration::from_secs(10))
        .await?;
    ensure!(
        browser.status("data-seq").await? == seq_before,
        "the page lost its place in the game"
    );
    // It plays on from where it was: its shot reaches the server.
    browser
        .wait_status("data-my-turn", |s| s == "true", Duration::from_secs(20))
        .await?;
    ensure!(
        fire_if_my_turn(browser).await?,
        "could not fire after the reconnect"
    );
    Ok(())
}
