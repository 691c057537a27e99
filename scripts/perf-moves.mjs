// Lines up the moves of a sampled benchmark run (scripts/perf-moves) with
// what every core was doing meanwhile, from `perf record -a -g` samples,
// and says where the time of slow moves went against that of median ones:
// on the Worker's thread (its SQLite, V8's garbage collector, opening or
// closing an object's files, workerd's alarm table, calls between
// objects, fsync) or on other threads (V8's helpers compiling wasm or
// collecting garbage, `wrangler dev`'s proxy, the bots). Also prints each
// round's p50 and p99, since a fresh runtime compiles the Worker's hot code
// over its first seconds of load. Prints tables and writes summary.json.
//
// Usage: node scripts/perf-moves.mjs DIR [-]
//        node scripts/perf-moves.mjs --clock-offset
//        node scripts/perf-moves.mjs --self-test
// DIR holds moves.csv (`volley-bot bench --moves`), offset_us (the wall
// clock minus the monotonic clock, in µs, taken as perf started) and
// samples.txt (`perf script -F comm,tid,time,ip,sym --ns`, perf recorded
// with -k CLOCK_MONOTONIC), or with `-` the samples come on stdin (a
// run's are most of a gigabyte). PERF_HZ: the sampling rate (4000).

import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import readline from "node:readline";
import { pathToFileURL } from "node:url";
import { parseMoves, quantile } from "./trace-moves.mjs";

/** Kinds of work on the Worker's thread, first match in a sample's stack. */
const THREAD_KINDS = [
  ["gc", /v8::internal::(Heap::|Scavenger|MarkCompact|MinorMark|Sweeper|IncrementalMarking)/],
  ["files opened", /unixOpen|sqlite3BtreeOpen|openDatabase/],
  ["files closed", /sqlite3Close|walCheckpoint|evict_inode|do_unlinkat/],
  ["alarm table", /AlarmScheduler/],
  ["object calls", /SubrequestClient|WorkerEntrypoint::request/],
  ["crypto", /HMAC|sha256|bssl::/],
  ["fsync", /fsync|fdatasync/],
  ["sqlite", /sqlite3/],
];
/** Kinds of work on V8's helper threads. */
const HELPER_KINDS = [
  ["helpers: compiling", /wasm::|Compil|maglev|turboshaft|Baseline/],
  ["helpers: gc", /./],
];
const COLUMNS = [
  "thread: other",
  ...THREAD_KINDS.map(([k]) => k),
  ...HELPER_KINDS.map(([k]) => k),
  "proxy",
  "bots",
];

/**
 * perf script's samples, each reduced to what is counted: { comm, tid, at
 * (s, monotonic), onThread, offThread }, the kind it would be on the
 * Worker's thread and off it (which thread that is is known only once all
 * are read). A sample is a header line (`comm tid time:`) then one frame
 * per line. Takes the lines one by one: a run's samples outgrow a string.
 */
export class SampleReader {
  constructor() {
    this.samples = [];
    this.current = null;
  }

  line(line) {
    if (!line.trim()) return;
    const head = line.startsWith("\t") ? null : line.match(/^\s*(\S.*?)\s+(\d+)(?:\/(\d+))?\s+(\d+\.\d+):\s*$/);
    if (head) {
      this.finish();
      this.current = { comm: head[1], tid: head[3] ?? head[2], at: Number(head[4]), frames: [] };
    } else if (this.current) {
      const parts = line.trim().split(/\s+/);
      this.current.frames.push(parts.slice(1).join(" ") || parts[0]);
    }
  }

  finish() {
    const s = this.current;
    if (!s) return this.samples;
    this.current = null;
    const first = (kinds) => kinds.find(([, rx]) => s.frames.some((f) => rx.test(f)))?.[0];
    let offThread = null;
    if (s.comm.startsWith("V8 ")) offThread = first(HELPER_KINDS);
    else if (s.comm === "workerd") offThread = "proxy";
    else if (s.comm.startsWith("tokio") || s.comm === "volley-bot") offThread = "bots";
    const onThread = s.comm === "workerd" ? (first(THREAD_KINDS) ?? "thread: other") : null;
    this.samples.push({ comm: s.comm, tid: s.tid, at: s.at, onThread, offThread });
    return this.samples;
  }
}

