//! The browser game: a thin shell around the client session, for every
//! game Volley hosts.
//!
//! Screens are `<section>` elements in `client/web/index.html`; this module
//! shows one at a time and draws the game every animation frame. The
//! element `#status` carries the state as data attributes (`data-screen`,
//! `data-game`, `data-seat`, `data-my-turn`, `data-seq`, `data-outcome`,
//! `data-connection`, `data-connects`, `data-rating`, `data-room`, and
//! `data-first-frame-ms`, when the page first painted, and `data-sounds`,
//! the sound effects played) for
//! people and for the browser tests, which wait on them instead of
//! sleeping.
//!
//! - this file: starting the page, its state, screens, status and drawing.
//! - [`lobby`]: the ticket socket, private rooms, spectating, the guest
//!   identity and the rating after a game.
//! - [`home`]: the home screen's live panel (counts, live games,
//!   leaderboards, the player's ratings and chart).
//! - [`room`]: the room socket (with reconnection), its frames, replays.
//! - [`play`]: the game being shown, of whichever kind; [`artillery`] and
//!   [`connect4`] are each game's screen ([`ui::GameUi`]), drawn by
//!   [`draw`] and [`board`].
//! - [`http`], [`socket`]: the Worker's JSON routes and a binary WebSocket.

mod artillery;
mod board;
mod connect4;
mod draw;
mod home;
mod http;
mod lobby;
mod palette;
mod play;
mod room;
mod socket;
mod sound;
mod ui;

use crate::lobby::Matched;
use crate::wire::Inbox;
use play::Play;
use socket::Socket;
use std::cell::RefCell;
use std::rc::Rc;
use volley_shared::protocol::PROTOCOL_VERSION;
use volley_shared::{GameKind, Mode, Outcome};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{
    CanvasRenderingContext2d, Document, HtmlCanvasElement, HtmlElement, HtmlInputElement,
    KeyboardEvent, PointerEvent,
};

/// The build this page was made from (`scripts/build-web` bakes it in).
const BUILD: &str = match option_env!("VOLLEY_BUILD") {
    Some(build) => build,
    None => "dev",
};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Screen {
    Home,
    Queue,
    Game,
    Over,
}

impl Screen {
    fn id(self) -> &'static str {
        match self {
            Screen::Home => "home",
            Screen::Queue => "queue",
            Screen::Game => "game",
            Screen::Over => "over",
        }
    }
}

struct State {
    screen: Screen,
    ticket: Option<Socket>,
    room: Option<Socket>,
    matched: Option<Matched>,
    /// The game being shown.
    play: Play,
    /// What the ticket socket has read (its answer, then lobby frames).
    ticket_inbox: Inbox,
    /// What the room socket has read (its answer, then room frames).
    room_inbox: Inbox,
    queued_ms: f64,
    reconnects: u32,
    connection: &'static str,
    /// How many times a room socket has opened (1, then one more per
    /// reconnection).
    connects: u32,
    /// This browser's guest identity (player id, token), kept in
    /// localStorage so ratings follow the player.
    guest: Option<(String, String)>,
    /// Whether the guest identity is being asked for.
    guest_pending: bool,
    /// The mode of the game being played.
    mode: Mode,
    /// The rating after the last game, once known.
    rating: String,
    /// The mode whose leaderboard the home screen shows.
    board_mode: Mode,
    /// Sound effects, off unless chosen.
    sound: sound::Sound,
    /// Whether the game screen shows a replay (Fire and the help give way
    /// to the replay's speed).
    replaying: bool,
    /// How many times faster than real time replays play.
    replay_speed: i32,
    /// Players' ratings as first read for the live games, by player id
    /// and mode (`None`: not yet rated); kept for the page's life, so each
    /// player is asked for once.
    ratings_seen: std::collections::BTreeMap<(String, Mode), Option<f64>>,
}

