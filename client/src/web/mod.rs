//! The browser game: a thin shell around [`GameSession`] and [`lobby`].
//!
//! Screens are `<section>` elements in `client/web/index.html`; this module
//! shows one at a time, opens the ticket and room sockets, turns keys into
//! aims and shots, and draws the game every animation frame. The element
//! `#status` carries the state as data attributes (`data-screen`,
//! `data-my-turn`, `data-seq`, `data-outcome`, `data-connection`,
//! `data-connects`, `data-rating`, `data-room`) for people
//! and for the browser tests, which wait on them instead of sleeping.

mod draw;
mod http;
mod socket;

use crate::lobby::{self, LobbyUpdate, Matched};
use crate::session::{GameSession, Update};
use crate::wire::Inbox;
use draw::Overlay;
use glam::Vec2;
use socket::{Socket, SocketEvent};
use std::cell::RefCell;
use std::rc::Rc;
use volley_shared::api::{Guest, PlayerModes, START_RATING, SeatGrant, SpectatorGrant};
use volley_shared::artillery::{
    Aim, Artillery, ArtilleryEvent, Fire, MAX_ANGLE, MAX_POWER, Weapon, fly_path,
};
use volley_shared::protocol::{LobbyServerFrame, RoomServerFrame, close};
use volley_shared::replay::Replay;
use volley_shared::{Game, GameKind, Mode, Outcome, Seat, codec};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{
    CanvasRenderingContext2d, Document, HtmlCanvasElement, HtmlElement, HtmlInputElement,
    KeyboardEvent, PointerEvent,
};

/// How long a shot takes on screen.
const SHOT_MS: f64 = 1_200.0;
/// Time between two events of a replay.
const REPLAY_STEP_MS: i32 = 800;
/// Live aims go out at most this often.
const LIVE_EVERY_MS: f64 = 100.0;

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

/// The room frames this page reads (it plays artillery).
type ServerFrame = RoomServerFrame<Artillery>;

