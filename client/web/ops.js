// The operators' dashboard: polls GET /api/ops every 10 s and draws each
// mode's last hour (matches a minute, queue wait p50 and p99, per pool;
// moves' round trips as the rooms measure them; rooms made and alive per
// build; closes, errors and refusals by kind) on canvases drawn at the
// screen's pixel ratio. Plain JavaScript: it is not the game, and it
// should cost the game nothing.
"use strict";

const REFRESH_MS = 10000;
const COLOURS = { p50: "#0072b2", p99: "#d55e00", matches: "#009e73", kind: "#cc79a7" };
// What each close code means (PROTOCOL.md).
const CLOSES = {
  1000: "normal", 4000: "unsupported protocol", 4001: "bad token", 4002: "protocol violation",
  4008: "rate limited", 4009: "replaced", 4010: "ticket cancelled", 4011: "internal",
  4012: "room closed", 4013: "server too old", 4014: "full",
};
const NAMES = { duel: "Duel", ffa3: "Free-for-all (3)", ffa4: "Free-for-all (4)", connect4: "Connect Four" };

function key() { return sessionStorage.getItem("volley-ops-key") || ""; }

async function load() {
  const headers = key() ? { Authorization: "Bearer " + key() } : {};
  const response = await fetch("/api/ops", { headers });
  const state = document.getElementById("ops-state");
  if (!response.ok) {
    const body = await response.json().catch(() => ({ error: response.statusText }));
    state.textContent = body.error;
    document.getElementById("ops-key").hidden = response.status !== 403;
    return;
  }
  document.getElementById("ops-key").hidden = true;
  const report = await response.json();
  state.textContent = "Last hour, by minute; updated " + new Date().toLocaleTimeString() + ".";
  show(report);
}

function show(report) {
  const charts = document.getElementById("charts");
  charts.textContent = "";
  for (const mode of report.modes) {
    const card = element("section", "card");
    card.append(element("h2", "", NAMES[mode.mode] || mode.mode));
    const made = mode.all.reduce((sum, m) => sum + m.matches, 0);
    card.append(element("p", "", made + (made === 1 ? " match" : " matches") + " in the hour"));
    card.append(chart("Matches a minute", mode.all, [["matches", COLOURS.matches]], true));
    card.append(chart("Queue wait (ms)", mode.all, [["wait_ms_p50", COLOURS.p50], ["wait_ms_p99", COLOURS.p99]], false));
    card.append(poolTable(mode.pools));
    const measured = mode.all.reduce((sum, m) => sum + (m.moves_measured || 0), 0);
    card.append(chart("Move round trip, as rooms measure it (ms; " + measured + " moves)",
      mode.all, [["rtt_ms_p50", COLOURS.p50], ["rtt_ms_p99", COLOURS.p99]], false));
    card.append(builds("Rooms made this hour, by build", mode.rooms_per_build, "rooms-made"));
    card.append(builds("Rooms alive now, by build", mode.rooms_alive_per_build || {}, "rooms-alive"));
    card.append(kindTable(mode.kinds || []));
    charts.append(card);
  }
}

function builds(title, counts, className) {
  const entries = Object.entries(counts);
  return element("p", className, title + ": " +
    (entries.length ? entries.map(([build, n]) => build + " " + n).join(" · ") : "none"));
}

// A count's name for people: "closed 4008 (rate limited)".
function kindName(name) {
  const [kind, what] = [name.slice(0, name.indexOf(":")), name.slice(name.indexOf(":") + 1)];
  if (kind === "close") return "closed " + what + (CLOSES[what] ? " (" + CLOSES[what] + ")" : "");
  if (kind === "error") return "error frame " + what;
  if (kind === "refused") return "refused by " + what;
  return name;
}

// Closes, errors and refusals in the hour, with a bar per minute.
function kindTable(kinds) {
  const figure = element("figure", "kinds");
  figure.append(element("figcaption", "", "Closes, errors and refusals, by kind"));
  if (!kinds.length) {
    figure.append(element("p", "", "None this hour."));
    return figure;
  }
  const table = element("table", "pools");
  const head = element("tr");
  for (const title of ["kind", "hour", "by minute"]) head.append(element("th", "", title));
  table.append(head);
  for (const kind of kinds) {
    const row = element("tr");
    const spark = document.createElement("canvas");
    spark.className = "spark";
    spark.setAttribute("role", "img");
    spark.setAttribute("aria-label", kindName(kind.name) + ": " + kind.total + " in the hour");
    const cell = element("td");
    cell.append(spark);
    row.append(element("td", "", kindName(kind.name)), element("td", "", String(kind.total)), cell);
    table.append(row);
    requestAnimationFrame(() => sparkline(spark, kind.per_minute));
  }
  figure.append(table);
  return figure;
}

