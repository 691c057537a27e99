//! The end-to-end harness: builds the Worker, runs it in a real
//! `wrangler dev` (workerd, with real Durable Object storage, alarms and
//! hibernation) on a free loopback port, and stops it again.
//!
//! # Layout
//!
//! - [`WranglerDev`]: one `wrangler dev` process group, with its own
//!   `--persist-to` directory and log file under `target/e2e/`. Dropping it
//!   stops the whole group (wrangler and its workerd child), also when a test
//!   panics.
//! - [`get_json`], [`post_json`], [`post_text`]: small HTTP helpers for the
//!   JSON endpoints.
//! - [`browser`]: headless Chromium over WebDriver, for the browser game.
//! - [`soak`]: the chaos soak (faults and hostile clients under load).
//!
//! The tests themselves are in `tests/e2e/`.

pub mod browser;
pub mod soak;

use anyhow::{Context, Result, bail};
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use std::fs;
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use url::Url;
use volley_shared::replay::{Action, Replay};
use volley_shared::{Game, Seat};

/// How long `wrangler dev` may take to answer its first request.
const READY_TIMEOUT: Duration = Duration::from_secs(180);

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(".."))
}

/// Builds the Worker once (`scripts/build-worker`), so each server start
/// can skip the build.
pub fn build_worker() -> Result<()> {
    let root = repo_root();
    let status = Command::new("bash")
        .arg(root.join("scripts/build-worker"))
        .current_dir(&root)
        .status()
        .context("could not run scripts/build-worker")?;
    if !status.success() {
        bail!("scripts/build-worker failed ({status}); run scripts/setup first");
    }
    Ok(())
}

/// Builds the previous release (`scripts/build-previous`, cached by
/// commit) and returns its directory: its tree in `src/`, its target
/// directory (with `release/volley-bot`) in `target/`.
pub fn build_previous() -> Result<PathBuf> {
    let root = repo_root();
    let output = Command::new("bash")
        .arg(root.join("scripts/build-previous"))
        .current_dir(&root)
        .stderr(Stdio::inherit())
        .output()
        .context("could not run scripts/build-previous")?;
    if !output.status.success() {
        bail!("scripts/build-previous failed ({})", output.status);
    }
    let dir = String::from_utf8(output.stdout)?.trim().to_string();
    Ok(PathBuf::from(dir))
}

/// The previous release's build id (what its objects report as their
/// build): its commit, as `scripts/build-previous` bakes it in.
pub fn previous_build() -> Result<String> {
    let root = repo_root();
    let previous = std::fs::read_to_string(root.join("release/PREVIOUS"))?;
    let output = Command::new("git")
        .args(["rev-parse", "--short=12", previous.trim()])
        .current_dir(&root)
        .output()
        .context("could not run git rev-parse")?;
    if !output.status.success() {
        bail!(
            "git rev-parse {} failed ({})",
            previous.trim(),
            output.status
        );
    }
    Ok(String::from_utf8(output.stdout)?.trim().to_string())
}

/// How many ports a start tries when wrangler exits at once (the port
/// was taken between choosing it and binding it).
const START_ATTEMPTS: u32 = 3;

/// Why a start failed.
enum StartError {
    /// wrangler exited before it answered (as when its port was taken).
    Exited(anyhow::Error),
    /// Anything else.
    Other(anyhow::Error),
}

impl From<anyhow::Error> for StartError {
    fn from(err: anyhow::Error) -> Self {
        StartError::Other(err)
    }
}

impl From<std::io::Error> for StartError {
    fn from(err: std::io::Error) -> Self {
        StartError::Other(err.into())
    }
}

impl From<url::ParseError> for StartError {
    fn from(err: url::ParseError) -> Self {
        StartError::Other(err.into())
    }
}

/// A running `wrangler dev`.
pub struct WranglerDev {
    child: Child,
    /// The tree whose build it serves (this repository, or a previous
    /// release's under `target/previous/`).
    root: PathBuf,
    /// Configuration files to serve instead of the tree's own
    /// `wrangler.jsonc` (`-c` each; two for two Workers side by side).
    configs: Vec<PathBuf>,
    base: Url,
    port: u16,
    vars: Vec<(String, String)>,
    log: PathBuf,
    state_dir: PathBuf,
}