/// "rating 1516 (+16)" from a player's records, once it has a game.
fn rating_text(modes: &PlayerModes) -> Option<String> {
    let record = modes.modes.first()?;
    let previous = record
        .recent
        .get(1)
        .map_or(START_RATING, |m| m.rating_after);
    Some(format!(
        "rating {:.0} ({:+.0})",
        record.rating,
        record.rating - previous
    ))
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

/// A shot being drawn: the state from before it, and its path.
struct Animation {
    before: Artillery,
    path: Vec<Vec2>,
    /// The explosion at the end: centre and radius.
    blast: Option<(Vec2, f32)>,
    started_ms: f64,
}

struct State {
    screen: Screen,
    ticket: Option<Socket>,
    room: Option<Socket>,
    matched: Option<Matched>,
    session: GameSession<Artillery>,
    /// What the ticket socket has read (its answer, then lobby frames).
    ticket_inbox: Inbox<LobbyServerFrame>,
    /// What the room socket has read (its answer, then room frames).
    room_inbox: Inbox<ServerFrame>,
    aim: Fire,
    live_sent_ms: f64,
    others: Vec<(Seat, Fire)>,
    animation: Option<Animation>,
    queued_ms: f64,
    reconnects: u32,
    connection: &'static str,
    /// How many times a room socket has opened (1, then one more per
    /// reconnection).
    connects: u32,
    /// This browser's guest identity (player id, token), kept in
    /// localStorage so ratings follow the player.
    guest: Option<(String, String)>,
    /// The mode of the game being played.
    mode: Mode,
    /// The rating after the last game, once known.
    rating: String,
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
            session: GameSession::new(),
            ticket_inbox: Inbox::new(),
            room_inbox: Inbox::new(),
            aim: Fire {
                aim: Aim {
                    angle_deg: 45,
                    power: 60,
                },
                weapon: Weapon::Shell,
            },
            live_sent_ms: 0.0,
            others: Vec::new(),
            animation: None,
            queued_ms: 0.0,
            reconnects: 0,
            connection: "idle",
            connects: 0,
            guest: None,
            mode: Mode::Duel,
            rating: String::new(),
        })),
        document,
    };
    for (button, mode) in [
        ("play-duel", Mode::Duel),
        ("play-ffa3", Mode::Ffa3),
        ("play-ffa4", Mode::Ffa4),
    ] {
        let app = app.clone();
        app.clone().on_click(button, move || app.find_match(mode))?;
    }
    {
        let app = app.clone();
        app.clone().on_click("cancel", move || app.go_home())?;
    }
    {
        let app = app.clone();
        app.clone()
            .on_click("create-private", move || app.clone().spawn_private(None))?;
    }
    {
        let app = app.clone();
        app.clone().on_click("join-code", move || {
            let code = app.input("code");
            app.clone().spawn_private(Some(code));
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
        let on_key = Closure::<dyn FnMut(KeyboardEvent)>::new(move |e: KeyboardEvent| {
            if app.on_key(&e.key(), e.shift_key()) {
                e.prevent_default();
            }
        });
        window.add_event_listener_with_callback("keydown", on_key.as_ref().unchecked_ref())?;
        on_key.forget();
    }
    app.clone().spawn_guest();
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
    Ok(())
}

fn now_ms() -> f64 {
    js_sys::Date::now()
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

    fn set_text(&self, id: &str, text: &str) {
        if let Some(element) = self.element(id) {
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
        self.update_status();
    }

    /// Mirrors the state into `#status`'s data attributes.
    fn update_status(&self) {
        let Some(status) = self.element("status") else {
            return;
        };
        let state = self.state.borrow();
        let outcome = match state.session.outcome() {
            Some(Outcome::Winner(seat)) if Some(seat) == state.session.seat() => "won",
            Some(Outcome::Winner(_)) => "lost",
            Some(Outcome::Draw) => "draw",
            None => "",
        };
        let attributes = [
            ("data-screen", state.screen.id().to_string()),
            ("data-my-turn", state.session.my_turn().to_string()),
            ("data-seq", state.session.last_seq().to_string()),
            ("data-outcome", outcome.to_string()),
            ("data-connection", state.connection.to_string()),
            ("data-rating", state.rating.clone()),
            ("data-connects", state.connects.to_string()),
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

    fn player_name(&self) -> String {
        let name = self.input("name");
        if name.trim().is_empty() {
            "player".into()
        } else {
            name
        }
    }

    /// Creates a private duel (`code` is `None`) or joins one by its code.
    fn spawn_private(self, code: Option<String>) {
        wasm_bindgen_futures::spawn_local(async move {
            let name = js_sys::encode_uri_component(&self.player_name());
            let guest = self.guest_param();
            self.state.borrow_mut().mode = Mode::Duel;
            let path = match &code {
                None => format!("/api/rooms?mode=duel&name={name}{guest}"),
                Some(code) => format!(
                    "/api/rooms/join?code={}&name={name}{guest}",
                    js_sys::encode_uri_component(code.trim())
                ),
            };
            match http::post::<SeatGrant>(&path).await {
                Ok(grant) => {
                    let invite = Some(grant.code.clone()).filter(|_| code.is_none());
                    let matched = Matched::from(grant);
                    self.state.borrow_mut().session = GameSession::new();
                    self.join(matched);
                    self.show_invite(invite.as_deref());
                }
                Err(message) => self.set_text("home-error", &message),
            }
        });
    }

    /// Plays the last game again from its replay (seed, roster and action
    /// log), through the same frames a spectator would get.
    fn spawn_replay(self) {
        let Some(room) = self.state.borrow().matched.as_ref().map(|m| m.room.clone()) else {
            return;
        };
        wasm_bindgen_futures::spawn_local(async move {
            let replayed = http::get::<Replay<Artillery>>(&format!("/api/rooms/{room}/replay"))
                .await
                .and_then(|replay| {
                    let start = Artillery::new(
                        &replay.config,
                        replay.seed,
                        u8::try_from(replay.names.len()).unwrap_or(0),
                    )
                    .map_err(|e| e.to_string())?;
                    let (game, events) = replay.run().map_err(|e| e.to_string())?;
                    Ok((replay.names, start, game, events))
                });
            let (names, start, game, events) = match replayed {
                Ok(replayed) => replayed,
                Err(message) => {
                    self.set_text("rating", &format!("no replay: {message}"));
                    return;
                }
            };
            {
                let mut state = self.state.borrow_mut();
                state.session = GameSession::new();
                state.others.clear();
                let _ = state.session.on_frame(ServerFrame::Welcome {
                    role: volley_shared::Role::Spectator,
                    seq: 0,
                    names,
                    waiting: false,
                    view: start,
                    deadline_ms: None,
                });
            }
            self.show(Screen::Game);
            for (i, event) in events.into_iter().enumerate() {
                sleep_ms(REPLAY_STEP_MS).await;
                self.on_room_frame(ServerFrame::Event {
                    seq: i as u64 + 1,
                    event,
                    deadline_ms: None,
                });
                self.update_status();
            }
            sleep_ms(REPLAY_STEP_MS).await;
            if let Some(outcome) = game.outcome {
                let seq = self.state.borrow().session.last_seq();
                self.on_room_frame(ServerFrame::GameOver { outcome, seq });
            }
        });
    }

    /// Watches a room as a spectator.
    fn spawn_watch(self, room: String) {
        wasm_bindgen_futures::spawn_local(async move {
            let path = format!(
                "/api/rooms/{}/spectate",
                js_sys::encode_uri_component(&room)
            );
            match http::post::<SpectatorGrant>(&path).await {
                Ok(grant) => {
                    self.state.borrow_mut().session = GameSession::new();
                    self.join(Matched {
                        room: grant.room,
                        game: grant.game,
                        seat: Seat(0),
                        token: grant.token,
                    });
                }
                Err(message) => self.set_text("home-error", &message),
            }
        });
    }

    fn show_invite(&self, code: Option<&str>) {
        let Some(invite) = self.element("invite") else {
            return;
        };
        invite.set_hidden(code.is_none());
        if let Some(code) = code {
            self.set_text("invite-code", code);
            let origin = self
                .document
                .location()
                .and_then(|l| l.origin().ok())
                .unwrap_or_default();
            let link = format!("{origin}/?join={code}");
            if let Some(anchor) = self.document.get_element_by_id("invite-link") {
                let _ = anchor.set_attribute("href", &link);
                anchor.set_text_content(Some(&link));
            }
        }
    }

    /// Dragging on the board aims from my tank towards the pointer: the
    /// direction is the angle, the distance the power.
    fn wire_pointer(&self) -> Result<(), JsValue> {
        let canvas = self.element("board").ok_or("no #board")?;
        let app = self.clone();
        let on_pointer = Closure::<dyn FnMut(PointerEvent)>::new(move |e: PointerEvent| {
            if e.buttons() == 0 {
                return;
            }
            e.prevent_default();
            app.aim_at(f64::from(e.offset_x()), f64::from(e.offset_y()));
        });
        for event in ["pointerdown", "pointermove"] {
            canvas.add_event_listener_with_callback(event, on_pointer.as_ref().unchecked_ref())?;
        }
        on_pointer.forget();
        Ok(())
    }

    fn aim_at(&self, offset_x: f64, offset_y: f64) {
        let Some(canvas) = self.element("board") else {
            return;
        };
        let width = f64::from(canvas.client_width().max(1));
        let scale = f64::from(volley_shared::artillery::WORLD_WIDTH) / width;
        let (x, y) = (
            offset_x * scale,
            f64::from(volley_shared::artillery::WORLD_HEIGHT) - offset_y * scale,
        );
        {
            let mut state = self.state.borrow_mut();
            let Some(tank) = state
                .session
                .seat()
                .and_then(|seat| state.session.state()?.tank(seat).cloned())
            else {
                return;
            };
            let (dx, dy) = (x - f64::from(tank.x), (y - f64::from(tank.y)).max(0.0));
            let angle = dy.atan2(dx).to_degrees().clamp(0.0, f64::from(MAX_ANGLE));
            let power = ((dx * dx + dy * dy).sqrt() / 3.0).clamp(0.0, f64::from(MAX_POWER));
            state.aim.aim = Aim {
                angle_deg: angle.round() as u16,
                power: power.round() as u16,
            };
        }
        // Sends the live aim like a key would.
        self.on_key("Aim", false);
    }

    /// `&guest=TOKEN` for the Worker, when this browser has a guest identity.
    fn guest_param(&self) -> String {
        self.state
            .borrow()
            .guest
            .as_ref()
            .map_or(String::new(), |(_, token)| {
                format!("&guest={}", js_sys::encode_uri_component(token))
            })
    }

    /// Loads this browser's guest identity, or asks the Worker for one.
    fn spawn_guest(self) {
        let storage = web_sys::window().and_then(|w| w.local_storage().ok().flatten());
        let stored = storage.as_ref().and_then(|s| {
            Some((
                s.get_item("volley-guest-player").ok()??,
                s.get_item("volley-guest-token").ok()??,
            ))
        });
        if let Some(guest) = stored {
            self.state.borrow_mut().guest = Some(guest);
            return;
        }
        wasm_bindgen_futures::spawn_local(async move {
            let Ok(Guest { player, token }) = http::post::<Guest>("/api/guests").await else {
                return;
            };
            if let Some(storage) = storage {
                let _ = storage.set_item("volley-guest-player", &player);
                let _ = storage.set_item("volley-guest-token", &token);
            }
            self.state.borrow_mut().guest = Some((player, token));
        });
    }

    /// Shows the rating the coordinator gave after the game (the room
    /// reports the result a moment after the last event).
    fn spawn_rating(self) {
        let (player, mode) = {
            let state = self.state.borrow();
            match &state.guest {
                Some((player, _)) => (player.clone(), state.mode),
                None => return,
            }
        };
        wasm_bindgen_futures::spawn_local(async move {
            for _ in 0..10 {
                let path = format!("/api/players/{player}?mode={}", mode.as_str());
                if let Ok(modes) = http::get::<PlayerModes>(&path).await
                    && let Some(text) = rating_text(&modes)
                {
                    self.set_text("rating", &text);
                    self.state.borrow_mut().rating = text;
                    self.update_status();
                    return;
                }
                sleep_ms(500).await;
            }
        });
    }

    fn find_match(&self, mode: Mode) {
        let name = self.player_name();
        self.state.borrow_mut().mode = mode;
        let url = self.ws_url(&format!(
            "/api/matchmake?mode={}{}",
            mode.as_str(),
            self.guest_param()
        ));
        let app = self.clone();
        let handler = move |event| app.on_ticket(event, mode, &name);
        match Socket::open(&url, handler) {
            Ok(ticket) => {
                let mut state = self.state.borrow_mut();
                state.ticket = Some(ticket);
                state.queued_ms = now_ms();
                state.session = GameSession::new();
            }
            Err(_) => self.set_text("queue-text", "could not reach the server"),
        }
        self.set_text(
            "queue-text",
            &format!("Looking for a {} match…", mode.as_str()),
        );
        self.show(Screen::Queue);
    }

    fn on_ticket(&self, event: SocketEvent, mode: Mode, name: &str) {
        match event {
            SocketEvent::Open => {
                let mut state = self.state.borrow_mut();
                state.ticket_inbox = Inbox::new();
                if let (Some(ticket), Ok(bytes)) = (
                    &state.ticket,
                    codec::encode_opening(&lobby::find_match(mode, name)),
                ) {
                    ticket.send_bytes(&bytes);
                }
            }
            SocketEvent::Bytes(bytes) => {
                let read = self.state.borrow_mut().ticket_inbox.read(&bytes);
                match read.and_then(|frame| frame.map(lobby::on_frame).transpose()) {
                    Ok(Some(LobbyUpdate::Matched(matched))) => self.join(matched),
                    Ok(_) => {}
                    Err(err) => self.set_text("queue-text", &err.to_string()),
                }
            }
            SocketEvent::Closed(_) => {}
        }
    }

    fn go_home(&self) {
        self.show_invite(None);
        {
            let mut state = self.state.borrow_mut();
            if let Some(ticket) = state.ticket.take() {
                ticket.close();
            }
            if let Some(room) = state.room.take() {
                room.close();
            }
            state.matched = None;
            state.connection = "idle";
        }
        self.show(Screen::Home);
    }

    fn join(&self, matched: Matched) {
        if matched.game != GameKind::Artillery {
            self.set_text(
                "home-error",
                &format!("{} is not playable in this page yet", matched.game),
            );
            self.show(Screen::Home);
            return;
        }
        {
            let mut state = self.state.borrow_mut();
            state.ticket = None;
            state.matched = Some(matched);
            state.reconnects = 0;
            state.connects = 0;
        }
        self.connect_room();
        self.show(Screen::Game);
    }

    /// Opens the room socket; `Hello` carries the last event seen, so a
    /// reconnect resumes where the game was.
    fn connect_room(&self) {
        let Some(matched) = self.state.borrow().matched.clone() else {
            return;
        };
        let url = self.ws_url(&format!("/api/rooms/{}/ws", matched.room));
        let app = self.clone();
        let socket = Socket::open(&url, move |event| app.on_room(event));
        let mut state = self.state.borrow_mut();
        state.connection = "connecting";
        state.room = socket.ok();
    }

    fn on_room(&self, event: SocketEvent) {
        match event {
            SocketEvent::Open => {
                let mut state = self.state.borrow_mut();
                state.room_inbox = Inbox::new();
                let token = state.matched.as_ref().map(|m| m.token.clone());
                if let (Some(room), Some(token)) = (&state.room, token)
                    && let Ok(bytes) = codec::encode_opening(&state.session.hello(&token))
                {
                    room.send_bytes(&bytes);
                }
                state.connection = "open";
                state.reconnects = 0;
                state.connects += 1;
            }
            SocketEvent::Bytes(bytes) => {
                let read = self.state.borrow_mut().room_inbox.read(&bytes);
                match read {
                    Ok(Some(frame)) => self.on_room_frame(frame),
                    Ok(None) => {}
                    Err(err) => web_sys::console::warn_1(&format!("room: {err}").into()),
                }
            }
            SocketEvent::Closed(code) => self.on_room_closed(code),
        }
        self.set_banner();
        self.update_status();
    }

    fn on_room_frame(&self, frame: ServerFrame) {
        let mut state = self.state.borrow_mut();
        let before = state.session.state().cloned();
        match state.session.on_frame(frame) {
            Ok(Update::Event(ArtilleryEvent::Shot(shot))) => {
                if let Some(before) = before {
                    let path = before.tank(shot.seat).map(|shooter| {
                        fly_path(
                            &before.terrain,
                            &before.tanks,
                            shooter,
                            shot.fire.aim,
                            before.wind,
                            6,
                        )
                        .1
                    });
                    state.animation = Some(Animation {
                        before,
                        path: path.unwrap_or_default(),
                        blast: shot.crater.map(|c| (Vec2::new(c.x, c.y), c.radius)),
                        started_ms: now_ms(),
                    });
                }
                state.others.clear();
            }
            Ok(Update::Event(ArtilleryEvent::TurnStarted { .. })) => state.others.clear(),
            Ok(Update::Live { seat, live: fire }) => {
                state.others.retain(|(s, _)| *s != seat);
                state.others.push((seat, fire));
            }
            Ok(Update::GameOver(outcome)) => {
                let text = match outcome {
                    Outcome::Winner(seat) if Some(seat) == state.session.seat() => {
                        "You won!".to_string()
                    }
                    Outcome::Winner(seat) => {
                        let names = state.session.names();
                        format!(
                            "{} won.",
                            names.get(seat.index()).map_or("Someone", String::as_str)
                        )
                    }
                    Outcome::Draw => "A draw.".to_string(),
                };
                if let Some(room) = state.room.take() {
                    room.close();
                }
                let played = state.session.seat().is_some();
                state.rating.clear();
                drop(state);
                self.set_text("result", &text);
                self.set_text("rating", "");
                self.show(Screen::Over);
                if played {
                    self.clone().spawn_rating();
                }
            }
            Ok(_) => {}
            Err(err) => {
                web_sys::console::warn_1(&format!("session: {err}").into());
            }
        }
    }

    /// A dropped room socket is reopened with backoff, unless the game is
    /// over or the room closed it for good.
    fn on_room_closed(&self, code: u16) {
        let delay = {
            let mut state = self.state.borrow_mut();
            state.room = None;
            let for_good = matches!(
                code,
                close::NORMAL | close::BAD_TOKEN | close::ROOM_CLOSED | close::REPLACED
            );
            if state.screen != Screen::Game || for_good {
                state.connection = "closed";
                return;
            }
            state.connection = "reconnecting";
            state.reconnects += 1;
            (250.0 * 2f64.powi(state.reconnects.min(5) as i32)).min(5_000.0)
        };
        let app = self.clone();
        let retry = Closure::once_into_js(move || app.connect_room());
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
                retry.unchecked_ref(),
                delay as i32,
            );
        }
    }

    fn set_banner(&self) {
        let connection = self.state.borrow().connection;
        if let Some(banner) = self.element("banner") {
            banner.set_hidden(connection != "reconnecting");
        }
    }

    /// Keys: arrows aim, Tab changes weapon, space fires. Returns whether
    /// the key was used.
    fn on_key(&self, key: &str, fast: bool) -> bool {
        let mut state = self.state.borrow_mut();
        if state.screen != Screen::Game {
            return false;
        }
        let step = if fast { 5 } else { 1 };
        let aim = &mut state.aim.aim;
        match key {
            "ArrowLeft" => aim.angle_deg = (aim.angle_deg + step).min(MAX_ANGLE),
            "ArrowRight" => aim.angle_deg = aim.angle_deg.saturating_sub(step),
            "ArrowUp" => aim.power = (aim.power + step).min(MAX_POWER),
            "ArrowDown" => aim.power = aim.power.saturating_sub(step),
            "Tab" => {
                let next = Weapon::ALL
                    .iter()
                    .position(|w| *w == state.aim.weapon)
                    .map_or(0, |i| (i + 1) % Weapon::ALL.len());
                state.aim.weapon = Weapon::ALL.get(next).copied().unwrap_or(Weapon::Shell);
            }
            "Aim" => {}
            " " | "Enter" => {
                let fire = state.aim;
                if state.session.my_turn()
                    && let Ok(frame) = state.session.make_move(fire)
                    && let Some(room) = &state.room
                {
                    room.send(&frame);
                }
            }
            _ => return false,
        }
        let now = now_ms();
        if state.session.my_turn() && now - state.live_sent_ms >= LIVE_EVERY_MS {
            state.live_sent_ms = now;
            if let (Some(room), Ok(frame)) = (&state.room, state.session.show_live(state.aim)) {
                room.send(&frame);
            }
        }
        drop(state);
        self.update_status();
        true
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
        let Some(canvas) = self
            .document
            .get_element_by_id("board")
            .and_then(|e| e.dyn_into::<HtmlCanvasElement>().ok())
        else {
            return;
        };
        let Some(ctx) = canvas
            .get_context("2d")
            .ok()
            .flatten()
            .and_then(|c| c.dyn_into::<CanvasRenderingContext2d>().ok())
        else {
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
        let now = now_ms();
        if state
            .animation
            .as_ref()
            .is_some_and(|a| now - a.started_ms > SHOT_MS)
        {
            state.animation = None;
        }
        let Some(game) = state.session.state() else {
            return;
        };
        // The shell flies for the first three quarters, then explodes.
        let (shown, shell, blast) = match &state.animation {
            Some(animation) => {
                let done = ((now - animation.started_ms) / SHOT_MS).clamp(0.0, 1.0);
                let flown = (done / 0.75).min(1.0);
                let upto = ((animation.path.len() as f64) * flown).ceil() as usize;
                let blast = animation
                    .blast
                    .filter(|_| done > 0.75)
                    .map(|(at, radius)| (at, radius, (1.0 - done) / 0.25));
                (
                    &animation.before,
                    Some(animation.path.get(..upto).unwrap_or(&animation.path)),
                    blast,
                )
            }
            None => (game, None, None),
        };
        let mut aims = state.others.clone();
        if let Some(seat) = state.session.seat() {
            aims.push((seat, state.aim));
        }
        draw::scene(
            &ctx,
            shown,
            state.session.names(),
            &Overlay {
                aims,
                shell,
                blast,
                text_scale: (1024.0 / f64::from(canvas.client_width().max(1))).clamp(1.0, 3.0),
            },
        );
        let turn = match (game.to_move(), state.session.deadline_ms()) {
            (Some(seat), Some(deadline)) => {
                let left = ((deadline as f64 - now) / 1000.0).max(0.0).ceil();
                let who = if Some(seat) == state.session.seat() {
                    "Your turn".to_string()
                } else {
                    let names = state.session.names();
                    format!(
                        "{}'s turn",
                        names.get(seat.index()).map_or("?", String::as_str)
                    )
                };
                format!("{who} — {left} s")
            }
            _ => "Waiting for players…".to_string(),
        };
        let aim = state.aim;
        drop(state);
        self.set_text(
            "hud",
            &format!(
                "{turn} · angle {}° · power {} · {}",
                aim.aim.angle_deg,
                aim.aim.power,
                draw::weapon_name(aim.weapon)
            ),
        );
    }
}
