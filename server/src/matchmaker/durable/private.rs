//! Private rooms by join code: `POST /api/rooms` creates one and gives its
//! creator the first seat; `POST /api/rooms/join` gives a friend the next
//! free seat. Wrong codes count against the client's address.

use super::matching::seat_token;
use super::{Matchmaker, random_u64};
use crate::error::{Result, ServerError};
use crate::http::{self, now_ms};
use crate::internal::{CLAIM_PATH, ClaimSeat, SeatSetup, link};
use crate::location::hint_for_match;
use crate::matchmaker::codes::{MAX_FAILED_GUESSES, new_code, parse_code};
use crate::matchmaker::storage::{PrivateRoom, Storage};
use volley_shared::api::SeatGrant;
use volley_shared::{PlayerId, RoomId, Seat, names};
use worker::{Request, Response};

/// The `guesses` row counting wrong codes from every address together.
const SHARD_GUESSES: &str = "shard:wrong-codes";
/// The `guesses` row counting private rooms made for every address.
const SHARD_CREATIONS: &str = "shard:private-rooms";

impl Matchmaker {
    /// `POST /api/rooms?mode=..&name=..`: a private room and its join code;
    /// the creator gets the first seat.
    pub(super) async fn create_private(&self, req: &Request) -> Result<Response> {
        let mode = Self::mode(req)?;
        let (player, drawn) = requester(req)?;
        let name = display_name(req)?;
        let storage = self.storage()?;
        let now = now_ms();
        // Each room costs a Durable Object's setup: a budget per address,
        // counted as wrong join codes are (loopback, a local machine, is
        // not limited; crate::address).
        if let Some(address) = http::address_key(req)
            && !storage.spend(&format!("create:{address}"), now, MAX_FAILED_GUESSES)?
        {
            return Err(ServerError::TooManyRequests(format!(
                "at most {MAX_FAILED_GUESSES} private rooms a minute from one address"
            )));
        }
        // All addresses together, loopback included.
        let shard_budget = self.settings()?.limits.shard_private_rooms;
        if !storage.spend(SHARD_CREATIONS, now, shard_budget)? {
            return Err(ServerError::TooManyRequests(
                "too many private rooms made on this server just now; wait a minute".into(),
            ));
        }
        storage.forget_expired_codes(now)?;
        let mut code = new_code(mode, random_u64()?);
        while storage.private_room(&code)?.is_some() {
            code = new_code(mode, random_u64()?);
        }
        let ttl = self.settings()?.private_code_ttl_ms;
        let seats: Vec<SeatSetup> = (0..mode.players())
            .map(|n| {
                Ok(SeatSetup {
                    player: if n == 0 {
                        player
                    } else {
                        PlayerId(random_u64()?)
                    },
                    name: if n == 0 {
                        name.clone()
                    } else {
                        format!("seat {}", n + 1)
                    },
                    bot: false,
                })
            })
            .collect::<Result<_>>()?;
        if drawn {
            self.note_anonymous(&storage, player, now)?;
        }
        let placement = link::residency(&self.env)
            .room_placement(hint_for_match([http::query_param(req, "hint").as_deref()]));
        let (room, _build) = self.create_room(mode, seats, placement, ttl).await?;
        let expires_ms = now.saturating_add(ttl);
        storage.put_private_room(&PrivateRoom {
            code: code.clone(),
            room_id: room.0.clone(),
            seats: mode.players() as u64,
            claimed: 1,
            expires_ms,
        })?;
        let key = self.settings.key(&self.env)?;
        let grant = SeatGrant {
            code,
            mode,
            game: mode.game(),
            seat: Seat(0),
            token: seat_token(key, &room, Seat(0), player),
            room,
            player: player.to_string(),
            expires_ms,
        };
        Ok(Response::from_json(&grant)?.with_status(201))
    }

