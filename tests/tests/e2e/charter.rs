//! Chartered rooms on the real runtime (`server/src/internal/charter.rs`):
//! the coordinator makes a match without calling its room, and the room
//! sets itself up from the charter in its first player's token.
//!
//! Every public match is chartered by default (`ROOM_CHARTER`), so most
//! end-to-end tests play in such rooms; these look at one closely, on the
//! Asian duel shard, which they also set chartering with the test hook
//! `charter-rooms`, so they do not hang on the default.

use crate::limits::closed_at_deadline;
use crate::regions::{make_busy, matched_pair, rated_pair, shard};
use anyhow::{Context, Result, bail, ensure};
use std::time::Duration;
use url::Url;
use volley_client::lobby::Matched;
use volley_client::native::{ClientError, Connection};
use volley_client::session::GameSession;
use volley_shared::api::RoomInfo;
use volley_shared::artillery::Artillery;
use volley_shared::codec;
use volley_tests::{get_body, get_status, post_text};

/// The continent whose shard makes chartered rooms here, and the location
/// hint its rooms get.
const CONTINENT: &str = "AS";
const POOL: &str = "as";
const HINT: &str = "apac";

/// Makes the Asian duel shard busy (it keeps its tickets) and chartering.
fn charter_asia(base: &Url) -> Result<()> {
    make_busy(base, POOL)?;
    let url = base.join(&format!(
        "/api/coordinator/debug/charter-rooms?mode=duel&pool={POOL}"
    ))?;
    let (status, body) = post_text(&url)?;
    ensure!(status == 200, "charter-rooms hook: {status} {body}");
    ensure!(body.contains("\"charter_rooms\":true"), "{body}");
    Ok(())
}

/// A chartered match's room id and the hint its address names.
fn split_address(matched: &Matched) -> Result<(String, String)> {
    let (room, hint) = matched
        .room
        .0
        .split_once('~')
        .with_context(|| format!("{} is not a chartered room's address", matched.room))?;
    Ok((room.to_string(), hint.to_string()))
}

pub async fn a_chartered_room_sets_itself_up_at_its_first_hello(base: Url) -> Result<()> {
    charter_asia(&base)?;
    // Matched: the room does not exist yet.
    let ((_, _, first), (_, _, second)) = matched_pair(&base, CONTINENT).await?;
    let (room, hint) = split_address(&first)?;
    ensure!(hint == HINT, "the address names hint {hint:?}");
    ensure!(first.room == second.room, "one address for both seats");
    ensure!(
        get_status(&base.join(&format!("/api/rooms/{room}"))?)? == 404,
        "the room exists before anyone said hello"
    );
    ensure!(
        tables(&base, &room)? == "none",
        "the room has tables already"
    );

    // Played to the end, and rated once, like any room.
    let (_, _, played) = rated_pair(&base, CONTINENT).await?;
    let (room, hint) = split_address(&played)?;
    let info: RoomInfo = get_body(&base.join(&format!("/api/rooms/{room}"))?)?;
    ensure!(
        info.created_by == shard(&base, POOL)?.coordinator_id,
        "created by {}, not the Asian shard",
        info.created_by
    );
    // The hint the room was set up with is its address's (where the
    // object itself runs, only a real account shows).
    ensure!(
        info.location_hint.as_deref() == Some(hint.as_str()),
        "{info:?}"
    );
    // Its address reaches the same room.
    let by_address: RoomInfo = get_body(&base.join(&format!("/api/rooms/{}", played.room))?)?;
    ensure!(by_address.room_id == info.room_id, "{by_address:?}");
    Ok(())
}

pub async fn a_chartered_address_holds_no_room_until_a_valid_charter_comes(
    base: Url,
) -> Result<()> {
    charter_asia(&base)?;
    let ((_, _, matched), _) = matched_pair(&base, CONTINENT).await?;
    let (room, _) = split_address(&matched)?;
    let info_url = base.join(&format!("/api/rooms/{room}"))?;
    let mut ws = base.join(&format!("/api/rooms/{}/ws", matched.room))?;
    ws.set_scheme("ws")
        .map_err(|()| anyhow::anyhow!("no ws URL for {ws}"))?;

    // A socket that says nothing is closed at its deadline, and leaves
    // no room behind: no record, and no tables either.
    let waited = closed_at_deadline(&ws, false).await?;
    eprintln!("a silent socket on a chartered address closed after {waited:?}");
    ensure!(get_status(&info_url)? == 404, "a silent socket made a room");
    ensure!(
        tables(&base, &room)? == "none",
        "a silent socket made tables"
    );

    // The token with another charter under its signature: refused as a
    // bad token (in the close: no version is settled without a room), and
    // no room.
    let parts: Vec<&str> = matched.token.split('.').collect();
    let [seat, player, expires, _, mac] = parts.as_slice() else {
        bail!("a chartered token has five fields: {}", matched.token);
    };
    let forged = [seat, player, expires, "AAAA", mac].join(".");
    let answer = hello(&ws, &forged).await?;
    ensure!(
        answer.starts_with("closed: 4001") && answer.contains("signature"),
        "forged charter: {answer}"
    );
    ensure!(
        get_status(&info_url)? == 404,
        "a forged charter made a room"
    );
    ensure!(
        tables(&base, &room)? == "none",
        "a forged charter made tables"
    );

    // The real token sets the room up and is welcomed.
    let answer = hello(&ws, &matched.token).await?;
    ensure!(answer.starts_with("frame"), "the real token: {answer}");
    ensure!(get_status(&info_url)? == 200, "the room was not set up");
    ensure!(tables(&base, &room)? == "tables", "the room has no tables");
    Ok(())
}

/// Whether `room`'s object holds a room's tables (`tables` or `none`),
/// by the room's test hook, which reads without making them.
pub(crate) fn tables(base: &Url, room: &str) -> Result<String> {
    let (status, body) = post_text(&base.join(&format!("/api/rooms/{room}/debug/tables"))?)?;
    ensure!(status == 200, "tables hook: {status} {body}");
    Ok(body)
}

/// Sends the client's first frame (`GameSession::hello`) with `token` on a
/// new socket to `ws`: what came back first (a frame, or the close).
async fn hello(ws: &Url, token: &str) -> Result<String> {
    let mut conn = Connection::open(ws)
        .await?
        .with_timeout(Duration::from_secs(10));
    let opening = GameSession::<Artillery>::new().hello(token);
    conn.send_raw(codec::encode_opening(&opening)?).await?;
    Ok(match conn.recv_raw().await {
        Ok(bytes) => format!("frame of {} bytes", bytes.len()),
        Err(ClientError::Closed(reason)) => format!("closed: {reason}"),
        Err(err) => return Err(err.into()),
    })
}
