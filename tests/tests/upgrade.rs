//! The upgrade test: the previous release (the commit in
//! `release/PREVIOUS`, built by `scripts/build-previous`) and this one
//! serving the same storage in turn, as a gradual rollout and a rollback
//! do to a room or a coordinator: every object is reset and comes back on
//! the other build.
//!
//! 1. **Upgrade.** The previous build serves; duels start (this release's
//!    bots, in the newest protocol version it speaks, and one player
//!    who never moves, so a turn deadline is pending). Mid-game the server
//!    switches to this build on the same storage; the bots rejoin and every
//!    game finishes. Then previous-release bots (its own `volley-bot`) play
//!    whole games against this build.
//! 2. **Rollback.** This build serves new duels; mid-game the server
//!    switches back to the previous build, over what this one wrote; the
//!    bots rejoin in the newest version it speaks and every game finishes.
//! 3. **Forward again**: a new game on this build.
//! 4. **Both at once**, each way round: two Workers in one `wrangler dev`
//!    (`-c` twice), the coordinator and routes of one build and the rooms of
//!    the other (a Durable Object binding with `script_name`), as a rollout
//!    assigns a coordinator and its rooms different versions.
//!
//! Every room's own log is checked against what its players saw: each
//! player's resolved moves are in the log exactly once (none lost, none
//! doubled), each timed-out turn is logged once, and the players saw every
//! event.

use anyhow::{Context, Result, ensure};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;
use url::Url;
use volley_client::bot::Strategy;
use volley_client::lobby::Matched;
use volley_client::native::{Client, GameReport, PlayStyle};
use volley_shared::api::{Health, RoomInfo, ShardStats};
use volley_shared::artillery::Artillery;
use volley_shared::replay::{Action, Replay};
use volley_shared::{Mode, Seat};
use volley_tests::{
    WranglerDev, build_previous, build_worker, get_body, previous_build, repo_root,
};

/// Long enough for a reset and a rejoin within one turn.
const TURN_TIMEOUT_MS: &str = "8000";

/// What one game's players saw, with its room's log.
struct Played {
    phase: &'static str,
    reports: [GameReport; 2],
}

#[derive(Default)]
struct Tally {
    games: u32,
    moves: u32,
    lost_or_doubled: u32,
    deadlines: u32,
    reconnects: u32,
}

fn style(strategy: Strategy) -> PlayStyle {
    PlayStyle {
        think: Duration::from_millis(2_000),
        reconnect_for: Some(Duration::from_secs(120)),
        ..PlayStyle::new(strategy)
    }
}

async fn duel(
    client: &Client,
    name: &str,
    strategies: [Strategy; 2],
) -> Result<[(Matched, PlayStyle); 2]> {
    let (name_a, name_b) = (format!("{name}-a"), format!("{name}-b"));
    let (a, b) = tokio::join!(
        client.matchmake(Mode::Duel, &name_a),
        client.matchmake(Mode::Duel, &name_b)
    );
    let (a, b) = (a?, b?);
    ensure!(a.room == b.room, "{name}: matched into two rooms");
    Ok([(a, style(strategies[0])), (b, style(strategies[1]))])
}

/// Plays both seats of each duel to the end, on whatever server answers.
async fn play_all(
    client: &Client,
    duels: Vec<[(Matched, PlayStyle); 2]>,
) -> Result<Vec<[GameReport; 2]>> {
    let mut tasks = tokio::task::JoinSet::new();
    for (index, [(a, sa), (b, sb)]) in duels.into_iter().enumerate() {
        let client = client.clone();
        tasks.spawn(async move {
            let (ra, rb) = tokio::join!(client.play_any(&a, &sa), client.play_any(&b, &sb));
            (index, ra, rb)
        });
    }
    let mut played = Vec::new();
    while let Some(done) = tasks.join_next().await {
        let (index, ra, rb) = done?;
        played.push((index, [ra.context("seat a")?, rb.context("seat b")?]));
    }
    played.sort_by_key(|(index, _)| *index);
    Ok(played.into_iter().map(|(_, reports)| reports).collect())
}

