//! Bytes from a room socket become engine calls.
//!
//! A socket's first frame is read as an opening (protocol 2 and later) or
//! as a version 1 frame, and goes to [`Room::hello`]; every later frame is
//! read in the version the socket agreed on and goes to [`Room::handle`].
//! What cannot be read is answered with an error frame (the socket stays
//! open); extra live frames over the socket's limit are dropped quietly.
//! Pure: no `worker` types, so every path is unit-tested with bytes.

use super::effects::Effect;
use super::engine::{Greeting, Room, refuse, refuse_and_close};
use super::refusals::Denied;
use crate::flood::FloodGuard;
use crate::handshake::{self, Offered, Refusal};
use crate::token::Grant;
use volley_shared::artillery::Artillery;
use volley_shared::codec::{self, CodecError};
use volley_shared::protocol::{ErrorCode, Hello, Role, RoomClientFrame, Versions, close, v1};
use volley_shared::{Game, protocol};

/// Who sent a frame, as its socket remembers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Caller {
    /// Accepted, no first frame yet.
    Pending,
    /// Said hello and was admitted, in this protocol version.
    Admitted {
        /// Player or spectator.
        role: Role,
        /// The version its frames are in.
        version: u16,
    },
}

impl Caller {
    /// The version frames to this caller are encoded in (version 1 until a
    /// socket agrees on another).
    pub fn version(self) -> u16 {
        match self {
            Caller::Pending => v1::VERSION,
            Caller::Admitted { version, .. } => version,
        }
    }
}

/// Reads `bytes` from `caller` and hands them to the room.
pub fn receive<G: Game>(
    room: &mut Room<G>,
    now_ms: u64,
    caller: Caller,
    bytes: &[u8],
    guard: &mut FloodGuard,
    verify: impl FnOnce(&str) -> Result<Grant, Denied>,
) -> Vec<Effect<G>> {
    match caller {
        Caller::Pending => first_frame(room, now_ms, bytes, verify),
        Caller::Admitted { role, version } => {
            let frame = match read_frame::<G>(version, bytes) {
                Ok(frame) => frame,
                Err(refusal) => return refusal,
            };
            if matches!(frame, RoomClientFrame::Live(_)) && !guard.live(now_ms) {
                // Over the live-frame rate (20 a second): dropped quietly.
                return Vec::new();
            }
            room.handle(now_ms, role, version, frame)
        }
    }
}

/// A socket's first frame: an opening, or a version 1 `Hello` (or `Ping`,
/// which a version 1 room always answered).
fn first_frame<G: Game>(
    room: &mut Room<G>,
    now_ms: u64,
    bytes: &[u8],
    verify: impl FnOnce(&str) -> Result<Grant, Denied>,
) -> Vec<Effect<G>> {
    let greeting = match codec::decode_opening(bytes) {
        Ok(Some(opening)) => match opening.hello {
            Hello::Join { token, last_seq } => Greeting {
                offered: Offered::Range(opening.versions),
                token,
                last_seq,
            },
            Hello::FindMatch { .. } => {
                return refuse_opening(
                    room,
                    opening.versions,
                    ErrorCode::UnexpectedFrame,
                    NOT_A_JOIN.to_string(),
                );
            }
        },
        Ok(None) => {
            match codec::decode_client::<v1::ClientFrame<G>>(bytes).map(v1::ClientFrame::sort) {
                Ok(v1::Sorted::Hello(protocol, Hello::Join { token, last_seq })) => Greeting {
                    offered: Offered::V1(protocol),
                    token,
                    last_seq,
                },
                Ok(v1::Sorted::Room(RoomClientFrame::Ping { nonce })) => {
                    return vec![Effect::Reply(protocol::RoomServerFrame::Pong { nonce })];
                }
                Ok(_) => return not_a_join(),
                Err(err) => return unreadable(&err),
            }
        }
        Err(err) => {
            return match codec::opening_versions(bytes) {
                Some(versions) => refuse_opening(
                    room,
                    versions,
                    err.error_code(),
                    format!("the opening's hello cannot be read: {err}"),
                ),
                None => unreadable(&err),
            };
        }
    };
    room.hello(now_ms, greeting, verify)
}

/// The join token in a socket's first frame, if it is a `Hello` to a room
/// in any version: what a room not set up yet reads its charter from
/// ([`crate::internal::charter`]). The frame is read again, in full, once
/// the room exists.
pub fn joining_token(bytes: &[u8]) -> Option<String> {
    let hello = match codec::decode_opening(bytes) {
        Ok(Some(opening)) => opening.hello,
        Ok(None) => match codec::decode_client::<v1::ClientFrame<Artillery>>(bytes) {
            Ok(frame) => match frame.sort() {
                v1::Sorted::Hello(_, hello) => hello,
                _ => return None,
            },
            Err(_) => return None,
        },
        Err(_) => return None,
    };
    match hello {
        Hello::Join { token, .. } => Some(token),
        Hello::FindMatch { .. } => None,
    }
}

/// A later frame, in the socket's version.
fn read_frame<G: Game>(version: u16, bytes: &[u8]) -> Result<RoomClientFrame<G>, Vec<Effect<G>>> {
    if version == v1::VERSION {
        return match codec::decode_client::<v1::ClientFrame<G>>(bytes).map(v1::ClientFrame::sort) {
            Ok(v1::Sorted::Room(frame)) => Ok(frame),
            Ok(v1::Sorted::Hello(..)) => Err(refuse(
                ErrorCode::UnexpectedFrame,
                "this connection already said hello",
            )),
            Ok(v1::Sorted::Lobby(_)) => Err(refuse(
                ErrorCode::UnexpectedFrame,
                "that frame goes to /api/matchmake",
            )),
            Err(err) => Err(unreadable(&err)),
        };
    }
    codec::decode_client::<RoomClientFrame<G>>(bytes).map_err(|err| unreadable(&err))
}

const NOT_A_JOIN: &str =
    "the first frame on a room socket must be Hello (an opening with Join in protocol 2)";

fn not_a_join<G: Game>() -> Vec<Effect<G>> {
    refuse_and_close(
        ErrorCode::UnexpectedFrame,
        close::PROTOCOL_VIOLATION,
        NOT_A_JOIN.to_string(),
    )
}

/// The answer to bytes that are not a frame: the socket stays open.
pub fn unreadable<G: Game>(err: &CodecError) -> Vec<Effect<G>> {
    refuse(err.error_code(), &err.to_string())
}

/// Refuses an opening whose versions can be read but whose hello is not a
/// room's (unreadable, or a `FindMatch`): the version is settled first, so
/// the client learns who is too old or reads the error in its own version;
/// then the socket is closed.
fn refuse_opening<G: Game>(
    room: &Room<G>,
    versions: Versions,
    code: ErrorCode,
    message: String,
) -> Vec<Effect<G>> {
    match handshake::settle(room.setup().mode, Offered::Range(versions)) {
        Ok(settled) => {
            let mut effects: Vec<Effect<G>> =
                settled.answer().map(Effect::Answer).into_iter().collect();
            effects.extend(refuse_and_close(code, close::PROTOCOL_VIOLATION, message));
            effects
        }
        Err(Refusal::V1 { message }) => {
            refuse_and_close(Refusal::V1_CODE, Refusal::V1_CLOSE, message)
        }
        Err(Refusal::Opening {
            answer,
            close,
            message,
        }) => vec![
            Effect::Answer(answer),
            Effect::Close {
                code: close,
                reason: message,
            },
        ],
    }
}

#[cfg(test)]
mod tests;
