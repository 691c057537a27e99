//! The home screen's live panel: how many wait per mode, live games to
//! watch, each mode's leaderboard, and this player's ratings with a small
//! chart of their last games. Refreshed every 10 s while the home screen
//! shows; every figure comes from the Worker's JSON routes.

use super::{App, Screen, http, sleep_ms};
use volley_shared::Mode;
use volley_shared::api::{AllStats, Leaderboard, PlayerModes, PlayerRecord, RoomInfo};
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlCanvasElement};

/// How often the panel reads the server again.
const REFRESH_MS: i32 = 10_000;
/// How many of each mode's newest rooms are asked whether they are live.
const ROOMS_ASKED_PER_MODE: usize = 3;
/// Leaderboard lines shown.
const LEADERS_SHOWN: usize = 10;
/// The player's games shown under the chart.
const GAMES_SHOWN: usize = 5;

/// A mode's name for people.
pub fn mode_name(mode: Mode) -> &'static str {
    match mode {
        Mode::Duel => "Duel",
        Mode::Ffa3 => "Free-for-all (3)",
        Mode::Ffa4 => "Free-for-all (4)",
        Mode::ConnectFour => "Connect Four",
    }
}

/// "1 game", "12 games".
fn games(count: u64) -> String {
    match count {
        1 => "1 game".to_string(),
        n => format!("{n} games"),
    }
}

/// One line of a list: its words, and a link after them.
struct Line {
    words: String,
    link: Option<(String, String)>,
}

impl Line {
    fn plain(words: String) -> Line {
        Line { words, link: None }
    }
}

impl App {
    /// Refreshes the panel now, then every [`REFRESH_MS`] while the home
    /// screen shows, for as long as the page lives.
    pub(super) fn spawn_home_panel(self) {
        wasm_bindgen_futures::spawn_local(async move {
            loop {
                if self.state.borrow().screen == Screen::Home {
                    self.refresh_home().await;
                }
                sleep_ms(REFRESH_MS).await;
            }
        });
    }

    /// Shows the leaderboard of `mode` from now on.
    pub(super) fn choose_board(self, mode: Mode) {
        self.state.borrow_mut().board_mode = mode;
        for other in Mode::ALL {
            if let Some(button) = self.element(&format!("board-{}", other.as_str())) {
                let _ = button.set_attribute("aria-pressed", &(other == mode).to_string());
            }
        }
        wasm_bindgen_futures::spawn_local(async move { self.show_board().await });
    }

    pub(super) async fn refresh_home(&self) {
        if let Ok(stats) = http::get::<AllStats>("/api/stats").await {
            self.show_live(&stats).await;
        }
        self.show_board().await;
        let player = self.state.borrow().guest.as_ref().map(|(p, _)| p.clone());
        if let Some(player) = player
            && let Ok(modes) = http::get::<PlayerModes>(&format!("/api/players/{player}")).await
        {
            self.show_me(&modes);
        }
    }

    /// Waiting tickets per mode, and the live games among each mode's
    /// newest rooms, each with a link to watch it.
    async fn show_live(&self, stats: &AllStats) {
        let mut counts = Vec::new();
        let mut live = Vec::new();
        for shard in &stats.modes {
            let mut playing = 0;
            for room in shard.recent_rooms.iter().take(ROOMS_ASKED_PER_MODE) {
                let path = format!("/api/rooms/{}", room.room_id);
                let Ok(info) = http::get::<RoomInfo>(&path).await else {
                    continue;
                };
                if info.phase == "in_turn" {
                    playing += 1;
                    live.push(Line {
                        words: format!(
                            "{} · {} · turn {}",
                            mode_name(info.mode),
                            self.roster(&info).await,
                            info.turn + 1
                        ),
                        link: Some((format!("?watch={}", info.room_id), "Watch".to_string())),
                    });
                }
            }
            counts.push(Line::plain(format!(
                "{}: {} waiting, {} playing now",
                mode_name(shard.mode),
                shard.tickets_waiting,
                playing
            )));
        }
        self.fill_list("mode-counts", &counts);
        if live.is_empty() {
            live.push(Line::plain("No game in play just now.".into()));
        }
        self.fill_list("live-games", &live);
    }

    /// Who plays in a room, with each person's rating in its mode: "ann
    /// 1512 vs bob (new) vs volley-bot (bot)".
    async fn roster(&self, info: &RoomInfo) -> String {
        let mut seats = Vec::new();
        for seat in &info.players {
            let rating = if seat.bot {
                "(bot)".to_string()
            } else {
                match self.rating_of(&seat.player, info.mode).await {
                    Some(rating) => format!("{rating:.0}"),
                    None => "(new)".to_string(),
                }
            };
            seats.push(format!("{} {rating}", seat.name));
        }
        seats.join(" vs ")
    }

    /// `player`'s rating in `mode` (`None` before their first rated
    /// game there), asked for once per page; a failed read is asked
    /// again at the next refresh.
    async fn rating_of(&self, player: &str, mode: Mode) -> Option<f64> {
        let key = (player.to_string(), mode);
        if let Some(seen) = self.state.borrow().ratings_seen.get(&key) {
            return *seen;
        }
        let path = format!("/api/players/{player}?mode={}", mode.as_str());
        let modes = http::get::<PlayerModes>(&path).await.ok()?;
        let rating = modes
            .modes
            .into_iter()
            .find(|record| record.mode.is_none_or(|m| m == mode))
            .map(|record| record.rating);
        self.state.borrow_mut().ratings_seen.insert(key, rating);
        rating
    }

