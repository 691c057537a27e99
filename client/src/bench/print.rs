//! The report as a few lines for a terminal: each benchmark's figures and
//! whether its ratio met its target. Apart from the measuring so the
//! wording can change without touching a benchmark.

use super::report::BenchReport;

fn verdict(ratio: f64, target: f64, at_most: bool) -> String {
    let met = if at_most {
        ratio <= target
    } else {
        ratio >= target
    };
    if met {
        format!(
            "{ratio:.2}x (target {} {target}x: met)",
            if at_most { "≤" } else { "≥" }
        )
    } else {
        format!(
            "{ratio:.2}x (target {} {target}x: MISSED by {:.0}%)",
            if at_most { "≤" } else { "≥" },
            ((ratio / target) - 1.0).abs() * 100.0
        )
    }
}

/// The report as a few lines for a terminal.
pub fn summary(report: &BenchReport) -> String {
    let mut lines = Vec::new();
    if let Some(r) = &report.rtt {
        lines.push(format!(
            "1. move round trip, one game at a time, quick moves, taking turns with the echo in {} rounds after {} games to warm up",
            r.rounds, r.warmup_games
        ));
        lines.push(format!("   loopback tokio echo: {}", r.loopback_echo));
        lines.push(format!("   echo Durable Object: {}", r.echo_object));
        lines.push(format!("   echo + SQLite write: {}", r.echo_object_writing));
        lines.push(format!(
            "   echo + write + alarm: {}",
            r.echo_object_writing_alarm
        ));
        lines.push(format!(
            "   echo + write, every 10 ms: {}",
            r.echo_object_writing_paced
        ));
        lines.push(format!(
            "   echo + write, a new object every {}: {}",
            r.trips_per_new_object, r.echo_object_writing_new
        ));
        lines.push(format!(
            "     first on an object: {}",
            r.echo_object_writing_new_first
        ));
        lines.push(format!("   Volley move:         {}", r.volley_move));
        lines.push(format!("     first in a room:   {}", r.volley_first_move));
        lines.push(format!("     later:             {}", r.volley_later_move));
        lines.push(format!("     a game's last:     {}", r.volley_last_move));
        lines.push(format!(
            "   server CPU per echo writing a row: {}; per Volley move: {} ({})",
            r.echo_writing_cpu,
            r.volley_move_cpu,
            r.cpu_ratio_to_writing
                .map_or("?".into(), |ratio| format!("{ratio:.2}x workerd's"))
        ));
        lines.push(format!("   ratio p50 {}", verdict(r.ratio_p50, 1.5, true)));
        lines.push(format!("   ratio p99 {}", verdict(r.ratio_p99, 1.5, true)));
        lines.push(format!(
            "   p99 against the echo writing a row {}",
            verdict(r.ratio_p99_to_writing, 2.0, true)
        ));
        lines.push(format!(
            "   p99 against the echo writing a row every 10 ms {:.2}x (no target)",
            r.ratio_p99_to_writing_paced
        ));
        lines.push(format!(
            "   p99 against the echo writing a row on new objects {:.2}x (no target)",
            r.ratio_p99_to_writing_new
        ));
    }
    if let Some(m) = &report.matchmaking {
        lines.push(format!(
            "2. matchmaking, {} at once, taking turns with the echo in {} rounds",
            m.concurrency, m.rounds
        ));
        lines.push(format!(
            "   echo connect+round trip+close: {:.1}/s ({})",
            m.echo_cycles_per_second, m.echo_cycle
        ));
        lines.push(format!(
            "   Volley matched: {:.1}/s; time to match {}",
            m.volley_matched_per_second, m.time_to_match
        ));
        lines.push(format!(
            "   ratio {}; during Volley: {}",
            verdict(m.ratio, 0.8, false),
            m.server_cpu
        ));
        let us = |v: Option<f64>| v.map_or("?".into(), |v| format!("{v:.0} µs"));
        lines.push(format!(
            "   workerd CPU: {} per echo cycle ({}), {} per player matched",
            us(m.echo_cpu_us_per_cycle),
            m.echo_server_cpu,
            us(m.volley_cpu_us_per_player)
        ));
    }
    if let Some(s) = &report.saturation {
        lines.push("3. saturation".to_string());
        for (name, steps) in [("echo", &s.echo_steps), ("Volley", &s.volley_steps)] {
            for step in steps.iter() {
                lines.push(format!(
                    "   {name} {:>4}: {:>6.0} frames/s, p50 {:>6.2} ms, p99 {:>7.2} ms, errors {}, {}, load tool {:.2} cores{}",
                    step.load,
                    step.frames_per_second,
                    step.p50_ms,
                    step.p99_ms,
                    step.errors,
                    step.server_cpu,
                    step.generator_cores,
                    if step.generator_saturated { " (load tool saturated)" } else { "" }
                ));
            }
        }
        lines.push(format!(
            "   peak frames/s: Volley {:.0} / echo {:.0} = {}",
            s.volley_peak_frames_per_second,
            s.echo_peak_frames_per_second,
            verdict(s.ratio, 0.7, false)
        ));
        lines.push(format!(
            "   rooms held with p99 < 50 ms and no errors: {}",
            s.rooms_under_50ms
        ));
    }
    if let Some(i) = &report.idle {
        lines.push(format!(
            "4. idle: {} s between two moves: wake-ups {:?}; unexpected: {}",
            i.idle_seconds, i.wakeups, i.unexpected
        ));
    }
    if let Some(r) = &report.relay {
        lines.push(format!(
            "5. relay, {} rooms, a frame every {} ms for {} s (workerd idle: {:.3} cores, subtracted)",
            r.rooms, r.interval_ms, r.seconds, r.idle_workerd_cores
        ));
        lines.push(format!(
            "   echo: {} frames, {:.1} µs of workerd CPU each ({})",
            r.echo_frames, r.echo_cpu_us_per_frame, r.echo_server_cpu
        ));
        lines.push(format!(
            "   Volley: {} aims relayed of {} sent, {:.1} µs of workerd CPU each ({})",
            r.volley_aims_relayed, r.volley_aims_sent, r.volley_cpu_us_per_aim, r.volley_server_cpu
        ));
        lines.push(format!("   ratio {}", verdict(r.ratio, 2.0, true)));
    }
    lines.join("\n")
}
