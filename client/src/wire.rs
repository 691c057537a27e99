//! Frames in whichever protocol version a socket agreed on, for both
//! transports: the current version's frames as they are, version 1's
//! converted to and from the current types (a server of the previous
//! release speaks only version 1, and this client still speaks it), so the
//! rest of the client never knows which version a socket speaks.
//!
//! [`Inbox`] reads a socket's first messages for a transport that gets
//! them one by one in callbacks (the browser): the server's answer to the
//! opening, or a version 1 error from a server that only speaks version 1,
//! after which the caller says its hello again in version 1. (The native
//! transport awaits instead: `native::Connection::open_with`.)

use crate::session::SessionError;
use volley_shared::Game;
use volley_shared::artillery::Artillery;
use volley_shared::codec::{self, CodecError};
use volley_shared::protocol::{
    Answer, Hello, LobbyClientFrame, LobbyServerFrame, RoomClientFrame, RoomServerFrame, v1,
};

/// A room frame from a socket speaking `version`.
pub fn decode_room<G: Game>(
    bytes: &[u8],
    version: u16,
) -> Result<RoomServerFrame<G>, SessionError> {
    if version != v1::VERSION {
        return Ok(codec::decode_server(bytes)?);
    }
    codec::decode_server::<v1::ServerFrame<G>>(bytes)?
        .into_room()
        .ok_or_else(|| SessionError::Unexpected("a room sent a coordinator frame".into()))
}

/// A coordinator frame from a socket speaking `version`.
pub fn decode_lobby(bytes: &[u8], version: u16) -> Result<LobbyServerFrame, SessionError> {
    if version != v1::VERSION {
        return Ok(codec::decode_server(bytes)?);
    }
    codec::decode_server::<v1::ServerFrame<Artillery>>(bytes)?
        .into_lobby()
        .ok_or_else(|| SessionError::Unexpected("a coordinator sent a room frame".into()))
}

/// A room frame's bytes for a socket speaking `version`.
pub fn encode_room<G: Game>(
    frame: &RoomClientFrame<G>,
    version: u16,
) -> Result<Vec<u8>, CodecError> {
    if version == v1::VERSION {
        codec::encode(&v1::ClientFrame::from(frame.clone()))
    } else {
        codec::encode(frame)
    }
}

/// A coordinator frame's bytes for a socket speaking `version`.
pub fn encode_lobby(frame: &LobbyClientFrame, version: u16) -> Result<Vec<u8>, CodecError> {
    if version == v1::VERSION {
        codec::encode(&v1::ClientFrame::<Artillery>::from(frame.clone()))
    } else {
        codec::encode(frame)
    }
}

/// A hello in version 1, for a server that only speaks version 1 (hellos
/// do not depend on the game).
pub fn v1_hello(hello: Hello) -> Result<Vec<u8>, CodecError> {
    codec::encode(&v1::ClientFrame::<Artillery>::hello(v1::VERSION, hello))
}

/// What a socket has read so far.
#[derive(Debug, Default)]
pub struct Inbox {
    agreed: Option<u16>,
}

/// One message, as the inbox took it.
#[derive(Debug, PartialEq, Eq)]
pub enum Accepted<'a> {
    /// The server's answer agreed on a version.
    Answered,
    /// The server only speaks version 1 (it answered the opening with a
    /// version 1 error): say the hello again in version 1 ([`v1_hello`]).
    FellBack,
    /// A frame, in [`Inbox::version`].
    Frame(&'a [u8]),
}

impl Inbox {
    /// A socket that has just sent its opening.
    pub fn new() -> Self {
        Self::default()
    }

    /// The version frames are in, once settled.
    pub fn version(&self) -> Option<u16> {
        self.agreed
    }

