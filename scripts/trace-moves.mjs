// Lines up the moves of a traced benchmark run (scripts/trace-moves) with
// the storage syscalls `wrangler dev` made meanwhile, and says what each
// move's round trip overlapped: only its own room's commit, another
// object's write (a new object's files, a shard's or player object's
// commit), an object evicted (its files closed and unlinked), or a slow
// fsync. Prints a table and writes summary.json to the run's directory.
//
// Usage: node scripts/trace-moves.mjs DIR
// DIR holds moves.csv (`volley-bot bench --moves`), strace.log (strace -f
// -y -ttt -T -e trace=fsync,fdatasync,unlinkat) and bench-report.json.

import fs from "node:fs";
import path from "node:path";

const dir = process.argv[2];
if (!dir) {
  console.error("usage: node scripts/trace-moves.mjs DIR");
  process.exit(2);
}

/** Every move: sent (s, Unix), round trip (us), index in game, room. */
function readMoves(file) {
  const [header, ...rows] = fs.readFileSync(file, "utf8").trim().split("\n");
  if (!header.startsWith("sent_unix_us,round_trip_us,index,room")) {
    throw new Error(`${file}: not a move log (header ${header})`);
  }
  return rows.map((row) => {
    const [sent, rtt, index, room] = row.split(",");
    const start = Number(sent) / 1e6;
    return { start, end: start + Number(rtt) / 1e6, rtt: Number(rtt), index: Number(index), room };
  });
}

/**
 * The syscalls: { at (s), dur (s), call, file }. With -f, a call another
 * thread interrupts is split into "<unfinished ...>" and "<... resumed>".
 */
function readTrace(file) {
  const calls = [];
  const pending = new Map();
  const whole = /^(\d+)\s+([\d.]+)\s+(\w+)\((.*)\)\s+=\s+(-?\d+).*<([\d.]+)>$/;
  const begun = /^(\d+)\s+([\d.]+)\s+(\w+)\((.*) <unfinished \.\.\.>$/;
  const resumed = /^(\d+)\s+[\d.]+\s+<\.\.\. (\w+) resumed>(.*)\)\s+=\s+(-?\d+).*<([\d.]+)>$/;
  for (const line of fs.readFileSync(file, "utf8").split("\n")) {
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

function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}
const ms = (us) => (us / 1000).toFixed(2);

const moves = readMoves(path.join(dir, "moves.csv"));
const calls = readTrace(path.join(dir, "strace.log"));
const fsyncs = calls.filter((c) => c.name === "fsync");
const fsyncDurations = fsyncs.map((c) => c.dur).sort((a, b) => a - b);
const slowFsync = Math.max(0.0015, 5 * quantile(fsyncDurations, 0.5));

/** The calls that overlap a move's round trip. */
function during(move) {
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
}

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

const CLASSES = [
  "its own room's commit only",
  `its own slow fsync (over ${(slowFsync * 1000).toFixed(2)} ms)`,
  "an object evicted or deleted",
  "another object's write",
];
function classify(move) {
  const own = roomDatabase.get(move.room);
  const overlapping = during(move);
  const others = overlapping.filter((c) => database(c.file) !== own && !isAlarmTable(c.file));
  if (others.some((c) => c.name === "unlinkat")) return CLASSES[2];
  if (others.some((c) => c.name === "fsync")) return CLASSES[3];
  if (overlapping.some((c) => c.name === "fsync" && c.dur > slowFsync)) return CLASSES[1];
  return CLASSES[0];
}

const byClass = new Map(CLASSES.map((c) => [c, []]));
for (const move of moves) {
  move.class = classify(move);
  byClass.get(move.class).push(move.rtt);
}
const all = moves.map((m) => m.rtt).sort((a, b) => a - b);
const p99 = quantile(all, 0.99);
const slowest = moves.filter((m) => m.rtt >= p99);
const untouched = moves
  .filter((m) => m.class === CLASSES[0] || m.class === CLASSES[1])
  .map((m) => m.rtt)
  .sort((a, b) => a - b);

const bench = JSON.parse(fs.readFileSync(path.join(dir, "bench-report.json"), "utf8"));
const echo = bench.rtt?.echo_object_writing;

const rows = CLASSES.map((name) => {
  const rtts = byClass.get(name).sort((a, b) => a - b);
  return {
    overlapped: name,
    moves: rtts.length,
    share: rtts.length / Math.max(1, moves.length),
    p50_ms: quantile(rtts, 0.5) / 1000,
    p99_ms: quantile(rtts, 0.99) / 1000,
    of_slowest_1pct: slowest.filter((m) => m.class === name).length,
  };
});
const summary = {
  moves: moves.length,
  p99_ms: p99 / 1000,
  p99_no_other_object_ms: quantile(untouched, 0.99) / 1000,
  echo_writing_p99_ms: echo?.p99_ms ?? null,
  ratio_p99: echo ? p99 / 1000 / echo.p99_ms : null,
  ratio_p99_no_other_object: echo ? quantile(untouched, 0.99) / 1000 / echo.p99_ms : null,
  fsyncs: fsyncs.length,
  fsync_p50_ms: quantile(fsyncDurations, 0.5) * 1000,
  slow_fsync_ms: slowFsync * 1000,
  classes: rows,
};
fs.writeFileSync(path.join(dir, "summary.json"), JSON.stringify(summary, null, 2));

console.log(
  `${moves.length} moves, ${fsyncs.length} fsyncs traced (p50 ${summary.fsync_p50_ms.toFixed(2)} ms; slow: over ${summary.slow_fsync_ms.toFixed(2)} ms)`,
);
console.log("what each move's round trip overlapped:");
for (const r of rows) {
  console.log(
    `  ${r.overlapped.padEnd(36)} ${String(r.moves).padStart(6)} (${(100 * r.share).toFixed(1).padStart(4)}%)  p50 ${(r.p50_ms).toFixed(2)} ms  p99 ${(r.p99_ms).toFixed(2)} ms  of the slowest 1%: ${r.of_slowest_1pct}`,
  );
}
console.log(`move p99 ${ms(p99)} ms; without the moves another object's work overlapped ${summary.p99_no_other_object_ms.toFixed(2)} ms`);
if (echo) {
  console.log(
    `echo writing a row p99 ${echo.p99_ms.toFixed(2)} ms: ratio ${summary.ratio_p99.toFixed(2)}x, ${summary.ratio_p99_no_other_object.toFixed(2)}x without them`,
  );
}
console.log(`summary: ${path.join(dir, "summary.json")}`);
