//! Signed join tokens: the coordinator's promise that a player may take a seat.
//!
//! A token binds a room, a role (a seat, or spectating), a player and an
//! expiry time with HMAC-SHA256 under the `JOIN_SECRET` the coordinator, the
//! Worker and the rooms share. Its text form is
//! `{seat or "s"}.{player:016x}.{expires_ms}.{mac:hex}`; the room id is signed
//! but not carried, so a token shown to another room fails to verify.
//!
//! A chartered room's player tokens carry the room's charter
//! ([`crate::internal::charter`]) as a fifth field, in unpadded URL-safe
//! base64 before the MAC, which then covers it too:
//! `{seat}.{player:016x}.{expires_ms}.{charter}.{mac:hex}`. A room of the
//! release before the previous one refused such a token as malformed.
//!
//! Guest identity tokens are signed with the same key (`g2.` tokens that
//! expire, and the first releases' `g.` tokens, still read).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use thiserror::Error;
use volley_shared::{PlayerId, Role, RoomId, Seat};

type HmacSha256 = Hmac<Sha256>;

/// How long a guest identity token lasts: 90 days from when it was issued
/// or last renewed (`POST /api/guests/renew`, which the page calls on
/// load).
pub const GUEST_TOKEN_TTL_MS: u64 = 90 * crate::time::DAY_MS;

/// The role field of a spectator token.
const SPECTATOR: &str = "s";

/// What precedes a charter's bytes under a chartered token's MAC, so no
/// charter can pass for a plain token's text or the other way round.
const CHARTER_DOMAIN: &[u8] = b"|charter|";

/// What a valid token grants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Grant {
    /// The seat it may take, or spectating.
    pub role: Role,
    /// The player it was issued to.
    pub player: PlayerId,
    /// When it stops being valid, in ms since the Unix epoch.
    pub expires_ms: u64,
}

/// Why a token was refused. Each is the client's fault.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum TokenError {
    /// The text is not a token at all.
    #[error("malformed join token")]
    Malformed,
    /// The signature does not match: forged, altered, or for another room.
    #[error("join token signature is invalid (forged, or for another room)")]
    BadSignature,
    /// The token was valid but has expired.
    #[error("join token expired")]
    Expired,
}

/// The secret is unusable.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("JOIN_SECRET must be at least {MIN_SECRET_LEN} characters long")]
pub struct WeakSecret;

/// The shortest secret accepted.
pub const MIN_SECRET_LEN: usize = 16;

/// The shared signing key.
#[derive(Clone)]
pub struct JoinKey(HmacSha256);

/// Shows no part of the key.
impl std::fmt::Debug for JoinKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JoinKey(..)")
    }
}

impl JoinKey {
    /// Makes a key from the secret's text.
    pub fn new(secret: &str) -> Result<JoinKey, WeakSecret> {
        if secret.len() < MIN_SECRET_LEN {
            return Err(WeakSecret);
        }
        HmacSha256::new_from_slice(secret.as_bytes())
            .map(JoinKey)
            .map_err(|_| WeakSecret)
    }

    /// Signs a grant for a room.
    pub fn sign(&self, room: &RoomId, grant: Grant) -> String {
        let mac = self.mac(room, grant);
        format!(
            "{}.{}.{}.{}",
            role_text(grant.role),
            grant.player,
            grant.expires_ms,
            hex::encode(mac)
        )
    }

    /// Signs a grant for a chartered room's seat, with its charter's bytes.
    pub fn sign_chartered(&self, room: &RoomId, grant: Grant, charter: &[u8]) -> String {
        let mut hmac = self.hmac(room, grant);
        hmac.update(CHARTER_DOMAIN);
        hmac.update(charter);
        format!(
            "{}.{}.{}.{}.{}",
            role_text(grant.role),
            grant.player,
            grant.expires_ms,
            URL_SAFE_NO_PAD.encode(charter),
            hex::encode(hmac.finalize().into_bytes())
        )
    }

