//! Join codes for private rooms, and the limit on guessing them, as pure
//! logic.
//!
//! A code is its mode's prefix followed by eight characters from an
//! alphabet without look-alikes (no 0/O, 1/I/L, no U/V): `2K7MQ9XTP` is a
//! duel. The prefix routes the code to its mode's coordinator: the seat
//! count for artillery (`2`, `3`, `4`, as the first release made them) and
//! `C` for Connect Four. The other eight characters carry
//! 8 × log2(29) ≈ 38.9 bits of randomness. With
//! [`MAX_FAILED_GUESSES`] wrong guesses per client address per minute, finding
//! one of a thousand live codes by guessing takes on the order of 10^5 years.
//! Many addresses together are held by the shard's own budget
//! (`LIMIT_SHARD_WRONG_CODES`, 600 a minute): at that rate the thousand
//! live codes take on the order of a year to hit once, however many
//! addresses guess.

use volley_shared::Mode;

/// The characters of the random part.
pub const ALPHABET: &[u8; 29] = b"23456789ABCDEFGHJKMNPQRSTWXYZ";
/// Random characters in a code.
pub const RANDOM_LEN: usize = 8;
/// Wrong guesses a client address may make per window.
pub const MAX_FAILED_GUESSES: u32 = 10;
/// The guessing window.
pub const GUESS_WINDOW_MS: u64 = 60_000;

/// The first character of `mode`'s codes.
pub fn prefix(mode: Mode) -> char {
    match mode {
        Mode::Duel => '2',
        Mode::Ffa3 => '3',
        Mode::Ffa4 => '4',
        Mode::ConnectFour => 'C',
    }
}

/// A code for `mode` from 64 random bits (29^8 is far below 2^64, so the
/// characters are uniform for all practical purposes).
pub fn new_code(mode: Mode, mut random: u64) -> String {
    let mut code = String::with_capacity(RANDOM_LEN + 1);
    code.push(prefix(mode));
    let base = ALPHABET.len() as u64;
    for _ in 0..RANDOM_LEN {
        let index = usize::try_from(random % base).unwrap_or(0);
        random /= base;
        code.push(char::from(ALPHABET.get(index).copied().unwrap_or(b'2')));
    }
    code
}

/// Normalises what a person typed (case, spaces, dashes) and returns the
/// code and its mode, or `None` if it cannot be a code.
pub fn parse_code(typed: &str) -> Option<(String, Mode)> {
    let code: String = typed
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let mut chars = code.chars();
    let first = chars.next()?;
    let mode = Mode::ALL.into_iter().find(|m| prefix(*m) == first)?;
    let random: Vec<char> = chars.collect();
    let valid = random.len() == RANDOM_LEN
        && random
            .iter()
            .all(|c| c.is_ascii() && ALPHABET.contains(&(*c as u8)));
    valid.then_some((code, mode))
}

/// Failed guesses of one client address in the current window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Guesses {
    /// When the window started.
    pub window_start_ms: u64,
    /// Wrong guesses in it.
    pub failed: u32,
}

impl Guesses {
    /// Whether another guess is allowed at `now_ms`.
    pub fn allowed(self, now_ms: u64) -> bool {
        self.allowed_up_to(now_ms, MAX_FAILED_GUESSES)
    }

    /// Whether another is allowed at `now_ms` when `most` are per window.
    pub fn allowed_up_to(self, now_ms: u64, most: u32) -> bool {
        now_ms >= self.window_start_ms.saturating_add(GUESS_WINDOW_MS) || self.failed < most
    }

    /// The count after a wrong guess at `now_ms`.
    pub fn after_failure(self, now_ms: u64) -> Guesses {
        if now_ms >= self.window_start_ms.saturating_add(GUESS_WINDOW_MS) {
            Guesses {
                window_start_ms: now_ms,
                failed: 1,
            }
        } else {
            Guesses {
                failed: self.failed.saturating_add(1),
                ..self
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_name_their_mode_and_avoid_look_alikes() {
        for random in [0, 1, 0xdead_beef, u64::MAX] {
            let code = new_code(Mode::Ffa3, random);
            assert_eq!(code.len(), 9);
            assert!(code.starts_with('3'));
            for bad in ['0', 'O', '1', 'I', 'L', 'U', 'V'] {
                assert!(!code[1..].contains(bad), "{code}");
            }
            assert_eq!(parse_code(&code), Some((code.clone(), Mode::Ffa3)));
        }
        assert_ne!(new_code(Mode::Duel, 1), new_code(Mode::Duel, 2));
    }

    #[test]
    fn every_mode_gets_its_own_prefix_back() {
        for mode in Mode::ALL {
            let code = new_code(mode, 0xfeed_f00d);
            assert_eq!(parse_code(&code), Some((code.clone(), mode)), "{code}");
            assert_eq!(parse_code(&code.to_lowercase()).map(|(_, m)| m), Some(mode));
        }
        // Codes the first release made still name their mode.
        assert_eq!(parse_code("2K7MQ9XTP").map(|(_, m)| m), Some(Mode::Duel));
        assert!(new_code(Mode::ConnectFour, 7).starts_with('C'));
    }

    #[test]
    fn typing_is_forgiven_and_junk_refused() {
        let code = new_code(Mode::Duel, 0x1234_5678_9abc);
        let typed = format!("{}-{} ", &code[..4], code[4..].to_lowercase());
        assert_eq!(parse_code(&typed), Some((code, Mode::Duel)));
        for junk in [
            "",
            "2",
            "2ABCDEFG",
            "2ABCDEFGHJ",
            "9ABCDEFGH",
            "2ABCDEF0H",
            "2ABCDÉFGH",
        ] {
            assert_eq!(parse_code(junk), None, "{junk}");
        }
    }

    #[test]
    fn guessing_is_limited_per_window() {
        let mut guesses = Guesses {
            window_start_ms: 0,
            failed: 0,
        };
        for _ in 0..MAX_FAILED_GUESSES {
            assert!(guesses.allowed(1_000));
            guesses = guesses.after_failure(1_000);
        }
        assert!(!guesses.allowed(1_000));
        assert!(!guesses.allowed(GUESS_WINDOW_MS - 1));
        assert!(guesses.allowed(GUESS_WINDOW_MS));
        assert_eq!(guesses.after_failure(GUESS_WINDOW_MS).failed, 1);
    }

    #[test]
    fn a_shard_budget_is_the_same_window_with_its_own_size() {
        let mut spent = Guesses {
            window_start_ms: 0,
            failed: 0,
        };
        for _ in 0..600 {
            assert!(spent.allowed_up_to(5_000, 600));
            spent = spent.after_failure(5_000);
        }
        assert!(!spent.allowed_up_to(5_000, 600));
        assert!(spent.allowed_up_to(GUESS_WINDOW_MS, 600));
    }
}
