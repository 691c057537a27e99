// Profiles the Worker's JavaScript thread (where the wasm runs, with every
// storage call made from it) while a command runs, through wrangler dev's
// DevTools inspector, and summarises where the time went. Used by
// scripts/profile; the profile it writes opens in Chrome's DevTools too.
//
//   node scripts/profile.mjs INSPECTOR_URL OUT.cpuprofile -- COMMAND ARGS...
//   node scripts/profile.mjs --summary OUT.cpuprofile
//
// Samples are attributed to the innermost frame ("self"): a storage call's
// time is the runtime's own function (`exec`, `setAlarm`), so the summary
// also names the Rust function that made each such call.

import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { unixMinusMonotonicUs } from "./perf-moves.mjs";

/// Runtime functions whose time is the storage's or the network's, not JS.
const RUNTIME_CALLS = /^(exec|setAlarm|getAlarm|deleteAll|fetch|send|serializeAttachment|deserializeAttachment|acceptWebSocket|getWebSockets)$/;
/// Frames that only carry a call across wasm-bindgen or the executor.
const PLUMBING = /__wasm_bindgen_generated|Queue>|future_to_promise|::invoke|shim/;

async function record(inspector, out, command) {
  const targets = await (await fetch(`${inspector}/json`)).json();
  if (targets.length === 0) throw new Error(`no target at ${inspector}/json`);
  // wrangler's inspector proxy wants an `Origin` it knows (localhost is
  // one) from a client that sends a `User-Agent`, as Node's does.
  const socket = new WebSocket(targets[0].webSocketDebuggerUrl, {
    headers: { Origin: "http://localhost" },
  });
  await new Promise((ok, fail) => {
    socket.onopen = ok;
    socket.onerror = () => fail(new Error("the inspector refused the connection"));
  });
  let next = 0;
  const waiting = new Map();
  socket.onmessage = ({ data }) => {
    const message = JSON.parse(data);
    const call = waiting.get(message.id);
    if (!call) return;
    waiting.delete(message.id);
    message.error ? call.fail(new Error(JSON.stringify(message.error))) : call.ok(message.result);
  };
  const send = (method, params = {}) =>
    new Promise((ok, fail) => {
      const id = ++next;
      waiting.set(id, { ok, fail });
      socket.send(JSON.stringify({ id, method, params }));
    });
  await send("Profiler.enable");
  await send("Profiler.setSamplingInterval", { interval: 200 });
  await send("Profiler.start");
  const status = await new Promise((ok) => {
    const child = spawn(command[0], command.slice(1), { stdio: "inherit" });
    child.on("exit", (code) => ok(code ?? 1));
    child.on("error", () => ok(127));
  });
  const { profile } = await send("Profiler.stop");
  socket.close();
  // The profile's times are on the monotonic clock; a move log's on the
  // wall clock: what to add to the first to get the second, in µs.
  profile.unixMinusMonotonicUs = unixMinusMonotonicUs();
  writeFileSync(out, JSON.stringify(profile));
  return status;
}

function summarise(path, rows = 15) {
  const profile = JSON.parse(readFileSync(path, "utf8"));
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const name = ({ callFrame: f }) =>
    f.functionName
      ? f.functionName.replace(/\[[0-9a-f]+\]/g, "")
      : `(JavaScript ${f.url.split("/").pop() || "?"}:${f.lineNumber + 1})`;
  const self = new Map();
  const objects = new Map();
  const callers = new Map();
  let busy = 0;
  const add = (map, key, n = 1) => map.set(key, (map.get(key) ?? 0) + n);
  for (const id of profile.samples) {
    const leaf = nodes.get(id);
    if (name(leaf) === "(idle)") continue;
    busy += 1;
    add(self, name(leaf));
    let object = "(a handler resumed after an await, or the runtime)";
    let caller = null;
    for (let at = parent.get(id); at !== undefined; at = parent.get(at)) {
      const frame = name(nodes.get(at));
      // The wasm entry point: `GameRoom_webSocketMessage`, or the
      // Worker's own `fetch`.
      const handler = frame.match(/__wasm_bindgen_generated_(\w+)::/);
      if (handler) object = handler[1].replace(/^([A-Z]\w*?)_/, "$1::").replace(/^fetch$/, "Worker::fetch");
      if (caller === null && frame.includes("volley_server::") && !PLUMBING.test(frame)) {
        caller = frame.replace(/volley_server::/g, "").slice(0, 110);
      }
    }
    add(objects, object);
    if (RUNTIME_CALLS.test(name(leaf))) add(callers, `${name(leaf)} <- ${caller ?? object}`);
  }
  const table = (title, map) => {
    console.log(`\n${title}`);
    for (const [key, count] of [...map].sort((a, b) => b[1] - a[1]).slice(0, rows)) {
      console.log(`${((100 * count) / busy).toFixed(1).padStart(6)}%  ${key}`);
    }
  };
  console.log(`${busy} busy samples (of ${profile.samples.length}; 200 µs apart while the thread runs)`);
  table("by handler (object::event):", objects);
  table("self time, by function:", self);
  table("storage and network calls, by the Rust function that made them:", callers);
}

const args = process.argv.slice(2);
if (args[0] === "--summary") {
  summarise(args[1]);
} else {
  const split = args.indexOf("--");
  if (split !== 2 || args.length < 4) {
    console.error("usage: profile.mjs INSPECTOR_URL OUT.cpuprofile -- COMMAND ARGS... | --summary OUT.cpuprofile");
    process.exit(2);
  }
  const status = await record(args[0], args[1], args.slice(3));
  summarise(args[1]);
  process.exit(status);
}