// Bars, one per minute, scaled to the busiest.
function sparkline(canvas, counts) {
  const [ctx, w, h] = sharp(canvas, 120, 20);
  const top = Math.max(1, ...counts);
  ctx.fillStyle = COLOURS.kind;
  counts.forEach((n, i) => {
    if (!n) return;
    const bar = Math.max(1, (h - 2) * n / top);
    ctx.fillRect(w * i / counts.length, h - bar, Math.max(1, w / counts.length - 0.5), bar);
  });
}

function element(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

// A line (or bar) chart of `series` ([field, colour]) over the minutes.
function chart(title, minutes, series, bars) {
  const figure = element("figure", "chart");
  const caption = element("figcaption", "", title + " ");
  for (const [field, colour] of series) {
    const swatch = element("span", "swatch", field.replace(/^(wait|rtt)_ms_/, ""));
    swatch.style.borderColor = colour;
    caption.append(swatch);
  }
  const canvas = document.createElement("canvas");
  canvas.setAttribute("role", "img");
  figure.append(caption, canvas);
  requestAnimationFrame(() => draw(canvas, title, minutes, series, bars));
  return figure;
}

// A canvas sized to its place on screen at the pixel ratio, and its 2D
// context drawing in CSS pixels: [context, width, height].
function sharp(canvas, width, height) {
  const ratio = Math.max(1, window.devicePixelRatio || 1);
  const w = canvas.clientWidth || width, h = canvas.clientHeight || height;
  canvas.width = Math.round(w * ratio);
  canvas.height = Math.round(h * ratio);
  const ctx = canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  return [ctx, w, h];
}

function draw(canvas, title, minutes, series, bars) {
  const [ctx, w, h] = sharp(canvas, 300, 120);
  const values = series.flatMap(([field]) => minutes.map((m) => m[field] || 0));
  const top = Math.max(1, ...values);
  const x = (i) => 30 + (w - 36) * i / Math.max(1, minutes.length - 1);
  const y = (v) => h - 16 - (h - 26) * v / top;
  ctx.fillStyle = "#555";
  ctx.font = "11px system-ui, sans-serif";
  ctx.fillText(String(Math.round(top)), 2, 12);
  ctx.fillText("0", 2, h - 16);
  ctx.fillText("-60 min", 30, h - 2);
  ctx.fillText("now", w - 26, h - 2);
  ctx.strokeStyle = "#ccc";
  ctx.beginPath(); ctx.moveTo(30, h - 16); ctx.lineTo(w - 6, h - 16); ctx.stroke();
  for (const [field, colour] of series) {
    ctx.strokeStyle = ctx.fillStyle = colour;
    ctx.lineWidth = 2;
    ctx.beginPath();
    let drawing = false;
    minutes.forEach((m, i) => {
      const v = m[field];
      if (v === null || v === undefined) { drawing = false; return; }
      if (bars) { ctx.fillRect(x(i) - 2, y(v), 4, h - 16 - y(v)); return; }
      if (drawing) ctx.lineTo(x(i), y(v)); else ctx.moveTo(x(i), y(v));
      drawing = true;
    });
    if (!bars) {
      ctx.stroke();
      // A dot on each minute with data, so a lone minute shows too.
      minutes.forEach((m, i) => {
        if (m[field] === null || m[field] === undefined) return;
        ctx.beginPath(); ctx.arc(x(i), y(m[field]), 2.5, 0, 2 * Math.PI); ctx.fill();
      });
    }
  }
  const last = minutes[minutes.length - 1] || {};
  canvas.setAttribute("aria-label", title + ", the last 60 minutes; this minute: " +
    series.map(([field]) => field + " " + (last[field] ?? "none")).join(", "));
}

// Per pool: matches in the hour, and the latest minute's waits.
function poolTable(pools) {
  const table = element("table", "pools");
  const head = element("tr");
  for (const title of ["pool", "matches (hour)", "latest wait p50 / p99 ms"]) head.append(element("th", "", title));
  table.append(head);
  for (const pool of pools) {
    const made = pool.minutes.reduce((sum, m) => sum + m.matches, 0);
    const waited = pool.minutes.filter((m) => m.wait_ms_p50 !== null).pop();
    const row = element("tr");
    row.append(element("td", "", pool.pool), element("td", "", String(made)),
      element("td", "", waited ? waited.wait_ms_p50 + " / " + waited.wait_ms_p99 : "–"));
    table.append(row);
  }
  return table;
}

document.getElementById("ops-key").addEventListener("submit", (event) => {
  event.preventDefault();
  sessionStorage.setItem("volley-ops-key", document.getElementById("key").value);
  load();
});
load();
setInterval(load, REFRESH_MS);
