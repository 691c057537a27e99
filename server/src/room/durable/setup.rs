//! Setting a room up: from the coordinator's `InitRoom` (`/internal/init`),
//! or, for a chartered room, from the charter in its first player's token
//! ([`crate::internal::charter`]), with no tables made until a valid one
//! comes; a chartered room then tells its shard it exists
//! ([`crate::internal::set_up`]).

use super::GameRoom;
use crate::alarm::{self, AlarmPlan};
use crate::error::{Result, ServerError};
use crate::http::now_ms;
use crate::internal::charter::Charter;
use crate::internal::link;
use crate::internal::set_up::{SET_UP_PATH, SetUpNotice};
use crate::internal::{BUILD_HEADER, InitRoom};
use crate::room::any::AnyRoom;
use crate::room::inbound::{self, Caller};
use crate::room::record::RoomRecord;
use crate::room::storage::Storage;
use crate::token::{JoinKey, TokenError};
use worker::Response;

/// What a first frame comes to at an object that holds no room.
pub(super) enum Unset {
    /// It set the room up from its token's charter; the room was made by
    /// the coordinator with this id, which is to be told.
    SetUp {
        storage: Storage,
        record: Box<RoomRecord>,
        shard: String,
    },
    /// Its token is refused: forged, malformed, for another room, or
    /// expired.
    Refused(TokenError),
    /// There is no room: not a first frame with a join token, a token
    /// without a charter, or a charter come after the seats' reservation.
    NoRoom,
}

/// A random 64-bit number (a seed, a secret).
fn random_u64() -> Result<u64> {
    getrandom::u64().map_err(|e| ServerError::Config(format!("no randomness: {e}")))
}

impl GameRoom {
    /// `POST /internal/init`: sets a new room up as its coordinator says
    /// (once; a second init is a conflict).
    pub(super) async fn init(&self, init: InitRoom) -> Result<Response> {
        let storage = self.storage()?;
        if self.record.borrow().is_some() || storage.load()?.is_some() {
            return Err(ServerError::Conflict("room already initialised".into()));
        }
        self.set_up(&storage, init, now_ms()).await?;
        let response = Response::ok("initialised")?.with_status(201);
        response.headers().set(BUILD_HEADER, crate::build::BUILD)?;
        Ok(response)
    }

    /// Sets the room up as `init` says, at `now`; the record is then in
    /// memory.
    async fn set_up(&self, storage: &Storage, init: InitRoom, now: u64) -> Result<()> {
        // Only once no release that cannot replay such a game serves
        // (WIND_SECRET; ARCHITECTURE.md, "The wind's secret").
        let secret = match self.settings()?.wind_secret {
            true => Some(random_u64()?),
            false => None,
        };
        let (room, effects) = AnyRoom::new(init.setup, secret, now)
            .map_err(|err| ServerError::BadRequest(err.to_string()))?;
        let mut record = RoomRecord::new(room, init.created_by, init.location_hint, now);
        self.carry_out_any(storage, &mut record, None, now, effects)
            .await
            .map(drop)
    }

    /// Whether this object holds a room (set up, or being read): neither
    /// a fresh chartered address nor a deleted room does.
    pub(super) fn holds_room(&self) -> Result<bool> {
        Ok(self.record.borrow().is_some()
            || self.schema.is_ready()
            || Storage::holds_a_room(&self.state.storage().sql())?)
    }

    /// A room not set up yet sets itself up from the charter in a first
    /// frame's token, if the token is valid and carries one
    /// ([`crate::internal::charter`]).
    pub(super) async fn set_up_from_charter(
        &self,
        caller: Caller,
        bytes: &[u8],
        key: Option<&JoinKey>,
        now: u64,
    ) -> Result<Unset> {
        let (Caller::Pending, Some(key)) = (caller, key) else {
            return Ok(Unset::NoRoom);
        };
        let Some(token) = inbound::joining_token(bytes) else {
            return Ok(Unset::NoRoom);
        };
        let charter = match key.verify_chartered(&self.room_id(), &token, now) {
            Ok((_, Some(charter))) => Charter::decode(&charter)?,
            Ok((_, None)) => return Ok(Unset::NoRoom),
            Err(err) => return Ok(Unset::Refused(err)),
        };
        if !charter.open_at(now) {
            // Too late: nobody came while the seats were reserved.
            return Ok(Unset::NoRoom);
        }
        let shard = charter.created_by.clone();
        let storage = self.storage()?;
        // The alarm this socket set before there was a table to note it in
        // ([`GameRoom::ring_before_set_up`]), noted now: the set-up's
        // timers come after it, and would otherwise set it again.
        storage.note_alarm_ms(&self.alarm, self.alarm_set().await?)?;
        self.set_up(&storage, charter.into_init(random_u64()?), now)
            .await?;
        // Other sockets may wait for their hello: the set-up's alarm must
        // not pass their deadline. (None is closed here: this socket is
        // one of them until its hello is read.)
        let next_hello = self.hello_deadline(self.settings()?.limits.hello_ms);
        self.reschedule_by(&storage, now, next_hello).await?;
        Ok(match self.take_record(&storage)? {
            Some(record) => Unset::SetUp {
                storage,
                record: Box::new(record),
                shard,
            },
            None => Unset::NoRoom,
        })
    }

    /// Tells the shard that chartered this room that it exists, and its
    /// build. Best effort: a shard of a release before the notice answers
    /// 404, and a failure only leaves the shard's count of the room's
    /// build as `chartered` (it is logged).
    pub(super) async fn tell_shard_set_up(&self, shard: &str) {
        let notice = SetUpNotice {
            room: self.room_id(),
            build: crate::build::BUILD.to_string(),
        };
        match link::post_to_coordinator(&self.env, shard, SET_UP_PATH, &notice).await {
            Ok(200..=299 | 404) => {}
            Ok(status) => {
                crate::build::log_warn!("the shard answered {status} to the room's set-up")
            }
            Err(err) => {
                crate::build::log_warn!("room could not tell its shard it is set up: {err}")
            }
        }
    }

    /// Makes the alarm of a room not set up yet ring by `at` (there is no
    /// table to note it in).
    pub(super) async fn ring_before_set_up(&self, now: u64, at: u64) -> Result<()> {
        // The rule every alarm here follows: it only moves earlier.
        if let AlarmPlan::Set(at) = alarm::plan(now, Some(at), self.alarm_set().await?) {
            self.state
                .storage()
                .set_alarm(alarm::scheduled_at(at))
                .await?;
        }
        Ok(())
    }

    /// When the alarm is set to ring, asked of the platform (before set-up
    /// there is no table that notes it).
    async fn alarm_set(&self) -> Result<Option<u64>> {
        Ok(self
            .state
            .storage()
            .get_alarm()
            .await?
            .and_then(|ms| u64::try_from(ms).ok()))
    }
}
