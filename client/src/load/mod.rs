//! `volley-bot load`: many bots on one tokio runtime, playing real games
//! against a Volley server, with every move's round trip, every match's
//! wait and every error recorded.
//!
//! Players arrive at a set rate; each one loops: open a ticket, wait for
//! `Matched`, join the room and play to the end (or, in the
//! [`Workload::MatchOnly`] workload, just take the next ticket). The run
//! stops after a number of games per player or after a duration; after a
//! duration no ticket is opened, games in progress finish, and tickets
//! still waiting are withdrawn (and counted, not as errors).
//!
//! [`run`] returns a [`LoadReport`]; the CLI writes it as JSON with a chart
//! ([`chart`]) and exits non-zero when it holds errors.

pub mod chart;
pub mod cpu;
pub mod latency;
pub mod moves;
pub mod recorder;
pub mod report;
pub mod shards;

use crate::bot::Strategy;
use crate::lobby;
use crate::native::{Client, PlayStyle, TrafficCount, http_body};
use indicatif::{ProgressBar, ProgressStyle};
use recorder::Recorder;
pub use report::LoadReport;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio::time::{Instant, MissedTickBehavior};
use url::Url;
use volley_shared::Mode;
use volley_shared::api::Guest;

/// When a run stops.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Stop {
    /// Each player plays (or, matching only, is matched) this many times.
    GamesPerPlayer(u32),
    /// No ticket opens after this long; games in progress finish.
    After(Duration),
}

/// What each player does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Workload {
    /// Matchmake, then play the game to its end; repeat.
    Play,
    /// Matchmake and take the next ticket at once, never joining the room
    /// (measures the coordinator alone; the seats expire unused).
    MatchOnly,
}

/// A load run.
#[derive(Clone, Debug)]
pub struct LoadConfig {
    /// The Volley server.
    pub server: Url,
    /// The kind of match.
    pub mode: Mode,
    /// How many bots.
    pub players: u32,
    /// When to stop.
    pub stop: Stop,
    /// Bots arriving per second at the start.
    pub arrival_rate: f64,
    /// How long a bot aims before it fires.
    pub think: Duration,
    /// Aim updates a bot sends per second while it aims.
    pub aims_per_second: f64,
    /// How the bots choose their moves: the AI at a skill, or the game's
    /// quick move ([`Strategy::Quick`]), so a turn is answered at once.
    pub strategy: Strategy,
    /// What each bot does.
    pub workload: Workload,
    /// The start of the run left out of the steady-state figures.
    pub warmup: Duration,
    /// How long games may run on after a duration ends.
    pub grace: Duration,
    /// The longest a run of games per player may take.
    pub max_duration: Duration,
    /// How long any connection waits for a frame.
    pub frame_timeout: Duration,
    /// Seeds the bots' aiming error.
    pub seed: u64,
    /// How long a bot whose room connection drops keeps trying to rejoin
    /// and resume (as the browser does); `None`: the game is lost.
    pub reconnect_for: Option<Duration>,
    /// Fault injection: the chance, after each event a bot receives, that
    /// it cuts its room connection and rejoins ([`PlayStyle::drop_chance`]).
    pub drop_chance: f64,
    /// Each bot plays as a guest (`POST /api/guests`), so its games are
    /// counted under its player id and the report lists them per player
    /// ([`LoadReport::players`]).
    pub guests: bool,
    /// Keep every move's send time and round trip in the report's
    /// [`LoadReport::move_log`].
    pub log_moves: bool,
    /// Draw a progress bar on stderr.
    pub progress: bool,
    /// The continents the bots say they are on, in turn (bot `n` on the
    /// `n % len`th); empty: none said. Only a server started with
    /// `VOLLEY_TEST_HOOKS=1` believes them ([`Client::on_continent`]).
    pub continents: Vec<String>,
}

impl LoadConfig {
    /// The standard workload: duels, bots arriving 20 a second, 5 aim
    /// updates a second while aiming, firing 2 s after their turn starts.
    pub fn standard(server: Url, players: u32, stop: Stop) -> Self {
        Self {
            server,
            mode: Mode::Duel,
            players,
            stop,
            arrival_rate: 20.0,
            think: Duration::from_secs(2),
            aims_per_second: 5.0,
            strategy: Strategy::BEST,
            workload: Workload::Play,
            warmup: Duration::ZERO,
            grace: Duration::from_secs(60),
            max_duration: Duration::from_secs(600),
            frame_timeout: Duration::from_secs(30),
            seed: 1,
            // Bots rejoin after a drop or a server restart, as the page
            // does, so a run can measure one.
            reconnect_for: Some(Duration::from_secs(30)),
            drop_chance: 0.0,
            guests: false,
            log_moves: false,
            progress: false,
            continents: Vec::new(),
        }
    }

