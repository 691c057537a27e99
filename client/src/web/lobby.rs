//! The page's way into a game: the ticket socket (quick matches), private
//! rooms by code, spectating by link, the guest identity, and the rating
//! after a game.

use super::http;
use super::socket::{Socket, SocketEvent};
use super::{App, Screen, now_ms};
use crate::lobby::{self, LobbyUpdate, Matched};
use crate::wire::{self, Accepted, Inbox};
use volley_shared::api::{
    GUEST_SUBPROTOCOL, Guest, PlayerModes, SUBPROTOCOL, SeatGrant, SpectatorGrant,
};
use volley_shared::protocol::v1;
use volley_shared::{Mode, Seat, codec};

impl App {
    /// Opens a ticket for `mode` and waits on the queue screen, as this
    /// browser's guest once its identity is known.
    pub(super) fn find_match(&self, mode: Mode) {
        let app = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            app.guest_ready().await;
            app.open_ticket(mode);
        });
    }

    /// Waits (at most 5 s) for a guest identity still being asked for: a
    /// game played before it arrives would be rated for nobody.
    async fn guest_ready(&self) {
        for _ in 0..50 {
            if !self.state.borrow().guest_pending {
                return;
            }
            super::sleep_ms(100).await;
        }
    }

    fn open_ticket(&self, mode: Mode) {
        let Some(name) = self.player_name() else {
            return;
        };
        self.state.borrow_mut().mode = mode;
        let url = self.ws_url(&format!("/api/matchmake?mode={}", mode.as_str()));
        let app = self.clone();
        let handler = move |event| app.on_ticket(event, mode, &name);
        // The guest token goes as a subprotocol, beside the one the server
        // answers with (a browser sets no other header on a WebSocket).
        let offered = match self.guest_token() {
            Some(token) => vec![
                SUBPROTOCOL.to_string(),
                format!("{GUEST_SUBPROTOCOL}{token}"),
            ],
            None => Vec::new(),
        };
        match Socket::open_offering(&url, &offered, handler) {
            Ok(ticket) => {
                let mut state = self.state.borrow_mut();
                state.ticket = Some(ticket);
                state.queued_ms = now_ms();
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
                let mut state = self.state.borrow_mut();
                let update = match state.ticket_inbox.accept(&bytes) {
                    Ok(Accepted::Answered) => Ok(None),
                    // A coordinator of the previous release: queue again in
                    // version 1, if this mode is one it plays.
                    Ok(Accepted::FellBack) if mode.min_protocol() <= v1::VERSION => {
                        let hello = lobby::find_match(mode, name).hello;
                        if let (Some(ticket), Ok(bytes)) = (&state.ticket, wire::v1_hello(hello)) {
                            ticket.send_bytes(&bytes);
                        }
                        Ok(None)
                    }
                    Ok(Accepted::FellBack) => Err(format!(
                        "the server is too old to play {}; try again in a minute",
                        mode.as_str()
                    )),
                    Ok(Accepted::Frame(frame)) => {
                        let version = state.ticket_inbox.version().unwrap_or(v1::VERSION);
                        wire::decode_lobby(frame, version)
                            .and_then(lobby::on_frame)
                            .map(Some)
                            .map_err(|e| e.to_string())
                    }
                    Err(err) => Err(err.to_string()),
                };
                drop(state);
                match update {
                    Ok(Some(LobbyUpdate::Matched(matched))) => self.join(matched),
                    Ok(_) => {}
                    Err(message) => self.set_text("queue-text", &message),
                }
            }
            SocketEvent::Closed(code) => {
                self.reload_if_too_old(code);
            }
        }
    }

    pub(super) fn go_home(&self) {
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
        // The game just played may be on the leaderboard and the chart.
        let app = self.clone();
        wasm_bindgen_futures::spawn_local(async move { app.refresh_home().await });
    }

    /// Creates a private room of `mode` (`code` is `None`) or joins one by
    /// its code (whose mode the code itself names; `mode` is then unused).
    pub(super) fn spawn_private(self, mode: Mode, code: Option<String>) {
        let Some(name) = self.player_name() else {
            return;
        };
        wasm_bindgen_futures::spawn_local(async move {
            self.guest_ready().await;
            let name = js_sys::encode_uri_component(&name);
            let path = match &code {
                None => format!("/api/rooms?mode={}&name={name}", mode.as_str()),
                Some(code) => format!(
                    "/api/rooms/join?code={}&name={name}",
                    js_sys::encode_uri_component(code.trim())
                ),
            };
            let token = self.guest_token();
            match http::post_as::<SeatGrant>(&path, token.as_deref()).await {
                Ok(grant) => {
                    let invite = Some(grant.code.clone()).filter(|_| code.is_none());
                    self.state.borrow_mut().mode = grant.mode;
                    self.join(Matched::from(grant));
                    self.show_invite(invite.as_deref());
                }
                Err(message) => self.set_text("home-error", &message),
            }
        });
    }

    /// Watches a room as a spectator.
    pub(super) fn spawn_watch(self, room: String) {
        wasm_bindgen_futures::spawn_local(async move {
            let path = format!(
                "/api/rooms/{}/spectate",
                js_sys::encode_uri_component(&room)
            );
            match http::post::<SpectatorGrant>(&path).await {
                Ok(grant) => self.join(Matched {
                    room: grant.room,
                    game: grant.game,
                    seat: Seat(0),
                    token: grant.token,
                }),
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

    /// This browser's guest token, when it has a guest identity. It goes
    /// in a header or a subprotocol, never in a URL.
    fn guest_token(&self) -> Option<String> {
        let state = self.state.borrow();
        state.guest.as_ref().map(|(_, token)| token.clone())
    }

    /// Loads this browser's guest identity and renews its token (tokens
    /// expire 90 days after they were issued or renewed), or asks the
    /// Worker for a new identity when there is none or the Worker refuses
    /// the stored token (expired, or signed with another secret).
    pub(super) fn spawn_guest(self) {
        let storage = web_sys::window().and_then(|w| w.local_storage().ok().flatten());
        let stored = storage.as_ref().and_then(|s| {
            Some((
                s.get_item("volley-guest-player").ok()??,
                s.get_item("volley-guest-token").ok()??,
            ))
        });
        let keep = move |guest: &Guest| {
            if let Some(storage) = &storage {
                let _ = storage.set_item("volley-guest-player", &guest.player);
                let _ = storage.set_item("volley-guest-token", &guest.token);
            }
        };
        self.state.borrow_mut().guest_pending = true;
        wasm_bindgen_futures::spawn_local(async move {
            let mut answer = None;
            if let Some((player, token)) = stored {
                self.state.borrow_mut().guest = Some((player.clone(), token.clone()));
                match http::post_as_or_refused::<Guest>("/api/guests/renew", &token).await {
                    Ok(renewed) => answer = Some(renewed),
                    // The Worker refused the token (expired, or another
                    // secret's): a new identity, below; none meanwhile.
                    Err(Some(message)) if message.starts_with("guest token") => {
                        self.state.borrow_mut().guest = None
                    }
                    // Refused by something else on the way (a 403 that is
                    // not the Worker's), or the Worker without renewal, or
                    // none reached: keep it.
                    Err(_) => answer = Some(Guest { player, token }),
                }
            }
            if answer.is_none() {
                answer = http::post::<Guest>("/api/guests").await.ok();
            }
            let mut state = self.state.borrow_mut();
            state.guest_pending = false;
            if let Some(guest) = answer {
                keep(&guest);
                state.guest = Some((guest.player, guest.token));
            }
        });
    }

    /// Shows the rating the game left, once the player's records show
    /// the game: asked every half second for five seconds (the room
    /// reports it once the last move is acknowledged), then every five
    /// seconds for a minute (the room's retry timer reports a game whose
    /// acknowledgement was lost, 30 s on), while the page still shows it.
    pub(super) fn spawn_rating(self) {
        let (player, mode, room) = {
            let state = self.state.borrow();
            match (&state.guest, &state.matched) {
                (Some((player, _)), Some(matched)) => {
                    (player.clone(), state.mode, matched.room.clone())
                }
                _ => return,
            }
        };
        wasm_bindgen_futures::spawn_local(async move {
            for ask in 0..21 {
                let shown = self.state.borrow().matched.as_ref().map(|m| &m.room) == Some(&room);
                if !shown {
                    return;
                }
                let path = format!("/api/players/{player}?mode={}", mode.as_str());
                if let Ok(modes) = http::get::<PlayerModes>(&path).await
                    && let Some(text) = lobby::rating_after(&modes, &room)
                {
                    self.set_text("rating", &text);
                    self.state.borrow_mut().rating = text;
                    self.update_status();
                    return;
                }
                super::sleep_ms(if ask < 10 { 500 } else { 5_000 }).await;
            }
        });
    }
}
