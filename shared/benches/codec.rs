//! Encodes and decodes a realistic mix of Volley frames with bincode (the
//! codec Volley uses), serde_json and postcard, and prints throughput and
//! bytes per frame for each as ratios against serde_json measured in the
//! same run.
//!
//! `cargo bench -p volley-shared --bench codec`. The mix is one turn of a
//! 4-player game as the wire sees it: a welcome snapshot (a reconnect), 20
//! live aim updates up and 20 relayed down, one fire, and the turn's events.

#[path = "../tests/common/mod.rs"]
mod common;

use criterion::{BenchmarkId, Criterion, Throughput};
use serde::{Serialize, de::DeserializeOwned};
use std::hint::black_box;
use std::path::PathBuf;
use volley_shared::artillery::{Aim, Artillery, Fire, Weapon};
use volley_shared::protocol::Role;
use volley_shared::protocol::v1::{ClientFrame, ServerFrame};
use volley_shared::{Game, Seat, Viewer, codec};

/// The frames of one turn, in both directions.
struct Mix {
    client: Vec<ClientFrame<Artillery>>,
    server: Vec<ServerFrame<Artillery>>,
}

fn mix() -> Mix {
    let (game, events) = common::scripted_game(4, 24);
    let aim = |i: u16| Fire {
        aim: Aim {
            angle_deg: 40 + i,
            power: 60 + i,
        },
        weapon: Weapon::Shell,
    };
    let mut client: Vec<ClientFrame<Artillery>> =
        (0..20).map(|i| ClientFrame::Live(aim(i))).collect();
    client.push(ClientFrame::Move(aim(20)));
    let mut server = vec![ServerFrame::Welcome {
        role: Role::Player(Seat(1)),
        seq: events.len() as u64,
        names: vec!["ann".into(), "bob".into(), "cy".into(), "di".into()],
        waiting: false,
        view: game.view(Viewer::Player(Seat(1))),
        deadline_ms: Some(1_800_000_000_000),
    }];
    server.extend((0..20).map(|i| ServerFrame::Live {
        seat: Seat(0),
        live: aim(i),
    }));
    let last_turn = events.len().saturating_sub(3);
    server.extend(
        events[last_turn..]
            .iter()
            .enumerate()
            .map(|(i, event)| ServerFrame::Event {
                seq: (last_turn + i + 1) as u64,
                event: event.clone(),
                deadline_ms: Some(1_800_000_000_000),
            }),
    );
    Mix { client, server }
}

/// One serialisation format under test.
trait Format {
    const NAME: &'static str;
    /// Into a new vector, as `codec::encode` does.
    fn encode<T: Serialize>(value: &T) -> Vec<u8>;
    /// Into a buffer reused from frame to frame, as `codec::encode_into`.
    fn encode_into<T: Serialize>(value: &T, buffer: &mut Vec<u8>);
    fn decode<T: DeserializeOwned>(bytes: &[u8]) -> T;
}

struct Bincode;
impl Format for Bincode {
    const NAME: &'static str = "bincode";
    fn encode<T: Serialize>(value: &T) -> Vec<u8> {
        codec::encode(value).unwrap()
    }
    fn encode_into<T: Serialize>(value: &T, buffer: &mut Vec<u8>) {
        codec::encode_into(value, buffer).unwrap();
    }
    fn decode<T: DeserializeOwned>(bytes: &[u8]) -> T {
        codec::decode_limited::<T, { codec::MAX_SERVER_FRAME_BYTES }>(bytes).unwrap()
    }
}

struct Json;
impl Format for Json {
    const NAME: &'static str = "serde_json";
    fn encode<T: Serialize>(value: &T) -> Vec<u8> {
        serde_json::to_vec(value).unwrap()
    }
    fn encode_into<T: Serialize>(value: &T, buffer: &mut Vec<u8>) {
        buffer.clear();
        serde_json::to_writer(buffer, value).unwrap();
    }
    fn decode<T: DeserializeOwned>(bytes: &[u8]) -> T {
        serde_json::from_slice(bytes).unwrap()
    }
}

struct Postcard;
impl Format for Postcard {
    const NAME: &'static str = "postcard";
    fn encode<T: Serialize>(value: &T) -> Vec<u8> {
        postcard::to_allocvec(value).unwrap()
    }
    fn encode_into<T: Serialize>(value: &T, buffer: &mut Vec<u8>) {
        buffer.clear();
        *buffer = postcard::to_extend(value, std::mem::take(buffer)).unwrap();
    }
    fn decode<T: DeserializeOwned>(bytes: &[u8]) -> T {
        postcard::from_bytes(bytes).unwrap()
    }
}

struct Encoded {
    client: Vec<Vec<u8>>,
    server: Vec<Vec<u8>>,
}

fn encode_all<F: Format>(mix: &Mix) -> Encoded {
    Encoded {
        client: mix.client.iter().map(F::encode).collect(),
        server: mix.server.iter().map(F::encode).collect(),
    }
}