/// The page.
#[derive(Clone)]
struct App {
    state: Rc<RefCell<State>>,
    document: Document,
}

/// Starts the game when the page loads.
#[wasm_bindgen(start)]
pub fn start() -> Result<(), JsValue> {
    let window = web_sys::window().ok_or("no window")?;
    let document = window.document().ok_or("no document")?;
    let app = App {
        state: Rc::new(RefCell::new(State {
            screen: Screen::Home,
            ticket: None,
            room: None,
            matched: None,
            play: Play::new(GameKind::Artillery),
            ticket_inbox: Inbox::new(),
            room_inbox: Inbox::new(),
            queued_ms: 0.0,
            reconnects: 0,
            connection: "idle",
            connects: 0,
            guest: None,
            guest_pending: false,
            mode: Mode::Duel,
            rating: String::new(),
            board_mode: Mode::Duel,
            sound: sound::Sound::load(),
            replaying: false,
            replay_speed: 1,
            ratings_seen: std::collections::BTreeMap::new(),
        })),
        document,
    };
    for (button, mode) in [
        ("play-duel", Mode::Duel),
        ("play-ffa3", Mode::Ffa3),
        ("play-ffa4", Mode::Ffa4),
        ("play-connect4", Mode::ConnectFour),
    ] {
        let app = app.clone();
        app.clone().on_click(button, move || app.find_match(mode))?;
    }
    for (button, mode) in [
        ("create-private", Mode::Duel),
        ("create-private-connect4", Mode::ConnectFour),
    ] {
        let app = app.clone();
        app.clone()
            .on_click(button, move || app.clone().spawn_private(mode, None))?;
    }
    {
        let app = app.clone();
        app.clone().on_click("cancel", move || app.go_home())?;
    }
    {
        let clicked = app.clone();
        app.clone().on_click("sound", move || {
            let on = clicked.state.borrow_mut().sound.toggle();
            clicked.show_sound(on);
        })?;
        let on = app.state.borrow().sound.is_on();
        app.show_sound(on);
    }
    for mode in Mode::ALL {
        let app = app.clone();
        app.clone()
            .on_click(&format!("board-{}", mode.as_str()), move || {
                app.clone().choose_board(mode);
            })?;
    }
    {
        let app = app.clone();
        app.clone().on_click("join-code", move || {
            let code = app.input("code");
            app.clone().spawn_private(Mode::Duel, Some(code));
        })?;
    }
    {
        let app = app.clone();
        app.clone().on_click("fire", move || {
            app.on_key(" ", false);
        })?;
    }
    app.wire_pointer()?;
    {
        let app = app.clone();
        app.clone().on_click("again", move || app.go_home())?;
    }
    {
        let app = app.clone();
        app.clone()
            .on_click("watch-replay", move || app.clone().spawn_replay())?;
    }
    {
        let app = app.clone();
        app.clone()
            .on_click("replay-speed", move || app.faster_replay())?;
    }
    {
        let app = app.clone();
        let on_key = Closure::<dyn FnMut(KeyboardEvent)>::new(move |e: KeyboardEvent| {
            // A focused button, link or field keeps its own keys.
            if !app.focus_in_a_control() && app.on_key(&e.key(), e.shift_key()) {
                e.prevent_default();
            }
        });
        window.add_event_listener_with_callback("keydown", on_key.as_ref().unchecked_ref())?;
        on_key.forget();
    }
    app.clone().spawn_guest();
    app.clone().spawn_home_panel();
    app.set_text("build", &format!("build {BUILD}"));
    app.show(Screen::Home);
    // Links: `?join=CODE` fills in the code; `?watch=ROOM` spectates.
    let search = window.location().search().unwrap_or_default();
    let params = web_sys::UrlSearchParams::new_with_str(&search)?;
    if let Some(code) = params.get("join")
        && let Some(input) = app
            .document
            .get_element_by_id("code")
            .and_then(|e| e.dyn_into::<HtmlInputElement>().ok())
    {
        input.set_value(&code);
    }
    if let Some(room) = params.get("watch") {
        app.clone().spawn_watch(room);
    }
    app.animate();
    // The first frame painted, in ms since navigation began: the cold-load
    // figure the browser tests report (BENCHMARKS.md).
    let painted = app.clone();
    let first_frame = Closure::once_into_js(move || {
        let since_navigation = web_sys::window()
            .and_then(|w| w.performance())
            .map_or(0.0, |p| p.now());
        if let Some(status) = painted.element("status") {
            let _ = status.set_attribute("data-first-frame-ms", &format!("{since_navigation:.0}"));
        }
    });
    window.request_animation_frame(first_frame.unchecked_ref())?;
    Ok(())
}

fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// Resolves after `ms` milliseconds.
async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

impl App {
    fn element(&self, id: &str) -> Option<HtmlElement> {
        self.document.get_element_by_id(id)?.dyn_into().ok()
    }

    fn on_click(self, id: &str, action: impl Fn() + 'static) -> Result<(), JsValue> {
        let element = self.element(id).ok_or_else(|| format!("no #{id}"))?;
        let closure = Closure::<dyn FnMut()>::new(action);
        element.set_onclick(Some(closure.as_ref().unchecked_ref()));
        closure.forget();
        Ok(())
    }

    /// Shows on the sound button whether sound is on.
    fn show_sound(&self, on: bool) {
        if let Some(button) = self.element("sound") {
            let _ = button.set_attribute("aria-pressed", &on.to_string());
        }
        self.set_text("sound", if on { "Sound: on" } else { "Sound: off" });
    }

    /// Sets an element's text, only when it changes: a live region is
    /// announced again whenever its text is replaced.
    fn set_text(&self, id: &str, text: &str) {
        if let Some(element) = self.element(id)
            && element.inner_text() != text
        {
            element.set_inner_text(text);
        }
    }

    fn show(&self, screen: Screen) {
        self.state.borrow_mut().screen = screen;
        for other in [Screen::Home, Screen::Queue, Screen::Game, Screen::Over] {
            if let Some(section) = self.element(other.id()) {
                section.set_hidden(other != screen);
            }
        }
        if screen == Screen::Game {
            let (action, help) = self.state.borrow().play.labels();
            self.set_text("fire", action);
            self.set_text("help", help);
            let replaying = self.state.borrow().replaying;
            for playing_only in ["fire", "help"] {
                if let Some(element) = self.element(playing_only) {
                    element.set_hidden(replaying);
                }
            }
            if let Some(speed) = self.element("replay-speed") {
                speed.set_hidden(!replaying);
            }
        }
        // The keyboard's focus goes where the new screen is used from:
        // the board (its keys play), Cancel, Play again.
        let first = match screen {
            Screen::Home => None,
            Screen::Queue => Some("cancel"),
            Screen::Game => Some("board"),
            Screen::Over => Some("again"),
        };
        if let Some(element) = first.and_then(|id| self.element(id)) {
            let _ = element.focus();
        }
        self.update_status();
    }

    /// Mirrors the state into `#status`'s data attributes.
    fn update_status(&self) {
        let Some(status) = self.element("status") else {
            return;
        };
        let state = self.state.borrow();
        let play = &state.play;
        let outcome = match play.outcome() {
            Some(Outcome::Winner(seat)) if Some(seat) == play.seat() => "won",
            Some(Outcome::Winner(_)) => "lost",
            Some(Outcome::Draw) => "draw",
            None => "",
        };
        let game = state.matched.as_ref().map_or("", |m| m.game.as_str());
        let attributes = [
            ("data-screen", state.screen.id().to_string()),
            ("data-game", game.to_string()),
            (
                "data-seat",
                play.seat().map_or(String::new(), |seat| seat.0.to_string()),
            ),
            ("data-my-turn", play.my_turn().to_string()),
            ("data-seq", play.last_seq().to_string()),
            ("data-outcome", outcome.to_string()),
            ("data-connection", state.connection.to_string()),
            ("data-rating", state.rating.clone()),
            ("data-connects", state.connects.to_string()),
            ("data-sounds", state.sound.played.to_string()),
            (
                "data-room",
                state
                    .matched
                    .as_ref()
                    .map_or(String::new(), |m| m.room.0.clone()),
            ),
        ];
        for (name, value) in attributes {
            let _ = status.set_attribute(name, &value);
        }
    }

