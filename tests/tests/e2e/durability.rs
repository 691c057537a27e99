//! Rooms survive what the platform does to them: hibernation, and a crash
//! of the whole runtime. Each scenario starts its own `wrangler dev`: with
//! a 40 s turn, long enough for a room to be evicted between two moves, or
//! a shorter one where the scenario waits for a deadline.

use crate::match_two;
use crate::rooms::ServerFrame;
use crate::rooms::{Client, join_both};
use anyhow::{Context, Result, bail, ensure};
use std::time::Duration;
use volley_client::bot::Strategy;
use volley_client::load::{self, LoadConfig, Stop};
use volley_client::lobby;
use volley_client::native::Client as Bots;
use volley_client::session::Update;
use volley_shared::Mode;
use volley_shared::api::Guest;
use volley_shared::artillery::ArtilleryEvent;
use volley_shared::artillery::ai::Skill;
use volley_shared::protocol::LobbyServerFrame;
use volley_tests::{WranglerDev, get_json, post_body, post_json};

/// Turn length for these scenarios.
const TURN_TIMEOUT_MS: u64 = 40_000;
/// Idle time after which workerd was seen to evict a hibernatable object
/// (10–25 s), with a margin; still well inside one turn.
const IDLE: Duration = Duration::from_secs(30);

/// Turn length for the crash: long enough for the runtime to restart
/// and both players to come back before the deadline set before the crash
/// fires, which the scenario then waits for.
const CRASH_TURN_TIMEOUT_MS: u64 = 25_000;

fn start(secret: &str) -> Result<WranglerDev> {
    start_with_turn(secret, TURN_TIMEOUT_MS)
}

fn start_with_turn(secret: &str, turn_ms: u64) -> Result<WranglerDev> {
    WranglerDev::start(&[
        ("TURN_TIMEOUT_MS", &turn_ms.to_string()),
        ("JOIN_SECRET", secret),
        // Rooms count their own wake-ups.
        ("VOLLEY_BENCH", "1"),
    ])
}

/// Whoever is to move fires; both clients read until they have the shot
/// and the next turn.
async fn one_move(a: &mut Client, b: &mut Client) -> Result<()> {
    let (mover, other) = if a.session.my_turn() { (a, b) } else { (b, a) };
    let seq = mover.session.last_seq();
    mover.fire_away().await?;
    mover.until_seq(seq + 2).await?;
    other.until_seq(seq + 2).await?;
    ensure!(
        mover.session.state() == other.session.state(),
        "the players' states differ after a move"
    );
    Ok(())
}

/// A room idles between moves until the runtime evicts it, and the next
/// move builds it again from storage. It counts its own wake-ups
/// (`VOLLEY_BENCH`): while it idles nothing wakes it but its alarm (a turn
/// deadline that a move already pushed back still rings once, early), and
/// each move wakes it once. The first idle period, shorter than a turn,
/// has no alarm at all: the players' hello deadlines (10 s) no longer
/// hold it once both have said hello.
/// Returns what it found, for the suite to print.
pub async fn a_hibernated_room_wakes_only_for_the_next_move(secret: String) -> Result<String> {
    let server = start(&secret)?;
    let base = server.base().clone();
    let (a, b) = match_two(&base).await?;
    let (mut ca, mut cb) = join_both(&base, &a, &b).await?;
    let wakeups = base.join(&format!("/api/rooms/{}/debug/wakeups", a.room))?;
    post_json(&wakeups)?;
    // Nothing reaches the room while it idles; the sockets stay open.
    for moves in 1..=3 {
        tokio::time::sleep(IDLE).await;
        one_move(&mut ca, &mut cb).await?;
        let counts = get_json(&wakeups)?["counts"].clone();
        let count = |kind: &str| counts[kind].as_u64().unwrap_or(0);
        ensure!(
            count("message") == moves && count("alarm") < moves,
            "{moves} move(s) after idling woke the room: {counts}"
        );
        let kinds = counts.as_object().context("no counts")?;
        ensure!(
            kinds
                .keys()
                .all(|k| ["message", "alarm", "constructed"].contains(&k.as_str())),
            "an idle room was woken by something else: {counts}"
        );
        if count("constructed") > 0 {
            return Ok(format!(
                "evicted and rebuilt after {moves} idle period(s) of {IDLE:?}: {counts}"
            ));
        }
    }
    bail!("the room was never evicted in 3 idle periods of {IDLE:?}: cannot test hibernation")
}

