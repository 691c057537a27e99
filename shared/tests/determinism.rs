//! The same seed and moves give the same state, bit for bit, natively and
//! on wasm32.
//!
//! Natively: `cargo test -p volley-shared --test determinism`. On wasm32,
//! `scripts/test` runs this same file under `wasm-bindgen-test-runner` with
//! Node 22. Both compare the final state's SHA-256 with the one committed in
//! `tests/golden/determinism.sha256`, so they agree with each other. The
//! digest is never written by a test (not even with `VOLLEY_BLESS`).

mod common;

use volley_shared::Game;
use volley_shared::artillery::Artillery;

const EXPECTED: &str = include_str!("golden/determinism.sha256");

fn digest_of_scripted_game() -> String {
    let (game, events) = common::scripted_game(4, 60);
    // The events alone rebuild the same state.
    let mut replay = Artillery::new(&game.config, game.seed, 4).unwrap();
    for event in &events {
        Artillery::apply(&mut replay, event);
    }
    assert_eq!(replay, game);
    hex::encode(game.digest())
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn scripted_game_has_the_committed_digest() {
    // Never blessed: VOLLEY_BLESS writes missing golden frames, and must not
    // re-bless this. A deliberate change of the rules puts the new digest
    // in the file by hand, in the same commit.
    assert_eq!(
        digest_of_scripted_game(),
        EXPECTED.trim(),
        "the scripted game's final state changed (on this platform: {}); if the rules \
         changed on purpose, put the new digest in shared/tests/golden/determinism.sha256",
        std::env::consts::ARCH
    );
}
