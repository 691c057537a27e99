//! The `Player` Durable Object: one per player (`player:{id}`), keeping
//! their rating, game count and history in every mode, so that every
//! coordinator shard sees the same rating.
//!
//! | route | what |
//! |---|---|
//! | `GET /internal/player/rating?player=&mode=` | the [`Standing`] a shard queues them with |
//! | `POST /internal/player/result` | a settled game's [`PlayerResult`], applied once per room; the new standing goes to the mode's leaderboard |
//! | `GET /api/players/{id}[?mode=]` | their record in one mode or every mode |
//!
//! **Migration.** The first releases kept ratings in each mode's one
//! coordinator shard (`coordinator:{mode}`, table `players`). The first
//! time a player object is asked about a mode it has no standing in, it
//! reads the player's record from that shard (its `GET /api/players/{id}`,
//! which every release serves) and adopts it. The shard's `players` table
//! stays, as the mode's leaderboard, kept current by the player objects
//! ([`LEADER_PATH`]), so ratings a rollback would read are current too.
//!
//! A player who has not played for `PLAYER_RETENTION_MS` is forgotten: the
//! alarm deletes the object's storage.

use super::parse_player;
use super::storage::{Applied, Storage};
use crate::error::{Result, ServerError, respond};
use crate::http::{self, now_ms};
use crate::internal::link;
use crate::internal::players::{
    LEADER_PATH, LeaderLine, PLAYER_RATING_PATH, PLAYER_RESULT_PATH, PlayerResult, Standing,
};
use crate::settings::{self, Settings};
use crate::sql::Schema;
use std::time::Duration;
use volley_shared::api::{PlayerModes, PlayerRecord, START_RATING};
use volley_shared::{Mode, PlayerId};
use worker::{DurableObject, Env, Request, Response, State, durable_object};

/// How long a room's line is remembered as applied, past the room's own
/// retention (a room reports only while it exists).
const APPLIED_MARGIN_MS: u64 = 24 * 3_600_000;

/// A player's ratings, as a Durable Object.
#[durable_object]
pub struct Player {
    state: State,
    env: Env,
    settings: settings::Cached,
    schema: Schema,
}

impl DurableObject for Player {
    fn new(state: State, env: Env) -> Self {
        Self {
            state,
            env,
            settings: settings::Cached::default(),
            schema: Schema::default(),
        }
    }

    async fn fetch(&self, req: Request) -> worker::Result<Response> {
        respond(self.route(req).await)
    }

    async fn alarm(&self) -> worker::Result<Response> {
        self.expire()
            .await
            .map_err(|e| worker::Error::RustError(e.to_string()))?;
        Response::ok("expiry checked")
    }
}

impl Player {
    async fn route(&self, mut req: Request) -> Result<Response> {
        let path = req.path();
        match path.as_str() {
            PLAYER_RATING_PATH => {
                let player = player_param(&req)?;
                let mode = http::mode_param(&req)?;
                let standing = self.standing(player, mode).await?;
                Ok(Response::from_bytes(crate::blob::encode(
                    crate::blob::Kind::Message,
                    &standing,
                )?)?)
            }
            PLAYER_RESULT_PATH => {
                let line: PlayerResult = link::read(&mut req).await?;
                let applied = self.apply(&line).await?;
                Ok(Response::ok(applied)?)
            }
            p if p.starts_with("/api/players/") => {
                let player = parse_player(p.trim_start_matches("/api/players/"))?;
                let modes = match http::query_param(&req, "mode") {
                    Some(_) => vec![http::mode_param(&req)?],
                    None => Mode::ALL.to_vec(),
                };
                let mut found = Vec::new();
                for mode in modes {
                    self.adopt_legacy(player, mode).await?;
                    found.extend(self.storage()?.record(player, mode)?);
                }
                Ok(Response::from_json(&PlayerModes {
                    player: player.to_string(),
                    modes: found,
                })?)
            }
            _ => Err(ServerError::NotFound("not found".into())),
        }
    }

    fn settings(&self) -> Result<&Settings> {
        self.settings.get(&self.env)
    }

    fn storage(&self) -> Result<Storage> {
        self.schema
            .open(self.state.storage().sql(), Storage::open, Storage::existing)
    }

    /// The player's standing in `mode`, adopting the first releases' one.
    async fn standing(&self, player: PlayerId, mode: Mode) -> Result<Standing> {
        self.adopt_legacy(player, mode).await?;
        Ok(self.storage()?.standing(mode)?.map_or(
            Standing {
                rating: START_RATING,
                games: 0,
            },
            |(_, s)| s,
        ))
    }

    /// Adopts the record the mode's first-release shard kept, if the player
    /// has no standing in the mode yet. The check is made again after the
    /// read (another request may have adopted it meanwhile), and adopting
    /// never overwrites a standing.
    async fn adopt_legacy(&self, player: PlayerId, mode: Mode) -> Result<()> {
        if self.storage()?.standing(mode)?.is_some() {
            return Ok(());
        }
        let url = format!("https://volley.internal/api/players/{player}");
        let mut response = link::coordinator(&self.env, mode)?
            .fetch_with_str(&url)
            .await?;
        match response.status_code() {
            200 => {
                let legacy: PlayerRecord = response.json().await?;
                self.storage()?.adopt(mode, &legacy)
            }
            404 => Ok(()),
            status => Err(ServerError::Upstream(format!(
                "the {} coordinator answered {status} for a player's old record",
                mode.as_str()
            ))),
        }
    }

    /// Applies a settled game once, then tells the mode's leaderboard (again
    /// on a repeat, in case the first telling failed).
    async fn apply(&self, line: &PlayerResult) -> Result<&'static str> {
        self.adopt_legacy(line.player, line.mode).await?;
        let settings = self.settings()?;
        let keep_ms = settings.room_retention_ms.saturating_add(APPLIED_MARGIN_MS);
        let (answer, name, standing) = match self.storage()?.apply(line, START_RATING, keep_ms)? {
            Applied::New(name, standing) => ("applied", name, standing),
            Applied::Again(name, standing) => ("already applied", name, standing),
        };
        let leader = LeaderLine {
            player: line.player,
            name,
            standing,
            at_ms: line.at_ms,
        };
        let request = link::post_message(LEADER_PATH, &leader)?;
        let mut response = link::coordinator(&self.env, line.mode)?
            .fetch_with_request(request)
            .await?;
        if response.status_code() != 200 {
            return Err(ServerError::Upstream(format!(
                "the {} leaderboard answered {}: {}",
                line.mode.as_str(),
                response.status_code(),
                response.text().await.unwrap_or_default()
            )));
        }
        let retention = Duration::from_millis(settings.player_retention_ms);
        self.state.storage().set_alarm(retention).await?;
        Ok(answer)
    }

    /// The alarm: forgets the player when their latest game is older than
    /// the retention, or looks again when it will be.
    async fn expire(&self) -> Result<()> {
        let retention = self.settings()?.player_retention_ms;
        let due = self.storage()?.last_ms()?.saturating_add(retention);
        let now = now_ms();
        if now >= due {
            self.state.storage().delete_all().await?;
            self.schema.forget();
        } else {
            let offset = Duration::from_millis(due - now);
            self.state.storage().set_alarm(offset).await?;
        }
        Ok(())
    }
}

/// The `?player=` of an internal request.
fn player_param(req: &Request) -> Result<PlayerId> {
    parse_player(&http::query_param(req, "player").unwrap_or_default())
}