/// Returns what it found, for the suite to print.
pub async fn a_crashed_runtime_resumes_every_room(secret: String) -> Result<String> {
    let mut server = start_with_turn(&secret, CRASH_TURN_TIMEOUT_MS)?;
    let base = server.base().clone();
    let (a, b) = match_two(&base).await?;
    let (mut ca, mut cb) = join_both(&base, &a, &b).await?;
    one_move(&mut ca, &mut cb).await?;
    let seq_before = ca.session.last_seq();
    let state_before = ca.session.state().cloned();
    let to_move = ca
        .session
        .state()
        .and_then(|s| s.current)
        .context("nobody to move")?;
    // A guest waits in a party still forming when the runtime dies.
    let guest: Guest = post_body(&base.join("/api/guests")?)?;
    let party = lobby::find_match_as_party(Mode::Ffa4, "stranded", "stranded-party", 2);
    let bots = Bots::new(base.clone());
    let mut stranded = bots
        .open_ticket_for(Mode::Ffa4, Some(&guest.token), true)
        .await?;
    stranded.open_with(&party).await?;
    ensure!(
        matches!(
            stranded.recv_lobby().await?,
            LobbyServerFrame::Queued { .. }
        ),
        "the first party member was not queued"
    );

    server.crash_and_restart()?;

    // Its socket died with the runtime; the guest comes back and is queued
    // again, not told forever that it already has a ticket.
    let mut again = bots
        .open_ticket_for(Mode::Ffa4, Some(&guest.token), true)
        .await?;
    again.open_with(&party).await?;
    let answer = again.recv_lobby().await?;
    ensure!(
        matches!(answer, LobbyServerFrame::Queued { .. }),
        "a guest whose party socket died was refused: {answer:?}"
    );
    drop((stranded, again));

    // Both come back with their last event: nothing was lost, nothing is
    // new, and nobody has moved.
    for (client, matched) in [(&mut ca, &a), (&mut cb, &b)] {
        client.conn = volley_client::native::open_room(&base, &matched.room).await?;
        client.hello(&matched.token).await?;
        let (frame, update) = client.next().await?;
        ensure!(
            matches!(update, Update::Resumed | Update::Welcomed),
            "after the restart: {frame:?}"
        );
        ensure!(
            client.session.last_seq() == seq_before,
            "the room is at {} after the restart, was at {seq_before}",
            client.session.last_seq()
        );
    }
    ensure!(
        ca.session.state().cloned() == state_before,
        "the state changed across the restart"
    );
    let info = get_json(&base.join(&format!("/api/rooms/{}", a.room))?)?;
    ensure!(info["seq"] == seq_before, "room info after restart: {info}");

    // Nobody moves: the deadline set before the crash still fires.
    loop {
        match ca.next().await? {
            (
                ServerFrame::Event {
                    event: ArtilleryEvent::TurnTimedOut { seat, .. },
                    seq,
                    ..
                },
                _,
            ) => {
                ensure!(seat == to_move, "{seat} timed out, {to_move} was to move");
                ensure!(seq == seq_before + 1, "timeout is event {seq}");
                break;
            }
            (ServerFrame::Event { event, .. }, _) => bail!("unexpected event {event:?}"),
            _ => {}
        }
    }
    drop(server);
    Ok(format!(
        "both players resumed at event {seq_before}; the deadline set before the crash \
         fired after it as event {}",
        seq_before + 1
    ))
}

/// A load run across a crash: while bots play, `wrangler dev` is killed
/// with SIGKILL and restarted on the same storage. The bots rejoin their
/// rooms, as the page does, and play on: no room is left with a bot that
/// did not see its end, and every move a bot saw resolved is in its room's
/// own log exactly once. Returns what it found, for the suite to print.
pub async fn a_load_run_rides_out_a_crash(secret: String) -> Result<String> {
    let mut server = WranglerDev::start(&[("TURN_TIMEOUT_MS", "5000"), ("JOIN_SECRET", &secret)])?;
    let base = server.base().clone();
    // Poor aim and a third of a second of thought per shot: a game lasts
    // many shots (about 28 moves, 10 s), so the crash falls in the middle
    // of the first games.
    let run = tokio::spawn(load::run(LoadConfig {
        arrival_rate: 50.0,
        think: Duration::from_millis(300),
        strategy: Strategy::Aim(Skill(0.2)),
        ..LoadConfig::standard(base.clone(), 8, Stop::GamesPerPlayer(2))
    }));
    tokio::time::sleep(Duration::from_secs(3)).await;
    let server = tokio::task::spawn_blocking(move || server.crash_and_restart().map(|()| server))
        .await
        .context("the restart task")??;
    let report = run.await.context("the load run")?;
    let found = format!(
        "across the crash: {} rooms finished, {} incomplete, {} reconnections, {} moves resolved, {} unresolved, errors {:?}",
        report.games.rooms_finished,
        report.games.rooms_incomplete,
        report.games.reconnects,
        report.moves.resolved,
        report.moves.unresolved,
        report.errors
    );
    ensure!(
        report.games.rooms_finished > 0 && report.games.rooms_incomplete == 0,
        "{:?}",
        report.games
    );
    ensure!(
        report.games.reconnects > 0,
        "the crash hit no game in progress: {:?}",
        report.games
    );
    crate::load::every_resolved_move_is_logged_once(&base, &report)?;
    drop(server);
    Ok(found)
}
