//! Bytes from a ticket socket become requests, and lobby frames become
//! bytes, in the version each socket speaks. Pure.
//!
//! A ticket socket's first frame is `FindMatch`: in an opening (protocol 2
//! and later, [`Hello::FindMatch`]) or as a version 1 `FindMatch` /
//! `FindMatchAsParty`. After it, a socket only pings. Version 1 clients
//! speak the version 1 `ClientFrame` of artillery, the only game version 1
//! knows.

use crate::handshake::Offered;
use volley_shared::artillery::Artillery;
use volley_shared::codec::{self, CodecError};
use volley_shared::protocol::{
    ErrorCode, Hello, LobbyClientFrame, LobbyServerFrame, MAX_NAME_LEN, Party, Versions, v1,
};
use volley_shared::{Mode, names};

/// A version 1 frame on a ticket socket.
type V1Frame = v1::ClientFrame<Artillery>;

/// A ticket socket's first frame, read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FindMatch {
    /// The versions the client speaks.
    pub offered: Offered,
    /// The mode it asks for.
    pub mode: Mode,
    /// Its display name, as sent.
    pub name: String,
    /// Its party, if any.
    pub party: Option<Party>,
}

/// What a frame on a ticket socket asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    /// To be queued (a first frame).
    FindMatch(FindMatch),
    /// A liveness probe.
    Ping(u64),
    /// An opening whose versions can be read but whose hello cannot (or
    /// is not a `FindMatch`): answered, then refused with this code.
    BadOpening(Versions, ErrorCode, String),
    /// Anything else: refused with this code and message.
    Refuse(ErrorCode, String),
}

/// Reads a frame from a socket that has not queued yet (`first`), or from
/// one that speaks `version`.
pub fn read(bytes: &[u8], first: bool, version: u16) -> Request {
    if first {
        match codec::decode_opening(bytes) {
            Ok(Some(opening)) => {
                return match opening.hello {
                    Hello::FindMatch { mode, name, party } => Request::FindMatch(FindMatch {
                        offered: Offered::Range(opening.versions),
                        mode,
                        name,
                        party,
                    }),
                    Hello::Join { .. } => Request::BadOpening(
                        opening.versions,
                        ErrorCode::UnexpectedFrame,
                        "this is the matchmaker; Join goes to /api/rooms/{id}/ws".into(),
                    ),
                };
            }
            Ok(None) => {}
            Err(err) => {
                return match codec::opening_versions(bytes) {
                    Some(versions) => Request::BadOpening(
                        versions,
                        err.error_code(),
                        format!("the opening's hello cannot be read: {err}"),
                    ),
                    None => unreadable(&err),
                };
            }
        }
    }
    if first || version == v1::VERSION {
        return match codec::decode_client::<V1Frame>(bytes).map(V1Frame::sort) {
            Ok(v1::Sorted::Hello(protocol, Hello::FindMatch { mode, name, party })) if first => {
                Request::FindMatch(FindMatch {
                    offered: Offered::V1(protocol),
                    mode,
                    name,
                    party,
                })
            }
            Ok(v1::Sorted::Hello(_, Hello::FindMatch { .. })) => Request::Refuse(
                ErrorCode::UnexpectedFrame,
                "this socket already has a ticket".into(),
            ),
            Ok(v1::Sorted::Room(volley_shared::protocol::RoomClientFrame::Ping { nonce })) => {
                Request::Ping(nonce)
            }
            Ok(_) => Request::Refuse(
                ErrorCode::UnexpectedFrame,
                "this is the matchmaker; send FindMatch".into(),
            ),
            Err(err) => unreadable(&err),
        };
    }
    match codec::decode_client::<LobbyClientFrame>(bytes) {
        Ok(LobbyClientFrame::Ping { nonce }) => Request::Ping(nonce),
        Err(err) => unreadable(&err),
    }
}

/// Where a `FindMatch` may queue: a party's members may connect from
/// different regions, so a party queues in the mode's global pool (the
/// Worker sends a ticket there for `&party=1`), and a regional shard
/// (`regional`) refuses one, saying so.
pub fn check_place(find: &FindMatch, regional: bool) -> Result<(), String> {
    if regional && find.party.is_some() {
        return Err(
            "a party queues in the mode's global pool: open every member's ticket with &party=1"
                .into(),
        );
    }
    Ok(())
}

