// Lines up the moves of a traced benchmark run (scripts/trace-moves) with
// the storage syscalls `wrangler dev` made meanwhile, and says what each
// move's round trip overlapped: only its own room's commit, a slow fsync
// of it, another object's write (a new object's files, a shard's or player
// object's commit), or an object evicted (its files unlinked). Prints a
// table and writes summary.json to the run's directory.
//
// Usage: node scripts/trace-moves.mjs DIR
//        node scripts/trace-moves.mjs --self-test
// DIR holds moves.csv (`volley-bot bench --moves`), strace.log (strace -f
// -y -ttt -T -e trace=fsync,fdatasync,unlinkat) and bench-report.json.

import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

/** Every move: start and end (s, Unix), round trip (us), index, room. */
export function parseMoves(text) {
  const [header, ...rows] = text.trim().split("\n");
  if (!header.startsWith("sent_unix_us,round_trip_us,index,room")) {
    throw new Error(`not a move log (its header is ${header})`);
  }
  return rows.map((row) => {
    const [sent, rtt, index, room] = row.split(",");
    const start = Number(sent) / 1e6;
    return { start, end: start + Number(rtt) / 1e6, rtt: Number(rtt), index: Number(index), room };
  });
}

/**
 * The syscalls, by start: { at (s), dur (s), name, file }. With -f, a call
 * another thread interrupts is split into "<unfinished ...>" and
 * "<... resumed>" lines.
 */
export function parseTrace(text) {
  const calls = [];
  const pending = new Map();
  const whole = /^(\d+)\s+([\d.]+)\s+(\w+)\((.*)\)\s+=\s+(-?\d+).*<([\d.]+)>$/;
  const begun = /^(\d+)\s+([\d.]+)\s+(\w+)\((.*) <unfinished \.\.\.>$/;
  const resumed = /^(\d+)\s+[\d.]+\s+<\.\.\. (\w+) resumed>(.*)\)\s+=\s+(-?\d+).*<([\d.]+)>$/;
  for (const line of text.split("\n")) {
    let m;
    if ((m = whole.exec(line))) {
      calls.push(call(m[3], m[4], Number(m[2]), Number(m[6])));
    } else if ((m = begun.exec(line))) {
      pending.set(m[1], { name: m[3], args: m[4], at: Number(m[2]) });
    } else if ((m = resumed.exec(line)) && pending.has(m[1])) {
      const p = pending.get(m[1]);
      pending.delete(m[1]);
      calls.push(call(p.name, p.args + m[3], p.at, Number(m[5])));
    }
  }
  return calls.sort((a, b) => a.at - b.at);
}

/** A call's file: the path strace -y shows for its descriptor (and, for
 * unlinkat, the name unlinked in that directory). */
function call(name, args, at, dur) {
  const fd = /^-?\d+<([^>]*)>/.exec(args);
  let file = fd ? fd[1] : "?";
  if (name === "unlinkat") {
    const unlinked = /"([^"]*)"/.exec(args);
    if (unlinked) file = path.join(file, unlinked[1]);
  }
  return { name: name === "fdatasync" ? "fsync" : name, at, dur, file };
}

/** An object's database, whichever of its files a call names. */
const database = (file) => file.replace(/-(wal|shm|journal)$/, "");
/** workerd's alarm table for a namespace, written for every object's alarm. */
const isAlarmTable = (file) => path.basename(database(file)) === "metadata.sqlite";

export function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

export const OWN = "its own room's commit only";
export const SLOW = "a slow fsync of its own commit";
export const EVICTED = "an object evicted or deleted";
export const OTHER = "another object's write";
const CLASSES = [OWN, SLOW, EVICTED, OTHER];

/**
 * Classifies each move (sets `move.class`) by the calls that overlapped
 * its round trip, and sums them up against the echo's p99 (ms), if known.
 */
