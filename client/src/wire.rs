//! Reading a socket's frames after an opening, for a transport that gets
//! them one by one in callbacks (the browser): the server's answer comes
//! first, then frames of the agreed version. (The native transport awaits
//! the answer instead: `native::Connection::open_with`.)

use crate::session::SessionError;
use serde::de::DeserializeOwned;
use std::marker::PhantomData;
use volley_shared::codec;
use volley_shared::protocol::Answer;

/// What a socket has read so far.
#[derive(Debug)]
pub struct Inbox<T> {
    agreed: Option<u16>,
    frames: PhantomData<T>,
}

impl<T> Default for Inbox<T> {
    fn default() -> Self {
        Self {
            agreed: None,
            frames: PhantomData,
        }
    }
}

impl<T: DeserializeOwned> Inbox<T> {
    /// A socket that has just sent its opening.
    pub fn new() -> Self {
        Self::default()
    }

    /// The version agreed, once the answer has come.
    pub fn agreed(&self) -> Option<u16> {
        self.agreed
    }

    /// Reads one message: `Ok(None)` for the answer, then each frame.
    pub fn read(&mut self, bytes: &[u8]) -> Result<Option<T>, SessionError> {
        match self.accept(bytes)? {
            Some(frame) => Ok(Some(codec::decode_server(frame)?)),
            None => Ok(None),
        }
    }
}

impl<T> Inbox<T> {
    /// Takes one message: `Ok(None)` for the answer, then each frame's
    /// bytes, for a caller that decodes them itself (a room socket, whose
    /// frames depend on the game).
    pub fn accept<'a>(&mut self, bytes: &'a [u8]) -> Result<Option<&'a [u8]>, SessionError> {
        if self.agreed.is_some() {
            return Ok(Some(bytes));
        }
        match codec::decode_answer(bytes)? {
            Some(Answer::Agreed { version }) => {
                self.agreed = Some(version);
                Ok(None)
            }
            Some(Answer::Refused { served, message }) => Err(SessionError::Unexpected(format!(
                "the server speaks protocol {}..={}: {message}",
                served.min, served.max
            ))),
            None => Err(SessionError::Unexpected(
                "the server speaks protocol version 1 only".into(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use volley_shared::protocol::{LobbyServerFrame, Versions, v1};
    use volley_shared::{PlayerId, artillery::Artillery};

    #[test]
    fn the_answer_comes_first_then_frames() {
        let mut inbox = Inbox::<LobbyServerFrame>::new();
        let agreed = codec::encode_answer(&Answer::Agreed { version: 2 }).unwrap();
        assert_eq!(inbox.read(&agreed), Ok(None));
        assert_eq!(inbox.agreed(), Some(2));
        let queued = LobbyServerFrame::Queued {
            player: PlayerId(3),
        };
        assert_eq!(
            inbox.read(&codec::encode(&queued).unwrap()),
            Ok(Some(queued))
        );
    }

    #[test]
    fn a_refusal_or_a_version_1_server_is_an_error() {
        let refused = codec::encode_answer(&Answer::Refused {
            served: Versions { min: 3, max: 4 },
            message: "too old".into(),
        })
        .unwrap();
        assert!(Inbox::<LobbyServerFrame>::new().read(&refused).is_err());
        let v1_error = codec::encode(&v1::ServerFrame::<Artillery>::Error {
            code: volley_shared::ErrorCode::MalformedFrame,
            message: "?".into(),
        })
        .unwrap();
        let err = Inbox::<LobbyServerFrame>::new()
            .read(&v1_error)
            .unwrap_err();
        assert!(err.to_string().contains("version 1 only"), "{err}");
    }
}
