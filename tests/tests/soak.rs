//! The short chaos soak CI runs (`SoakConfig::short`): a minute of honest
//! bots with socket drops, SIGKILL restarts, early and duplicate alarms
//! and hostile clients, then every move, room and result checked against
//! what the server recorded. Its report and chart are left in
//! `target/soak/ci/`. The long run is `scripts/soak` (RELIABILITY.md).

use anyhow::{Result, ensure};
use std::process::ExitCode;
use volley_tests::soak::{self, SoakConfig, report};

fn main() -> ExitCode {
    match tokio::runtime::Runtime::new()
        .map_err(anyhow::Error::from)
        .and_then(|runtime| runtime.block_on(short_soak()))
    {
        Ok(()) => {
            println!("test a_short_soak_loses_nothing ... ok");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("test a_short_soak_loses_nothing ... FAILED\n{err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn short_soak() -> Result<()> {
    if std::env::var("VOLLEY_SKIP_BUILD").as_deref() != Ok("1") {
        volley_tests::build_worker()?;
    }
    let report = soak::run(&SoakConfig::short()).await?;
    let out = volley_tests::repo_root().join("target/soak/ci");
    std::fs::create_dir_all(&out)?;
    std::fs::write(
        out.join("soak.json"),
        serde_json::to_string_pretty(&report)?,
    )?;
    report::write_chart(&report, &out.join("soak.svg"))?;
    eprintln!("{}", report.summary());
    ensure!(report.problems().is_empty(), "{}", report.summary());
    // Every kind of fault was injected and answered as it should at least
    // once, so a soak that injected nothing cannot pass.
    let kinds = [
        "restart",
        "early_alarm",
        "duplicate_alarm",
        "socket_drop",
        "hostile:ticket_flood",
        "hostile:ticket_garbage",
        "hostile:ticket_socket_limit",
        "hostile:room_garbage",
        "hostile:silent_room_socket",
        "hostile:forged_token",
    ];
    for kind in kinds {
        let count = report.by_kind.get(kind).cloned().unwrap_or_default();
        ensure!(
            count.as_expected > 0,
            "no {kind} was injected and answered as expected: {count:?}"
        );
    }
    ensure!(
        report.checks.moves_checked > 0 && report.checks.results_checked > 0,
        "nothing was checked: {:?}",
        report.checks
    );
    ensure!(
        report.load.games.reconnects > 0,
        "no bot had to reconnect: {:?}",
        report.load.games
    );
    Ok(())
}