/// Checks a `FindMatch` against the shard it came to: its mode must be
/// the shard's, its name one [`names::normalise`] accepts (and it is
/// replaced by the normalised one), its party key 1 to [`MAX_NAME_LEN`]
/// bytes, its party size 2 to the mode's seats.
pub fn check(mut find: FindMatch, shard_mode: Mode) -> Result<FindMatch, String> {
    if find.mode != shard_mode {
        return Err(format!(
            "this is the {} coordinator; FindMatch asked for {}",
            shard_mode.as_str(),
            find.mode.as_str()
        ));
    }
    find.name = names::normalise(&find.name).map_err(|e| e.to_string())?;
    if let Some(party) = &find.party {
        if party.key.is_empty() || party.key.len() > MAX_NAME_LEN {
            return Err(format!("a party key is 1 to {MAX_NAME_LEN} bytes"));
        }
        if !(2..=find.mode.players()).contains(&usize::from(party.size)) {
            return Err(format!(
                "a {} party has 2 to {} players",
                find.mode.as_str(),
                find.mode.players()
            ));
        }
    }
    Ok(find)
}

fn unreadable(err: &CodecError) -> Request {
    Request::Refuse(err.error_code(), err.to_string())
}

/// A lobby frame's bytes for a socket speaking `version`.
pub fn encode(frame: LobbyServerFrame, version: u16) -> Result<Vec<u8>, CodecError> {
    if version == v1::VERSION {
        codec::encode(&v1::ServerFrame::<Artillery>::from(frame))
    } else {
        codec::encode(&frame)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use volley_shared::protocol::{Opening, Versions};
    use volley_shared::{GameKind, RoomId, Seat};

    #[test]
    fn a_version_1_find_match_is_read_with_its_stated_version() {
        let frame = V1Frame::FindMatchAsParty {
            protocol: 1,
            mode: Mode::Ffa4,
            name: "ann".into(),
            party: "otters".into(),
            size: 2,
        };
        let bytes = codec::encode(&frame).unwrap();
        assert_eq!(
            read(&bytes, true, 1),
            Request::FindMatch(FindMatch {
                offered: Offered::V1(1),
                mode: Mode::Ffa4,
                name: "ann".into(),
                party: Some(Party {
                    key: "otters".into(),
                    size: 2
                }),
            })
        );
        // A second FindMatch on the same socket is refused.
        assert!(matches!(
            read(&bytes, false, 1),
            Request::Refuse(ErrorCode::UnexpectedFrame, _)
        ));
    }

    #[test]
    fn an_opening_is_read_with_its_range() {
        let versions = Versions { min: 2, max: 3 };
        let bytes = codec::encode_opening(&Opening {
            versions,
            hello: Hello::FindMatch {
                mode: Mode::ConnectFour,
                name: "bo".into(),
                party: None,
            },
        })
        .unwrap();
        let Request::FindMatch(find) = read(&bytes, true, 1) else {
            panic!("an opening is a FindMatch");
        };
        assert_eq!(find.offered, Offered::Range(versions));
        assert_eq!(find.mode, Mode::ConnectFour);
        // An opening that is not a FindMatch is refused.
        let join = codec::encode_opening(&Opening {
            versions,
            hello: Hello::Join {
                token: "t".into(),
                last_seq: 0,
            },
        })
        .unwrap();
        assert!(matches!(
            read(&join, true, 1),
            Request::BadOpening(v, ErrorCode::UnexpectedFrame, _) if v == versions
        ));
        // One whose hello this build cannot read is still answered.
        let mut unknown = join.clone();
        unknown.truncate(3);
        unknown.extend([7, 7]);
        assert!(matches!(
            read(&unknown, true, 1),
            Request::BadOpening(v, ErrorCode::MalformedFrame, _) if v == versions
        ));
    }

    #[test]
    fn later_frames_are_read_in_the_socket_version() {
        let v2_ping = codec::encode(&LobbyClientFrame::Ping { nonce: 9 }).unwrap();
        assert_eq!(read(&v2_ping, false, 2), Request::Ping(9));
        let v1_ping = codec::encode(&V1Frame::Ping { nonce: 8 }).unwrap();
        assert_eq!(read(&v1_ping, false, 1), Request::Ping(8));
        assert!(matches!(
            read(&[0xff; 3], false, 2),
            Request::Refuse(ErrorCode::MalformedFrame, _)
        ));
        assert!(matches!(
            read(&[7; 2000], true, 1),
            Request::Refuse(ErrorCode::FrameTooLarge, _)
        ));
        let resign = codec::encode(&V1Frame::Resign).unwrap();
        assert!(matches!(
            read(&resign, false, 1),
            Request::Refuse(ErrorCode::UnexpectedFrame, _)
        ));
    }

    #[test]
    fn a_party_queues_only_in_the_global_pool() {
        let find = |party: Option<Party>| FindMatch {
            offered: Offered::V1(1),
            mode: Mode::Ffa4,
            name: "ann".into(),
            party,
        };
        let party = Some(Party {
            key: "k".into(),
            size: 2,
        });
        assert!(check_place(&find(party.clone()), true).is_err_and(|e| e.contains("party=1")));
        assert_eq!(check_place(&find(party), false), Ok(()));
        assert_eq!(check_place(&find(None), true), Ok(()));
    }

    #[test]
    fn a_find_match_is_checked_against_its_shard() {
        let find = |mode, name: &str, party: Option<(&str, u8)>| FindMatch {
            offered: Offered::V1(1),
            mode,
            name: name.into(),
            party: party.map(|(key, size)| Party {
                key: key.into(),
                size,
            }),
        };
        assert_eq!(
            check(find(Mode::Duel, " ann ", None), Mode::Duel),
            Ok(find(Mode::Duel, "ann", None))
        );
        assert!(check(find(Mode::Ffa4, "ann", Some(("k", 4))), Mode::Ffa4).is_ok());
        for (request, shard) in [
            (find(Mode::Duel, "ann", None), Mode::ConnectFour),
            (find(Mode::Duel, &"x".repeat(33), None), Mode::Duel),
            (find(Mode::Duel, "", None), Mode::Duel),
            (find(Mode::Duel, "\u{0}\u{202e}evil", None), Mode::Duel),
            (find(Mode::Duel, "bot 1", None), Mode::Duel),
            (find(Mode::Ffa4, "ann", Some(("", 2))), Mode::Ffa4),
            (
                find(Mode::Ffa4, "ann", Some((&"k".repeat(33), 2))),
                Mode::Ffa4,
            ),
            (find(Mode::Ffa3, "ann", Some(("k", 4))), Mode::Ffa3),
            (find(Mode::Duel, "ann", Some(("k", 1))), Mode::Duel),
        ] {
            assert!(
                check(request.clone(), shard).is_err(),
                "{request:?} on {shard:?}"
            );
        }
    }

    #[test]
    fn matched_goes_out_in_each_version() {
        let matched = LobbyServerFrame::Matched {
            room: RoomId("ab".repeat(32)),
            game: GameKind::Artillery,
            seat: Seat(1),
            token: "t".into(),
        };
        let v1_bytes = encode(matched.clone(), 1).unwrap();
        let old: v1::ServerFrame<Artillery> = codec::decode_server(&v1_bytes).unwrap();
        assert_eq!(old.sort(), v1::Received::Lobby(matched.clone()));
        let v2_bytes = encode(matched.clone(), 2).unwrap();
        assert_eq!(
            codec::decode_server::<LobbyServerFrame>(&v2_bytes),
            Ok(matched)
        );
        assert_ne!(v1_bytes, v2_bytes, "version 2's Matched names its game");
        let pong = LobbyServerFrame::Pong { nonce: 1 };
        let old: v1::ServerFrame<Artillery> =
            codec::decode_server(&encode(pong.clone(), 1).unwrap()).unwrap();
        assert_eq!(old, v1::ServerFrame::Pong { nonce: 1 });
    }
}
