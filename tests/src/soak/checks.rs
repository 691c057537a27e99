//! The checks after a soak, against what the server itself recorded: each
//! room's action log (`/replay`) against the moves its bots saw resolved,
//! each room's phase (finished, or still moving on), each guest's game
//! count against the games it saw end, and the server's log for panics.

use super::report::Checks;
use super::stage::Stage;
use anyhow::{Context, Result};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::{Duration, Instant};
use url::Url;
use volley_client::load::LoadReport;
use volley_shared::Seat;
use volley_shared::api::{PlayerModes, RoomInfo, ShardStats};
use volley_shared::artillery::Artillery;

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
        moves(&base, &load, &mut checks)?;
        rooms(&base, &load.rooms, turn_ms, &mut checks)?;
        results(&base, &load.players, &mut checks)?;
        Ok(checks)
    })
    .await
    .context("the checks' task")?
}

/// Every move a room's bots saw resolved is in its log, and the log holds
/// nothing its players did not send, nor anything more often than they
/// sent it (a move applied twice).
fn moves(base: &Url, load: &LoadReport, checks: &mut Checks) -> Result<()> {
    let nothing_sent = Vec::new();
    for (room, seen) in &load.rooms {
        let Some(logged) = crate::logged_move_list::<Artillery>(base, room)? else {
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
        checks.moves_logged += logged.len() as u64;
        checks.moves_lost += seen.saturating_sub(logged.len() as u64);
        checks.moves_doubled += unsent(&logged, load.sent.get(room).unwrap_or(&nothing_sent));
    }
    Ok(())
}

/// How many of a room's `logged` moves its players did not `sent`: each
/// move sent accounts for one logged move at most.
fn unsent(logged: &[(Seat, String)], sent: &[(Seat, String)]) -> u64 {
    let mut unused: HashMap<(Seat, &str), u64> = HashMap::new();
    for (seat, mv) in sent {
        *unused.entry((*seat, mv.as_str())).or_default() += 1;
    }
    let mut unsent = 0;
    for (seat, mv) in logged {
        match unused.get_mut(&(*seat, mv.as_str())) {
            Some(n) if *n > 0 => *n -= 1,
            _ => unsent += 1,
        }
    }
    unsent
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

#[cfg(test)]
mod tests {
    use super::*;

    fn moves(list: &[(u8, &str)]) -> Vec<(Seat, String)> {
        list.iter()
            .map(|(s, m)| (Seat(*s), (*m).to_string()))
            .collect()
    }

    #[test]
    fn a_log_of_moves_sent_once_each_has_none_unsent() {
        let sent = moves(&[(0, "a"), (1, "b"), (0, "c"), (0, "a")]);
        assert_eq!(unsent(&moves(&[(0, "a"), (1, "b"), (0, "a")]), &sent), 0);
        // Sent but not logged (lost in transit, refused) is not unsent.
        assert_eq!(unsent(&[], &sent), 0);
    }

    #[test]
    fn a_move_logged_more_often_than_sent_or_by_another_seat_is_unsent() {
        let sent = moves(&[(0, "a"), (1, "b")]);
        assert_eq!(unsent(&moves(&[(0, "a"), (0, "a"), (1, "b")]), &sent), 1);
        assert_eq!(unsent(&moves(&[(1, "a"), (1, "b")]), &sent), 1);
        assert_eq!(unsent(&moves(&[(0, "z")]), &sent), 1);
    }
}
