//! Settling a socket's protocol version from its first frame, the same way
//! for a coordinator's ticket socket and a room's socket. Pure.
//!
//! A version 1 first frame states one version; from version 2 on the first
//! frame is an opening with a range (`volley_shared::protocol::opening`),
//! and the server answers with the highest version both speak. A mode
//! whose game needs a later version (Connect Four needs 2) refuses older
//! clients.

use volley_shared::Mode;
use volley_shared::protocol::{
    Answer, ErrorCode, PROTOCOL_VERSION, Versions, close, negotiate, v1,
};

/// The versions a client offers in its first frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Offered {
    /// A version 1 first frame, which states one version (any number: a
    /// client may state one this server does not speak).
    V1(u16),
    /// An opening (protocol 2 and later), with its range.
    Range(Versions),
}

/// The version a socket will speak.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Settled {
    /// Version 1, which has no answer frame.
    V1,
    /// A later version, agreed in this answer to the opening.
    Agreed(u16),
}

impl Settled {
    /// The version number.
    pub fn version(self) -> u16 {
        match self {
            Settled::V1 => v1::VERSION,
            Settled::Agreed(version) => version,
        }
    }

    /// The answer frame to send first, for an opening.
    pub fn answer(self) -> Option<Answer> {
        match self {
            Settled::V1 => None,
            Settled::Agreed(version) => Some(Answer::Agreed { version }),
        }
    }
}

/// Why a socket is refused, and how to say it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// To a version 1 client: an `UnsupportedProtocol` error frame in
    /// version 1, then close code 4000.
    V1 {
        /// Why.
        message: String,
    },
    /// To an opening: a refusing answer, then the close code that says
    /// who is too old.
    Opening {
        /// The answer to send.
        answer: Answer,
        /// The close code.
        close: u16,
        /// Why.
        message: String,
    },
}

impl Refusal {
    /// The error code a version 1 client gets.
    pub const V1_CODE: ErrorCode = ErrorCode::UnsupportedProtocol;
    /// The close code a version 1 client gets.
    pub const V1_CLOSE: u16 = close::UNSUPPORTED_PROTOCOL;
}

/// The versions served to an opening for `mode`: openings exist from
/// version 2 on, and some games need more.
pub fn served(mode: Mode) -> Versions {
    Versions {
        min: mode.min_protocol().max(2),
        max: PROTOCOL_VERSION,
    }
}

/// Settles the version for a socket of `mode` that offered `offered`.
pub fn settle(mode: Mode, offered: Offered) -> Result<Settled, Refusal> {
    match offered {
        Offered::V1(v1::VERSION) if mode.min_protocol() <= v1::VERSION => Ok(Settled::V1),
        Offered::V1(v1::VERSION) => Err(Refusal::V1 {
            message: format!(
                "{} needs protocol {} or later; this client speaks 1",
                mode.as_str(),
                mode.min_protocol()
            ),
        }),
        Offered::V1(stated) => Err(Refusal::V1 {
            message: format!(
                "protocol {stated} is not supported in a version 1 frame; protocol 2 and later \
                 start with an opening frame (see PROTOCOL.md)"
            ),
        }),
        Offered::Range(offered) => {
            let served = served(mode);
            negotiate(offered, served)
                .map(Settled::Agreed)
                .map_err(|mismatch| Refusal::Opening {
                    answer: Answer::Refused {
                        served,
                        message: mismatch.to_string(),
                    },
                    close: mismatch.close_code(),
                    message: mismatch.to_string(),
                })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(min: u16, max: u16) -> Offered {
        Offered::Range(Versions { min, max })
    }

    #[test]
    fn version_1_plays_artillery_only() {
        assert_eq!(settle(Mode::Duel, Offered::V1(1)), Ok(Settled::V1));
        assert_eq!(settle(Mode::Ffa4, Offered::V1(1)), Ok(Settled::V1));
        let Err(Refusal::V1 { message }) = settle(Mode::ConnectFour, Offered::V1(1)) else {
            panic!("connect4 needs protocol 2");
        };
        assert!(message.contains("connect4"), "{message}");
        assert!(matches!(
            settle(Mode::Duel, Offered::V1(2)),
            Err(Refusal::V1 { .. })
        ));
    }

    #[test]
    fn openings_agree_on_the_highest_common_version() {
        assert_eq!(settle(Mode::Duel, range(2, 9)), Ok(Settled::Agreed(2)));
        assert_eq!(
            settle(Mode::ConnectFour, range(2, 2)),
            Ok(Settled::Agreed(2))
        );
        assert_eq!(
            Settled::Agreed(2).answer(),
            Some(Answer::Agreed { version: 2 })
        );
        assert_eq!(Settled::V1.answer(), None);
    }

    #[test]
    fn openings_without_a_common_version_say_who_is_too_old() {
        let Err(Refusal::Opening {
            close: code,
            answer,
            ..
        }) = settle(Mode::Duel, range(3, 4))
        else {
            panic!("a client newer than the server is refused");
        };
        assert_eq!(code, close::SERVER_TOO_OLD);
        assert!(
            matches!(answer, Answer::Refused { served, .. } if served == Versions { min: 2, max: 2 })
        );
        // An opening that offers only version 1 (which has no openings).
        let Err(Refusal::Opening { close: code, .. }) = settle(Mode::Duel, range(1, 1)) else {
            panic!("version 1 is spoken with version 1 frames");
        };
        assert_eq!(code, close::CLIENT_TOO_OLD);
    }
}