impl WranglerDev {
    /// Starts `wrangler dev` with extra `--var NAME:VALUE` settings and waits
    /// until `/api/health` answers. Call [`build_worker`] first.
    pub fn start(vars: &[(&str, &str)]) -> Result<WranglerDev> {
        WranglerDev::start_in(&repo_root(), vars)
    }

    /// Like [`WranglerDev::start`], serving the build in `root` (a tree
    /// whose Worker is built).
    pub fn start_in(root: &Path, vars: &[(&str, &str)]) -> Result<WranglerDev> {
        WranglerDev::start_configs(root, &[], vars)
    }

    /// Serves the Workers of these configuration files in one `wrangler
    /// dev` (the first answers HTTP; a Durable Object binding with a
    /// `script_name` reaches the other's class), from `root`.
    pub fn start_configs(
        root: &Path,
        configs: &[PathBuf],
        vars: &[(&str, &str)],
    ) -> Result<WranglerDev> {
        // The port is free when chosen, but another process may take it
        // before wrangler binds it: then wrangler exits, and the server
        // starts again on another port.
        let mut attempt = 1;
        loop {
            match WranglerDev::start_on(root, configs, vars, free_port()?) {
                Err(StartError::Exited(err)) if attempt < START_ATTEMPTS => {
                    eprintln!(
                        "wrangler dev exited at start (attempt {attempt}), trying another port: {err:#}"
                    );
                    attempt += 1;
                }
                Err(StartError::Exited(err) | StartError::Other(err)) => return Err(err),
                Ok(server) => return Ok(server),
            }
        }
    }

    fn start_on(
        root: &Path,
        configs: &[PathBuf],
        vars: &[(&str, &str)],
        port: u16,
    ) -> Result<WranglerDev, StartError> {
        let root = root.to_path_buf();
        let work = repo_root().join("target/e2e");
        let state_dir = work.join(format!("state-{}-{port}", std::process::id()));
        let _ = fs::remove_dir_all(&state_dir);
        let log = work.join(format!("wrangler-{port}.log"));
        let _ = fs::remove_file(&log);
        fs::create_dir_all(&state_dir)?;
        let mut server = WranglerDev {
            child: spawn_placeholder()?,
            root,
            configs: configs.to_vec(),
            base: Url::parse(&format!("http://127.0.0.1:{port}"))?,
            port,
            vars: vars
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            log,
            state_dir,
        };
        server.child = server.spawn()?;
        if let Err(err) = server.wait_ready() {
            return Err(if matches!(server.child.try_wait(), Ok(Some(_))) {
                StartError::Exited(err)
            } else {
                StartError::Other(err)
            });
        }
        Ok(server)
    }

    /// Stops the server and serves the build in `root` instead, on the same
    /// port and the same storage: an upgrade (or a rollback) with every
    /// object reset, as a code update without hibernation resets them.
    pub fn switch_to(&mut self, root: &Path) -> Result<()> {
        self.kill_group();
        self.root = root.to_path_buf();
        self.configs.clear();
        self.child = self.spawn()?;
        self.wait_ready()
    }

    /// Kills the whole process group with SIGKILL, as a crash would, and
    /// starts `wrangler dev` again on the same port and the same
    /// `--persist-to` directory.
    pub fn crash_and_restart(&mut self) -> Result<()> {
        self.kill_group();
        self.child = self.spawn()?;
        self.wait_ready()
    }