    fn ws_url(&self, path: &str) -> String {
        let location = self.document.location();
        let host = location
            .as_ref()
            .and_then(|l| l.host().ok())
            .unwrap_or_default();
        let secure = location
            .and_then(|l| l.protocol().ok())
            .is_some_and(|p| p == "https:");
        format!("{}://{host}{path}", if secure { "wss" } else { "ws" })
    }

    fn input(&self, id: &str) -> String {
        self.document
            .get_element_by_id(id)
            .and_then(|e| e.dyn_into::<HtmlInputElement>().ok())
            .map(|input| input.value())
            .unwrap_or_default()
    }

    /// The name typed (or "player"), as the server will show it; `None`,
    /// with the reason on the home screen, when the server would refuse it.
    fn player_name(&self) -> Option<String> {
        let typed = self.input("name");
        let typed = if typed.trim().is_empty() {
            "player".into()
        } else {
            typed
        };
        match volley_shared::names::normalise(&typed) {
            Ok(name) => Some(name),
            Err(err) => {
                self.set_text("home-error", &format!("That name won't do: {err}."));
                None
            }
        }
    }

    /// The server says this page is too old for it (after a deployment):
    /// load the page again, which brings the new build. At most once a
    /// minute, so a page that keeps meeting an old server does not spin.
    fn reload_if_too_old(&self, close_code: u16) -> bool {
        if close_code != volley_shared::protocol::close::CLIENT_TOO_OLD {
            return false;
        }
        let Some(window) = web_sys::window() else {
            return false;
        };
        let storage = window.session_storage().ok().flatten();
        let last = storage
            .as_ref()
            .and_then(|s| s.get_item("volley-reloaded-at").ok().flatten())
            .and_then(|t| t.parse::<f64>().ok());
        if last.is_some_and(|at| now_ms() - at < 60_000.0) {
            self.set_text(
                "home-error",
                "this page is older than the server; reload it",
            );
            return false;
        }
        if let Some(storage) = storage {
            let _ = storage.set_item("volley-reloaded-at", &now_ms().to_string());
        }
        window.location().reload().is_ok()
    }

    fn canvas(&self) -> Option<HtmlCanvasElement> {
        self.document.get_element_by_id("board")?.dyn_into().ok()
    }

    /// Canvas units per CSS pixel: the board is 1024 units wide whatever
    /// its size on screen.
    fn canvas_scale(&self) -> f64 {
        let width = self.canvas().map_or(1, |c| c.client_width().max(1));
        1024.0 / f64::from(width)
    }

    /// The pointer over the board: dragging aims, hovering picks a column,
    /// letting go drops a disc.
    fn wire_pointer(&self) -> Result<(), JsValue> {
        let canvas = self.element("board").ok_or("no #board")?;
        for event in ["pointerdown", "pointermove", "pointerup"] {
            let app = self.clone();
            let released = event == "pointerup";
            let on_pointer = Closure::<dyn FnMut(PointerEvent)>::new(move |e: PointerEvent| {
                let pressed = e.buttons() != 0;
                if pressed || released {
                    e.prevent_default();
                }
                let scale = app.canvas_scale();
                let (x, y) = (
                    f64::from(e.offset_x()) * scale,
                    f64::from(e.offset_y()) * scale,
                );
                app.on_pointer(x, y, pressed, released);
            });
            canvas.add_event_listener_with_callback(event, on_pointer.as_ref().unchecked_ref())?;
            on_pointer.forget();
        }
        Ok(())
    }