    /// Takes one message.
    pub fn accept<'a>(&mut self, bytes: &'a [u8]) -> Result<Accepted<'a>, SessionError> {
        if self.agreed.is_some() {
            return Ok(Accepted::Frame(bytes));
        }
        match codec::decode_answer(bytes)? {
            Some(Answer::Agreed { version }) => {
                self.agreed = Some(version);
                Ok(Accepted::Answered)
            }
            Some(Answer::Refused { served, message }) => Err(SessionError::Unexpected(format!(
                "the server speaks protocol {}..={}: {message}",
                served.min, served.max
            ))),
            None => {
                self.agreed = Some(v1::VERSION);
                Ok(Accepted::FellBack)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use volley_shared::protocol::Versions;
    use volley_shared::{ErrorCode, PlayerId, Seat};

    #[test]
    fn the_answer_comes_first_then_frames() {
        let mut inbox = Inbox::new();
        let agreed = codec::encode_answer(&Answer::Agreed { version: 2 }).unwrap();
        assert_eq!(inbox.accept(&agreed), Ok(Accepted::Answered));
        assert_eq!(inbox.version(), Some(2));
        let queued = LobbyServerFrame::Queued {
            player: PlayerId(3),
        };
        let bytes = codec::encode(&queued).unwrap();
        assert_eq!(inbox.accept(&bytes), Ok(Accepted::Frame(&bytes[..])));
        assert_eq!(decode_lobby(&bytes, 2), Ok(queued));
    }

    #[test]
    fn a_refusal_is_an_error_and_a_version_1_server_a_fallback() {
        let refused = codec::encode_answer(&Answer::Refused {
            served: Versions { min: 3, max: 4 },
            message: "too old".into(),
        })
        .unwrap();
        assert!(Inbox::new().accept(&refused).is_err());
        let v1_error = codec::encode(&v1::ServerFrame::<Artillery>::Error {
            code: ErrorCode::MalformedFrame,
            message: "?".into(),
        })
        .unwrap();
        let mut inbox = Inbox::new();
        assert_eq!(inbox.accept(&v1_error), Ok(Accepted::FellBack));
        assert_eq!(inbox.version(), Some(1));
        // From then on frames are version 1, read as the current types.
        let matched = v1::ServerFrame::<Artillery>::Matched {
            room: volley_shared::RoomId("ab".repeat(32)),
            seat: Seat(1),
            token: "t".into(),
        };
        let bytes = codec::encode(&matched).unwrap();
        assert!(matches!(
            decode_lobby(&bytes, 1),
            Ok(LobbyServerFrame::Matched { seat: Seat(1), .. })
        ));
        let pong = codec::encode(&v1::ServerFrame::<Artillery>::Pong { nonce: 4 }).unwrap();
        assert_eq!(
            decode_lobby(&pong, 1),
            Ok(LobbyServerFrame::Pong { nonce: 4 })
        );
        assert_eq!(
            decode_room::<Artillery>(&pong, 1),
            Ok(RoomServerFrame::Pong { nonce: 4 })
        );
        assert!(decode_room::<Artillery>(&bytes, 1).is_err());
    }

    #[test]
    fn frames_go_out_in_the_socket_version() {
        let resign = RoomClientFrame::<Artillery>::Resign;
        let old = encode_room(&resign, 1).unwrap();
        assert_eq!(
            codec::decode_client::<v1::ClientFrame<Artillery>>(&old),
            Ok(v1::ClientFrame::Resign)
        );
        assert_eq!(
            encode_room(&resign, 2).unwrap(),
            codec::encode(&resign).unwrap()
        );
        let ping = LobbyClientFrame::Ping { nonce: 1 };
        assert_eq!(
            codec::decode_client::<v1::ClientFrame<Artillery>>(&encode_lobby(&ping, 1).unwrap()),
            Ok(v1::ClientFrame::Ping { nonce: 1 })
        );
        let hello = v1_hello(Hello::Join {
            token: "t".into(),
            last_seq: 4,
        })
        .unwrap();
        assert_eq!(
            codec::decode_client::<v1::ClientFrame<Artillery>>(&hello),
            Ok(v1::ClientFrame::Hello {
                protocol: 1,
                token: "t".into(),
                last_seq: 4
            })
        );
    }
}
