//! Sound effects, synthesised with Web Audio (no files to fetch): a low
//! thud when a move lands, two rising notes when it becomes your turn, a
//! short phrase at the end of a game. Off by default; the choice is kept
//! in localStorage, and the first sound waits for the click that turns
//! sound on (browsers start audio only after a gesture).

use wasm_bindgen::JsValue;
use web_sys::{AudioContext, OscillatorType, Storage};

/// Something worth a sound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cue {
    /// A move was resolved (a shot landed, a disc dropped).
    Move,
    /// It became this page's turn.
    YourTurn,
    /// The game ended, won.
    Won,
    /// The game ended otherwise.
    Over,
}

/// Where the choice is kept.
const STORED: &str = "volley-sound";

/// The page's sound: whether it is on, and its audio context once made.
pub struct Sound {
    on: bool,
    context: Option<AudioContext>,
    /// Cues played since the page loaded (for `#status`).
    pub played: u32,
}

impl Sound {
    /// Off, unless this browser chose sound before.
    pub fn load() -> Sound {
        let stored = storage().and_then(|s| s.get_item(STORED).ok().flatten());
        Sound {
            on: stored.as_deref() == Some("on"),
            context: None,
            played: 0,
        }
    }

    /// Whether sound is on.
    pub fn is_on(&self) -> bool {
        self.on
    }

    /// Turns sound on or off, and remembers it; returns whether it is on.
    pub fn toggle(&mut self) -> bool {
        self.on = !self.on;
        if let Some(storage) = storage() {
            let _ = storage.set_item(STORED, if self.on { "on" } else { "off" });
        }
        if self.on && self.context.is_none() {
            self.context = AudioContext::new().ok();
        }
        self.on
    }

    /// Plays `cue`, if sound is on.
    pub fn play(&mut self, cue: Cue) {
        if !self.on {
            return;
        }
        if self.context.is_none() {
            self.context = AudioContext::new().ok();
        }
        let Some(context) = &self.context else {
            return;
        };
        // (frequency in Hz, start and length in seconds)
        let notes: &[(f32, f64, f64)] = match cue {
            Cue::Move => &[(98.0, 0.0, 0.28)],
            Cue::YourTurn => &[(660.0, 0.0, 0.12), (880.0, 0.12, 0.16)],
            Cue::Won => &[(523.0, 0.0, 0.14), (659.0, 0.14, 0.14), (784.0, 0.28, 0.32)],
            Cue::Over => &[(392.0, 0.0, 0.2), (311.0, 0.2, 0.36)],
        };
        let shape = match cue {
            Cue::Move => OscillatorType::Triangle,
            _ => OscillatorType::Sine,
        };
        if notes
            .iter()
            .all(|&(frequency, at, length)| tone(context, shape, frequency, at, length).is_ok())
        {
            self.played += 1;
        }
    }
}

/// One note: an oscillator through a gain that swells and fades.
fn tone(
    context: &AudioContext,
    shape: OscillatorType,
    frequency: f32,
    at: f64,
    length: f64,
) -> Result<(), JsValue> {
    let oscillator = context.create_oscillator()?;
    oscillator.set_type(shape);
    oscillator.frequency().set_value(frequency);
    let gain = context.create_gain()?;
    let start = context.current_time() + at;
    let volume = gain.gain();
    volume.set_value_at_time(0.0001, start)?;
    volume.exponential_ramp_to_value_at_time(0.2, start + 0.015)?;
    volume.exponential_ramp_to_value_at_time(0.0001, start + length)?;
    oscillator.connect_with_audio_node(&gain)?;
    gain.connect_with_audio_node(&context.destination())?;
    oscillator.start_with_when(start)?;
    oscillator.stop_with_when(start + length + 0.02)?;
    Ok(())
}

fn storage() -> Option<Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}
