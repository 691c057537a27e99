//! What a chartered room tells its shard when it sets itself up
//! ([`crate::internal::charter`]): that it exists, and the build its object
//! runs. The shard counted it as [`CHARTERED_BUILD`] at its match, since no
//! room answered then; with the notice it counts the room by its build,
//! and it counts a chartered room that never sent one alive only until its
//! seats' reservation ended (nobody came, so no room was made). A shard of
//! a release before this message answers 404, and the room lets it go.
//!
//! [`CHARTERED_BUILD`]: crate::internal::charter::CHARTERED_BUILD

use crate::blob::Versioned;
use serde::{Deserialize, Serialize};
use volley_shared::RoomId;

/// Where a chartered room posts [`SetUpNotice`], on its coordinator.
pub const SET_UP_PATH: &str = "/internal/set-up";

/// The longest build name a shard keeps from a notice.
pub const MAX_BUILD_LEN: usize = 64;

/// A chartered room set itself up (format 1: this release's, untagged).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetUpNotice {
    /// The room (its bare id).
    pub room: RoomId,
    /// The build its object runs ([`crate::build::BUILD`]).
    pub build: String,
}

impl Versioned for SetUpNotice {
    const NAME: &'static str = "set-up notice";
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blob::{self, Kind};

    #[test]
    fn format_1_reads_and_writes_as_committed() {
        let bytes = hex::decode(include_str!("fixtures/set-up-notice-v1.hex").trim()).unwrap();
        let notice = SetUpNotice {
            room: RoomId("ab".repeat(32)),
            build: "96e0c65aa1b2".into(),
        };
        assert_eq!(
            blob::decode::<SetUpNotice>(Kind::Message, &bytes).unwrap(),
            notice
        );
        assert_eq!(blob::encode(Kind::Message, &notice).unwrap(), bytes);
    }
}
