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
//! Reading never creates the object's tables: asking about an unknown id
//! leaves nothing behind. A player who has not played for
//! `PLAYER_RETENTION_MS` is forgotten: the alarm deletes the object's
//! storage. The first write of an instance (a standing adopted or begun, a
//! game) sets the alarm that far ahead; later writes leave it, since the
//! alarm, when it rings, sets itself again from the latest game if the
//! player has played since (a new player's standing and first result are
//! one alarm write, not two).

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
use std::cell::Cell;
use std::time::Duration;
use volley_shared::api::{PlayerModes, PlayerRecord, START_RATING};
use volley_shared::{Mode, PlayerId};
use worker::{DurableObject, Env, Request, Response, State, durable_object};

/// How long a room's line is remembered as applied, past the room's own
/// retention (a room reports only while it exists).
const APPLIED_MARGIN_MS: u64 = crate::time::DAY_MS;

/// A player's ratings, as a Durable Object.
#[durable_object]
pub struct Player {
    state: State,
    env: Env,
    settings: settings::Cached,
    schema: Schema,
    /// This instance has set the retention alarm, and it has not rung
    /// since: a write need not move it ([`Player::keep_for_retention`]).
    armed: Cell<bool>,
}

impl DurableObject for Player {
    fn new(state: State, env: Env) -> Self {
        Self {
            state,
            env,
            settings: settings::Cached::default(),
            schema: Schema::default(),
            armed: Cell::new(false),
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
                    self.adopt_legacy(player, mode, Unknown::Leave).await?;
                    if let Some(storage) = self.stored()? {
                        found.extend(storage.record(player, mode)?);
                    }
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

    /// The tables, if anything was ever written here: reading never
    /// creates them, so asking about an unknown id leaves nothing behind.
    fn stored(&self) -> Result<Option<Storage>> {
        let sql = self.state.storage().sql();
        if self.schema.is_ready() {
            return Ok(Some(Storage::existing(sql)));
        }
        Storage::if_any(sql)
    }

    /// The standing kept for `mode`, if any.
    fn kept(&self, mode: Mode) -> Result<Option<(String, Standing)>> {
        match self.stored()? {
            Some(storage) => storage.standing(mode),
            None => Ok(None),
        }
    }

    /// The player's standing in `mode`, adopting the first releases' one;
    /// a player they did not know is remembered as new, so the next read
    /// does not ask again.
    async fn standing(&self, player: PlayerId, mode: Mode) -> Result<Standing> {
        self.adopt_legacy(player, mode, Unknown::Remember).await?;
        Ok(self.kept(mode)?.map_or(
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
    /// never overwrites a standing. Whatever is written is kept for the
    /// retention.
    async fn adopt_legacy(&self, player: PlayerId, mode: Mode, unknown: Unknown) -> Result<()> {
        if self.kept(mode)?.is_some() {
            return Ok(());
        }
        let url = format!("https://volley.internal/api/players/{player}");
        let mut response = link::coordinator(&self.env, mode)?
            .fetch_with_str(&url)
            .await?;
        let legacy = match (response.status_code(), unknown) {
            (200, _) => response.json::<PlayerRecord>().await?,
            (404, Unknown::Remember) => PlayerRecord {
                player: player.to_string(),
                name: String::new(),
                rating: START_RATING,
                games: 0,
                recent: Vec::new(),
                mode: None,
            },
            (404, Unknown::Leave) => return Ok(()),
            (status, _) => {
                return Err(ServerError::Upstream(format!(
                    "the {} coordinator answered {status} for a player's old record",
                    mode.as_str()
                )));
            }
        };
        self.storage()?.adopt(mode, &legacy)?;
        self.keep_for_retention().await
    }

    /// Forgets the player after the retention unless they play meanwhile.
    /// Only the instance's first write sets the alarm: one set since rings
    /// no later than the retention after this write, and [`Player::expire`]
    /// then looks at the latest game before it forgets anything.
    async fn keep_for_retention(&self) -> Result<()> {
        if self.armed.get() {
            return Ok(());
        }
        let retention = Duration::from_millis(self.settings()?.player_retention_ms);
        self.state.storage().set_alarm(retention).await?;
        self.armed.set(true);
        Ok(())
    }

    /// Applies a settled game once, then tells the mode's leaderboard (again
    /// on a repeat, in case the first telling failed).
    async fn apply(&self, line: &PlayerResult) -> Result<&'static str> {
        self.adopt_legacy(line.player, line.mode, Unknown::Leave)
            .await?;
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
        self.keep_for_retention().await?;
        Ok(answer)
    }

    /// The alarm: forgets the player when their latest game is older than
    /// the retention, or looks again when it will be.
    async fn expire(&self) -> Result<()> {
        // Rung: the next write sets it again unless this call does.
        self.armed.set(false);
        let Some(storage) = self.stored()? else {
            return Ok(());
        };
        let retention = self.settings()?.player_retention_ms;
        let due = storage.last_ms()?.saturating_add(retention);
        let now = now_ms();
        if now >= due {
            self.state.storage().delete_all().await?;
            self.schema.forget();
        } else {
            let offset = Duration::from_millis(due - now);
            self.state.storage().set_alarm(offset).await?;
            self.armed.set(true);
        }
        Ok(())
    }
}

/// What adopting does when the first releases did not know the player.
#[derive(Clone, Copy)]
enum Unknown {
    /// Writes a new player's standing, so the next read does not ask again
    /// (a player who queues: they are about to play).
    Remember,
    /// Writes nothing (a public read of any id, or a result, which writes
    /// the standing itself).
    Leave,
}

/// The `?player=` of an internal request.
fn player_param(req: &Request) -> Result<PlayerId> {
    parse_player(&http::query_param(req, "player").unwrap_or_default())
}