/// Checks a game against its room's own log.
fn check(base: &Url, played: &Played, tally: &mut Tally) -> Result<()> {
    let [a, b] = &played.reports;
    ensure!(a.room == b.room, "{}: two rooms", played.phase);
    ensure!(a.outcome == b.outcome, "{}: {a:?} / {b:?}", played.phase);
    ensure!(
        a.events == b.events,
        "{}: event counts {a:?} / {b:?}",
        played.phase
    );
    let replay: Replay<Artillery> =
        get_body(&base.join(&format!("/api/rooms/{}/replay", a.room))?)?;
    let logged = |seat: Seat| {
        replay
            .actions
            .iter()
            .filter(|x| matches!(x.action, Action::Move { seat: s, .. } if s == seat))
            .count() as u32
    };
    for report in [a, b] {
        let in_log = logged(report.seat);
        tally.lost_or_doubled += in_log.abs_diff(report.resolved);
        tally.moves += report.resolved;
        tally.reconnects += report.reconnects;
    }
    let timeouts = replay
        .actions
        .iter()
        .filter(|x| matches!(x.action, Action::TimeOut))
        .count() as u32;
    ensure!(
        timeouts == a.timeouts && timeouts == b.timeouts,
        "{}: {timeouts} timeouts logged, players saw {} / {}",
        played.phase,
        a.timeouts,
        b.timeouts
    );
    tally.deadlines += timeouts;
    let (game, events) = replay.run().map_err(|e| anyhow::anyhow!("{e}"))?;
    ensure!(
        events.len() as u64 == a.events,
        "{}: replay has {} events",
        played.phase,
        events.len()
    );
    ensure!(
        game.outcome == Some(a.outcome),
        "{}: replay ends {:?}",
        played.phase,
        game.outcome
    );
    tally.games += 1;
    Ok(())
}

/// A Worker's configuration for the mixed runs: `name`, serving the build
/// in `root`, with the coordinator or the rooms reached in another Worker
/// (`script_name`) when named.
fn config(
    name: &str,
    root: &Path,
    coordinator_in: Option<&str>,
    rooms_in: Option<&str>,
    vars: &[(&str, &str)],
) -> serde_json::Value {
    let binding = |binding: &str, class: &str, elsewhere: Option<&str>| {
        let mut value = serde_json::json!({ "name": binding, "class_name": class });
        if let Some(script) = elsewhere {
            value["script_name"] = script.into();
        }
        value
    };
    let vars: serde_json::Map<String, serde_json::Value> = vars
        .iter()
        .map(|(n, v)| (n.to_string(), serde_json::Value::from(*v)))
        .collect();
    serde_json::json!({
        "name": name,
        "main": root.join("server/build/index.js"),
        "compatibility_date": "2026-11-01",
        "assets": { "directory": root.join("client/web/dist") },
        "durable_objects": { "bindings": [
            binding("COORDINATOR", "Matchmaker", coordinator_in),
            binding("ROOMS", "GameRoom", rooms_in),
            // Ratings go with the coordinator, which settles results.
            binding("PLAYERS", "Player", coordinator_in),
            binding("ECHO", "EchoRoom", None),
        ] },
        "migrations": [
            { "tag": "v1", "new_sqlite_classes": ["Matchmaker", "GameRoom"] },
            { "tag": "v2", "new_sqlite_classes": ["EchoRoom"] },
            { "tag": "v3", "new_sqlite_classes": ["Player"] },
        ],
        "vars": vars,
    })
}

