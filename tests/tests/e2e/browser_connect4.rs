//! Connect Four in a real browser (Debian's Chromium over WebDriver): a
//! person starts a Connect Four match from the home page, is matched with
//! `volley-bot`, drops discs with the mouse and the keyboard to the end,
//! sees the same result as the bot, and watches the replay to the same end
//! (eight times faster once under way).
//! Screenshots go under `target/e2e/screens/`.

use crate::browser::{against_a_bot, outcome_agrees, watch_the_replay};
use anyhow::{Result, bail, ensure};
use std::time::Duration;
use url::Url;
use volley_client::bot::Strategy;
use volley_shared::Mode;
use volley_shared::Seat;
use volley_shared::artillery::ai::Skill;
use volley_shared::connect_four::ConnectFour;
use volley_shared::replay::{Action, Replay};
use volley_tests::browser::{Browser, in_browser, sized_name};
use volley_tests::get_body;

pub async fn a_person_plays_connect_four_against_a_bot(base: Url) -> Result<()> {
    connect_four(&base, 1024).await
}

/// The same on a phone (360 px).
pub async fn a_person_plays_connect_four_on_a_phone(base: Url) -> Result<()> {
    connect_four(&base, 360).await
}

/// Connect Four in a browser `width` CSS pixels wide.
async fn connect_four(base: &Url, width: u32) -> Result<()> {
    let name = sized_name("connect4", width);
    let summary = in_browser(&name, width, async |browser| {
        play_in_browser(browser, base).await
    })
    .await?;
    println!("browser {summary}; screenshot target/e2e/screens/{name}.png");
    Ok(())
}

/// Drops a disc: the first with a click on the board (its middle column),
/// later ones with the keyboard, moving right past full columns. Returns
/// once the room has resolved it (its events changed `data-seq`; whether it
/// was this disc is checked against the room's log at the end).
async fn drop_disc(browser: &Browser, discs: u32) -> Result<()> {
    let seq = browser.status("data-seq").await?;
    for attempt in 0..8 {
        if attempt == 0 && discs == 0 {
            browser.click("board").await?;
        } else if attempt == 0 {
            browser.press(" ").await?;
        } else {
            browser.press("\u{E014} ").await?;
        }
        let moved = browser
            .wait_status("data-seq", |s| s != seq, Duration::from_secs(3))
            .await;
        if moved.is_ok() {
            return Ok(());
        }
        if browser.status("data-my-turn").await? != "true" {
            return Ok(());
        }
    }
    bail!("no column took a disc")
}

async fn play_in_browser(browser: &Browser, base: &Url) -> Result<String> {
    let bot = against_a_bot(
        browser,
        base,
        "play-connect4",
        Mode::ConnectFour,
        Strategy::Aim(Skill(0.3)),
    )
    .await?;
    ensure!(
        browser.status("data-game").await? == "connect4",
        "the page plays {}",
        browser.status("data-game").await?
    );
    let mut discs = 0;
    loop {
        let screen = browser.status("data-screen").await?;
        if screen == "over" {
            break;
        }
        ensure!(screen == "game", "left the game for {screen}");
        if browser.status("data-my-turn").await? == "true" {
            drop_disc(browser, discs).await?;
            discs += 1;
            if discs == 3 {
                browser.shot("connect4-playing").await?;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        ensure!(discs <= 21, "more discs than a board holds");
    }
    let outcome = outcome_agrees(browser, bot).await?;
    // Every disc the test dropped is in the room's own log, from the
    // person's seat: a turn that timed out instead would not be.
    let seat: u8 = browser.status("data-seat").await?.parse()?;
    let room = browser.status("data-room").await?;
    let replay: Replay<ConnectFour> = get_body(&base.join(&format!("/api/rooms/{room}/replay"))?)?;
    let logged = replay
        .actions
        .iter()
        .filter(|a| matches!(a.action, Action::Move { seat: s, .. } if s == Seat(seat)))
        .count();
    ensure!(discs > 0, "the person never dropped a disc");
    ensure!(
        logged == discs as usize,
        "the test dropped {discs} discs, the room logged {logged} from seat {seat}"
    );
    // The replay plays the same game again, to the same end.
    let result = browser.text("result").await?;
    let replayed = watch_the_replay(browser, "connect4", true).await?;
    if outcome == "lost" {
        ensure!(
            replayed == result,
            "the replay ended {replayed:?}, the game {result:?}"
        );
    }
    Ok(format!("{outcome} after {discs} discs, replayed"))
}
