//! What a soak found: the faults it injected, the hostile clients it sent
//! and what they got, the checks against the rooms' logs and the players'
//! records, and the load run underneath; as JSON, a verdict in words, and
//! a chart.

use plotters::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;
use volley_client::load::LoadReport;

/// One fault or hostile client, when it happened and how it went.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Injected {
    /// Seconds since the soak started.
    pub at_seconds: f64,
    /// The kind: `restart`, `early_alarm`, `duplicate_alarm`,
    /// `hostile:ticket_flood`, ...
    pub kind: String,
    /// How it went: [`Verdict`].
    pub verdict: Verdict,
    /// What happened, in words.
    pub detail: String,
}

/// How an injected fault or a hostile client went.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Done, and the server answered as it should (a refusal with the
    /// documented status or close code, a hook that answered 200).
    AsExpected,
    /// A restart overlapped it, so its answer proves nothing either way.
    Interrupted,
    /// The server answered in a way it should not: a problem.
    Unexpected,
}

/// Counts by kind of what was injected.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindCount {
    /// Injected.
    pub injected: u64,
    /// Answered as expected.
    pub as_expected: u64,
    /// Overlapped by a restart.
    pub interrupted: u64,
    /// Answered wrongly.
    pub unexpected: u64,
}

/// The checks after the run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checks {
    /// Rooms whose log was read.
    pub rooms_checked: u64,
    /// Rooms the bots were matched into that closed unplayed and deleted
    /// themselves (their bots' joins died in a restart): their moves, if a
    /// bot saw any, count as lost.
    #[serde(default)]
    pub rooms_gone: u64,
    /// Moves the bots saw resolved, each checked against its room's log.
    pub moves_checked: u64,
    /// Moves in the rooms' logs, each matched to a move one of the room's
    /// bots sent (more than the bots saw resolved: a rejoin's fresh
    /// welcome can hide a move's resolution from its bot).
    #[serde(default)]
    pub moves_logged: u64,
    /// Moves a bot saw resolved that its room's log lacks.
    pub moves_lost: u64,
    /// Moves in a room's log that its players never sent, or logged more
    /// often than they sent them (a move applied twice).
    pub moves_doubled: u64,
    /// Rooms neither finished nor moving on (their sequence number did
    /// not advance for two turn lengths).
    pub stuck_rooms: Vec<String>,
    /// Guests whose game count was read.
    pub players_checked: u64,
    /// Games the guests saw to the end, each checked against their
    /// players' game counts.
    pub results_checked: u64,
    /// Games counted for a player more often than the player saw them end
    /// (a result applied twice).
    pub results_doubled: u64,
    /// Games a player saw end that never reached their game count.
    pub results_missing: u64,
    /// Lines of the server's log where the Worker panicked.
    pub panics: u64,
    /// Why the checks could not finish, if they could not (the report is
    /// written anyway, and this is a problem).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed: Option<String>,
}

/// A whole soak.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SoakReport {
    /// When, where and how it ran.
    pub setup: Setup,
    /// Rooms (games) the bots played to the end.
    pub games: u64,
    /// Every fault and hostile client, in order.
    pub injected: Vec<Injected>,
    /// The same, counted by kind (socket drops come from the bots).
    pub by_kind: BTreeMap<String, KindCount>,
    /// The checks after the run.
    pub checks: Checks,
    /// The honest bots' load run.
    pub load: LoadReport,
}

/// The soak's settings and the machine, for the write-up.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Setup {
    /// The command that ran it.
    pub command: String,
    /// UTC, when it started.
    pub started: String,
    /// `uname -srm` and the number of cores.
    pub machine: String,
    /// How long the bots opened tickets.
    pub seconds: u64,
    /// Honest bots.
    pub players: u32,
    /// The rooms' turn length.
    pub turn_ms: u64,
    /// Seconds between restarts (0: none).
    pub restart_every_seconds: u64,
    /// Seconds between alarm faults.
    pub alarm_every_seconds: f64,
    /// Seconds between hostile clients.
    pub hostile_every_seconds: f64,
    /// The chance a bot cuts its connection after an event.
    pub drop_chance: f64,
    /// Seeds the schedule and the bots.
    pub seed: u64,
}

impl SoakReport {
    /// Counts `injected` by kind, with the bots' own socket drops.
    pub fn count_kinds(injected: &[Injected], load: &LoadReport) -> BTreeMap<String, KindCount> {
        let mut by_kind: BTreeMap<String, KindCount> = BTreeMap::new();
        for one in injected {
            let count = by_kind.entry(one.kind.clone()).or_default();
            count.injected += 1;
            match one.verdict {
                Verdict::AsExpected => count.as_expected += 1,
                Verdict::Interrupted => count.interrupted += 1,
                Verdict::Unexpected => count.unexpected += 1,
            }
        }
        if load.games.cuts > 0 {
            by_kind.insert(
                "socket_drop".into(),
                KindCount {
                    injected: load.games.cuts,
                    // Each drop is judged by the game it hit: the checks.
                    as_expected: load.games.cuts,
                    ..KindCount::default()
                },
            );
        }
        by_kind
    }

