//! The game being shown, of whichever kind: each game's screen (a
//! [`GameUi`]) wrapped in [`Playing`], which owns the session, reads the
//! room's frames and turns a person's intents into frames; and [`Play`],
//! the one place the page picks the game by its [`GameKind`].

use super::artillery::ArtilleryUi;
use super::connect4::ConnectFourUi;
use super::sound::Cue;
use super::ui::{GameUi, Intent};
use crate::game::ClientGame;
use crate::session::{GameSession, Update};
use crate::wire;
use volley_shared::protocol::{Opening, Role, RoomServerFrame};
use volley_shared::replay::Replay;
use volley_shared::{Game, GameKind, Outcome, Seat, codec};
use web_sys::CanvasRenderingContext2d;

/// Live intentions go out at most this often.
const LIVE_EVERY_MS: f64 = 100.0;

/// A game being shown: its session and its screen.
pub struct Playing<U: GameUi> {
    session: GameSession<U::G>,
    ui: U,
    live_sent_ms: f64,
}

impl<U: GameUi> Default for Playing<U> {
    fn default() -> Self {
        Self {
            session: GameSession::new(),
            ui: U::default(),
            live_sent_ms: 0.0,
        }
    }
}

impl<U: GameUi> Playing<U> {
    /// Reads one room frame in `version`: what it is worth a sound, and
    /// the outcome once the game is over.
    fn read(&mut self, bytes: &[u8], version: u16, now: f64) -> Result<Read, String> {
        let frame: RoomServerFrame<U::G> =
            wire::decode_room(bytes, version).map_err(|e| e.to_string())?;
        let before = self.session.state().cloned();
        let was_my_turn = self.session.my_turn();
        let update = self.session.on_frame(frame).map_err(|e| e.to_string())?;
        self.ui.on_update(before.as_ref(), &update, now);
        let cue = match &update {
            Update::GameOver(outcome)
                if self
                    .session
                    .seat()
                    .is_some_and(|s| *outcome == Outcome::Winner(s)) =>
            {
                Some(Cue::Won)
            }
            Update::GameOver(_) => Some(Cue::Over),
            Update::Event(event) if U::G::resolves_move_of(event).is_some() => Some(Cue::Move),
            _ if !was_my_turn && self.session.my_turn() => Some(Cue::YourTurn),
            _ => None,
        };
        Ok(Read {
            ack: self
                .session
                .take_ack()
                .and_then(|ack| wire::encode_room(&ack, version).ok()),
            outcome: match update {
                Update::GameOver(outcome) => Some(outcome),
                _ => None,
            },
            cue,
        })
    }

    /// The frame for what the person wants, in `version`, if it may be
    /// sent now.
    fn act(&mut self, intent: Option<Intent<U::G>>, version: u16, now: f64) -> Option<Vec<u8>> {
        let frame = match intent? {
            Intent::Move(mv) => self.session.make_move(mv).ok()?,
            Intent::Live(live) => {
                if !self.session.my_turn() || now - self.live_sent_ms < LIVE_EVERY_MS {
                    return None;
                }
                self.live_sent_ms = now;
                self.session.show_live(live).ok()?
            }
        };
        wire::encode_room(&frame, version).ok()
    }

    /// Whose turn it is, for the line under the board: it changes only
    /// when the turn does, so a screen reader announces each turn once.
    fn turn_text(&self) -> String {
        let Some(game) = self.session.state() else {
            return "Connecting…".to_string();
        };
        match game.to_move() {
            Some(seat) if Some(seat) == self.session.seat() => "Your turn".to_string(),
            Some(seat) => format!("{}'s turn", name_of(self.session.names(), seat)),
            None if game.outcome().is_some() => "Game over".to_string(),
            None => "Waiting for players…".to_string(),
        }
    }

    /// How long the turn has left, in whole seconds, if it is timed.
    fn seconds_left(&self, now: f64) -> Option<f64> {
        let deadline = self.session.deadline_ms()?;
        self.session.state()?.to_move()?;
        Some(((deadline as f64 - now) / 1000.0).max(0.0).ceil())
    }
}

/// What one room frame meant to the page.
pub struct Read {
    /// The acknowledgement of this player's move, to send back, when this
    /// frame was its first event.
    pub ack: Option<Vec<u8>>,
    /// How the game ended, if this frame ended it.
    pub outcome: Option<Outcome>,
    /// The sound it is worth, if any.
    pub cue: Option<Cue>,
}

/// A seat's name, or `?`.
pub fn name_of(names: &[String], seat: Seat) -> &str {
    names.get(seat.index()).map_or("?", String::as_str)
}

/// The game being shown, of whichever kind.
pub enum Play {
    /// An artillery game.
    Artillery(Playing<ArtilleryUi>),
    /// A Connect Four game.
    ConnectFour(Playing<ConnectFourUi>),
}

