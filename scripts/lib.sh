# Shared shell functions for Volley's scripts: find or install the toolchain.
#
# Sourced by scripts/setup, scripts/dev, scripts/test and scripts/build-worker.
# Everything comes from package registries (crates.io, npm, Debian); nothing
# is downloaded from anywhere else. Tools built with `cargo install` are kept,
# one folder per version, under ${VOLLEY_TOOLS:-~/.cache/volley/tools}.

set -euo pipefail

VOLLEY_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VOLLEY_TOOLS=${VOLLEY_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/volley/tools}

# Pinned versions: worker-build must match the `worker` crate, and
# wasm-bindgen-cli the `wasm-bindgen` crate (see Cargo.toml).
WORKER_BUILD_VERSION=0.8.7
WASM_BINDGEN_VERSION=0.2.129

# Each step says how far into the run it starts (CI has a time budget),
# counted from the first script of the run (nested ones inherit it).
: "${VOLLEY_RUN_STARTED:=$(date +%s)}"
export VOLLEY_RUN_STARTED
log() { printf '\033[1m==> [%d s] %s\033[0m\n' "$(($(date +%s) - VOLLEY_RUN_STARTED))" "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else die "need root to run: $*"
  fi
}

# Node 22 and wrangler, from package.json / package-lock.json.
ensure_node_modules() {
  command -v npm >/dev/null || die "npm is missing: install Node.js (any version >= 18; Node 22 comes from npm)"
  local stamp="$VOLLEY_ROOT/node_modules/.volley-lock"
  if [ ! -x "$VOLLEY_ROOT/node_modules/.bin/wrangler" ] || ! cmp -s "$VOLLEY_ROOT/package-lock.json" "$stamp"; then
    log "installing Node 22 and wrangler from npm (pinned by package-lock.json)"
    # Not `npm ci`: some registries lack the other platforms' optional workerd
    # packages, which `npm ci` then reports as a lockfile mismatch.
    (cd "$VOLLEY_ROOT" && npm install --no-save --no-audit --no-fund --loglevel=error)
    cp "$VOLLEY_ROOT/package-lock.json" "$stamp"
  fi
  export PATH="$VOLLEY_ROOT/node_modules/.bin:$PATH"
  export WRANGLER_SEND_METRICS=false
  local major
  major=$(node -p 'process.versions.node.split(".")[0]')
  [ "$major" -ge 22 ] || die "node in node_modules/.bin is $(node --version); wrangler needs >= 22.12"
}

# A cargo-installed binary at a pinned version, built once per machine.
# Prints the binary's path.
ensure_cargo_tool() {
  local crate=$1 version=$2 bin=$3
  local root="$VOLLEY_TOOLS/$crate-$version"
  if [ ! -x "$root/bin/$bin" ]; then
    log "building $crate $version (once per machine, a few minutes)"
    cargo install "$crate" --version "=$version" --locked --root "$root" --quiet >&2
  fi
  printf '%s\n' "$root/bin/$bin"
}