    /// Checks a token for a room at time `now_ms` (a chartered room's
    /// token too; its charter is not read).
    pub fn verify(&self, room: &RoomId, token: &str, now_ms: u64) -> Result<Grant, TokenError> {
        self.verify_chartered(room, token, now_ms)
            .map(|(grant, _)| grant)
    }

    /// Checks a token for a room at time `now_ms`, and returns the charter's
    /// bytes it carries, if it carries one.
    pub fn verify_chartered(
        &self,
        room: &RoomId,
        token: &str,
        now_ms: u64,
    ) -> Result<(Grant, Option<Vec<u8>>), TokenError> {
        let parts: Vec<&str> = token.splitn(6, '.').collect();
        let (seat, player, expires, charter, mac) = match parts.as_slice() {
            [seat, player, expires, mac] => (*seat, *player, *expires, None, *mac),
            [seat, player, expires, charter, mac] => {
                let charter = URL_SAFE_NO_PAD
                    .decode(charter)
                    .map_err(|_| TokenError::Malformed)?;
                (*seat, *player, *expires, Some(charter), *mac)
            }
            _ => return Err(TokenError::Malformed),
        };
        let role = match seat {
            SPECTATOR => Role::Spectator,
            seat => Role::Player(Seat(seat.parse().map_err(|_| TokenError::Malformed)?)),
        };
        let grant = Grant {
            role,
            player: PlayerId(u64::from_str_radix(player, 16).map_err(|_| TokenError::Malformed)?),
            expires_ms: expires.parse().map_err(|_| TokenError::Malformed)?,
        };
        if charter.is_some() && grant.role == Role::Spectator {
            return Err(TokenError::Malformed);
        }
        let mac = hex::decode(mac).map_err(|_| TokenError::Malformed)?;
        let mut hmac = self.hmac(room, grant);
        if let Some(charter) = &charter {
            hmac.update(CHARTER_DOMAIN);
            hmac.update(charter);
        }
        hmac.verify_slice(&mac)
            .map_err(|_| TokenError::BadSignature)?;
        if now_ms >= grant.expires_ms {
            return Err(TokenError::Expired);
        }
        Ok((grant, charter))
    }

    fn hmac(&self, room: &RoomId, grant: Grant) -> HmacSha256 {
        let mut mac = self.0.clone();
        mac.update(
            format!(
                "volley-join-v1|{}|{}|{}|{}",
                room,
                role_text(grant.role),
                grant.player,
                grant.expires_ms
            )
            .as_bytes(),
        );
        mac
    }

    /// Signs a guest identity as the first releases did:
    /// `g.{player:016x}.{mac}`, which never expires. Only tests sign these
    /// now (pages still hold them, and [`JoinKey::verify_guest`] reads
    /// them); the Worker issues [`JoinKey::sign_guest_until`]'s.
    pub fn sign_guest(&self, player: PlayerId) -> String {
        let mac = self.guest_hmac(player).finalize().into_bytes();
        format!("g.{player}.{}", hex::encode(mac))
    }

    /// Signs a guest identity that expires at `expires_ms`:
    /// `g2.{player:016x}.{expires_ms:x}.{mac}`. Guests need no account;
    /// whoever holds the token plays as that player id, until it expires
    /// ([`GUEST_TOKEN_TTL_MS`] after it was issued or last renewed).
    pub fn sign_guest_until(&self, player: PlayerId, expires_ms: u64) -> String {
        let mac = self
            .expiring_guest_hmac(player, expires_ms)
            .finalize()
            .into_bytes();
        format!("g2.{player}.{expires_ms:x}.{}", hex::encode(mac))
    }

