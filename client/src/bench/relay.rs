//! Benchmark 5, relay: workerd's CPU per relayed aim update against its
//! CPU per echoed frame, at the same frame rate in the same run.
//!
//! Volley: `rooms` duels, in each of which the player to move sends a live
//! aim every `interval` (slower than the room's relay limit, so none is
//! dropped) and the other player reads them relayed: one frame in and one
//! out per aim, as an echo is. The baseline: as many connections to echo
//! objects (two per object), each sending a frame every `interval` and
//! reading its echo. workerd's CPU over each window, less what it spends
//! idle over a window as long (measured first), divided by the frames
//! handled gives the cost per frame; the ratio is Volley's over the
//! echo's (target ≤ 2x).

use super::args::BenchArgs;
use super::echo;
use super::measure::{echo_object_url, secs, with_server_cpu};
use super::report::{RelayBench, ServerCpu};
use crate::lobby::Matched;
use crate::native::{Client, ClientError, Connection};
use crate::session::{GameSession, Update};
use anyhow::{Context, Result, bail};
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::task::JoinSet;
use tokio::time::Instant;
use url::Url;
use volley_shared::Mode;
use volley_shared::artillery::{Aim, Artillery, Fire, Weapon};

/// How long a player waits for its room's opening frames.
const JOIN_TIMEOUT: Duration = Duration::from_secs(20);

/// One player of a duel, joined, with the game state in hand.
struct Seat {
    conn: Connection,
    session: GameSession<Artillery>,
}

/// Runs benchmark 5; returns it and its error count.
pub(super) async fn run(
    server: &Url,
    args: &BenchArgs,
    payload: &[u8],
) -> Result<(RelayBench, u64)> {
    let duration = secs(args.relay_seconds)?;
    let interval = Duration::from_millis(args.relay_interval_ms);
    let rooms = args.relay_rooms;
    eprintln!(
        "bench: relay ({rooms} rooms / echo connections, a frame every {} ms, {} s each)",
        args.relay_interval_ms, args.relay_seconds
    );
    let ((), idle_cpu) = with_server_cpu(tokio::time::sleep(duration)).await;
    let idle_cores = idle_cpu.workerd_cores.unwrap_or(0.0);
    let idle_core_seconds = |wall: Duration| idle_cores * wall.as_secs_f64();
    let urls = (0..rooms)
        .map(|i| echo_object_url(server, &format!("relay-{}", i / 2), &[]))
        .collect::<Result<Vec<_>>>()?;
    let started = std::time::Instant::now();
    let (echoed, echo_cpu) = with_server_cpu(echo::paced(&urls, payload, interval, duration)).await;
    let wall = started.elapsed();
    let echo_core_seconds = core_seconds(echo_cpu, wall)? - idle_core_seconds(wall);

    let duels = seat_duels(server, rooms).await?;
    let started = std::time::Instant::now();
    let ((sent, relayed, errors), volley_cpu) =
        with_server_cpu(aim_in_every_room(duels, interval, duration)).await;
    let wall = started.elapsed();
    let volley_core_seconds = core_seconds(volley_cpu, wall)? - idle_core_seconds(wall);
    if relayed == 0 || echoed.completed == 0 {
        bail!(
            "nothing was relayed ({relayed}) or echoed ({})",
            echoed.completed
        );
    }
    let echo_us = echo_core_seconds * 1e6 / echoed.completed as f64;
    let volley_us = volley_core_seconds * 1e6 / relayed as f64;
    Ok((
        RelayBench {
            rooms,
            interval_ms: args.relay_interval_ms,
            seconds: args.relay_seconds,
            idle_workerd_cores: idle_cores,
            echo_frames: echoed.completed,
            echo_server_cpu: echo_cpu,
            echo_cpu_us_per_frame: echo_us,
            volley_aims_sent: sent,
            volley_aims_relayed: relayed,
            volley_server_cpu: volley_cpu,
            volley_cpu_us_per_aim: volley_us,
            ratio: volley_us / echo_us,
        },
        errors + echoed.errors,
    ))
}

/// workerd's CPU seconds over `wall`, from the cores it kept busy.
fn core_seconds(cpu: ServerCpu, wall: Duration) -> Result<f64> {
    let cores = cpu
        .workerd_cores
        .context("workerd's CPU cannot be read on this machine (/proc)")?;
    Ok(cores * wall.as_secs_f64())
}

