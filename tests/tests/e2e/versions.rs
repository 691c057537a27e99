//! Protocol versions and games side by side on one server: a client that
//! speaks only version 1 plays a whole artillery duel (rated at its end),
//! version 1 and version 2 clients share a room, and two bots play Connect
//! Four (which only version 2 can ask for) through the coordinator.

use crate::coordinator::guest;
use crate::play_both;
use crate::players::rated_soon;
use anyhow::{Context, Result, bail, ensure};
use url::Url;
use volley_client::bot::Strategy;
use volley_client::lobby::Matched;
use volley_client::native::{Client, matchmake, open_room, open_ticket, play};
use volley_client::session::{GameSession, Update};
use volley_shared::api::{Health, RoomInfo};
use volley_shared::artillery::Artillery;
use volley_shared::artillery::ai::choose_fire;
use volley_shared::protocol::v1;
use volley_shared::{GameKind, Mode, Outcome, RoomId, Seat};
use volley_tests::{get_body, get_json, get_text};

type V1Client = v1::ClientFrame<Artillery>;
type V1Server = v1::ServerFrame<Artillery>;

/// A seat, as a version 1 client learns it.
struct V1Seat {
    room: RoomId,
    seat: Seat,
    token: String,
}

/// Queues with a version 1 `FindMatch`, as the guest `token` names if
/// any, and waits for `Matched`.
async fn v1_matchmake(base: &Url, name: &str, token: Option<&str>) -> Result<V1Seat> {
    let mut conn = open_ticket(base, Mode::Duel, token).await?;
    conn.send(&V1Client::FindMatch {
        protocol: v1::VERSION,
        mode: Mode::Duel,
        name: name.into(),
    })
    .await?;
    loop {
        match conn.recv::<V1Server>().await? {
            V1Server::Queued { .. } => {}
            V1Server::Matched { room, seat, token } => return Ok(V1Seat { room, seat, token }),
            other => bail!("{name}'s ticket got {other:?}"),
        }
    }
}

/// Plays a whole game in version 1 frames only: `Hello`, then the AI's
/// moves as version 1 `Move` frames. The session (the current client
/// core) only checks the events and keeps the turn.
async fn v1_play(base: &Url, seat: &V1Seat) -> Result<(Outcome, u64)> {
    let mut conn = open_room(base, &seat.room).await?;
    conn.send(&V1Client::Hello {
        protocol: v1::VERSION,
        token: seat.token.clone(),
        last_seq: 0,
    })
    .await?;
    let mut session = GameSession::<Artillery>::new();
    loop {
        let v1::Received::Room(frame) = conn.recv::<V1Server>().await?.sort() else {
            bail!("a room sent a coordinator frame");
        };
        if let Update::GameOver(outcome) = session.on_frame(frame)? {
            return Ok((outcome, session.last_seq()));
        }
        if session.my_turn() {
            let state = session.state().context("no state")?;
            let fire = choose_fire(state, seat.seat);
            let frame = session.make_move(fire)?;
            conn.send(&V1Client::from(frame)).await?;
        }
    }
}

pub async fn a_version_1_client_plays_an_artillery_duel_to_the_end(base: Url) -> Result<()> {
    let ((ann, ann_token), (bob, bob_token)) = (guest(&base)?, guest(&base)?);
    let (a, b) = tokio::join!(
        v1_matchmake(&base, "v1-ann", Some(&ann_token)),
        v1_matchmake(&base, "v1-bob", Some(&bob_token))
    );
    let (a, b) = (a?, b?);
    ensure!(a.room == b.room && a.seat != b.seat, "not one room");
    let (ra, rb) = tokio::join!(v1_play(&base, &a), v1_play(&base, &b));
    let ((outcome_a, seq_a), (outcome_b, seq_b)) = (ra?, rb?);
    ensure!(outcome_a == outcome_b, "{outcome_a:?} / {outcome_b:?}");
    ensure!(seq_a == seq_b, "{seq_a} / {seq_b} events");
    let info: RoomInfo = get_body(&base.join(&format!("/api/rooms/{}", a.room))?)?;
    ensure!(info.phase == "finished", "room: {info:?}");
    ensure!(info.game == GameKind::Artillery, "room: {info:?}");
    ensure!(info.seq == seq_a, "room seq {} vs {seq_a}", info.seq);
    // A version 1 client never acknowledges its moves: the room reports
    // the game at once, not on its retry timer.
    let rated = rated_soon(&base, &[ann, bob]).await?;
    ensure!(
        rated.iter().all(|r| r.is_some_and(|(_, games)| games == 1)),
        "a version 1 game was not rated at its end: {rated:?}"
    );
    println!("version 1 duel: {outcome_a:?} after {seq_a} events");
    Ok(())
}

pub async fn version_1_and_version_2_clients_share_a_room(base: Url) -> Result<()> {
    let (a, b) = tokio::join!(
        v1_matchmake(&base, "v1-cy", None),
        v1_matchmake(&base, "v2-di", None)
    );
    let (a, b) = (a?, b?);
    // Bob's seat came in version 1; he plays it with the current client.
    let bob = Matched {
        room: b.room.clone(),
        game: GameKind::Artillery,
        seat: b.seat,
        token: b.token.clone(),
    };
    let (ra, rb) = tokio::join!(v1_play(&base, &a), play(&base, &bob, Strategy::BEST));
    let ((outcome, seq), rb) = (ra?, rb?);
    ensure!(outcome == rb.outcome, "{outcome:?} / {rb:?}");
    ensure!(seq == rb.events, "{seq} / {} events", rb.events);
    Ok(())
}

