//! The browser game in a real browser: Debian's Chromium, driven over
//! WebDriver, against the page `wrangler dev` serves. The tests wait on the
//! state the page exposes in `#status`, never on sleeps, and save a
//! screenshot of each test's last screen under `target/e2e/screens/`.

use anyhow::{Context, Result, ensure};
use std::time::Duration;
use url::Url;
use volley_client::bot::Strategy;
use volley_client::native::{matchmake, play};
use volley_shared::{Mode, Outcome};
use volley_tests::browser::Browser;
use volley_tests::repo_root;

const PAGE_LOAD: Duration = Duration::from_secs(30);

pub async fn a_person_plays_a_quick_duel_against_a_bot(base: Url) -> Result<()> {
    let work = repo_root().join("target/e2e");
    let browser = Browser::start(&work.join("chromium-duel"), 1024).await?;
    let result = play_in_browser(&browser, &base).await;
    let shot = work.join("screens/quick-duel.png");
    let saved = browser.screenshot(&shot).await;
    browser.close().await;
    let outcome = result?;
    saved.with_context(|| format!("screenshot {}", shot.display()))?;
    println!("browser {outcome}; screenshot {}", shot.display());
    Ok(())
}

async fn play_in_browser(browser: &Browser, base: &Url) -> Result<String> {
    browser.goto(base.as_str()).await?;
    browser
        .wait_status("data-screen", |s| s == "home", PAGE_LOAD)
        .await
        .context("the game never loaded")?;
    browser.type_into("name", "person").await?;
    browser.click("play-duel").await?;
    let bot = tokio::spawn({
        let base = base.clone();
        async move {
            let matched = matchmake(&base, Mode::Duel, "volley-bot").await?;
            play(&base, &matched, Strategy::Aim)
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
    let playing = repo_root().join("target/e2e/screens/quick-duel-playing.png");
    browser.screenshot(&playing).await?;
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
    ensure!(shots > 0 || outcome == "lost", "the person never fired");
    Ok(format!("{outcome} after {shots} shots"))
}