    /// Checks a guest identity token at `now_ms`: a `g.` token, or a `g2.`
    /// token that has not expired.
    pub fn verify_guest(&self, token: &str, now_ms: u64) -> Result<PlayerId, TokenError> {
        let parts: Vec<&str> = token.split('.').collect();
        let hex_u64 = |text: &str| u64::from_str_radix(text, 16).map_err(|_| TokenError::Malformed);
        let (player, mac, expires) = match parts.as_slice() {
            ["g", player, mac] => (PlayerId(hex_u64(player)?), *mac, None),
            ["g2", player, expires, mac] => {
                (PlayerId(hex_u64(player)?), *mac, Some(hex_u64(expires)?))
            }
            _ => return Err(TokenError::Malformed),
        };
        let mac = hex::decode(mac).map_err(|_| TokenError::Malformed)?;
        let hmac = match expires {
            None => self.guest_hmac(player),
            Some(expires_ms) => self.expiring_guest_hmac(player, expires_ms),
        };
        hmac.verify_slice(&mac)
            .map_err(|_| TokenError::BadSignature)?;
        if expires.is_some_and(|expires_ms| now_ms >= expires_ms) {
            return Err(TokenError::Expired);
        }
        Ok(player)
    }

    fn guest_hmac(&self, player: PlayerId) -> HmacSha256 {
        let mut mac = self.0.clone();
        mac.update(format!("volley-guest-v1|{player}").as_bytes());
        mac
    }

    fn expiring_guest_hmac(&self, player: PlayerId, expires_ms: u64) -> HmacSha256 {
        let mut mac = self.0.clone();
        mac.update(format!("volley-guest-v2|{player}|{expires_ms}").as_bytes());
        mac
    }

    fn mac(&self, room: &RoomId, grant: Grant) -> Vec<u8> {
        self.hmac(room, grant).finalize().into_bytes().to_vec()
    }
}

