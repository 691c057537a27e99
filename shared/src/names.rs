//! Display names: what a player may be called, normalised and checked the
//! same way by the server, which refuses a bad name, and by the browser,
//! which says why before it sends one.
//!
//! A name is trimmed and every run of white space becomes one space. It is
//! refused when it is then empty or over [`MAX_NAME_LEN`] bytes, when it
//! holds a control character, a bidirectional override or isolate (which
//! can reverse the text around it), or an invisible character (zero-width
//! spaces and joiners, soft hyphens, fillers), or when it looks like a
//! server bot's name ("bot", "bot 1", "BOT-12"): those are the server's.

use crate::protocol::MAX_NAME_LEN;
use thiserror::Error;

/// Why a name was refused.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum NameError {
    /// Nothing is left after trimming.
    #[error("a name cannot be empty")]
    Empty,
    /// Over the limit, in bytes of UTF-8.
    #[error("a name is at most {MAX_NAME_LEN} bytes")]
    TooLong,
    /// A character that is not shown as itself.
    #[error("a name cannot hold the character U+{:04X}", u32::from(*.0))]
    Hidden(char),
    /// A name the server's bots use.
    #[error("names like \"bot 1\" are kept for the server's bots")]
    Reserved,
}

/// The name as it will be shown, or why it cannot be used.
pub fn normalise(raw: &str) -> Result<String, NameError> {
    if let Some(hidden) = raw.chars().find(|&c| is_hidden(c)) {
        return Err(NameError::Hidden(hidden));
    }
    let name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    if name.len() > MAX_NAME_LEN {
        return Err(NameError::TooLong);
    }
    if is_bot_name(&name) {
        return Err(NameError::Reserved);
    }
    Ok(name)
}

/// Control characters (white space other than a plain space included:
/// tabs and line breaks are split on only after this check), bidirectional
/// controls, and characters that take no room on screen.
fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00AD}'                   // soft hyphen
            | '\u{034F}'                 // combining grapheme joiner
            | '\u{061C}'                 // Arabic letter mark
            | '\u{115F}' | '\u{1160}'    // Hangul fillers
            | '\u{17B4}' | '\u{17B5}'    // Khmer inherent vowels
            | '\u{180B}'..='\u{180F}'    // Mongolian selectors and vowel separator
            | '\u{200B}'..='\u{200F}'    // zero-width space, joiners, LRM, RLM
            | '\u{2028}'..='\u{202E}'    // separators, embeddings, overrides
            | '\u{2060}'..='\u{206F}'    // word joiner, invisible operators, isolates
            | '\u{3164}'                 // Hangul filler
            | '\u{FE00}'..='\u{FE0F}'    // variation selectors
            | '\u{FEFF}'                 // zero-width no-break space
            | '\u{FFA0}'                 // halfwidth Hangul filler
            | '\u{FFF9}'..='\u{FFFB}'    // interlinear annotations
            | '\u{E0000}'..='\u{E007F}'  // tags
        )
}

/// "bot", or "bot" and a number, whatever the case and separators.
fn is_bot_name(name: &str) -> bool {
    let folded: String = name
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    folded
        .strip_prefix("bot")
        .is_some_and(|rest| rest.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_their_spaces_collapsed() {
        assert_eq!(normalise("  Ann  Lee "), Ok("Ann Lee".into()));
        assert_eq!(normalise("Zoë"), Ok("Zoë".into()));
        assert_eq!(normalise("bottle"), Ok("bottle".into()));
        assert_eq!(normalise("Botany 2"), Ok("Botany 2".into()));
        assert_eq!(normalise(&"é".repeat(16)), Ok("é".repeat(16)));
    }

    #[test]
    fn empty_long_hidden_and_bot_names_are_refused() {
        assert_eq!(normalise(""), Err(NameError::Empty));
        assert_eq!(normalise("   "), Err(NameError::Empty));
        assert_eq!(normalise(&"x".repeat(33)), Err(NameError::TooLong));
        assert_eq!(normalise(&"é".repeat(17)), Err(NameError::TooLong));
        assert_eq!(
            normalise("\u{0}\u{202e}evil"),
            Err(NameError::Hidden('\u{0}'))
        );
        assert_eq!(
            normalise("li\u{202e}ve"),
            Err(NameError::Hidden('\u{202e}'))
        );
        assert_eq!(normalise("a\u{200b}b"), Err(NameError::Hidden('\u{200b}')));
        assert_eq!(normalise("\u{3164}"), Err(NameError::Hidden('\u{3164}')));
        assert_eq!(normalise("tab\there"), Err(NameError::Hidden('\t')));
        for bot in ["bot", "bot 1", "BOT-12", "Bot_3", " b o t 7 "] {
            assert_eq!(normalise(bot), Err(NameError::Reserved), "{bot}");
        }
        let message = normalise("\u{202e}").unwrap_err().to_string();
        assert!(message.contains("U+202E"), "{message}");
    }
}