    fn spawn(&self) -> Result<Child> {
        let root = &self.root;
        let wrangler = repo_root().join("node_modules/.bin/wrangler");
        if !wrangler.exists() {
            bail!("{} is missing: run scripts/setup first", wrangler.display());
        }
        let inspector_port = free_port()?;
        let log_file = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)?;
        let mut command = Command::new(&wrangler);
        command.arg("dev");
        for config in &self.configs {
            command.arg("-c").arg(config);
        }
        command
            .args(["--ip", "127.0.0.1", "--port", &self.port.to_string()])
            .args(["--inspector-port", &inspector_port.to_string()])
            .arg("--persist-to")
            .arg(&self.state_dir)
            .args(["--log-level", "info"]);
        for (name, value) in &self.vars {
            command.args(["--var", &format!("{name}:{value}")]);
        }
        let path = format!(
            "{}:{}",
            repo_root().join("node_modules/.bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        command
            .current_dir(root)
            .env("PATH", path)
            .env("VOLLEY_SKIP_BUILD", "1")
            .env("WRANGLER_SEND_METRICS", "false")
            .stdin(Stdio::null())
            .stdout(log_file.try_clone()?)
            .stderr(log_file)
            // Its own process group, so stopping it also stops workerd.
            .process_group(0);
        // wrangler's local trace collector writes a trace of every
        // invocation to SQLite on the Worker's own thread (BENCHMARKS.md,
        // "The local trace collector"); no test reads them, so it is off
        // unless X_LOCAL_OBSERVABILITY says otherwise.
        if std::env::var_os("X_LOCAL_OBSERVABILITY").is_none() {
            command.env("X_LOCAL_OBSERVABILITY", "false");
        }
        command.spawn().context("could not start wrangler dev")
    }

    /// The server's base URL, `http://127.0.0.1:PORT`.
    pub fn base(&self) -> &Url {
        &self.base
    }

    /// Waits until wrangler has printed `needle` at least `count` times
    /// since it started, for up to `within`: what the Worker logs reaches
    /// the log a little after the response that caused it. Fails with the
    /// log's tail if it never does.
    pub fn await_log(&self, needle: &str, count: usize, within: Duration) -> Result<()> {
        let started = Instant::now();
        loop {
            let text = fs::read_to_string(&self.log).unwrap_or_default();
            let seen = text.matches(needle).count();
            if seen >= count {
                return Ok(());
            }
            if started.elapsed() >= within {
                bail!(
                    "wrangler printed {needle:?} {seen} times, not {count}, within {within:?}:\n{}",
                    self.log_tail(40)
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The last lines wrangler printed.
    pub fn log_tail(&self, lines: usize) -> String {
        let text = fs::read_to_string(&self.log).unwrap_or_default();
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }

    fn wait_ready(&mut self) -> Result<()> {
        let started = Instant::now();
        let health = self.base.join("/api/health")?;
        while started.elapsed() < READY_TIMEOUT {
            if let Some(status) = self.child.try_wait()? {
                bail!("wrangler dev exited with {status}:\n{}", self.log_tail(40));
            }
            if get_json(&health).is_ok() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        bail!(
            "wrangler dev did not answer within {READY_TIMEOUT:?}:\n{}",
            self.log_tail(40)
        )
    }

    /// Stops the process group: SIGTERM, then SIGKILL if it lingers, and
    /// removes the state directory.
    pub fn stop(&mut self) {
        if let Ok(pid) = i32::try_from(self.child.id()) {
            let _ = killpg(Pid::from_raw(pid), Signal::SIGTERM);
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline {
                if matches!(self.child.try_wait(), Ok(Some(_))) {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        // workerd may outlive wrangler: always sweep the whole group.
        self.kill_group();
        let _ = fs::remove_dir_all(&self.state_dir);
    }

    fn kill_group(&mut self) {
        if let Ok(pid) = i32::try_from(self.child.id()) {
            let _ = killpg(Pid::from_raw(pid), Signal::SIGKILL);
        }
        let _ = self.child.wait();
    }
}

impl Drop for WranglerDev {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A child that has already exited, to hold the place of the real one
/// until it is spawned (so `Drop` always has a child to reap).
fn spawn_placeholder() -> Result<Child> {
    let mut child = Command::new("true")
        .spawn()
        .context("could not run `true`")?;
    child.wait()?;
    Ok(child)
}

/// A free TCP port on the loopback interface.
fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// GETs a URL and parses its JSON body. Any status but 2xx is an error.
pub fn get_json(url: &Url) -> Result<serde_json::Value> {
    get_body(url)
}

/// GETs a URL and reads its JSON body as `T` (one of the
/// `volley_shared::api` bodies). Any status but 2xx is an error.
pub fn get_body<T: serde::de::DeserializeOwned>(url: &Url) -> Result<T> {
    let response = ureq::get(url.as_str())
        .call()
        .with_context(|| format!("GET {url}"))?;
    json_answer("GET", url, response)
}

/// POSTs an empty body to a URL and parses its JSON answer. Any status but
/// 2xx is an error.
pub fn post_json(url: &Url) -> Result<serde_json::Value> {
    post_body(url)
}

/// POSTs an empty body to a URL and reads its JSON answer as `T` (one of
/// the `volley_shared::api` bodies). Any status but 2xx is an error.
pub fn post_body<T: serde::de::DeserializeOwned>(url: &Url) -> Result<T> {
    let response = ureq::post(url.as_str())
        .send_empty()
        .with_context(|| format!("POST {url}"))?;
    json_answer("POST", url, response)
}

/// Reads an answer's body as JSON `T`, saying which request it answered
/// and what it held if it is not.
fn json_answer<T: serde::de::DeserializeOwned>(
    method: &str,
    url: &Url,
    mut response: ureq::http::Response<ureq::Body>,
) -> Result<T> {
    let body = response.body_mut().read_to_string()?;
    serde_json::from_str(&body)
        .with_context(|| format!("{method} {url}: not the expected JSON: {body}"))
}

/// POSTs an empty body to a URL and returns the status, whatever it is.
pub fn post_status(url: &Url) -> Result<u16> {
    post_text(url).map(|(status, _)| status)
}

/// POSTs an empty body to a URL and returns the status and the body.
pub fn post_text(url: &Url) -> Result<(u16, String)> {
    post_text_from(url, None)
}

/// Like [`post_text`], from a given client address (`CF-Connecting-IP`,
/// which Cloudflare sets in production and `wrangler dev` passes through).
pub fn post_text_from(url: &Url, address: Option<&str>) -> Result<(u16, String)> {
    let headers: Vec<(&str, &str)> = address
        .map(|address| ("CF-Connecting-IP", address))
        .into_iter()
        .collect();
    post_text_with(url, &headers)
}

/// Like [`post_text`], with these request headers.
pub fn post_text_with(url: &Url, headers: &[(&str, &str)]) -> Result<(u16, String)> {
    let mut request = ureq::post(url.as_str());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let mut response = request
        .config()
        .http_status_as_error(false)
        .build()
        .send_empty()
        .with_context(|| format!("POST {url}"))?;
    let body = response.body_mut().read_to_string()?;
    Ok((response.status().as_u16(), body))
}

/// A room's replay (`/api/rooms/{id}/replay`) read as `T`; `None` when the
/// room is gone (it closed unplayed and deleted itself).
fn replay_of<T: serde::de::DeserializeOwned>(base: &Url, room: &str) -> Result<Option<T>> {
    let url = base.join(&format!("/api/rooms/{room}/replay"))?;
    let (status, body) = get_text(&url)?;
    if status == 404 {
        return Ok(None);
    }
    if status != 200 {
        bail!("GET {url}: {status} {body}");
    }
    serde_json::from_str(&body)
        .map(Some)
        .with_context(|| format!("room {room}: its replay"))
}

/// How many moves a room's own log holds, whatever its game; `None` when
/// the room is gone.
pub fn logged_moves(base: &Url, room: &str) -> Result<Option<u64>> {
    let Some(replay) = replay_of::<serde_json::Value>(base, room)? else {
        return Ok(None);
    };
    let moves = replay["actions"]
        .as_array()
        .with_context(|| format!("room {room}: no actions in its replay"))?
        .iter()
        .filter(|a| a["action"]["Move"].is_object())
        .count();
    Ok(Some(moves as u64))
}

/// The moves in a room's own log of game `G`, by seat, each as JSON the
/// way the load tool's bots record what they send; `None` when the room
/// is gone.
pub fn logged_move_list<G: Game>(base: &Url, room: &str) -> Result<Option<Vec<(Seat, String)>>> {
    let Some(replay) = replay_of::<Replay<G>>(base, room)? else {
        return Ok(None);
    };
    replay
        .actions
        .into_iter()
        .filter_map(|logged| match logged.action {
            Action::Move { seat, mv } => Some((seat, mv)),
            _ => None,
        })
        .map(|(seat, mv)| Ok((seat, serde_json::to_string(&mv)?)))
        .collect::<Result<_>>()
        .map(Some)
}

/// GETs a URL and returns its status code, whatever it is.
pub fn get_status(url: &Url) -> Result<u16> {
    get_text(url).map(|(status, _)| status)
}

/// GETs a URL and returns the status and the body as text, whatever the
/// status.
pub fn get_text(url: &Url) -> Result<(u16, String)> {
    get_text_with(url, &[])
}

/// Like [`get_text`], with these request headers.
pub fn get_text_with(url: &Url, headers: &[(&str, &str)]) -> Result<(u16, String)> {
    let mut request = ureq::get(url.as_str());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let mut response = request
        .config()
        .http_status_as_error(false)
        .build()
        .call()
        .with_context(|| format!("GET {url}"))?;
    let status = response.status().as_u16();
    let body = response.body_mut().read_to_string().unwrap_or_default();
    Ok((status, body))
}