    /// `POST /api/rooms/join?code=..&name=..`: the next free seat of a
    /// private room. Wrong codes count against the client's address.
    pub(super) async fn join_private(&self, req: &Request) -> Result<Response> {
        let (player, drawn) = requester(req)?;
        let name = display_name(req)?;
        // Guesses are limited from loopback too (crate::address exempts it
        // from socket limits only): one bucket for the whole machine.
        let address = http::address_key(req).unwrap_or_else(|| "loopback".into());
        let storage = self.storage()?;
        let now = now_ms();
        let guesses = storage.guesses(&address)?;
        if !guesses.allowed(now) {
            return Err(ServerError::TooManyRequests(
                "too many wrong codes; wait a minute".into(),
            ));
        }
        // All addresses together: a botnet guesses no faster than this.
        let shard_budget = self.settings()?.limits.shard_wrong_codes;
        let shard_guesses = storage.guesses(SHARD_GUESSES)?;
        if !shard_guesses.allowed_up_to(now, shard_budget) {
            return Err(ServerError::TooManyRequests(
                "too many wrong codes on this server just now; wait a minute".into(),
            ));
        }
        let code = http::query_param(req, "code")
            .and_then(|typed| parse_code(&typed))
            .map(|(code, _)| code);
        let found = match &code {
            Some(code) => storage.private_room(code)?.filter(|r| r.expires_ms > now),
            None => None,
        };
        let Some(mut private) = found else {
            storage.put_guesses(&address, guesses.after_failure(now))?;
            storage.put_guesses(SHARD_GUESSES, shard_guesses.after_failure(now))?;
            return Err(ServerError::NotFound(
                "no room has that code (or it expired)".into(),
            ));
        };
        if private.claimed >= private.seats {
            return Err(ServerError::Conflict("that room is full".into()));
        }
        let seat = Seat(u8::try_from(private.claimed).unwrap_or(u8::MAX));
        // Taken before the first await: two friends never get one seat.
        private.claimed += 1;
        storage.put_private_room(&private)?;
        if drawn {
            self.note_anonymous(&storage, player, now)?;
        }
        let room = RoomId(private.room_id.clone());
        let claim = ClaimSeat { seat, player, name };
        let claimed = link::room(&self.env, &room)?
            .fetch_with_request(link::post_message(CLAIM_PATH, &claim)?)
            .await;
        let given = claimed.as_ref().is_ok_and(|r| r.status_code() == 200);
        if !given {
            // The seat was not given: it is free again for the next friend.
            self.release_claim(&storage, &private.code, seat)?;
            claimed?;
            return Err(ServerError::Conflict(
                "that seat could not be given: the game may have begun, or you already have a seat in it"
                    .into(),
            ));
        }
        let key = self.settings.key(&self.env)?;
        let mode = Self::mode(req)?;
        Ok(Response::from_json(&SeatGrant {
            code: private.code,
            mode,
            game: mode.game(),
            seat,
            token: seat_token(key, &room, seat, player),
            room,
            player: player.to_string(),
            expires_ms: private.expires_ms,
        })?)
    }
}

impl Matchmaker {
    /// Gives back a seat whose claim the room refused or never answered,
    /// if no later friend has been given a seat since.
    fn release_claim(&self, storage: &Storage, code: &str, seat: Seat) -> Result<()> {
        if let Some(mut private) = storage.private_room(code)?
            && private.claimed == u64::from(seat.0) + 1
        {
            private.claimed -= 1;
            storage.put_private_room(&private)?;
        }
        Ok(())
    }
}

/// The requester's player id: the guest id the Worker verified, or a fresh
/// anonymous one (then `true`: drawn).
fn requester(req: &Request) -> Result<(PlayerId, bool)> {
    match http::query_param(req, "player") {
        Some(hex) => u64::from_str_radix(&hex, 16)
            .map(|id| (PlayerId(id), false))
            .map_err(|_| ServerError::BadRequest("missing player".into())),
        None => random_u64().map(|id| (PlayerId(id), true)),
    }
}

/// The display name in `?name=` ("player" without one), normalised; a
/// name [`names::normalise`] refuses is a 400 that says why.
fn display_name(req: &Request) -> Result<String> {
    let name = http::query_param(req, "name").unwrap_or_else(|| "player".into());
    names::normalise(&name).map_err(|e| ServerError::BadRequest(e.to_string()))
}
