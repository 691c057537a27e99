//! Ratings in player objects: one object per player keeps their rating in
//! every mode; a rating the first releases kept in a mode's shard is
//! adopted once and moved by the next game; someone without a guest token
//! is not rated; a game is rated once a player acknowledges a move after
//! its end (its last mover, at once; one report however many arrive while
//! it is on its way), or by the room's retry timer if nobody does.

use crate::coordinator::{duel_rating, guest, guests_in_a_duel};
use crate::races::hook;
use crate::rooms::{Client, ClientFrame, ServerFrame, join_both};
use anyhow::{Context, Result, bail, ensure};
use std::time::Duration;
use url::Url;
use volley_client::bot::{Bot, Strategy};
use volley_client::lobby::{self, LobbyUpdate};
use volley_client::native::{matchmake_with, open_ticket};
use volley_server::room::engine::REPORT_RETRY_MS;
use volley_shared::Mode;
use volley_shared::api::{LEADERBOARD_SIZE, Leaderboard, PlayerModes};
use volley_shared::protocol::room::move_ack;
use volley_shared::{Game, Outcome};
use volley_tests::{get_body, post_text};

/// How far an Elo duel between `winner` and `loser` moves each (K = 32).
fn elo_gain(winner: f64, loser: f64) -> f64 {
    let expected = 1.0 / (1.0 + 10f64.powf((loser - winner) / 400.0));
    32.0 * (1.0 - expected)
}

