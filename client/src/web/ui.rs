//! What each game's screen in the page does ([`GameUi`]), and what a
//! person can want ([`Intent`]). `play.rs` drives any of them.

use crate::game::ClientGame;
use crate::session::{GameSession, Update};
use volley_shared::Game;
use web_sys::CanvasRenderingContext2d;

/// What a person wants to do.
pub enum Intent<G: Game> {
    /// Make this move.
    Move(G::Move),
    /// Show the others what they are lining up.
    Live(G::Live),
}

/// One game's screen: drawing, input, and what it keeps between frames.
pub trait GameUi: Default {
    /// The game.
    type G: ClientGame;

    /// The session changed by `update`; `before` is the game before it.
    fn on_update(&mut self, before: Option<&Self::G>, update: &Update<Self::G>, now: f64);

    /// A key was pressed. What the person wants, if anything.
    fn on_key(
        &mut self,
        session: &GameSession<Self::G>,
        key: &str,
        fast: bool,
    ) -> Option<Intent<Self::G>>;

    /// The pointer is at `(x, y)` in canvas units, `pressed` or hovering;
    /// `released` when a press ends there.
    fn on_pointer(
        &mut self,
        session: &GameSession<Self::G>,
        x: f64,
        y: f64,
        pressed: bool,
        released: bool,
    ) -> Option<Intent<Self::G>>;

    /// Draws the game as it is at `now`.
    fn draw(
        &mut self,
        ctx: &CanvasRenderingContext2d,
        session: &GameSession<Self::G>,
        text_scale: f64,
        now: f64,
    );

    /// The game's part of the line under the board (aim, weapon, column).
    fn hud(&self, session: &GameSession<Self::G>) -> String;

    /// The label of the main action button.
    fn action_label(&self) -> &'static str;

    /// The help line under the board.
    fn help(&self) -> &'static str;
}