/// Both builds at once in one `wrangler dev`: the coordinator (and the
/// Worker's routes) of `front`, the rooms of `back`. Plays duels with this
/// release's bots and one with the previous release's, and checks that the
/// coordinator and the rooms really run different builds.
fn mixed(
    front: &Path,
    back: &Path,
    previous: &Path,
    vars: &[(&str, &str)],
    tally: &mut Tally,
) -> Result<()> {
    let dir = repo_root().join(format!("target/e2e/mixed-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let front_config = dir.join("front.jsonc");
    let back_config = dir.join("back.jsonc");
    let front_json = config("volley-front", front, None, Some("volley-back"), vars);
    let back_json = config("volley-back", back, Some("volley-front"), None, vars);
    std::fs::write(&front_config, serde_json::to_string_pretty(&front_json)?)?;
    std::fs::write(&back_config, serde_json::to_string_pretty(&back_json)?)?;
    let server = WranglerDev::start_configs(front, &[front_config, back_config], &[])?;
    let base = server.base().clone();
    let client = Client::new(base.clone()).with_frame_timeout(Duration::from_secs(60));
    let runtime = tokio::runtime::Runtime::new()?;
    let phase = if front == repo_root() {
        "mixed: coordinator current, rooms previous"
    } else {
        "mixed: coordinator previous, rooms current"
    };
    let reports = runtime.block_on(async {
        let mut duels = Vec::new();
        for n in 0..2 {
            duels.push(
                duel(
                    &client,
                    &format!("mixed{n}"),
                    [Strategy::BEST, Strategy::BEST],
                )
                .await?,
            );
        }
        play_all(&client, duels).await
    })?;
    let previous_build = previous_build()?;
    for reports in reports {
        // Each object names the build it runs: the previous release's is
        // its commit.
        let room: RoomInfo = get_body(&base.join(&format!("/api/rooms/{}", reports[0].room))?)?;
        let shard: ShardStats = get_body(&base.join("/api/stats?mode=duel")?)?;
        ensure!(
            !room.build.is_empty() && !shard.build.is_empty(),
            "{phase}: the room runs {:?}, the coordinator {:?}",
            room.build,
            shard.build
        );
        let rooms_current = room.build != previous_build;
        let coordinator_current = shard.build != previous_build;
        ensure!(
            rooms_current != coordinator_current && rooms_current == (back == repo_root()),
            "{phase}: the room runs {:?}, the coordinator {:?} (the previous release is {previous_build})",
            room.build,
            shard.build
        );
        check(&base, &Played { phase, reports }, tally)?;
    }
    previous_bots_play(previous, &base, "old-mixed")?;
    tally.games += 1;
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// Games played while the server switches builds.
struct Switch<'a> {
    runtime: &'a tokio::runtime::Runtime,
    client: &'a Client,
    server: &'a mut WranglerDev,
    base: &'a Url,
    tally: &'a mut Tally,
}

impl Switch<'_> {
    /// Starts a duel per pair of strategies, switches the server to the
    /// build in `root` mid-game, and checks every game once it is over:
    /// each bot that had to rejoin speaks the newest version that build
    /// speaks.
    fn games_across(
        &mut self,
        phase: &'static str,
        duels: &[[Strategy; 2]],
        root: &Path,
    ) -> Result<()> {
        let client = self.client.clone();
        let strategies = duels.to_vec();
        let duels = self.runtime.block_on(async {
            let mut duels = Vec::new();
            for (n, pair) in strategies.into_iter().enumerate() {
                duels.push(duel(&client, &format!("{phase}{n}"), pair).await?);
            }
            anyhow::Ok(duels)
        })?;
        let games = self
            .runtime
            .spawn(async move { play_all(&client, duels).await });
        // Long enough for first moves, short enough that every game is
        // still going (each move takes two seconds of thought).
        std::thread::sleep(Duration::from_secs(3));
        self.server.switch_to(root)?;
        let health: Health = get_body(&self.base.join("/api/health")?)?;
        let version = health.protocol;
        for reports in self.runtime.block_on(games)?? {
            ensure!(
                reports
                    .iter()
                    .all(|r| r.reconnects == 0 || r.version == version),
                "{phase}: the bots that rejoined should speak version {version}: {reports:?}"
            );
            check(self.base, &Played { phase, reports }, self.tally)?;
        }
        Ok(())
    }
}

/// A child process that is killed (its whole process group) if it is
/// still running when dropped, also when the test fails.
struct Reaped(std::process::Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait()
            && let Ok(pid) = i32::try_from(self.0.id())
        {
            let _ = nix::sys::signal::killpg(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
            let _ = self.0.wait();
        }
    }
}

/// The previous release's own bot plays a duel (both seats) to the end.
fn previous_bots_play(previous: &Path, base: &Url, name: &str) -> Result<()> {
    let bot = previous.join("target/release/volley-bot");
    let spawn = |seat: &str| -> Result<Reaped> {
        let child = Command::new(&bot)
            .args([
                "--server",
                base.as_str(),
                "play",
                "--name",
                &format!("{name}-{seat}"),
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()
            .context("the previous release's volley-bot")?;
        Ok(Reaped(child))
    };
    let bots = [spawn("a")?, spawn("b")?];
    for mut bot in bots {
        let status = bot.0.wait()?;
        let mut said = String::new();
        if let Some(out) = bot.0.stdout.as_mut() {
            std::io::Read::read_to_string(out, &mut said)?;
        }
        ensure!(
            status.success(),
            "the previous release's bot failed: {said}"
        );
        ensure!(
            said.contains("won in room") || said.contains("lost") || said.contains("draw"),
            "the previous release's bot said {said:?}"
        );
    }
    Ok(())
}

/// Runs the test and prints its figures and a closing line (a plain
/// `harness = false` test, so the figures show in every run's output).
fn main() -> std::process::ExitCode {
    match games_survive_an_upgrade_and_a_rollback() {
        Ok(()) => {
            println!("upgrade: 1 passed, 0 failed");
            std::process::ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("games_survive_an_upgrade_and_a_rollback failed: {err:#}");
            println!("upgrade: 0 passed, 1 failed");
            std::process::ExitCode::FAILURE
        }
    }
}

fn games_survive_an_upgrade_and_a_rollback() -> Result<()> {
    build_worker()?;
    let previous = build_previous()?;
    let secret = format!("upgrade-secret-{}", std::process::id());
    let vars = [
        ("TURN_TIMEOUT_MS", TURN_TIMEOUT_MS),
        ("JOIN_SECRET", secret.as_str()),
    ];
    let current = repo_root();
    let previous_src = previous.join("src");
    let mut server = WranglerDev::start_in(&previous_src, &vars)?;
    let base = server.base().clone();
    let client = Client::new(base.clone()).with_frame_timeout(Duration::from_secs(60));
    let runtime = tokio::runtime::Runtime::new()?;
    let mut tally = Tally::default();

    let mut switch = Switch {
        runtime: &runtime,
        client: &client,
        server: &mut server,
        base: &base,
        tally: &mut tally,
    };
    // 1. Upgrade: games begun on the previous build finish on this one.
    let mut duels = vec![[Strategy::BEST, Strategy::BEST]; 3];
    // One player never moves: its turn deadlines are pending across the switch.
    duels.push([Strategy::BEST, Strategy::Idle]);
    switch.games_across("upgrade", &duels, &current)?;
    // The previous release's bots keep playing.
    previous_bots_play(&previous, &base, "old-on-new")?;
    switch.tally.games += 1;
    // 2. Rollback: games begun on this build finish on the previous one.
    let duels = vec![[Strategy::BEST, Strategy::BEST]; 2];
    switch.games_across("rollback", &duels, &previous_src)?;

    // 3. Forward again.
    server.switch_to(&current)?;
    let reports = runtime.block_on(async {
        let duels = vec![duel(&client, "again", [Strategy::BEST, Strategy::BEST]).await?];
        play_all(&client, duels).await
    })?;
    for reports in reports {
        check(
            &base,
            &Played {
                phase: "forward",
                reports,
            },
            &mut tally,
        )?;
    }

    drop(server);
    // 4. Both builds at once, both ways round.
    let mixed_vars = [
        ("TURN_TIMEOUT_MS", TURN_TIMEOUT_MS),
        ("JOIN_SECRET", secret.as_str()),
    ];
    mixed(&current, &previous_src, &previous, &mixed_vars, &mut tally)?;
    mixed(&previous_src, &current, &previous, &mixed_vars, &mut tally)?;

    println!(
        "upgrade test: {} games across the upgrade, rollback, forward again and both mixed pairings; {} moves checked against the rooms' logs, {} lost or doubled; {} deadlines fired once each; {} reconnections",
        tally.games, tally.moves, tally.lost_or_doubled, tally.deadlines, tally.reconnects
    );
    ensure!(tally.lost_or_doubled == 0, "moves lost or doubled");
    ensure!(
        tally.deadlines > 0,
        "no deadline fired: the idle player's turns should time out"
    );
    ensure!(
        tally.reconnects > 0,
        "no bot had to rejoin: the switch came too late"
    );
    Ok(())
}