    async fn show_board(&self) {
        let mode = self.state.borrow().board_mode;
        let path = format!("/api/leaderboard?mode={}", mode.as_str());
        let Ok(board) = http::get::<Leaderboard>(&path).await else {
            return;
        };
        let mut lines: Vec<Line> = board
            .leaders
            .iter()
            .take(LEADERS_SHOWN)
            .map(|l| {
                Line::plain(format!(
                    "{}. {} — {:.0} ({})",
                    l.rank,
                    l.name,
                    l.rating,
                    games(l.games)
                ))
            })
            .collect();
        if lines.is_empty() {
            lines.push(Line::plain("Nobody is rated yet: be the first.".into()));
        }
        self.fill_list("leaders", &lines);
    }

    /// The player's rating per mode, the chart of the mode they played
    /// last, and its latest games.
    fn show_me(&self, modes: &PlayerModes) {
        if modes.modes.is_empty() {
            self.set_text("me", "Play a game to get a rating.");
            return;
        }
        let summary: Vec<String> = modes
            .modes
            .iter()
            .map(|r| {
                let mode = r.mode.map_or("?", mode_name);
                format!("{mode} {:.0} ({})", r.rating, games(r.games))
            })
            .collect();
        self.set_text("me", &format!("Your ratings: {}", summary.join(" · ")));
        let latest = modes
            .modes
            .iter()
            .max_by_key(|r| r.recent.first().map_or(0, |m| m.at_ms));
        if let Some(record) = latest {
            self.chart(record);
            let games: Vec<Line> = record
                .recent
                .iter()
                .take(GAMES_SHOWN)
                .map(|m| {
                    let result = match m.result.as_str() {
                        "win" => "won",
                        "loss" => "lost",
                        _ => "drew",
                    };
                    Line {
                        words: format!("{result}, rating {:.0}", m.rating_after),
                        link: Some((
                            format!("?watch={}", m.room_id),
                            "Watch the replay".to_string(),
                        )),
                    }
                })
                .collect();
            self.fill_list("my-games", &games);
        }
    }

    /// A line chart of the rating after each recent game, oldest first.
    fn chart(&self, record: &PlayerRecord) {
        let Some(canvas) = self
            .document
            .get_element_by_id("rating-chart")
            .and_then(|e| e.dyn_into::<HtmlCanvasElement>().ok())
        else {
            return;
        };
        let Some(ctx) = super::context_2d(&canvas) else {
            return;
        };
        let ratings: Vec<f64> = record.recent.iter().rev().map(|m| m.rating_after).collect();
        // As many pixels as it covers times the pixel ratio, drawn in CSS
        // pixels.
        let ratio = web_sys::window()
            .map_or(1.0, |w| w.device_pixel_ratio())
            .clamp(1.0, 4.0);
        let (w, h) = (
            f64::from(canvas.client_width().max(1)),
            f64::from(canvas.client_height().max(1)),
        );
        canvas.set_width((w * ratio).round() as u32);
        canvas.set_height((h * ratio).round() as u32);
        let _ = ctx.set_transform(ratio, 0.0, 0.0, ratio, 0.0, 0.0);
        ctx.clear_rect(0.0, 0.0, w, h);
        let label = format!(
            "{}: rating over the last {} games",
            record.mode.map_or("?", mode_name),
            ratings.len()
        );
        let _ = canvas.set_attribute("aria-label", &label);
        if ratings.is_empty() {
            return;
        }
        let low = ratings.iter().copied().fold(f64::INFINITY, f64::min) - 5.0;
        let high = ratings.iter().copied().fold(f64::NEG_INFINITY, f64::max) + 5.0;
        let steps = (ratings.len() - 1).max(1) as f64;
        let x = |i: usize| 6.0 + (w - 12.0) * i as f64 / steps;
        let y = |r: f64| h - 6.0 - (h - 12.0) * (r - low) / (high - low);
        ctx.set_stroke_style_str("#0072b2");
        ctx.set_line_width(2.5);
        ctx.begin_path();
        for (i, rating) in ratings.iter().enumerate() {
            match i {
                0 => ctx.move_to(x(i), y(*rating)),
                _ => ctx.line_to(x(i), y(*rating)),
            }
        }
        ctx.stroke();
        // A dot on the latest game (the only mark after a first game).
        if let Some(last) = ratings.last() {
            ctx.set_fill_style_str("#0072b2");
            ctx.begin_path();
            let _ = ctx.arc(
                x(ratings.len() - 1),
                y(*last),
                4.0,
                0.0,
                std::f64::consts::TAU,
            );
            ctx.fill();
        }
    }

    /// Replaces the items of the list `id` with `lines`.
    fn fill_list(&self, id: &str, lines: &[Line]) {
        let Some(list) = self.element(id) else {
            return;
        };
        list.set_text_content(None);
        for line in lines {
            let Ok(item) = self.document.create_element("li") else {
                return;
            };
            item.set_text_content(Some(&line.words));
            if let Some((href, words)) = &line.link
                && let Ok(anchor) = self.document.create_element("a")
            {
                let _ = anchor.set_attribute("href", href);
                anchor.set_text_content(Some(words));
                let _ = item.append_with_str_1(" ");
                let _ = append(&item, &anchor);
            }
            let _ = append(&list, &item);
        }
    }
}

fn append(parent: &Element, child: &Element) -> Result<(), wasm_bindgen::JsValue> {
    parent.append_with_node_1(child)
}