/// Runs `$body` with `$playing` bound to whichever `Playing` `$play` holds.
macro_rules! each {
    ($play:expr, $playing:ident => $body:expr) => {
        match $play {
            Play::Artillery($playing) => $body,
            Play::ConnectFour($playing) => $body,
        }
    };
}

impl Play {
    /// A new, empty game of `kind`.
    pub fn new(kind: GameKind) -> Play {
        match kind {
            GameKind::Artillery => Play::Artillery(Playing::default()),
            GameKind::ConnectFour => Play::ConnectFour(Playing::default()),
        }
    }

    /// The opening to send on a room socket.
    pub fn hello(&self, token: &str) -> Opening {
        each!(self, p => p.session.hello(token))
    }

    /// Reads one room frame in `version`: its sound, and the outcome once
    /// the game is over.
    pub fn read(&mut self, bytes: &[u8], version: u16, now: f64) -> Result<Read, String> {
        each!(self, p => p.read(bytes, version, now))
    }

    /// A key: the frame to send in `version`, if any.
    pub fn on_key(&mut self, key: &str, fast: bool, version: u16, now: f64) -> Option<Vec<u8>> {
        each!(self, p => {
            let intent = p.ui.on_key(&p.session, key, fast);
            p.act(intent, version, now)
        })
    }

    /// The pointer at `(x, y)`: the frame to send in `version`, if any.
    pub fn on_pointer(
        &mut self,
        (x, y): (f64, f64),
        pressed: bool,
        released: bool,
        version: u16,
        now: f64,
    ) -> Option<Vec<u8>> {
        each!(self, p => {
            let intent = p.ui.on_pointer(&p.session, x, y, pressed, released);
            p.act(intent, version, now)
        })
    }

    /// Draws the game; returns the line under the board: whose turn it
    /// is, and the rest (time left, the game's own details).
    pub fn draw(
        &mut self,
        ctx: &CanvasRenderingContext2d,
        text_scale: f64,
        now: f64,
    ) -> (String, String) {
        each!(self, p => {
            if p.session.state().is_some() {
                p.ui.draw(ctx, &p.session, text_scale, now);
            }
            let details = match p.seconds_left(now) {
                Some(left) => format!("— {left} s · {}", p.ui.hud(&p.session)),
                None => format!("· {}", p.ui.hud(&p.session)),
            };
            (p.turn_text(), details)
        })
    }

    /// The label of the main action button and the help line.
    pub fn labels(&self) -> (&'static str, &'static str) {
        each!(self, p => (p.ui.action_label(), p.ui.help()))
    }

    /// The seat this page plays, if it plays one.
    pub fn seat(&self) -> Option<Seat> {
        each!(self, p => p.session.seat())
    }

    /// The players' names.
    pub fn names(&self) -> Vec<String> {
        each!(self, p => p.session.names().to_vec())
    }

    /// How the game ended, once it has.
    pub fn outcome(&self) -> Option<Outcome> {
        each!(self, p => p.session.outcome())
    }

    /// Whether it is this page's turn.
    pub fn my_turn(&self) -> bool {
        each!(self, p => p.session.my_turn())
    }

    /// The last event applied.
    pub fn last_seq(&self) -> u64 {
        each!(self, p => p.session.last_seq())
    }
}

/// The frames a spectator would have received for a finished game, played
/// again from its replay (`GET /api/rooms/{id}/replay`): the welcome, every
/// event, and the game over.
pub fn replay_frames(kind: GameKind, text: &str) -> Result<Vec<Vec<u8>>, String> {
    match kind {
        GameKind::Artillery => frames_of::<volley_shared::artillery::Artillery>(text),
        GameKind::ConnectFour => frames_of::<volley_shared::connect_four::ConnectFour>(text),
    }
}

fn frames_of<G: ClientGame>(text: &str) -> Result<Vec<Vec<u8>>, String> {
    let replay: Replay<G> = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let seats = u8::try_from(replay.names.len()).map_err(|e| e.to_string())?;
    let start = G::new(&replay.config, replay.seed, seats).map_err(|e| e.to_string())?;
    let names = replay.names.clone();
    let (game, events) = replay.run().map_err(|e| e.to_string())?;
    let mut frames = vec![RoomServerFrame::<G>::Welcome {
        role: Role::Spectator,
        seq: 0,
        names,
        waiting: false,
        view: start,
        deadline_ms: None,
    }];
    let last = events.len() as u64;
    frames.extend(
        events
            .into_iter()
            .enumerate()
            .map(|(i, event)| RoomServerFrame::Event {
                seq: i as u64 + 1,
                event,
                deadline_ms: None,
            }),
    );
    if let Some(outcome) = game.outcome() {
        frames.push(RoomServerFrame::GameOver { outcome, seq: last });
    }
    frames
        .iter()
        .map(|frame| codec::encode(frame).map_err(|e| e.to_string()))
        .collect()
}
