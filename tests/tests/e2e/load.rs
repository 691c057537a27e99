//! The load tool and the benchmarks' idle probe against the real server:
//! a small load (a few dozen bots, a few games each) must finish every
//! game with no errors and account for every move, and a room left alone
//! between two moves must wake for nothing but the move.

use anyhow::{Context, Result, ensure};
use std::time::Duration;
use url::Url;
use volley_client::load::{self, LoadConfig, LoadReport, Stop};
use volley_shared::api::RoomInfo;
use volley_tests::{get_body, logged_moves};

/// Every move the bots saw resolved is in its room's own log (`/replay`),
/// and no other.
pub fn every_resolved_move_is_logged_once(base: &Url, report: &LoadReport) -> Result<()> {
    for (room, moves) in &report.rooms {
        let logged = logged_moves(base, room)?.with_context(|| format!("room {room} is gone"))?;
        ensure!(
            logged == u64::from(*moves),
            "room {room}: the bots saw {moves} moves resolved, the room logged {logged}"
        );
    }
    Ok(())
}

pub async fn a_small_load_finishes_every_game_and_accounts_for_every_move(base: Url) -> Result<()> {
    let players = 24;
    let games = 2;
    // Europe's duel shard is busy, so Europeans play there; Oceania's is
    // quiet and hands its tickets to the global pool.
    crate::regions::make_busy(&base, "eu")?;
    let europe = crate::regions::shard(&base, "eu")?.coordinator_id;
    let global = crate::regions::shard(&base, "global")?.coordinator_id;
    let report = load::run(LoadConfig {
        arrival_rate: 50.0,
        // Well inside the harness's 2.5 s turns, with aim updates meanwhile.
        think: Duration::from_millis(300),
        // Half the bots say they are in Europe, half in Oceania.
        continents: vec!["EU".into(), "OC".into()],
        ..LoadConfig::standard(base.clone(), players, Stop::GamesPerPlayer(games))
    })
    .await;
    ensure!(report.problems().is_empty(), "{}", report.summary());
    // Every room is placed near its players, on one continent or the other,
    // and made by their shard: Europe's own, or the global pool.
    let mut placed = std::collections::BTreeSet::new();
    for room in report.rooms.keys() {
        let info: RoomInfo = get_body(&base.join(&format!("/api/rooms/{room}"))?)?;
        let shard = match &info.created_by {
            id if *id == europe => "eu",
            id if *id == global => "global",
            other => other.as_str(),
        };
        placed.insert((info.location_hint.unwrap_or_default(), shard.to_string()));
    }
    let expected = [("oc", "global"), ("weur", "eu")].map(|(h, s)| (h.to_string(), s.to_string()));
    ensure!(
        placed == expected.into(),
        "rooms placed at and made by {placed:?}"
    );
    // The report says the same from the shards' own counters: every match
    // of the run was made by one of those two shards.
    let shards: Vec<&str> = report
        .matches_per_shard
        .keys()
        .map(String::as_str)
        .collect();
    ensure!(
        shards == ["eu", "global"]
            && report.matches_per_shard.values().sum::<u64>() == report.rooms.len() as u64,
        "matches per shard: {:?}",
        report.matches_per_shard
    );
    ensure!(report.error_count() == 0, "{:?}", report.errors);
    let player_games = u64::from(players * games);
    ensure!(
        report.games.matched == player_games && report.games.player_games == player_games,
        "{:?}",
        report.games
    );
    ensure!(
        report.games.rooms_finished == player_games / 2
            && report.rooms.len() as u64 == player_games / 2,
        "{:?}",
        report.games
    );
    ensure!(
        report.moves.sent > 0
            && report.moves.resolved == report.moves.sent
            && report.move_rtt.count == report.moves.sent,
        "{:?}",
        report.moves
    );
    ensure!(report.moves.aims > 0, "no aim updates were sent");
    ensure!(
        report.traffic.frames_sent > report.moves.sent + report.moves.aims,
        "{:?}",
        report.traffic
    );
    every_resolved_move_is_logged_once(&base, &report)?;
    // The report reads back from JSON (its counts exactly; floats may
    // differ in the last digit), and the chart is drawn.
    let back: LoadReport = serde_json::from_str(&serde_json::to_string(&report)?)?;
    ensure!(
        (
            back.games,
            back.moves,
            &back.rooms,
            &back.errors,
            back.timeline.len()
        ) == (
            report.games,
            report.moves,
            &report.rooms,
            &report.errors,
            report.timeline.len()
        ),
        "the report changed through JSON"
    );
    let chart = std::env::temp_dir().join(format!("volley-load-{}.svg", std::process::id()));
    load::chart::write_svg(&report, &chart)?;
    let svg = std::fs::read_to_string(&chart)?;
    std::fs::remove_file(&chart)?;
    ensure!(
        svg.contains("<svg") && svg.contains("p99"),
        "chart: {svg:.200}"
    );
    Ok(())
}
