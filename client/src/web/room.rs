//! The page's room socket: joining a room of any game, reading its frames
//! (the answer to the opening first), reconnecting with backoff, and
//! playing a finished game again from its replay.

use super::http;
use super::play::{self, Play, name_of};
use super::socket::{Socket, SocketEvent};
use super::{App, Screen, now_ms, sleep_ms};
use crate::lobby::Matched;
use crate::wire::{self, Accepted, Inbox};
use volley_shared::protocol::{PROTOCOL_VERSION, close};
use volley_shared::{Outcome, codec};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

/// Time between two events of a replay at its normal speed.
const REPLAY_STEP_MS: i32 = 800;
/// The replay's speeds, which its button steps through.
const REPLAY_SPEEDS: [i32; 4] = [1, 2, 4, 8];

/// The speed after `speed` (back to the first after the last).
fn next_speed(speed: i32) -> i32 {
    let at = REPLAY_SPEEDS.iter().position(|&s| s == speed);
    REPLAY_SPEEDS[at.map_or(0, |i| (i + 1) % REPLAY_SPEEDS.len())]
}

impl App {
    /// Shows the game of a seat (or a spectator's view) and connects.
    pub(super) fn join(&self, matched: Matched) {
        {
            let mut state = self.state.borrow_mut();
            state.ticket = None;
            state.play = Play::new(matched.game);
            state.matched = Some(matched);
            state.reconnects = 0;
            state.connects = 0;
            state.replaying = false;
        }
        self.connect_room();
        self.show(Screen::Game);
    }

    /// Opens the room socket; the opening carries the last event seen, so
    /// a reconnect resumes where the game was.
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
                    && let Ok(bytes) = codec::encode_opening(&state.play.hello(&token))
                {
                    room.send_bytes(&bytes);
                }
                state.connection = "open";
                state.reconnects = 0;
                state.connects += 1;
            }
            SocketEvent::Bytes(bytes) => {
                let mut state = self.state.borrow_mut();
                let frame = match state.room_inbox.accept(&bytes) {
                    Ok(Accepted::Answered) => None,
                    // A room of the previous release: say hello again in
                    // version 1 (it only hosts games version 1 plays).
                    Ok(Accepted::FellBack) => {
                        let token = state.matched.as_ref().map(|m| m.token.clone());
                        if let (Some(room), Some(token)) = (&state.room, token)
                            && let Ok(bytes) = wire::v1_hello(state.play.hello(&token).hello)
                        {
                            room.send_bytes(&bytes);
                        }
                        None
                    }
                    Ok(Accepted::Frame(frame)) => Some(frame),
                    Err(err) => {
                        web_sys::console::warn_1(&format!("room: {err}").into());
                        None
                    }
                };
                let version = state.room_inbox.version().unwrap_or(PROTOCOL_VERSION);
                drop(state);
                if let Some(frame) = frame {
                    self.on_room_frame(frame, version);
                }
            }
            SocketEvent::Closed(code) => self.on_room_closed(code),
        }
        self.set_banner();
        self.update_status();
    }

    /// One room frame in `version` (from the socket, or from a replay).
    fn on_room_frame(&self, bytes: &[u8], version: u16) {
        let mut state = self.state.borrow_mut();
        let read = match state.play.read(bytes, version, now_ms()) {
            Ok(read) => read,
            Err(err) => {
                web_sys::console::warn_1(&format!("session: {err}").into());
                return;
            }
        };
        if let (Some(ack), Some(room)) = (&read.ack, &state.room) {
            room.send_bytes(ack);
        }
        if let Some(cue) = read.cue {
            state.sound.play(cue);
        }
        let Some(outcome) = read.outcome else {
            return;
        };
        let text = match outcome {
            Outcome::Winner(seat) if Some(seat) == state.play.seat() => "You won!".to_string(),
            Outcome::Winner(seat) => format!("{} won.", name_of(&state.play.names(), seat)),
            Outcome::Draw => "A draw.".to_string(),
        };
        if let Some(room) = state.room.take() {
            room.close();
        }
        let played = state.play.seat().is_some();
        state.rating.clear();
        drop(state);
        self.set_text("result", &text);
        self.set_text("rating", "");
        self.show(Screen::Over);
        if played {
            self.clone().spawn_rating();
        }
    }

    /// A dropped room socket is reopened with backoff, unless the game is
    /// over or the room closed it for good.
    fn on_room_closed(&self, code: u16) {
        if self.reload_if_too_old(code) {
            return;
        }
        let delay = {
            let mut state = self.state.borrow_mut();
            state.room = None;
            let for_good = matches!(
                code,
                close::NORMAL
                    | close::BAD_TOKEN
                    | close::ROOM_CLOSED
                    | close::REPLACED
                    | close::CLIENT_TOO_OLD
                    | close::SERVER_TOO_OLD
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

    /// Plays the last game again from its replay (seed, roster and action
    /// log), through the same frames a spectator would get.
    pub(super) fn spawn_replay(self) {
        let Some(matched) = self.state.borrow().matched.clone() else {
            return;
        };
        wasm_bindgen_futures::spawn_local(async move {
            let path = format!("/api/rooms/{}/replay", matched.room);
            let frames = match http::get_text(&path).await {
                Ok(text) => play::replay_frames(matched.game, &text),
                Err(message) => Err(message),
            };
            let frames = match frames {
                Ok(frames) => frames,
                Err(message) => {
                    self.set_text("rating", &format!("no replay: {message}"));
                    return;
                }
            };
            {
                let mut state = self.state.borrow_mut();
                state.play = Play::new(matched.game);
                state.replaying = true;
            }
            self.show_replay_speed();
            self.show(Screen::Game);
            for (i, frame) in frames.iter().enumerate() {
                if i > 0 {
                    let speed = self.state.borrow().replay_speed;
                    sleep_ms(REPLAY_STEP_MS / speed).await;
                }
                self.on_room_frame(frame, PROTOCOL_VERSION);
                self.update_status();
            }
            self.state.borrow_mut().replaying = false;
        });
    }

    /// The replay's button: play it faster (after the fastest, at its
    /// normal speed again). The speed holds for later replays.
    pub(super) fn faster_replay(&self) {
        {
            let mut state = self.state.borrow_mut();
            state.replay_speed = next_speed(state.replay_speed);
        }
        self.show_replay_speed();
    }

    fn show_replay_speed(&self) {
        let speed = self.state.borrow().replay_speed;
        self.set_text("replay-speed", &format!("Speed: {speed}×"));
    }
}