pub async fn two_bots_play_connect_four_to_the_same_result(base: Url) -> Result<()> {
    let (a, b) = tokio::join!(
        matchmake(&base, Mode::ConnectFour, "red"),
        matchmake(&base, Mode::ConnectFour, "yellow")
    );
    let (a, b) = (a?, b?);
    ensure!(a.room == b.room && a.seat != b.seat, "{a:?} / {b:?}");
    ensure!(a.game == GameKind::ConnectFour, "matched into {}", a.game);
    let (ra, rb) = play_both(
        &base,
        &a,
        Strategy::BEST,
        &b,
        Strategy::Aim(volley_shared::artillery::ai::Skill(0.2)),
    )
    .await?;
    ensure!(ra.outcome == rb.outcome, "{ra:?} / {rb:?}");
    ensure!(ra.events == rb.events, "{ra:?} / {rb:?}");
    ensure!(
        ra.refusals == 0 && rb.refusals == 0,
        "refused: {ra:?} / {rb:?}"
    );
    ensure!(
        ra.shots + rb.shots >= 7,
        "a game of Connect Four takes at least 7 discs: {ra:?} / {rb:?}"
    );
    let info: RoomInfo = get_body(&base.join(&format!("/api/rooms/{}", a.room))?)?;
    ensure!(
        info.game == GameKind::ConnectFour && info.mode == Mode::ConnectFour,
        "room: {info:?}"
    );
    ensure!(info.phase == "finished", "room: {info:?}");
    ensure!(
        info.seq == ra.events,
        "room seq {} vs {}",
        info.seq,
        ra.events
    );
    // What runs where: the room and the Worker say which build they are.
    let health: Health = get_body(&base.join("/api/health")?)?;
    ensure!(
        health.protocol == 2 && health.min_protocol == 1,
        "health: {health:?}"
    );
    ensure!(
        !health.build.is_empty() && info.build == health.build,
        "the Worker runs {:?}, the room {:?}",
        health.build,
        info.build
    );
    println!(
        "build {} (deployed version {:?})",
        health.build, health.version_id
    );
    // The replay reads as a Connect Four replay and plays to the same end.
    let json = get_json(&base.join(&format!("/api/rooms/{}/replay", a.room))?)?;
    let replay: volley_shared::replay::Replay<volley_shared::connect_four::ConnectFour> =
        serde_json::from_value(json)?;
    let (game, events) = replay.run().map_err(|e| anyhow::anyhow!("{e}"))?;
    ensure!(
        events.len() as u64 == ra.events,
        "replay: {} events",
        events.len()
    );
    ensure!(
        game.outcome == Some(ra.outcome),
        "replay ended {:?}",
        game.outcome
    );
    println!("connect four: {:?} after {} events", ra.outcome, ra.events);
    Ok(())
}

pub async fn a_private_connect_four_room_is_joined_by_its_code(base: Url) -> Result<()> {
    let client = Client::new(base.clone());
    let private = client.create_private(Mode::ConnectFour, "host").await?;
    ensure!(
        private.code.starts_with('C') && private.code.len() == 9,
        "code {}",
        private.code
    );
    ensure!(private.seat.game == GameKind::ConnectFour, "{private:?}");
    let typed = private.code.to_lowercase();
    let friend = client.join_private(&typed, "friend").await?;
    ensure!(
        friend.room == private.seat.room && friend.game == GameKind::ConnectFour,
        "friend got {friend:?}, host {:?}",
        private.seat
    );
    let (rh, rf) = play_both(
        &base,
        &private.seat,
        Strategy::BEST,
        &friend,
        Strategy::BEST,
    )
    .await?;
    ensure!(rh.outcome == rf.outcome, "{rh:?} / {rf:?}");
    ensure!(rh.events == rf.events, "{rh:?} / {rf:?}");
    Ok(())
}

/// The page names its wasm and JavaScript glue by their content: a page
/// from one version never loads another version's pair during a rollout
/// (the unhashed names no longer exist).
pub async fn the_page_loads_its_own_content_hashed_files(base: Url) -> Result<()> {
    let (status, page) = get_text(&base)?;
    ensure!(status == 200, "the page answered {status}");
    let named = |prefix: &str, suffix: &str| -> Result<String> {
        let start = page
            .find(prefix)
            .with_context(|| format!("the page names no {prefix}*{suffix}"))?;
        let rest = &page[start..];
        let end = rest.find(suffix).context("an unterminated name")? + suffix.len();
        Ok(rest[..end].to_string())
    };
    let glue = named("volley_client-", ".js")?;
    let wasm = named("volley_client_bg-", ".wasm")?;
    for file in [&glue, &wasm] {
        let hash = file.trim_end_matches(".wasm").trim_end_matches(".js");
        let hash = hash.rsplit('-').next().unwrap_or_default();
        ensure!(
            hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()),
            "{file} is not named by a content hash"
        );
        let (status, _) = get_text(&base.join(&format!("/pkg/{file}"))?)?;
        ensure!(status == 200, "/pkg/{file} answered {status}");
    }
    for unhashed in ["volley_client.js", "volley_client_bg.wasm"] {
        let (status, _) = get_text(&base.join(&format!("/pkg/{unhashed}"))?)?;
        ensure!(status == 404, "/pkg/{unhashed} still answers {status}");
    }
    Ok(())
}