/// `rooms` duels matched and joined, both players of each with the game
/// begun: the player to move first in each pair.
async fn seat_duels(server: &Url, rooms: u32) -> Result<Vec<(Seat, Seat)>> {
    let client = Client::new(server.clone());
    let mut tickets = JoinSet::new();
    for i in 0..rooms * 2 {
        let client = client.clone();
        tickets.spawn(async move { client.matchmake(Mode::Duel, &format!("relay {i}")).await });
    }
    let mut by_room: BTreeMap<String, Vec<Matched>> = BTreeMap::new();
    while let Some(matched) = tickets.join_next().await {
        let matched = matched??;
        by_room
            .entry(matched.room.0.clone())
            .or_default()
            .push(matched);
    }
    let mut duels = Vec::new();
    for (room, players) in by_room {
        let [a, b] = <[Matched; 2]>::try_from(players)
            .map_err(|p| anyhow::anyhow!("room {room} got {} players", p.len()))?;
        let (a, b) = tokio::try_join!(join(&client, &a), join(&client, &b))?;
        duels.push(if a.session.my_turn() { (a, b) } else { (b, a) });
    }
    if !duels.iter().all(|(mover, _)| mover.session.my_turn()) {
        bail!("a duel began with nobody to move");
    }
    Ok(duels)
}

/// Joins `matched`'s room and reads until the game state is known.
async fn join(client: &Client, matched: &Matched) -> Result<Seat> {
    let mut seat = Seat {
        conn: client.open_room(&matched.room).await?,
        session: GameSession::new(),
    };
    let hello = seat.session.hello(&matched.token);
    seat.conn.open_with(&hello).await?;
    let deadline = Instant::now() + JOIN_TIMEOUT;
    while seat.session.state().is_none() || seat.session.last_seq() == 0 {
        let frame = tokio::time::timeout_at(deadline, seat.conn.recv_room::<Artillery>())
            .await
            .map_err(|_| ClientError::Timeout(JOIN_TIMEOUT))??;
        seat.session.on_frame(frame)?;
    }
    Ok(seat)
}

/// In every duel the mover sends a live aim every `interval` for
/// `duration` while the other counts the aims relayed to it: (sent,
/// relayed, errors).
async fn aim_in_every_room(
    duels: Vec<(Seat, Seat)>,
    interval: Duration,
    duration: Duration,
) -> (u64, u64, u64) {
    let until = Instant::now() + duration;
    let mut tasks = JoinSet::new();
    for (mover, watcher) in duels {
        tasks.spawn(send_aims(mover, interval, until));
        tasks.spawn(count_relayed(watcher, until));
    }
    let (mut sent, mut relayed, mut errors) = (0, 0, 0);
    while let Some(done) = tasks.join_next().await {
        match done {
            Ok(Ok(Counted::Sent(n))) => sent += n,
            Ok(Ok(Counted::Relayed(n))) => relayed += n,
            _ => errors += 1,
        }
    }
    (sent, relayed, errors)
}

/// What one player's task counted.
enum Counted {
    Sent(u64),
    Relayed(u64),
}

async fn send_aims(mut seat: Seat, interval: Duration, until: Instant) -> Result<Counted> {
    let mut ticks = tokio::time::interval(interval);
    let mut sent = 0u64;
    while Instant::now() < until {
        ticks.tick().await;
        let aim = Fire {
            aim: Aim {
                angle_deg: 30 + (sent % 120) as u16,
                power: 60,
            },
            weapon: Weapon::Shell,
        };
        let frame = seat.session.show_live(aim)?;
        seat.conn.send_room(&frame).await?;
        sent += 1;
    }
    seat.conn.close().await;
    Ok(Counted::Sent(sent))
}

async fn count_relayed(mut seat: Seat, until: Instant) -> Result<Counted> {
    let mut relayed = 0u64;
    loop {
        match tokio::time::timeout_at(until, seat.conn.recv_room::<Artillery>()).await {
            Err(_) => break,
            Ok(frame) => {
                if let Update::Live { .. } = seat.session.on_frame(frame?)? {
                    relayed += 1;
                }
            }
        }
    }
    seat.conn.close().await;
    Ok(Counted::Relayed(relayed))
}
