//! Connect Four in the browser: pick a column with the pointer (hover, then
//! click or tap) or the keys (← → to move, Space, Enter or ↓ to drop); the
//! other player sees the column hovered. Drawn by [`board`].

use super::board::{self, Overlay};
use super::palette;
use super::ui::{GameUi, Intent};
use crate::session::{GameSession, Update};
use volley_shared::Seat;
use volley_shared::connect_four::{COLUMNS, ConnectFour, Event};
use web_sys::CanvasRenderingContext2d;

/// What a Connect Four screen keeps between frames.
pub struct ConnectFourUi {
    /// The column this player is over.
    hover: u8,
    /// The column the other player is over, as they last showed.
    other: Option<(Seat, u8)>,
    /// The last disc dropped: column and row.
    last: Option<(u8, u8)>,
}

impl Default for ConnectFourUi {
    fn default() -> Self {
        Self {
            hover: COLUMNS / 2,
            other: None,
            last: None,
        }
    }
}

impl GameUi for ConnectFourUi {
    type G = ConnectFour;

    fn on_update(&mut self, before: Option<&ConnectFour>, update: &Update<ConnectFour>, _now: f64) {
        match update {
            Update::Event(Event::Dropped { column, .. }) => {
                let row = before
                    .and_then(|b| b.columns.get(usize::from(*column)))
                    .map_or(0, |discs| discs.len() as u8);
                self.last = Some((*column, row));
                self.other = None;
            }
            Update::Live { seat, live } => self.other = Some((*seat, *live)),
            _ => {}
        }
    }

    fn on_key(
        &mut self,
        _: &GameSession<ConnectFour>,
        key: &str,
        _fast: bool,
    ) -> Option<Intent<ConnectFour>> {
        match key {
            "ArrowLeft" => self.hover = self.hover.saturating_sub(1),
            "ArrowRight" => self.hover = (self.hover + 1).min(COLUMNS - 1),
            " " | "Enter" | "ArrowDown" => return Some(Intent::Move(self.hover)),
            _ => return None,
        }
        Some(Intent::Live(self.hover))
    }

    fn on_pointer(
        &mut self,
        _: &GameSession<ConnectFour>,
        x: f64,
        _y: f64,
        _pressed: bool,
        released: bool,
    ) -> Option<Intent<ConnectFour>> {
        let column = board::column_at(x)?;
        let moved = column != self.hover;
        self.hover = column;
        if released {
            Some(Intent::Move(column))
        } else if moved {
            Some(Intent::Live(column))
        } else {
            None
        }
    }

    fn draw(
        &mut self,
        ctx: &CanvasRenderingContext2d,
        session: &GameSession<ConnectFour>,
        text_scale: f64,
        _now: f64,
    ) {
        let Some(game) = session.state() else {
            return;
        };
        let mut hovers: Vec<(Seat, u8)> = self.other.into_iter().collect();
        if let Some(seat) = session.seat()
            && session.my_turn()
        {
            hovers.push((seat, self.hover));
        }
        board::scene(
            ctx,
            game,
            session.names(),
            &Overlay {
                hovers,
                last: self.last,
                text_scale,
            },
        );
    }

    fn hud(&self, session: &GameSession<ConnectFour>) -> String {
        match session.seat() {
            Some(seat) => format!(
                "you play {} · column {}",
                palette::colour_name(seat),
                self.hover + 1
            ),
            None => "watching".to_string(),
        }
    }

    fn action_label(&self) -> &'static str {
        "Drop"
    }

    fn help(&self) -> &'static str {
        "Click or tap a column to drop a disc · or ← → to choose, Space or ↓ to drop"
    }
}