# A Rust toolchain that builds wasm32-unknown-unknown. Exports what cargo
# needs: nothing when rustup has the target; otherwise Debian's rustc-web
# with the standard library built from source (build-std).
# VOLLEY_WASM_TOOLCHAIN=debian forces the second way.
ensure_wasm_toolchain() {
  if [ "${VOLLEY_WASM_TOOLCHAIN:-}" != debian ] && command -v rustup >/dev/null \
    && rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    return
  fi
  if [ ! -x /usr/bin/rustc ] || [ ! -d /usr/lib/rustlib/src/rust/library ] || [ ! -e /usr/bin/rust-lld ]; then
    if command -v apt-get >/dev/null; then
      log "installing Debian's rustc-web, rust-web-src and lld (wasm32 toolchain)"
      as_root apt-get update -qq
      DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq rustc-web cargo-web rust-web-src rust-web-llvm lld-22 >/dev/null
    elif command -v rustup >/dev/null; then
      log "adding the wasm32 target with rustup"
      rustup target add wasm32-unknown-unknown
      return
    else
      die "no way to get a wasm32 Rust toolchain: install rustup, then run: rustup target add wasm32-unknown-unknown"
    fi
  fi
  export RUSTC=/usr/bin/rustc
  export RUSTC_BOOTSTRAP=1
  export CARGO_UNSTABLE_BUILD_STD=std,panic_abort
  # Keep these artifacts apart from the host toolchain's.
  export CARGO_TARGET_DIR="$VOLLEY_ROOT/target/wasm-debian"
  # worker-build checks the target with the `rustc` on PATH and, if that is
  # rustup's and lacks wasm32, runs `rustup target add` (a download from
  # outside the package registries). Put a rustc first on PATH that is
  # Debian's and reports the std sources build-std compiles from.
  local shim="$VOLLEY_ROOT/target/wasm-debian/rustc-shim"
  mkdir -p "$shim"
  cat > "$shim/rustc" <<'SHIM'
#!/bin/sh
# Written by scripts/lib.sh: Debian's rustc, for worker-build's target check.
if [ "$*" = "--target wasm32-unknown-unknown --print target-libdir" ]; then
  echo /usr/lib/rustlib/src/rust/library
  exit 0
fi
exec /usr/bin/rustc "$@"
SHIM
  chmod +x "$shim/rustc"
  export PATH="$shim:$PATH"
}