    fn style(&self, player: u32, game: u32) -> PlayStyle {
        PlayStyle {
            strategy: self.strategy,
            think: self.think,
            aims_per_second: self.aims_per_second,
            seed: self.seed ^ (u64::from(player) << 32) ^ u64::from(game),
            reconnect_for: self.reconnect_for,
            drop_chance: self.drop_chance,
            // The load tool measures: its bots' searches must not delay
            // the frames it times.
            lowest_priority_search: true,
        }
    }

    /// The part of the run the steady-state figures cover.
    fn window(&self) -> Duration {
        match self.stop {
            Stop::After(duration) => duration.saturating_sub(self.warmup),
            Stop::GamesPerPlayer(_) => self.max_duration,
        }
    }
}

/// The signals the run sends its players.
#[derive(Clone)]
struct Signals {
    /// Open no more tickets.
    no_new_tickets: watch::Receiver<bool>,
    /// Withdraw tickets still waiting.
    withdraw: watch::Receiver<bool>,
}

/// Runs the load and reports it. Errors are in the report, never hidden.
pub async fn run(config: LoadConfig) -> LoadReport {
    let config = Arc::new(config);
    let recorder = Recorder::new(config.warmup, config.window());
    let recorder = Arc::new(match config.log_moves {
        true => recorder.logging_moves(),
        false => recorder,
    });
    let client = Client::new(config.server.clone())
        .with_frame_timeout(config.frame_timeout)
        .with_traffic(recorder.traffic.clone());
    let shards_before = shards::matches_made(&config.server, config.mode).await;
    let cpu = cpu::CpuClock::start();
    let (stop_tickets, no_new_tickets) = watch::channel(false);
    let (withdraw_tickets, withdraw) = watch::channel(false);
    let signals = Signals {
        no_new_tickets,
        withdraw,
    };

    let mut players = JoinSet::new();
    for index in 0..config.players {
        let arrives = recorder.start() + arrival_delay(index, config.arrival_rate);
        let continent = config
            .continents
            .get(usize::try_from(index).unwrap_or(0) % config.continents.len().max(1))
            .cloned();
        let (client, config, recorder, signals) = (
            client.clone().on_continent(continent),
            config.clone(),
            recorder.clone(),
            signals.clone(),
        );
        players.spawn(async move {
            tokio::time::sleep_until(arrives).await;
            player(index, &client, &config, &recorder, signals).await;
        });
    }

    let bar = progress_bar(config.progress);
    let watcher = tokio::spawn(watch_run(recorder.clone(), bar.clone()));

    let unfinished = match config.stop {
        Stop::After(duration) => {
            tokio::time::sleep(duration).await;
            let _ = stop_tickets.send(true);
            let deadline = Instant::now() + config.grace;
            let withdraw_later = tokio::spawn({
                let after = config.grace / 2;
                async move {
                    tokio::time::sleep(after).await;
                    let _ = withdraw_tickets.send(true);
                }
            });
            let left = drain(&mut players, deadline).await;
            withdraw_later.abort();
            left
        }
        Stop::GamesPerPlayer(_) => {
            drain(&mut players, recorder.start() + config.max_duration).await
        }
    };
    for _ in 0..unfinished {
        recorder.error_kind(
            "unfinished",
            "a bot was still queued or playing when the run had to end".into(),
        );
    }
    watcher.abort();
    let _ = watcher.await;
    bar.finish_and_clear();
    let wall = recorder.start().elapsed();
    let cpu = cpu.read(wall);
    let mut report = report::build(&config, &recorder, wall, cpu);
    let shards_after = shards::matches_made(&config.server, config.mode).await;
    if let (Some(before), Some(after)) = (shards_before, shards_after) {
        report.matches_per_shard = shards::made_between(&before, &after);
    }
    report
}

/// When player `index` arrives, at `rate` players a second.
fn arrival_delay(index: u32, rate: f64) -> Duration {
    if rate <= 0.0 || !rate.is_finite() {
        return Duration::ZERO;
    }
    Duration::from_secs_f64(f64::from(index) / rate)
}