export function analyse(moves, calls, echoP99Ms) {
  const fsyncDurations = calls
    .filter((c) => c.name === "fsync")
    .map((c) => c.dur)
    .sort((a, b) => a - b);
  // Five times the median, and never under 1.5 ms.
  const slowFsync = Math.max(0.0015, 5 * quantile(fsyncDurations, 0.5));

  const during = (move) => {
    let lo = 0;
    let hi = calls.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (calls[mid].at < move.start - 0.1) lo = mid + 1;
      else hi = mid;
    }
    const out = [];
    for (let i = lo; i < calls.length && calls[i].at < move.end; i++) {
      if (calls[i].at + calls[i].dur > move.start) out.push(calls[i]);
    }
    return out;
  };

  // A room's database: the one its moves' round trips fsync most often.
  const votes = new Map();
  for (const move of moves) {
    const seen = new Set(
      during(move)
        .filter((c) => c.name === "fsync" && c.file.endsWith(".sqlite-wal") && !isAlarmTable(c.file))
        .map((c) => database(c.file)),
    );
    const room = votes.get(move.room) ?? new Map();
    for (const db of seen) room.set(db, (room.get(db) ?? 0) + 1);
    votes.set(move.room, room);
  }
  const roomDatabase = new Map(
    [...votes].map(([room, counts]) => [room, [...counts].sort((a, b) => b[1] - a[1])[0]?.[0]]),
  );

  for (const move of moves) {
    const own = roomDatabase.get(move.room);
    const overlapping = during(move);
    const others = overlapping.filter((c) => database(c.file) !== own && !isAlarmTable(c.file));
    if (others.some((c) => c.name === "unlinkat")) move.class = EVICTED;
    else if (others.some((c) => c.name === "fsync")) move.class = OTHER;
    else if (overlapping.some((c) => c.name === "fsync" && c.dur > slowFsync)) move.class = SLOW;
    else move.class = OWN;
  }

  const sorted = (list) => list.map((m) => m.rtt).sort((a, b) => a - b);
  const all = sorted(moves);
  const p99 = quantile(all, 0.99);
  const slowest = moves.filter((m) => m.rtt >= p99);
  const untouched = quantile(sorted(moves.filter((m) => m.class === OWN || m.class === SLOW)), 0.99);
  return {
    moves: moves.length,
    p99_ms: p99 / 1000,
    p99_no_other_object_ms: untouched / 1000,
    echo_writing_p99_ms: echoP99Ms ?? null,
    ratio_p99: echoP99Ms ? p99 / 1000 / echoP99Ms : null,
    ratio_p99_no_other_object: echoP99Ms ? untouched / 1000 / echoP99Ms : null,
    fsyncs: fsyncDurations.length,
    fsync_p50_ms: quantile(fsyncDurations, 0.5) * 1000,
    slow_fsync_ms: slowFsync * 1000,
    classes: CLASSES.map((name) => {
      const rtts = sorted(moves.filter((m) => m.class === name));
      return {
        overlapped: name,
        moves: rtts.length,
        share: rtts.length / Math.max(1, moves.length),
        p50_ms: quantile(rtts, 0.5) / 1000,
        p99_ms: quantile(rtts, 0.99) / 1000,
        of_slowest_1pct: slowest.filter((m) => m.class === name).length,
      };
    }),
  };
}

function print(summary, out) {
  const f = (x) => (Number.isNaN(x) ? "   -" : x.toFixed(2));
  console.log(
    `${summary.moves} moves, ${summary.fsyncs} fsyncs traced (p50 ${f(summary.fsync_p50_ms)} ms; slow: over ${f(summary.slow_fsync_ms)} ms)`,
  );
  console.log("what each move's round trip overlapped:");
  for (const r of summary.classes) {
    console.log(
      `  ${r.overlapped.padEnd(32)} ${String(r.moves).padStart(6)} (${(100 * r.share).toFixed(1).padStart(4)}%)  p50 ${f(r.p50_ms)} ms  p99 ${f(r.p99_ms)} ms  of the slowest 1%: ${r.of_slowest_1pct}`,
    );
  }
  console.log(
    `move p99 ${f(summary.p99_ms)} ms; without the moves another object's work overlapped ${f(summary.p99_no_other_object_ms)} ms`,
  );
  if (summary.echo_writing_p99_ms) {
    console.log(
      `echo writing a row p99 ${f(summary.echo_writing_p99_ms)} ms: ratio ${f(summary.ratio_p99)}x, ${f(summary.ratio_p99_no_other_object)}x without them`,
    );
  }
  console.log(`summary: ${out}`);
}