fn role_text(role: Role) -> String {
    match role {
        Role::Player(seat) => seat.0.to_string(),
        Role::Spectator => SPECTATOR.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_shows_nothing_of_its_secret() {
        let key = JoinKey::new("a secret of enough length").unwrap();
        assert_eq!(format!("{key:?}"), "JoinKey(..)");
    }

    fn room(c: char) -> RoomId {
        RoomId(c.to_string().repeat(64))
    }

    fn key() -> JoinKey {
        JoinKey::new("a-test-secret-of-some-length").unwrap()
    }

    #[test]
    fn short_secrets_are_refused() {
        assert_eq!(JoinKey::new("short").err(), Some(WeakSecret));
    }

    fn grant() -> Grant {
        Grant {
            role: Role::Player(Seat(1)),
            player: PlayerId(0xdead_beef),
            expires_ms: 10_000,
        }
    }

    #[test]
    fn a_signed_token_verifies() {
        let key = key();
        let token = key.sign(&room('a'), grant());
        assert_eq!(key.verify(&room('a'), &token, 9_999), Ok(grant()));
    }

    #[test]
    fn spectator_tokens_verify_as_spectators() {
        let key = key();
        let watch = Grant {
            role: Role::Spectator,
            ..grant()
        };
        let token = key.sign(&room('a'), watch);
        assert!(token.starts_with("s."));
        assert_eq!(key.verify(&room('a'), &token, 0), Ok(watch));
    }

    #[test]
    fn guest_tokens_carry_their_player_and_cannot_be_altered() {
        let key = key();
        let token = key.sign_guest(PlayerId(0xabc));
        assert_eq!(key.verify_guest(&token, 0), Ok(PlayerId(0xabc)));
        assert_eq!(key.verify_guest(&token, u64::MAX), Ok(PlayerId(0xabc)));
        let other = token.replacen("0000000000000abc", "0000000000000abd", 1);
        assert_eq!(key.verify_guest(&other, 0), Err(TokenError::BadSignature));
        assert_eq!(key.verify_guest("g.zz.00", 0), Err(TokenError::Malformed));
        assert_eq!(
            key.verify_guest(&key.sign(&room('a'), grant()), 0),
            Err(TokenError::Malformed),
            "a join token is not a guest token"
        );
    }

    #[test]
    fn expiring_guest_tokens_are_read_until_they_expire() {
        let key = key();
        let token = key.sign_guest_until(PlayerId(0xabc), 5_000);
        assert!(token.starts_with("g2.0000000000000abc.1388."), "{token}");
        assert_eq!(key.verify_guest(&token, 4_999), Ok(PlayerId(0xabc)));
        assert_eq!(key.verify_guest(&token, 5_000), Err(TokenError::Expired));
        // The expiry is signed: pushing it back breaks the signature.
        let later = token.replacen(".1388.", ".ffff.", 1);
        assert_eq!(key.verify_guest(&later, 0), Err(TokenError::BadSignature));
        // Neither kind passes for the other.
        let mac = token.rsplit('.').next().unwrap_or_default();
        let as_v1 = format!("g.0000000000000abc.{mac}");
        assert_eq!(key.verify_guest(&as_v1, 0), Err(TokenError::BadSignature));
        assert_eq!(
            key.verify_guest("g2.0000000000000abc.zz.00", 0),
            Err(TokenError::Malformed)
        );
    }

    #[test]
    fn expired_tokens_are_refused() {
        let key = key();
        let token = key.sign(&room('a'), grant());
        assert_eq!(
            key.verify(&room('a'), &token, 10_000),
            Err(TokenError::Expired)
        );
    }

    #[test]
    fn other_rooms_and_other_keys_refuse_the_token() {
        let key = key();
        let token = key.sign(&room('a'), grant());
        assert_eq!(
            key.verify(&room('b'), &token, 0),
            Err(TokenError::BadSignature)
        );
        assert_eq!(
            JoinKey::new("another-long-secret")
                .unwrap()
                .verify(&room('a'), &token, 0),
            Err(TokenError::BadSignature)
        );
    }

    #[test]
    fn altered_tokens_are_refused() {
        let key = key();
        let token = key.sign(&room('a'), grant());
        for forged in [token.replacen("1.", "0.", 1), token.replacen("1.", "s.", 1)] {
            assert_eq!(
                key.verify(&room('a'), &forged, 0),
                Err(TokenError::BadSignature)
            );
        }
        for bad in ["", "a.b.c.d", "1.2.3", "1.2.3.4.5", "1.zz.3.00"] {
            assert_eq!(
                key.verify(&room('a'), bad, 0),
                Err(TokenError::Malformed),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_chartered_token_carries_its_charter_under_its_signature() {
        let key = key();
        let charter = b"the room's set-up".to_vec();
        let token = key.sign_chartered(&room('a'), grant(), &charter);
        assert_eq!(token.split('.').count(), 5, "{token}");
        assert_eq!(
            key.verify_chartered(&room('a'), &token, 0),
            Ok((grant(), Some(charter.clone())))
        );
        assert_eq!(key.verify(&room('a'), &token, 0), Ok(grant()));
        assert_eq!(
            key.verify_chartered(&room('a'), &key.sign(&room('a'), grant()), 0),
            Ok((grant(), None))
        );
        // Another charter under the same MAC, or the charter dropped.
        let parts: Vec<&str> = token.split('.').collect();
        let other = URL_SAFE_NO_PAD.encode(b"another set-up");
        let swapped = [parts[0], parts[1], parts[2], &other, parts[4]].join(".");
        let dropped = [parts[0], parts[1], parts[2], parts[4]].join(".");
        for forged in [swapped, dropped] {
            assert_eq!(
                key.verify_chartered(&room('a'), &forged, 0),
                Err(TokenError::BadSignature),
                "{forged}"
            );
        }
        assert_eq!(
            key.verify(&room('b'), &token, 0),
            Err(TokenError::BadSignature)
        );
        assert_eq!(
            key.verify(&room('a'), &token, 10_000),
            Err(TokenError::Expired)
        );
        let spectating = Grant {
            role: Role::Spectator,
            ..grant()
        };
        let watching = key.sign_chartered(&room('a'), spectating, &charter);
        assert_eq!(
            key.verify(&room('a'), &watching, 0),
            Err(TokenError::Malformed)
        );
    }

    /// A chartered token as this release writes it (a committed fixture:
    /// the release after it must still read it).
    #[test]
    fn a_chartered_token_of_this_release_still_verifies() {
        let token = include_str!("fixtures/chartered-token-v1.txt").trim();
        assert_eq!(
            key().verify_chartered(&room('a'), token, 9_999),
            Ok((grant(), Some(b"the room's set-up".to_vec())))
        );
    }
}