/// Waits for every player until `deadline`, then aborts the rest; returns
/// how many had to be aborted.
async fn drain(players: &mut JoinSet<()>, deadline: Instant) -> u64 {
    let all_done = async { while players.join_next().await.is_some() {} };
    if tokio::time::timeout_at(deadline, all_done).await.is_ok() {
        return 0;
    }
    let left = players.len() as u64;
    players.abort_all();
    while players.join_next().await.is_some() {}
    left
}

/// One bot: tickets and games until the run says stop.
async fn player(
    index: u32,
    client: &Client,
    config: &LoadConfig,
    recorder: &Recorder,
    mut signals: Signals,
) {
    let name = format!("load-{index}");
    let guest = match config.guests {
        true => match become_guest(client, recorder, &mut signals).await {
            Some(guest) => Some(guest),
            None => return,
        },
        false => None,
    };
    let gauges = &recorder.gauges;
    let mut rounds = 0;
    loop {
        let done = match config.stop {
            Stop::GamesPerPlayer(games) => rounds >= games,
            Stop::After(_) => *signals.no_new_tickets.borrow(),
        };
        if done {
            return;
        }
        rounds += 1;

        gauges.queued.fetch_add(1, Ordering::Relaxed);
        let opened = Instant::now();
        let opening = lobby::find_match(config.mode, &name);
        let matched = tokio::select! {
            matched = client.matchmake_with(
                config.mode,
                guest.as_ref().map(|g| g.token.as_str()),
                &opening,
            ) => Some(matched),
            _ = signals.withdraw.wait_for(|w| *w) => None,
        };
        gauges.queued.fetch_sub(1, Ordering::Relaxed);
        let matched = match matched {
            None => return,
            Some(Ok(matched)) => matched,
            Some(Err(error)) => {
                recorder.error_at("ticket", &error);
                pause_after_error().await;
                continue;
            }
        };
        recorder.matched(opened);
        if config.workload == Workload::MatchOnly {
            continue;
        }

        recorder.joined(&matched.room);
        gauges.playing.fetch_add(1, Ordering::Relaxed);
        let (report, played) = client
            .play_any_reporting(&matched, &config.style(index, rounds))
            .await;
        gauges.playing.fetch_sub(1, Ordering::Relaxed);
        match played {
            Ok(()) => recorder.game(guest.as_ref().map(|g| g.player.as_str()), &report),
            Err(error) => {
                recorder.sent_moves(&report);
                let at = format!(
                    "room {} seat {}, after {} events and {} moves sent",
                    matched.room, matched.seat.0, report.events, report.shots
                );
                recorder.error_at(&at, &error);
                pause_after_error().await;
            }
        }
    }
}

/// A guest identity for one bot, asked for until the server gives one or
/// the run opens no more tickets (`None`).
async fn become_guest(
    client: &Client,
    recorder: &Recorder,
    signals: &mut Signals,
) -> Option<Guest> {
    loop {
        if *signals.no_new_tickets.borrow() {
            return None;
        }
        let url = match client.server().join("/api/guests") {
            Ok(url) => url,
            Err(err) => {
                recorder.error(&err.into());
                return None;
            }
        };
        match http_body::<Guest>(true, url).await {
            Ok(guest) => return Some(guest),
            Err(error) => {
                recorder.error(&error);
                pause_after_error().await;
            }
        }
    }
}

/// After an error a bot waits a little, so a server that refuses
/// everything is not hammered in a tight loop.
async fn pause_after_error() {
    tokio::time::sleep(Duration::from_millis(250)).await;
}

fn progress_bar(visible: bool) -> ProgressBar {
    if !visible {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {elapsed_precise} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar
}

/// Every 100 ms: how late the runtime woke this task (the load tool's own
/// saturation shows as lag), the progress bar, and each second's frames.
/// Runs until aborted.
async fn watch_run(recorder: Arc<Recorder>, bar: ProgressBar) {
    let period = Duration::from_millis(100);
    let mut tick = tokio::time::interval(period);
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut frames = TrafficCount::default();
    let mut expected = Instant::now();
    let mut ticks = 0u64;
    loop {
        tick.tick().await;
        let now = Instant::now();
        recorder.timer_lag(now.saturating_duration_since(expected));
        expected = now + period;
        ticks += 1;
        if ticks.is_multiple_of(10) {
            recorder.frames_until_now(&mut frames);
        }
        let g = &recorder.gauges;
        bar.set_message(format!(
            "queued {} · playing {} · games finished {} · errors {}",
            g.queued.load(Ordering::Relaxed),
            g.playing.load(Ordering::Relaxed),
            g.player_games.load(Ordering::Relaxed),
            g.errors.load(Ordering::Relaxed),
        ));
        bar.tick();
    }
}
