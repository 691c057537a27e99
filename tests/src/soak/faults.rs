//! The fault injector: on a seeded schedule while the bots play, restarts
//! the runtime with SIGKILL, runs rooms' alarm handlers early and twice at
//! once (the test hook `POST /api/rooms/{id}/debug/alarm`), and sends the
//! hostile clients. Socket drops are the bots' own
//! (`LoadConfig::drop_chance`).

use super::hostile::{self, Hostile};
use super::stage::Stage;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio::time::Instant;
use url::Url;
use volley_shared::api::ShardStats;

/// When each kind of fault comes.
#[derive(Clone, Copy, Debug)]
pub struct Schedule {
    /// Between two restarts; `None` for no restart.
    pub restart_every: Option<Duration>,
    /// Between two alarm faults (early and duplicate in turn).
    pub alarm_every: Duration,
    /// Between two hostile clients (the kinds in turn).
    pub hostile_every: Duration,
    /// Seeds the choice of rooms and the hostile clients' bytes.
    pub seed: u64,
}

/// Injects faults until `stop` turns true, then waits (at most a minute)
/// for the hostile clients still running.
pub async fn inject(stage: Arc<Stage>, schedule: Schedule, mut stop: watch::Receiver<bool>) {
    let mut rng = ChaCha8Rng::seed_from_u64(schedule.seed);
    let start = Instant::now();
    let mut next_restart = schedule.restart_every.map(|every| start + every);
    let mut next_alarm = start + schedule.alarm_every;
    let mut next_hostile = start + schedule.hostile_every;
    let mut running = JoinSet::new();
    let mut count = 0u64;
    loop {
        let next = next_restart
            .unwrap_or(next_alarm)
            .min(next_alarm)
            .min(next_hostile);
        tokio::select! {
            () = tokio::time::sleep_until(next) => {}
            _ = stop.wait_for(|stop| *stop) => break,
        }
        let now = Instant::now();
        count += 1;
        if let (Some(at), Some(every)) = (next_restart, schedule.restart_every)
            && now >= at
        {
            let (when, epoch) = (stage.seconds(), stage.epoch());
            let outcome = stage.restart().await;
            stage.judge("restart", when, epoch, outcome);
            next_restart = Some(Instant::now() + every);
        }
        if now >= next_alarm {
            let duplicate = count.is_multiple_of(2);
            let seed = rng.random();
            running.spawn(alarm(stage.clone(), duplicate, seed));
            next_alarm = now + schedule.alarm_every;
        }
        if now >= next_hostile {
            let kind = hostile::KINDS[(count as usize) % hostile::KINDS.len()];
            let seed = rng.random();
            running.spawn(attack(stage.clone(), kind, count, seed));
            next_hostile = now + schedule.hostile_every;
        }
    }
    let all_done = async { while running.join_next().await.is_some() {} };
    if tokio::time::timeout(Duration::from_secs(60), all_done)
        .await
        .is_err()
    {
        running.abort_all();
    }
}

/// Runs a live room's alarm handler now (before its deadline), or twice
/// at once: either way the hook must answer 200, and the checks find
/// whether a move or a timeout was doubled.
async fn alarm(stage: Arc<Stage>, duplicate: bool, seed: u64) {
    let kind = if duplicate {
        "duplicate_alarm"
    } else {
        "early_alarm"
    };
    let (when, epoch) = (stage.seconds(), stage.epoch());
    let Some(room) = some_room(stage.base(), seed).await else {
        return;
    };
    let Ok(url) = stage.base().join(&format!("/api/rooms/{room}/debug/alarm")) else {
        return;
    };
    let times = if duplicate { 2 } else { 1 };
    let mut calls = JoinSet::new();
    for _ in 0..times {
        let url = url.clone();
        calls.spawn_blocking(move || crate::post_text(&url));
    }
    let mut outcome = Ok(format!("room {room}: {times} × 200"));
    while let Some(answer) = calls.join_next().await {
        match answer {
            Ok(Ok((200, _))) => {}
            Ok(Ok((status, body))) => outcome = Err(format!("room {room}: {status} {body}")),
            Ok(Err(err)) => outcome = Err(format!("room {room}: {err:#}")),
            Err(err) => outcome = Err(format!("the request task failed: {err}")),
        }
    }
    stage.judge(kind, when, epoch, outcome);
}

/// One hostile client, from an address of its own.
async fn attack(stage: Arc<Stage>, kind: Hostile, n: u64, seed: u64) {
    let (when, epoch) = (stage.seconds(), stage.epoch());
    let address = format!("198.18.{}.{}", (n / 250) % 250, n % 250 + 1);
    let room = some_room(stage.base(), seed).await;
    if kind.needs_room() && room.is_none() {
        return;
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let outcome = kind.run(&stage, &address, room.as_deref(), &mut rng).await;
    stage.judge(kind.name(), when, epoch, outcome);
}

/// One of the duel shard's latest public rooms, chosen by `seed`; `None`
/// before the first match or while the server is down.
async fn some_room(base: &Url, seed: u64) -> Option<String> {
    let url = base.join("/api/stats?mode=duel").ok()?;
    let stats = tokio::task::spawn_blocking(move || crate::get_body::<ShardStats>(&url))
        .await
        .ok()?
        .ok()?;
    let rooms = stats.recent_rooms;
    let pick = ChaCha8Rng::seed_from_u64(seed).random_range(0..rooms.len().max(1));
    rooms.get(pick).map(|room| room.room_id.0.clone())
}
