//! The same seed and moves give the same state, bit for bit, natively and
//! on wasm32.
//!
//! Natively: `cargo test -p volley-shared --test determinism`. On wasm32,
//! `scripts/test` runs this same file under `wasm-bindgen-test-runner` with
//! Node 22. Both compare the final state's SHA-256 with the one committed in
//! `tests/golden/determinism.sha256`, so they agree with each other.

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
    let digest = digest_of_scripted_game();
    if std::env::var_os("VOLLEY_BLESS").is_some() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/golden/determinism.sha256"
        );
        std::fs::write(path, format!("{digest}\n")).unwrap();
        return;
    }
    assert_eq!(
        digest,
        EXPECTED.trim(),
        "the scripted game's final state changed (on this platform: {})",
        std::env::consts::ARCH
    );
}
