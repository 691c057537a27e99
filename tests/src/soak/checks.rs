//! The checks after a soak, against what the server itself recorded: each
//! room's action log (`/replay`) against the moves its bots saw resolved,
//! each room's phase (finished, or still moving on), each guest's game
//! count against the games it saw end, and the server's log for panics.

use super::report::Checks;
use super::stage::Stage;
use anyhow::{Context, Result};
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};
use url::Url;
use volley_client::load::LoadReport;
use volley_shared::api::{PlayerModes, RoomInfo, ShardStats};

/// How long results may take to be applied after the run (a room's report
/// to its coordinator is retried by its alarm with a growing pause).
const RESULTS_PATIENCE: Duration = Duration::from_secs(90);

/// Runs every check; `turn_ms` bounds how long a live room may sit still.
pub async fn run(stage: &Stage, load: &LoadReport, turn_ms: u64) -> Result<Checks> {
    let base = stage.base().clone();
    let load = load.clone();
    let panics = stage.panics().len() as u64;
    tokio::task::spawn_blocking(move || {
        let mut checks = Checks {
            panics,
            ..Checks::default()
        };
        moves(&base, &load.rooms, &mut checks)?;
        rooms(&base, &load.rooms, turn_ms, &mut checks)?;
        results(&base, &load.players, &mut checks)?;
        Ok(checks)
    })
    .await
    .context("the checks' task")?
}

/// Every move a room's bots saw resolved is in its log once, and the log
/// has no other.
fn moves(base: &Url, rooms: &BTreeMap<String, u32>, checks: &mut Checks) -> Result<()> {
    for (room, seen) in rooms {
        let Some(logged) = crate::logged_moves(base, room)? else {
            // A room whose bots never got in (their join died in a
            // restart) closes itself when its seats' reservation ends and
            // deletes its storage: it is right that nothing is there, as
            // long as no bot saw a move in it.
            checks.rooms_gone += 1;
            checks.moves_lost += u64::from(*seen);
            continue;
        };
        let seen = u64::from(*seen);
        checks.rooms_checked += 1;
        checks.moves_checked += seen;
        checks.moves_lost += seen.saturating_sub(logged);
        checks.moves_doubled += logged.saturating_sub(seen);
    }
    Ok(())
}

/// No room is stuck: every room the bots played, and the shard's latest
/// rooms (some may have been matched for a bot whose ticket died in a
/// restart), is finished, or moves on (its phase or sequence number
/// changes) within two turn lengths.
fn rooms(
    base: &Url,
    played: &BTreeMap<String, u32>,
    turn_ms: u64,
    checks: &mut Checks,
) -> Result<()> {
    let stats: ShardStats = crate::get_body(&base.join("/api/stats?mode=duel")?)?;
    let all: BTreeSet<String> = played
        .keys()
        .cloned()
        .chain(stats.recent_rooms.into_iter().map(|r| r.room_id.0))
        .collect();
    // A room that closed unplayed deletes itself: `None`, and not stuck.
    let info = |room: &str| -> Result<Option<RoomInfo>> {
        let url = base.join(&format!("/api/rooms/{room}"))?;
        match crate::get_text(&url)? {
            (404, _) => Ok(None),
            (200, body) => Ok(Some(serde_json::from_str(&body)?)),
            (status, body) => anyhow::bail!("GET {url}: {status} {body}"),
        }
    };
    let mut live = Vec::new();
    for room in &all {
        if let Some(now) = info(room)?
            && now.phase != "finished"
            && now.phase != "closed"
        {
            live.push((room, now.phase, now.seq));
        }
    }
    if live.is_empty() {
        return Ok(());
    }
    std::thread::sleep(Duration::from_millis(2 * turn_ms + 2_000));
    for (room, phase, seq) in live {
        if let Some(later) = info(room)?
            && later.phase == phase
            && later.seq == seq
        {
            checks
                .stuck_rooms
                .push(format!("{room} ({phase} at seq {seq})"));
        }
    }
    Ok(())
}

/// Each guest's game count is the number of games it saw end: no result
/// applied twice, none lost. Waits for results still being retried.
fn results(base: &Url, players: &BTreeMap<String, u32>, checks: &mut Checks) -> Result<()> {
    let give_up = Instant::now() + RESULTS_PATIENCE;
    for (player, seen) in players {
        let url = base.join(&format!("/api/players/{player}?mode=duel"))?;
        let seen = u64::from(*seen);
        let counted = loop {
            let record: PlayerModes = crate::get_body(&url)?;
            let games = record.modes.first().map_or(0, |m| m.games);
            if games >= seen || Instant::now() >= give_up {
                break games;
            }
            std::thread::sleep(Duration::from_millis(500));
        };
        checks.players_checked += 1;
        checks.results_checked += seen;
        checks.results_doubled += counted.saturating_sub(seen);
        checks.results_missing += seen.saturating_sub(counted);
    }
    Ok(())
}