ensure_build_tools() {
  ensure_node_modules
  # The tools first, with the host toolchain: the wasm toolchain's
  # environment (Debian's rustc, build-std) would rebuild std for them.
  WASM_BINDGEN_BIN=$(ensure_cargo_tool wasm-bindgen-cli "$WASM_BINDGEN_VERSION" wasm-bindgen)
  WORKER_BUILD_BIN=$(ensure_cargo_tool worker-build "$WORKER_BUILD_VERSION" worker-build)
  export WASM_BINDGEN_BIN WORKER_BUILD_BIN
  ensure_wasm_toolchain
  local esbuild
  esbuild=$(ls "$VOLLEY_ROOT"/node_modules/@esbuild/*/bin/esbuild 2>/dev/null | head -n1 || true)
  export ESBUILD_BIN=${esbuild:-$VOLLEY_ROOT/node_modules/.bin/esbuild}
  export WASM_OPT_BIN="$VOLLEY_ROOT/node_modules/.bin/wasm-opt"
}

# Debian's Chromium and ChromeDriver, for the browser tests.
ensure_chromium() {
  if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
    return
  fi
  command -v apt-get >/dev/null || die "the browser tests need chromium and chromedriver at /usr/bin (Debian's chromium and chromium-driver)"
  log "installing Debian's chromium and chromium-driver (browser tests)"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq chromium chromium-driver >/dev/null
}

# VOLLEY_BUILD, baked into the Worker and the page: the commit, and
# "-dirty" when the tree has changes (server/src/build.rs).
export_build_id() {
  if [ -z "${VOLLEY_BUILD:-}" ]; then
    local commit
    commit=$(git -C "$VOLLEY_ROOT" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
    if ! git -C "$VOLLEY_ROOT" diff --quiet HEAD 2>/dev/null; then
      commit="$commit-dirty"
    fi
    export VOLLEY_BUILD="$commit"
  fi
}

# Python 3, for scripts/module-cycles.
ensure_python() {
  if command -v python3 >/dev/null; then
    return
  fi
  command -v apt-get >/dev/null || die "scripts/module-cycles needs python3"
  log "installing Debian's python3 (the import-cycle check)"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq python3 >/dev/null
}

# wrangler dev (4.164.0) hands a trace of every invocation to a local collector
# that writes it to SQLite on the Worker's own workerd thread: more than
# half of workerd's CPU per echoed frame, and a commit after every event
# (BENCHMARKS.md, "The local trace collector"). Production has no such
# writer, so the measuring scripts turn it off unless
# X_LOCAL_OBSERVABILITY is set; scripts/dev keeps wrangler's default.
without_local_traces() {
  export X_LOCAL_OBSERVABILITY="${X_LOCAL_OBSERVABILITY:-false}"
}

# Dies if something already answers on 127.0.0.1:$1: a measuring script
# would otherwise measure that server (a `wrangler dev` left running, of
# another build) while its own failed to bind.
ensure_port_free() {
  if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$1/"; then
    die "something already answers on 127.0.0.1:$1; stop it, or choose another port with PORT=..."
  fi
}

# Starts the `wrangler dev` a measuring script measures: on
# 127.0.0.1:PORT, with VOLLEY_BENCH=1 and 60 s turns, on fresh state,
# wrangler's local trace collector off, logging to LOG, in a process
# group of its own that stop_measured_server stops (the EXIT trap), and
# waits until it answers. wrangler logs warnings and errors only
# (MEASURED_LOG_LEVEL, default warn): at its default it prints a line per
# request, which `wrangler dev`'s node process is told of by workerd and
# writes, 0.3 ms of CPU per Volley move on the cores being measured and
# none per round trip of the echo's one connection. Usage:
#   start_measured_server PORT LOG [COMMAND TO RUN IT UNDER ...] -- [WRANGLER ARGS ...]
start_measured_server() {
  local port=$1 log=$2
  shift 2
  local under=()
  while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do under+=("$1"); shift; done
  [ "$#" -gt 0 ] && shift
  ensure_port_free "$port"
  without_local_traces
  MEASURED_STATE="$(mktemp -d)"
  local level="${MEASURED_LOG_LEVEL:-warn}"
  log "starting wrangler dev on 127.0.0.1:$port (VOLLEY_BENCH=1, 60 s turns, local traces ${X_LOCAL_OBSERVABILITY}, log level $level${*:+, $*}; log: $log)"
  # Not a job-control shell, so the child is no group leader and setsid
  # makes it one without forking: $! is the group to stop.
  VOLLEY_SKIP_BUILD=1 WRANGLER_SEND_METRICS=false setsid "${under[@]}" \
    "$VOLLEY_ROOT/node_modules/.bin/wrangler" dev --ip 127.0.0.1 --port "$port" \
    --persist-to "$MEASURED_STATE" --log-level "$level" \
    --var VOLLEY_BENCH:1 --var TURN_TIMEOUT_MS:60000 "$@" \
    >"$log" 2>&1 </dev/null &
  MEASURED_GROUP=$!
  trap stop_measured_server EXIT
  for _ in $(seq 240); do
    curl -sf "http://127.0.0.1:$port/api/health" >/dev/null && return 0
    kill -0 "$MEASURED_GROUP" 2>/dev/null || { tail -40 "$log"; die "wrangler dev exited"; }
    sleep 0.5
  done
  die "wrangler dev did not answer on 127.0.0.1:$port"
}

# Stops what start_measured_server started, and removes its state.
stop_measured_server() {
  [ -n "${MEASURED_GROUP:-}" ] || return 0
  kill -TERM -- "-$MEASURED_GROUP" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 -- "-$MEASURED_GROUP" 2>/dev/null || break; sleep 0.1; done
  kill -KILL -- "-$MEASURED_GROUP" 2>/dev/null || true
  rm -rf "$MEASURED_STATE"
  MEASURED_GROUP=""
}

# A random JOIN_SECRET in .dev.vars for local development, made once.
ensure_dev_vars() {
  local vars="$VOLLEY_ROOT/.dev.vars"
  if ! grep -qs '^JOIN_SECRET=' "$vars"; then
    log "writing a random JOIN_SECRET to .dev.vars (local development only)"
    printf 'JOIN_SECRET=%s\n' "$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')" >> "$vars"
  fi
}