/// Encodes the mix through one reused buffer; returns the bytes written.
fn encode_all_reused<F: Format>(mix: &Mix, buffer: &mut Vec<u8>) -> usize {
    let mut written = 0;
    for frame in &mix.client {
        F::encode_into(frame, buffer);
        written += black_box(&*buffer).len();
    }
    for frame in &mix.server {
        F::encode_into(frame, buffer);
        written += black_box(&*buffer).len();
    }
    written
}

fn decode_all<F: Format>(encoded: &Encoded) -> usize {
    let mut decoded = 0;
    for bytes in &encoded.client {
        black_box(F::decode::<ClientFrame<Artillery>>(bytes));
        decoded += 1;
    }
    for bytes in &encoded.server {
        black_box(F::decode::<ServerFrame<Artillery>>(bytes));
        decoded += 1;
    }
    decoded
}

fn bench_format<F: Format>(c: &mut Criterion, mix: &Mix) {
    let frames = (mix.client.len() + mix.server.len()) as u64;
    let encoded = encode_all::<F>(mix);
    assert_eq!(decode_all::<F>(&encoded), frames as usize, "round trip");
    let mut group = c.benchmark_group("encode");
    group.throughput(Throughput::Elements(frames));
    group.bench_function(BenchmarkId::from_parameter(F::NAME), |b| {
        b.iter(|| encode_all::<F>(black_box(mix)))
    });
    group.finish();
    let mut group = c.benchmark_group("encode_reused");
    group.throughput(Throughput::Elements(frames));
    let mut buffer = Vec::new();
    group.bench_function(BenchmarkId::from_parameter(F::NAME), |b| {
        b.iter(|| encode_all_reused::<F>(black_box(mix), &mut buffer))
    });
    group.finish();
    let mut group = c.benchmark_group("decode");
    group.throughput(Throughput::Elements(frames));
    group.bench_function(BenchmarkId::from_parameter(F::NAME), |b| {
        b.iter(|| decode_all::<F>(black_box(&encoded)))
    });
    group.finish();
}

/// Bytes of: a fire frame, a live aim, the mean event, the 4-player snapshot.
fn sizes<F: Format>(mix: &Mix) -> [usize; 4] {
    let encoded = encode_all::<F>(mix);
    let events: Vec<usize> = encoded.server[21..].iter().map(Vec::len).collect();
    [
        encoded.client.last().map_or(0, Vec::len),
        encoded.client.first().map_or(0, Vec::len),
        events.iter().sum::<usize>() / events.len().max(1),
        encoded.server[0].len(),
    ]
}

/// Criterion's mean estimate for one benchmark, in nanoseconds.
fn mean_ns(group: &str, format: &str) -> Option<f64> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let path = target
        .join("criterion")
        .join(group)
        .join(format)
        .join("new/estimates.json");
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
    json["mean"]["point_estimate"].as_f64()
}

fn report(mix: &Mix) {
    let frames = (mix.client.len() + mix.server.len()) as f64;
    println!(
        "\nframes per mix: {frames} (1 snapshot, 20 live up, 20 live down, 1 fire, {} events)",
        mix.server.len() - 21
    );
    println!(
        "{:<11} {:>12} {:>8} {:>12} {:>8} {:>12} {:>8} {:>6} {:>6} {:>7} {:>10}",
        "format",
        "encode fr/s",
        "vs json",
        "reused fr/s",
        "vs json",
        "decode fr/s",
        "vs json",
        "fire B",
        "live B",
        "event B",
        "snapshot B"
    );
    let groups = ["encode", "encode_reused", "decode"];
    let json = groups.map(|g| mean_ns(g, Json::NAME));
    let rows = [
        (Bincode::NAME, sizes::<Bincode>(mix)),
        (Json::NAME, sizes::<Json>(mix)),
        (Postcard::NAME, sizes::<Postcard>(mix)),
    ];
    for (name, [fire, live, event, snapshot]) in rows {
        let mut cells = String::new();
        for (group, json_ns) in groups.iter().zip(json) {
            match (mean_ns(group, name), json_ns) {
                (Some(ns), Some(json_ns)) => cells.push_str(&format!(
                    " {:>12.0} {:>7.1}x",
                    frames / ns * 1e9,
                    json_ns / ns
                )),
                _ => cells.push_str(&format!(" {:>12} {:>8}", "-", "-")),
            }
        }
        println!("{name:<11}{cells} {fire:>6} {live:>6} {event:>7} {snapshot:>10}");
    }
}

fn main() {
    let mix = mix();
    let mut c = Criterion::default().configure_from_args();
    bench_format::<Bincode>(&mut c, &mix);
    bench_format::<Json>(&mut c, &mix);
    bench_format::<Postcard>(&mut c, &mix);
    c.final_summary();
    report(&mix);
}