    fn on_pointer(&self, x: f64, y: f64, pressed: bool, released: bool) {
        let mut state = self.state.borrow_mut();
        if state.screen != Screen::Game {
            return;
        }
        let version = state.room_inbox.version().unwrap_or(PROTOCOL_VERSION);
        if let Some(bytes) = state
            .play
            .on_pointer((x, y), pressed, released, version, now_ms())
            && let Some(room) = &state.room
        {
            room.send_bytes(&bytes);
        }
        drop(state);
        self.update_status();
    }

    /// Whether the keyboard's focus is on a button, link or field.
    fn focus_in_a_control(&self) -> bool {
        self.document.active_element().is_some_and(|focused| {
            matches!(
                focused.tag_name().as_str(),
                "BUTTON" | "A" | "INPUT" | "SELECT" | "TEXTAREA"
            )
        })
    }

    /// A key on the game screen. Returns whether the key was used.
    fn on_key(&self, key: &str, fast: bool) -> bool {
        let mut state = self.state.borrow_mut();
        if state.screen != Screen::Game {
            return false;
        }
        let used = matches!(
            key,
            "ArrowLeft" | "ArrowRight" | "ArrowUp" | "ArrowDown" | " " | "Enter"
        );
        let version = state.room_inbox.version().unwrap_or(PROTOCOL_VERSION);
        if let Some(bytes) = state.play.on_key(key, fast, version, now_ms())
            && let Some(room) = &state.room
        {
            room.send_bytes(&bytes);
        }
        drop(state);
        self.update_status();
        used
    }

    /// Draws a frame and asks for the next one.
    fn animate(&self) {
        self.draw();
        let app = self.clone();
        let next = Closure::once_into_js(move || app.animate());
        if let Some(window) = web_sys::window() {
            let _ = window.request_animation_frame(next.unchecked_ref());
        }
    }

    fn draw(&self) {
        let Some(canvas) = self.canvas() else {
            return;
        };
        let Some(ctx) = context_2d(&canvas) else {
            return;
        };
        let mut state = self.state.borrow_mut();
        if state.screen == Screen::Queue {
            let waited = ((now_ms() - state.queued_ms) / 1000.0).floor();
            drop(state);
            self.set_text("queue-time", &format!("{waited} s"));
            return;
        }
        if state.screen != Screen::Game {
            return;
        }
        let text_scale = self.canvas_scale().clamp(1.0, 3.0);
        fit_to_screen(&canvas, &ctx);
        let (turn, details) = state.play.draw(&ctx, text_scale, now_ms());
        drop(state);
        self.set_text("turn", &turn);
        self.set_text("hud-details", &details);
    }
}

/// Gives the canvas as many pixels as it covers on screen times the
/// device's pixel ratio (so nothing is blurry on a phone or a high-density
/// screen), and maps the board's 1024 × 512 units onto them.
fn fit_to_screen(canvas: &HtmlCanvasElement, ctx: &CanvasRenderingContext2d) {
    let ratio = web_sys::window()
        .map_or(1.0, |w| w.device_pixel_ratio())
        .clamp(1.0, 4.0);
    let on_screen = f64::from(canvas.client_width().max(1));
    let width = ((on_screen * ratio).round() as u32).clamp(256, 4096);
    if canvas.width() != width {
        canvas.set_width(width);
        canvas.set_height(width / 2);
    }
    let scale = f64::from(canvas.width()) / 1024.0;
    let _ = ctx.set_transform(scale, 0.0, 0.0, scale, 0.0, 0.0);
}

/// A canvas's 2D drawing context.
fn context_2d(canvas: &HtmlCanvasElement) -> Option<CanvasRenderingContext2d> {
    canvas
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into().ok())
}
