//! A real browser for the end-to-end tests: Debian's Chromium, driven over
//! WebDriver by `chromedriver`, which runs in its own process group and is
//! stopped with everything it started (Chromium) when the test ends, also
//! when it fails.

mod audit;

use anyhow::{Context, Result, bail, ensure};
use fantoccini::{Client, ClientBuilder, Locator};
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Where Debian puts them (`apt-get install chromium chromium-driver`).
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Windows narrower than this are phones: emulated (a headless window is
/// at least this wide) and named with their width.
const PHONE_BELOW: u32 = 500;

/// `name` for a window `width` CSS pixels wide: as it is, or
/// `{name}-{width}px` on a phone (`quick-duel-360px`).
pub fn sized_name(name: &str, width: u32) -> String {
    if width < PHONE_BELOW {
        format!("{name}-{width}px")
    } else {
        name.to_string()
    }
}

/// Runs `scenario` in a fresh browser (profile under
/// `target/e2e/chromium-{name}`, `width` CSS pixels wide), saves its last
/// screen to `target/e2e/screens/{name}.png` whether it passed or not, and
/// stops the browser.
pub async fn in_browser<T>(
    name: &str,
    width: u32,
    scenario: impl AsyncFnOnce(&Browser) -> Result<T>,
) -> Result<T> {
    let work = crate::repo_root().join("target/e2e");
    let browser = Browser::start(&work.join(format!("chromium-{name}")), width).await?;
    let result = scenario(&browser).await;
    let shot = work.join(format!("screens/{name}.png"));
    let saved = browser.screenshot(&shot).await;
    browser.close().await;
    let value = result?;
    saved.with_context(|| format!("screenshot {}", shot.display()))?;
    Ok(value)
}

/// A headless Chromium session.
pub struct Browser {
    client: Option<Client>,
    driver: Child,
    /// The window's width in CSS pixels.
    width: u32,
}

impl Browser {
    /// Starts chromedriver on a free loopback port and opens a session in a
    /// fresh profile. `width` is the window's width in CSS pixels.
    pub async fn start(profile: &Path, width: u32) -> Result<Browser> {
        for tool in [CHROMIUM, CHROMEDRIVER] {
            if !Path::new(tool).exists() {
                bail!(
                    "{tool} is missing: scripts/test installs Debian's chromium and chromium-driver"
                );
            }
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .context("could not start chromedriver")?;
        let mut browser = Browser {
            client: None,
            driver,
            width,
        };
        let _ = std::fs::remove_dir_all(profile);
        let mut capabilities = serde_json::Map::new();
        let mut options = serde_json::json!({
            "binary": CHROMIUM,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                format!("--user-data-dir={}", profile.display()),
                format!("--window-size={},900", width.max(PHONE_BELOW)),
            ],
        });
        if width < PHONE_BELOW {
            // Headless windows are at least 500 px wide; a phone's viewport
            // is emulated instead.
            options["mobileEmulation"] = serde_json::json!({
                "deviceMetrics": { "width": width, "height": 740, "pixelRatio": 2.0 },
            });
        }
        capabilities.insert("goog:chromeOptions".into(), options);
        let url = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        let client = loop {
            let connected =
                ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                    .capabilities(capabilities.clone())
                    .connect(&url)
                    .await;
            match connected {
                Ok(client) => break client,
                Err(err) if started.elapsed() > Duration::from_secs(20) => {
                    bail!("could not open a browser session: {err}")
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        };
        browser.client = Some(client);
        Ok(browser)
    }

    fn client(&self) -> Result<&Client> {
        self.client.as_ref().context("the browser is closed")
    }

    /// Opens a page.
    pub async fn goto(&self, url: &str) -> Result<()> {
        Ok(self.client()?.goto(url).await?)
    }

    /// Clicks the element with this id.
    pub async fn click(&self, id: &str) -> Result<()> {
        Ok(self.client()?.find(Locator::Id(id)).await?.click().await?)
    }

    /// Types into the element with this id.
    pub async fn type_into(&self, id: &str, text: &str) -> Result<()> {
        Ok(self
            .client()?
            .find(Locator::Id(id))
            .await?
            .send_keys(text)
            .await?)
    }

    /// The text of the element with this id.
    pub async fn text(&self, id: &str) -> Result<String> {
        Ok(self.client()?.find(Locator::Id(id)).await?.text().await?)
    }

    /// Presses keys on the page (the game listens on the window).
    pub async fn press(&self, keys: &str) -> Result<()> {
        Ok(self
            .client()?
            .find(Locator::Css("body"))
            .await?
            .send_keys(keys)
            .await?)
    }

    /// Presses keys on whatever has the keyboard's focus (Tab moves it).
    pub async fn press_focused(&self, keys: &str) -> Result<()> {
        Ok(self
            .client()?
            .active_element()
            .await?
            .send_keys(keys)
            .await?)
    }

    /// The id of the element with the keyboard's focus.
    pub async fn focused(&self) -> Result<String> {
        let id = self
            .eval("return document.activeElement ? document.activeElement.id : '';")
            .await?;
        Ok(id.as_str().unwrap_or_default().to_string())
    }

    /// An attribute of `#status`, where the page exposes its state.
    pub async fn status(&self, attribute: &str) -> Result<String> {
        Ok(self
            .client()?
            .find(Locator::Id("status"))
            .await?
            .attr(attribute)
            .await?
            .unwrap_or_default())
    }

    /// Waits until `#status` has `attribute` satisfying `ok`, polling.
    pub async fn wait_status(
        &self,
        attribute: &str,
        ok: impl Fn(&str) -> bool,
        within: Duration,
    ) -> Result<String> {
        let what = format!("#status {attribute}");
        wait_until(&what, async || self.status(attribute).await, ok, within).await
    }

    /// Runs `script` (a function body that may `return` a value) in the
    /// page and gives its result.
    pub async fn eval(&self, script: &str) -> Result<serde_json::Value> {
        Ok(self.client()?.execute(script, Vec::new()).await?)
    }

    /// Checks the game board: its canvas has as many pixels as it covers
    /// on screen times the device's pixel ratio (nothing blurry), and the
    /// line saying whose turn it is sits in a polite live region.
    pub async fn board_is_sharp_and_announced(&self) -> Result<()> {
        let board = self
            .eval(
                "const c = document.getElementById('board');
                 return [c.width, c.height, Math.round(c.clientWidth * devicePixelRatio), devicePixelRatio];",
            )
            .await?;
        ensure!(
            board[0] == board[2] && board[0].as_u64().map(|w| w / 2) == board[1].as_u64(),
            "the board's canvas [width, height, on-screen pixels, pixel ratio] is {board}"
        );
        let turn = self
            .eval(
                "const t = document.getElementById('turn');
                 return [t.getAttribute('role'), t.getAttribute('aria-live'), t.textContent];",
            )
            .await?;
        ensure!(
            turn[0] == "status"
                && turn[1] == "polite"
                && turn[2].as_str().is_some_and(|t| t.ends_with("turn")),
            "the turn line [role, aria-live, text] is {turn}"
        );
        Ok(())
    }

    /// Waits until the text of the element `id` satisfies `ok`, polling.
    pub async fn wait_text(
        &self,
        id: &str,
        ok: impl Fn(&str) -> bool,
        within: Duration,
    ) -> Result<String> {
        wait_until(&format!("#{id}"), async || self.text(id).await, ok, within).await
    }

    /// Saves a screenshot of the screen shown now as
    /// `target/e2e/screens/{name}.png`, or `{name}-360px.png` (its width)
    /// on a phone-sized window.
    pub async fn shot(&self, name: &str) -> Result<()> {
        let name = sized_name(name, self.width);
        let path = crate::repo_root().join(format!("target/e2e/screens/{name}.png"));
        self.screenshot(&path).await
    }

    /// Saves a screenshot (PNG).
    pub async fn screenshot(&self, path: &Path) -> Result<()> {
        let png = self.client()?.screenshot().await?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, png)?;
        Ok(())
    }

    /// Ends the session and stops chromedriver and Chromium.
    pub async fn close(mut self) {
        if let Some(client) = self.client.take() {
            let _ = client.close().await;
        }
        self.stop();
    }

    fn stop(&mut self) {
        if let Ok(pid) = i32::try_from(self.driver.id()) {
            let _ = killpg(Pid::from_raw(pid), Signal::SIGKILL);
        }
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Reads `what` with `read` until its value satisfies `ok`, polling; fails
/// with the last value after `within`.
async fn wait_until(
    what: &str,
    read: impl AsyncFn() -> Result<String>,
    ok: impl Fn(&str) -> bool,
    within: Duration,
) -> Result<String> {
    let started = Instant::now();
    loop {
        let value = read().await?;
        if ok(&value) {
            return Ok(value);
        }
        if started.elapsed() > within {
            bail!("{what} is {value:?} after {within:?}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
