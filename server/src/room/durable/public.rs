//! What anyone may ask a room over HTTP: public facts about it
//! (`GET /api/rooms/{id}`), its replay (`/replay`) and a spectator token
//! (`POST /spectate`). Bodies are `volley_shared::api` types.

use super::GameRoom;
use crate::error::Result;
use crate::http::now_ms;
use crate::room::any::AnyRoom;
use crate::settings::JOIN_TOKEN_TTL_MS;
use crate::token::Grant;
use volley_shared::api::{RoomInfo, RoomSeat, SpectatorGrant};
use volley_shared::{PlayerId, Role};
use worker::Response;

impl GameRoom {
    /// `GET /api/rooms/{id}`.
    pub(super) fn info(&self) -> Result<Response> {
        let record = self.load_record()?;
        let room = &record.room;
        Ok(Response::from_json(&RoomInfo {
            room_id: self.room_id(),
            created_by: record.created_by.clone(),
            location_hint: record.location_hint.clone(),
            created_at_ms: record.created_at_ms,
            mode: room.mode(),
            game: room.game_kind(),
            phase: room.phase().name().to_string(),
            seq: room.seq(),
            turn: room.turn(),
            connections: self.state.get_websockets().len(),
            instance: format!("{:016x}", self.instance),
            build: crate::build::BUILD.to_string(),
            players: room
                .seats()
                .iter()
                .map(|seat| RoomSeat {
                    name: seat.name.clone(),
                    player: seat.player.to_string(),
                    bot: seat.bot,
                })
                .collect(),
        })?)
    }

    /// `GET /api/rooms/{id}/replay`: mode, seed, roster and action log, as
    /// `volley_shared::replay::Replay` of the room's game.
    pub(super) fn replay(&self) -> Result<Response> {
        let record = self.load_record()?;
        let storage = self.storage()?;
        Ok(match &record.room {
            AnyRoom::Artillery(room) => Response::from_json(&room.replay(storage.actions()?))?,
            AnyRoom::ConnectFour(room) => Response::from_json(&room.replay(storage.actions()?))?,
        })
    }

    /// `POST /api/rooms/{id}/spectate`: a token to watch this room.
    pub(super) fn spectator_token(&self) -> Result<Response> {
        let record = self.load_record()?;
        let token = self.settings.key(&self.env)?.sign(
            &self.room_id(),
            Grant {
                role: Role::Spectator,
                player: PlayerId(0),
                expires_ms: now_ms().saturating_add(JOIN_TOKEN_TTL_MS),
            },
        );
        Ok(Response::from_json(&SpectatorGrant {
            room: self.room_id(),
            game: record.room.game_kind(),
            token,
        })?)
    }
}