pub async fn a_rating_the_first_releases_kept_is_adopted(base: Url) -> Result<()> {
    let (veteran, veteran_token) = guest(&base)?;
    let (rookie, rookie_token) = guest(&base)?;
    // Ratings as the first releases kept them, in the duel shard's table.
    for (player, name, rating, games) in
        [(&veteran, "veteran", 1550, 7), (&rookie, "rookie", 1450, 3)]
    {
        let url = base.join(&format!(
            "/api/coordinator/debug/legacy-player?mode=duel&player={player}&name={name}&rating={rating}&games={games}"
        ))?;
        let (status, body) = post_text(&url)?;
        ensure!(status == 200, "legacy-player hook: {status} {body}");
    }
    ensure!(
        duel_rating(&base, &veteran)? == Some((1550.0, 7)),
        "the veteran's object did not adopt the old rating: {:?}",
        duel_rating(&base, &veteran)?
    );
    let every_mode: PlayerModes = get_body(&base.join(&format!("/api/players/{veteran}"))?)?;
    ensure!(
        every_mode.modes.len() == 1 && every_mode.modes[0].mode == Some(Mode::Duel),
        "the veteran has a record in another mode: {every_mode:?}"
    );

    // They queue with those ratings (100 apart: within the first window)
    // and play: the veteran aims, the rookie fires harmlessly.
    let tickets = [(veteran_token, "veteran"), (rookie_token, "rookie")].map(|(token, name)| {
        let base = base.clone();
        tokio::spawn(async move {
            let opening = lobby::find_match(Mode::Duel, name);
            matchmake_with(&base, Mode::Duel, Some(&token), &opening).await
        })
    });
    let [v, r] = tickets;
    let (v, r) = (v.await??, r.await??);
    ensure!(v.room == r.room, "the two were matched apart");
    let (result, _) = crate::play_both(&base, &v, Strategy::BEST, &r, Strategy::Harmless).await?;
    ensure!(result.won(), "the aiming veteran should win: {result:?}");

    let gain = elo_gain(1550.0, 1450.0);
    let mut after = None;
    for _ in 0..50 {
        after = duel_rating(&base, &veteran)?.zip(duel_rating(&base, &rookie)?);
        if after.is_some_and(|((_, v), (_, r))| v == 8 && r == 4) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let ((v_rating, v_games), (r_rating, r_games)) = after.context("never rated")?;
    if (v_games, r_games) != (8, 4) {
        bail!("games after one more: {v_games} / {r_games}");
    }
    ensure!(
        (v_rating - (1550.0 + gain)).abs() < 1e-6 && (r_rating - (1450.0 - gain)).abs() < 1e-6,
        "ratings moved from the adopted ones by {gain}: {v_rating} / {r_rating}"
    );

    // The leaderboard has the veteran's new standing (this server's board
    // holds the few dozen players its tests rated, well under its 100).
    let board: Leaderboard = get_body(&base.join("/api/leaderboard?mode=duel")?)?;
    ensure!(board.leaders.len() < LEADERBOARD_SIZE, "{board:?}");
    let listed = board.leaders.iter().find(|l| l.player == veteran);
    ensure!(
        listed.is_some_and(|l| l.games == 8 && (l.rating - v_rating).abs() < 1e-6),
        "the leaderboard lacks the veteran's new standing: {board:?}"
    );
    Ok(())
}

/// Someone who plays without a guest token has an id drawn for that ticket
/// alone: their guest opponent is rated against them as against a new
/// player (1500), and they get no rating, history or leaderboard line,
/// which nobody could ever read again.
pub async fn an_anonymous_opponent_counts_as_new_and_is_not_rated(base: Url) -> Result<()> {
    let (guest_id, token) = guest(&base)?;
    let rated = {
        let base = base.clone();
        tokio::spawn(async move {
            let opening = lobby::find_match(Mode::Duel, "rated");
            matchmake_with(&base, Mode::Duel, Some(&token), &opening).await
        })
    };
    let anonymous = {
        let base = base.clone();
        tokio::spawn(async move {
            let mut conn = open_ticket(&base, Mode::Duel, None).await?;
            conn.open_with(&lobby::find_match(Mode::Duel, "nameless"))
                .await?;
            let mut drawn = None;
            loop {
                match lobby::on_frame(conn.recv_lobby().await?)? {
                    LobbyUpdate::Queued(player) => drawn = Some(player),
                    LobbyUpdate::Matched(matched) => {
                        conn.close().await;
                        let drawn = drawn.context("matched without being told its id")?;
                        return anyhow::Ok((drawn, matched));
                    }
                    LobbyUpdate::Nothing => {}
                }
            }
        })
    };
    let (rated, (drawn, anonymous)) = (rated.await??, anonymous.await??);
    ensure!(rated.room == anonymous.room, "the two were matched apart");
    let (result, _) = crate::play_both(
        &base,
        &rated,
        Strategy::BEST,
        &anonymous,
        Strategy::Harmless,
    )
    .await?;
    ensure!(result.won(), "the aiming guest should win: {result:?}");

    let mut after = None;
    for _ in 0..50 {
        after = duel_rating(&base, &guest_id)?;
        if after.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    ensure!(
        after.is_some_and(|(rating, games)| games == 1
            && (rating - (1500.0 + elo_gain(1500.0, 1500.0))).abs() < 1e-6),
        "the guest's first win against a new player: {after:?}"
    );
    let drawn = drawn.to_string();
    let record: PlayerModes = get_body(&base.join(&format!("/api/players/{drawn}"))?)?;
    ensure!(
        record.modes.is_empty(),
        "the anonymous player was rated: {record:?}"
    );
    let board: Leaderboard = get_body(&base.join("/api/leaderboard?mode=duel")?)?;
    ensure!(
        board.leaders.iter().all(|l| l.player != drawn),
        "the anonymous player is on the leaderboard: {board:?}"
    );
    Ok(())
}

/// Two new guests play a duel through sockets that never acknowledge a
/// move: the first aims as the best bot does, the second fires away. Once
/// both have seen the game end, returns the winner's socket (which has not
/// acknowledged its last move), the two ids and the room.
async fn a_duel_nobody_acknowledges(base: &Url) -> Result<(Client, [String; 2], String)> {
    let [(winner_id, w), (loser_id, l)] = guests_in_a_duel(base, ["aiming", "away"]).await?;
    let (mut winner, mut loser) = join_both(base, &w, &l).await?;
    let mut bot = Bot::new(Strategy::BEST, 11);
    while winner.session.outcome().is_none() {
        let seq = winner.session.last_seq();
        let (mover, seat) = if winner.session.my_turn() {
            let state = winner.session.state().context("no state")?.clone();
            let fire = bot
                .decide(&state, w.seat)
                .context("the bot chose nothing")?;
            let frame = winner.session.make_move(fire)?;
            winner.conn.send(&frame).await?;
            (&mut winner, w.seat)
        } else if loser.session.my_turn() {
            loser.fire_away().await?;
            (&mut loser, l.seat)
        } else {
            bail!("nobody's turn in a game not over");
        };
        // The move has played out: the game is over, or it is someone
        // else's turn.
        loop {
            let state = mover.session.state().context("no state")?;
            if mover.session.last_seq() > seq
                && (mover.session.outcome().is_some() || state.to_move() != Some(seat))
            {
                break;
            }
            mover.next().await?;
        }
        let seen = mover.session.last_seq();
        winner.until_seq(seen).await?;
        loser.until_seq(seen).await?;
    }
    ensure!(
        winner.session.outcome() == Some(Outcome::Winner(w.seat)),
        "the aiming guest should win: {:?}",
        winner.session.outcome()
    );
    Ok((winner, [winner_id, loser_id], w.room.to_string()))
}

/// The duel rating and rated games of each of `players`, now.
fn duel_ratings(base: &Url, players: &[String; 2]) -> Result<[Option<(f64, u64)>; 2]> {
    Ok([
        duel_rating(base, &players[0])?,
        duel_rating(base, &players[1])?,
    ])
}

/// The duel rating of each of `players`, polled until all are rated or
/// five seconds have passed.
pub(crate) async fn rated_soon(
    base: &Url,
    players: &[String; 2],
) -> Result<[Option<(f64, u64)>; 2]> {
    let mut ratings = [None, None];
    for _ in 0..50 {
        ratings = duel_ratings(base, players)?;
        if ratings.iter().all(Option::is_some) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(ratings)
}

/// Acknowledgements a player sends at once after their last move.
const ACK_BURST: usize = 8;

/// How many result reports the duel shard holds, once it holds any: read
/// again half a second after the first is seen, by when a report started
/// by any frame already handled would have arrived too.
async fn waiting_reports(base: &Url) -> Result<u64> {
    let waiting = |held: serde_json::Value| -> u64 {
        held["waiting_results"]
            .as_object()
            .map_or(0, |rooms| rooms.values().filter_map(|n| n.as_u64()).sum())
    };
    for _ in 0..50 {
        if waiting(hook(base, "holds", "")?) > 0 {
            tokio::time::sleep(Duration::from_millis(500)).await;
            return Ok(waiting(hook(base, "holds", "")?));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("no report reached the shard in 5 s")
}

/// Neither player is rated a second after the game's end (a room that
/// reported from the last move's handler would have been by then; its
/// retry timer rings 30 s on).
async fn still_unrated(base: &Url, players: &[String; 2], when: &str) -> Result<()> {
    tokio::time::sleep(Duration::from_secs(1)).await;
    let unrated = duel_ratings(base, players)?;
    ensure!(unrated == [None, None], "rated {when}: {unrated:?}");
    Ok(())
}

pub async fn a_game_is_rated_when_its_last_move_is_acknowledged_or_by_the_retry_timer(
    base: Url,
) -> Result<()> {
    let even = elo_gain(1500.0, 1500.0);
    // One even duel each: the winner up, the loser down, by the same.
    let once = |rated: &[Option<(f64, u64)>; 2]| {
        matches!(rated, [Some((w, 1)), Some((l, 1))]
            if (w - (1500.0 + even)).abs() < 1e-6 && (l - (1500.0 - even)).abs() < 1e-6)
    };

    // The last mover acknowledges late: the result waits for it. Sent
    // several times while the shard holds the report, the acknowledgement
    // starts one report, not one each: the room has one on its way.
    let (mut winner, players, room) = a_duel_nobody_acknowledges(&base).await?;
    still_unrated(&base, &players, "before the last move was acknowledged").await?;
    let ack = winner
        .session
        .take_ack()
        .context("the winner's last move has no acknowledgement to send")?;
    hook(&base, "hold-results", &format!("&room={room}"))?;
    let held = async {
        for _ in 0..ACK_BURST {
            winner.conn.send(&ack).await?;
        }
        // A liveness ping behind them: its answer says the room has
        // handled them all.
        winner.conn.send(&ClientFrame::Ping { nonce: 7 }).await?;
        while !matches!(
            winner.conn.recv::<ServerFrame>().await?,
            ServerFrame::Pong { nonce: 7 }
        ) {}
        waiting_reports(&base).await
    }
    .await;
    hook(&base, "release-results", &format!("&room={room}"))?;
    let waiting = held?;
    ensure!(
        waiting == 1,
        "{ACK_BURST} acknowledgements had {waiting} reports of one game waiting at the shard"
    );
    let rated = rated_soon(&base, &players).await?;
    ensure!(once(&rated), "after the acknowledgement: {rated:?}");

    // An acknowledgement the room cannot match to a move (as when its
    // instance was evicted since the move) reports it too.
    let (mut winner, players, _) = a_duel_nobody_acknowledges(&base).await?;
    still_unrated(&base, &players, "before any acknowledgement").await?;
    let unmatched = ClientFrame::Ping {
        nonce: move_ack::nonce(1),
    };
    winner.conn.send(&unmatched).await?;
    let rated = rated_soon(&base, &players).await?;
    ensure!(
        once(&rated),
        "after an unmatched acknowledgement: {rated:?}"
    );

    // Never acknowledged: the room's retry timer reports it.
    let (_winner, players, room) = a_duel_nobody_acknowledges(&base).await?;
    still_unrated(&base, &players, "before the retry timer").await?;
    let late = REPORT_RETRY_MS + 1_000;
    let alarm = base.join(&format!("/api/rooms/{room}/debug/alarm?late_ms={late}"))?;
    let (status, body) = post_text(&alarm)?;
    ensure!(status == 200, "alarm hook: {status} {body}");
    let rated = rated_soon(&base, &players).await?;
    ensure!(once(&rated), "after the retry timer: {rated:?}");
    Ok(())
}