/** The samples in perf script's text. */
export function parseSamples(text) {
  const reader = new SampleReader();
  for (const line of text.split("\n")) reader.line(line);
  return reader.finish();
}

/** The Worker's thread: the workerd thread sampled most. */
export function workerThread(samples) {
  const counts = new Map();
  for (const s of samples) {
    if (s.comm === "workerd") counts.set(s.tid, (counts.get(s.tid) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
}

/** What a sample was: one of COLUMNS, or null for what is not counted. */
export function kindOf(sample, worker) {
  return sample.tid === worker ? sample.onThread : sample.offThread;
}

/**
 * The wall clock minus the monotonic clock, in µs, now: added to a time on
 * the monotonic clock (perf's samples, a V8 CPU profile's), it gives the
 * time a move log would have written.
 */
export function unixMinusMonotonicUs() {
  return Math.round((performance.timeOrigin + performance.now()) * 1000) - Number(process.hrtime.bigint() / 1000n);
}

/** The moves split into rounds: a pause of over a second starts one. */
export function rounds(moves) {
  const sorted = [...moves].sort((a, b) => a.start - b.start);
  const out = [];
  let last = -Infinity;
  for (const m of sorted) {
    if (m.start - last > 1) out.push([]);
    out.at(-1).push(m);
    last = m.start;
  }
  return out;
}

/**
 * Per band of moves by round trip: how many, their mean round trip and
 * the ms per move that each kind of sample covered. `periodMs` is the
 * sampling period.
 */
export function analyse(moves, samples, offsetUs, periodMs) {
  const worker = workerThread(samples);
  const marks = samples
    .map((s) => ({ at: s.at + offsetUs / 1e6, kind: kindOf(s, worker) }))
    .filter((m) => m.kind)
    .sort((a, b) => a.at - b.at);
  const firstAfter = (t) => {
    let lo = 0;
    let hi = marks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (marks[mid].at < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const counted = moves.map((m) => {
    const kinds = {};
    for (let i = firstAfter(m.start); i < marks.length && marks[i].at <= m.end; i++) {
      kinds[marks[i].kind] = (kinds[marks[i].kind] ?? 0) + 1;
    }
    return { rtt: m.rtt, kinds };
  });
  counted.sort((a, b) => a.rtt - b.rtt);
  const n = counted.length;
  const band = (name, lo, hi) => {
    const set = counted.slice(Math.floor(n * lo), Math.max(Math.floor(n * hi), Math.floor(n * lo) + 1));
    const ms = {};
    for (const column of COLUMNS) {
      const total = set.reduce((sum, m) => sum + (m.kinds[column] ?? 0), 0);
      ms[column] = (total * periodMs) / set.length;
    }
    const mean = set.reduce((sum, m) => sum + m.rtt, 0) / set.length / 1000;
    return { name, moves: set.length, meanMs: mean, ms };
  };
  const rtts = counted.map((m) => m.rtt);
  return {
    worker,
    moves: n,
    p50Ms: quantile(rtts, 0.5) / 1000,
    p99Ms: quantile(rtts, 0.99) / 1000,
    bands: [
      band("p45-p55", 0.45, 0.55),
      band("p90-p98", 0.9, 0.98),
      band("p98-p99.5", 0.98, 0.995),
      band("slowest 0.5%", 0.995, 1),
    ],
    rounds: rounds(moves).map((round) => {
      const sorted = round.map((m) => m.rtt).sort((a, b) => a - b);
      return { moves: round.length, p50Ms: quantile(sorted, 0.5) / 1000, p99Ms: quantile(sorted, 0.99) / 1000 };
    }),
  };
}

function print(summary) {
  console.log(`${summary.moves} moves, p50 ${summary.p50Ms.toFixed(2)} ms, p99 ${summary.p99Ms.toFixed(2)} ms; the Worker's thread is ${summary.worker}`);
  console.log("by round: " + summary.rounds.map((r, i) => `${i + 1}: p50 ${r.p50Ms.toFixed(2)}, p99 ${r.p99Ms.toFixed(2)} ms (${r.moves})`).join("; "));
  console.log(`\nms per move sampled on each kind of work, by band of round trip:`);
  const width = 14;
  console.log("band".padEnd(13) + "moves".padStart(6) + "mean ms".padStart(9) + COLUMNS.map((c) => c.slice(0, width - 1).padStart(width)).join(""));
  for (const b of summary.bands) {
    console.log(b.name.padEnd(13) + String(b.moves).padStart(6) + b.meanMs.toFixed(2).padStart(9) + COLUMNS.map((c) => b.ms[c].toFixed(3).padStart(width)).join(""));
  }
}

function selfTest() {
  // Three moves: a fast one with only the room's SQLite, a slow one during
  // which another object opened its files and V8 compiled wasm, and one in
  // a second round with nothing sampled. The wall clock is 10^6 s ahead of
  // the monotonic one.
  const moves = parseMoves(
    [
      "sent_unix_us,round_trip_us,index,room,seat",
      "1000010000000,1000,0,r1,0",
      "1000010100000,5000,1,r1,1",
      "1000012500000,800,0,r2,0",
    ].join("\n"),
  );
  const sample = (comm, tid, at, ...frames) => `${comm} ${tid}/${tid} ${at.toFixed(6)}:\n${frames.map((f) => `\t    1234 ${f}`).join("\n")}\n`;
  const text = [
    sample("workerd", 7, 10.0005, "sqlite3VdbeExec", "workerd::api::SqlStorage::exec"),
    sample("workerd", 7, 10.1001, "unixOpen", "sqlite3BtreeOpen"),
    sample("workerd", 7, 10.1002, "[unknown]"),
    sample("V8 DefaultWorke", 8, 10.1003, "v8::internal::wasm::WasmCompilationUnit::ExecuteCompilation"),
    sample("workerd", 9, 10.1004, "kj::HttpClient"),
    sample("workerd", 7, 11.0, "[unknown]"),
    sample("tokio-rt-worker", 11, 10.1005, "tokio::runtime"),
  ].join("\n");
  const samples = parseSamples(text);
  assert.equal(samples.length, 7);
  assert.equal(workerThread(samples), "7");
  assert.equal(kindOf(samples[0], "7"), "sqlite");
  assert.equal(kindOf(samples[1], "7"), "files opened");
  assert.equal(kindOf(samples[3], "7"), "helpers: compiling");
  assert.equal(kindOf(samples[4], "7"), "proxy");
  const summary = analyse(moves, samples, 1e12, 0.1);
  assert.equal(summary.moves, 3);
  assert.deepEqual(summary.rounds.map((r) => r.moves), [2, 1]);
  const slowest = summary.bands.at(-1);
  assert.equal(slowest.meanMs, 5);
  assert.equal(slowest.ms["files opened"], 0.1);
  assert.equal(slowest.ms["thread: other"], 0.1);
  assert.equal(slowest.ms["helpers: compiling"], 0.1);
  assert.equal(slowest.ms.proxy, 0.1);
  assert.equal(slowest.ms.bots, 0.1);
  assert.equal(slowest.ms.sqlite, 0);
  const median = summary.bands[0];
  assert.equal(median.meanMs, 1);
  assert.equal(median.ms.sqlite, 0.1);
  // The sample at 11.0 s falls in no move's round trip.
  assert.equal(median.ms["thread: other"], 0);
  console.log("scripts/perf-moves.mjs: self-test passed");
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const arg = process.argv[2];
  if (arg === "--self-test") {
    selfTest();
  } else if (arg === "--clock-offset") {
    console.log(unixMinusMonotonicUs());
  } else if (arg) {
    const moves = parseMoves(fs.readFileSync(path.join(arg, "moves.csv"), "utf8"));
    const reader = new SampleReader();
    const input = process.argv[3] === "-" ? process.stdin : fs.createReadStream(path.join(arg, "samples.txt"));
    const lines = readline.createInterface({ input, crlfDelay: Infinity });
    for await (const line of lines) reader.line(line);
    const samples = reader.finish();
    const offsetUs = Number(fs.readFileSync(path.join(arg, "offset_us"), "utf8").trim());
    const hz = Number(process.env.PERF_HZ ?? 4000);
    const summary = analyse(moves, samples, offsetUs, 1000 / hz);
    print(summary);
    fs.writeFileSync(path.join(arg, "summary.json"), JSON.stringify(summary, null, 2));
    console.log(`summary: ${path.join(arg, "summary.json")}`);
  } else {
    console.error("usage: node scripts/perf-moves.mjs DIR [-] | --clock-offset | --self-test");
    process.exit(2);
  }
}