    /// What is wrong, in words; empty when the soak passed.
    pub fn problems(&self) -> Vec<String> {
        let c = &self.checks;
        let mut problems = Vec::new();
        let mut say = |bad: bool, what: String| {
            if bad {
                problems.push(what);
            }
        };
        say(self.games == 0, "no game was played to the end".into());
        say(c.moves_lost > 0, format!("{} moves lost", c.moves_lost));
        say(
            c.moves_doubled > 0,
            format!("{} moves doubled", c.moves_doubled),
        );
        say(
            !c.stuck_rooms.is_empty(),
            format!("stuck rooms: {:?}", c.stuck_rooms),
        );
        say(
            c.results_doubled > 0,
            format!("{} results applied twice", c.results_doubled),
        );
        say(
            c.results_missing > 0,
            format!("{} results never applied", c.results_missing),
        );
        say(
            c.panics > 0,
            format!("the Worker panicked {} times", c.panics),
        );
        if let Some(failed) = &c.failed {
            say(true, format!("the checks could not finish: {failed}"));
        }
        for (kind, count) in &self.by_kind {
            say(
                count.unexpected > 0,
                format!("{} {kind} answered unexpectedly", count.unexpected),
            );
        }
        let games = &self.load.games;
        say(
            games.rooms_incomplete > 0,
            format!(
                "{} rooms where an honest bot did not see the end",
                games.rooms_incomplete
            ),
        );
        for kind in [
            "unfinished",
            "unresolved_move",
            "move_refused",
            "desync",
            "out_of_order",
        ] {
            if let Some(n) = self.load.errors.get(kind) {
                problems.push(format!("{n} honest bot error(s) of kind {kind}"));
            }
        }
        let m = &self.load.moves;
        if m.resolved + m.unresolved + m.lost_with_connection != m.sent {
            problems.push(format!(
                "{} moves sent, {} resolved, {} unresolved, {} lost with a connection",
                m.sent, m.resolved, m.unresolved, m.lost_with_connection
            ));
        }
        problems
    }

    /// A few lines for a terminal.
    pub fn summary(&self) -> String {
        let c = &self.checks;
        let mut lines = vec![format!(
            "soak: {} games in {:.0} s, {} bots; {} rooms checked ({} closed unplayed); moves checked {} ({} logged), lost {}, doubled {}; stuck rooms {}; results checked {}, doubled {}, missing {}; panics {}",
            self.games,
            self.load.wall_seconds,
            self.setup.players,
            c.rooms_checked,
            c.rooms_gone,
            c.moves_checked,
            c.moves_logged,
            c.moves_lost,
            c.moves_doubled,
            c.stuck_rooms.len(),
            c.results_checked,
            c.results_doubled,
            c.results_missing,
            c.panics
        )];
        for (kind, n) in &self.by_kind {
            lines.push(format!(
                "  {kind}: {} injected, {} as expected, {} interrupted, {} unexpected",
                n.injected, n.as_expected, n.interrupted, n.unexpected
            ));
        }
        lines.push(format!(
            "  bots: {} reconnections, {} moves lost in transit with a connection, {} hidden by a welcome, errors {:?}",
            self.load.games.reconnects,
            self.load.moves.lost_with_connection,
            self.load.moves.hidden_by_welcome,
            self.load.errors
        ));
        let problems = self.problems();
        if problems.is_empty() {
            lines.push("PASSED".into());
        } else {
            lines.push(format!("PROBLEMS: {}", problems.join("; ")));
        }
        lines.join("\n")
    }
}

/// Draws moves resolved per second, with a mark for each restart and each
/// fault, into an SVG at `path`.
pub fn write_chart(report: &SoakReport, path: &Path) -> anyhow::Result<()> {
    let fail = |e: &dyn std::fmt::Display| anyhow::anyhow!("chart {}: {e}", path.display());
    let timeline = &report.load.timeline;
    let seconds = timeline.len().max(1) as u32;
    let top = timeline.iter().map(|p| p.moves).max().unwrap_or(1).max(1) as f64 * 1.25;
    let root = SVGBackend::new(path, (1100, 480)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| fail(&e))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!(
                "Volley chaos soak: {} games, {} bots, faults marked",
                report.games, report.setup.players
            ),
            ("sans-serif", 20),
        )
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(0u32..seconds, 0f64..top)
        .map_err(|e| fail(&e))?;
    chart
        .configure_mesh()
        .x_desc("seconds since start")
        .y_desc("moves resolved (by second sent)")
        .draw()
        .map_err(|e| fail(&e))?;
    chart
        .draw_series(LineSeries::new(
            timeline.iter().map(|p| (p.second, p.moves as f64)),
            BLUE.stroke_width(2),
        ))
        .map_err(|e| fail(&e))?
        .label("moves")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], BLUE.stroke_width(2)));
    let marks: [(&str, RGBColor, f64); 3] = [
        ("restart", RED, 1.0),
        ("alarm", GREEN, 0.9),
        ("hostile", MAGENTA, 0.8),
    ];
    for (prefix, color, height) in marks {
        let at: Vec<u32> = report
            .injected
            .iter()
            .filter(|i| i.kind.starts_with(prefix) || i.kind.ends_with(prefix))
            .map(|i| i.at_seconds as u32)
            .collect();
        chart
            .draw_series(at.iter().map(|&x| {
                PathElement::new(
                    [(x, 0.0), (x, top * height)],
                    color.mix(0.5).stroke_width(1),
                )
            }))
            .map_err(|e| fail(&e))?
            .label(prefix)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], color.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(|e| fail(&e))?;
    root.present().map_err(|e| fail(&e))?;
    Ok(())
}