/** A made-up run whose every move's class is known. */
function selfTest() {
  const t0 = 1_800_000_000;
  const rooms = "/s/GameRoom";
  const line = (tid, at, text) => `${tid} ${(t0 + at).toFixed(6)} ${text}`;
  const fsync = (at, file, dur) => line(7, at, `fsync(41<${file}>) = 0 <${dur.toFixed(6)}>`);
  const a = `${rooms}/a.sqlite-wal`;
  const trace = [
    fsync(0.0005, a, 0.0003), // move 1: its own commit
    fsync(0.0105, a, 0.0003), // move 2: its own commit and the alarm table
    fsync(0.0106, `${rooms}/metadata.sqlite-wal`, 0.0003),
    fsync(0.0201, a, 0.0025), // move 3: a slow fsync of its own
    fsync(0.0301, "/s/Matchmaker/s.sqlite-wal", 0.0003), // move 4: the shard's
    fsync(0.0305, a, 0.0003),
    line(7, 0.0401, 'unlinkat(33</s/Player>, "p.sqlite-wal", 0) = 0 <0.000100>'), // move 5
    fsync(0.0405, a, 0.0003),
    fsync(0.0501, "/s/Player", 0.0001), // move 6: a new object's directory entry
    fsync(0.0505, a, 0.0003),
    // move 7, in room b: its commit, split by another thread's call
    line(8, 0.0601, `fsync(42<${rooms}/b.sqlite-wal> <unfinished ...>`),
    line(7, 0.0602, 'unlinkat(33</s/Player>, "q.sqlite-wal", 0) = 0 <0.000050>'),
    line(8, 0.0604, "<... fsync resumed>) = 0 <0.000300>"),
    line(7, 0.0990, 'unlinkat(33</s/Player>, "q.sqlite", 0) = 0 <0.000050>'), // between moves
  ].join("\n");
  const csv = [
    "sent_unix_us,round_trip_us,index,room,seat",
    ...[0, 10, 20, 30, 40, 50].map((ms, i) => `${(t0 * 1e6 + ms * 1000).toFixed(0)},${i === 2 ? 3000 : 1000},${i},ra,0`),
    `${(t0 * 1e6 + 60_000).toFixed(0)},900,0,rb,1`,
  ].join("\n");
  const moves = parseMoves(csv);
  const calls = parseTrace(trace);
  assert.equal(calls.length, 13);
  assert.deepEqual(
    calls.filter((c) => c.file.endsWith("b.sqlite-wal")).map((c) => [c.at, c.dur]),
    [[t0 + 0.0601, 0.0003]],
  );
  const summary = analyse(moves, calls, 1.5);
  assert.deepEqual(
    moves.map((m) => m.class),
    [OWN, OWN, SLOW, OTHER, EVICTED, OTHER, EVICTED],
  );
  assert.equal(summary.moves, 7);
  assert.equal(summary.p99_ms, 3);
  // Without the four moves another object touched: 1 ms, 1 ms and 3 ms.
  assert.equal(summary.p99_no_other_object_ms, 3);
  assert.equal(summary.ratio_p99, 2);
  assert.deepEqual(
    summary.classes.map((c) => [c.overlapped, c.moves]),
    [
      [OWN, 2],
      [SLOW, 1],
      [EVICTED, 2],
      [OTHER, 2],
    ],
  );
  assert.throws(() => parseMoves("when,how\n1,2"), /not a move log/);
  console.log("scripts/trace-moves.mjs: self-test passed");
}

const isMain = process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (!isMain) {
  // Imported: the functions above only.
} else if (process.argv[2] === "--self-test") {
  selfTest();
} else if (process.argv[2]) {
  const dir = process.argv[2];
  const moves = parseMoves(fs.readFileSync(path.join(dir, "moves.csv"), "utf8"));
  const calls = parseTrace(fs.readFileSync(path.join(dir, "strace.log"), "utf8"));
  const bench = JSON.parse(fs.readFileSync(path.join(dir, "bench-report.json"), "utf8"));
  const summary = analyse(moves, calls, bench.rtt?.echo_object_writing?.p99_ms);
  const out = path.join(dir, "summary.json");
  fs.writeFileSync(out, JSON.stringify(summary, null, 2));
  print(summary, out);
} else {
  console.error("usage: node scripts/trace-moves.mjs DIR | --self-test");
  process.exit(2);
}
