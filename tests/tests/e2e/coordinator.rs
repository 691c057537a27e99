//! The coordinator against the real runtime: free-for-all modes, parties,
//! cancelling, bot fill, protocol versions, location hints and statistics.
//! The harness sets `BOT_FILL_AFTER_MS_FFA3` short, so a lone free-for-all
//! player gets bots quickly.

use anyhow::{Context, Result, bail, ensure};
use std::collections::BTreeSet;
use url::Url;
use volley_client::bot::Strategy;
use volley_client::lobby::{self, Matched};
use volley_client::native::{
    Client, ClientError, Connection, matchmake, matchmake_with, open_ticket, play, ws_url,
};
use volley_shared::api::{
    AllStats, Guest, Health, LEADERBOARD_SIZE, Leaderboard, PlayerModes, RoomInfo, SeatGrant,
    ShardStats, TEST_CONTINENT_HEADER,
};
use volley_shared::artillery::Artillery;
use volley_shared::protocol::{ErrorCode, LobbyServerFrame, Versions, v1};
use volley_shared::{Mode, PROTOCOL_VERSION};
use volley_tests::{
    WranglerDev, get_body, get_json, post_body, post_json, post_text, post_text_from,
    post_text_with,
};

/// Opens tickets for every name at once and waits for all their matches.
async fn match_all(base: &Url, mode: Mode, names: &[&str]) -> Result<Vec<Matched>> {
    // Spawned all at once (collected), so that the tickets wait together.
    let tickets: Vec<_> = names
        .iter()
        .map(|name| {
            let (base, name) = (base.clone(), name.to_string());
            tokio::spawn(async move { matchmake(&base, mode, &name).await })
        })
        .collect();
    let mut matched = Vec::new();
    for ticket in tickets {
        matched.push(ticket.await.context("ticket task")??);
    }
    Ok(matched)
}

fn one_room(matched: &[Matched]) -> Result<()> {
    let rooms: BTreeSet<&str> = matched.iter().map(|m| m.room.0.as_str()).collect();
    ensure!(rooms.len() == 1, "players spread over rooms: {matched:?}");
    let seats: BTreeSet<_> = matched.iter().map(|m| m.seat).collect();
    ensure!(seats.len() == matched.len(), "seats shared: {matched:?}");
    Ok(())
}

pub async fn three_players_play_a_free_for_all(base: Url) -> Result<()> {
    let matched = match_all(&base, Mode::Ffa3, &["ann", "bob", "cy"]).await?;
    one_room(&matched)?;
    let games: Vec<_> = matched
        .iter()
        .map(|m| {
            let (base, m) = (base.clone(), m.clone());
            tokio::spawn(async move { play(&base, &m, Strategy::BEST).await })
        })
        .collect();
    let mut outcomes = Vec::new();
    for game in games {
        outcomes.push(game.await.context("player task")??.outcome);
    }
    ensure!(
        outcomes.windows(2).all(|w| w[0] == w[1]),
        "players saw different results: {outcomes:?}"
    );
    Ok(())
}

pub async fn a_party_of_two_joins_a_four_player_game_together(base: Url) -> Result<()> {
    let party = |name: &'static str| {
        let base = base.clone();
        tokio::spawn(async move {
            let opening = lobby::find_match_as_party(Mode::Ffa4, name, "otters", 2);
            matchmake_with(&base, Mode::Ffa4, None, &opening).await
        })
    };
    let (p1, p2) = (party("otter-1"), party("otter-2"));
    let solos = match_all(&base, Mode::Ffa4, &["sol-1", "sol-2"]).await?;
    let mut matched = vec![p1.await??, p2.await??];
    let party_seats: BTreeSet<u8> = matched.iter().map(|m| m.seat.0).collect();
    matched.extend(solos);
    one_room(&matched)?;
    // The first hello sets the (chartered) room up.
    let mut first = crate::rooms::Client::join(&base, &matched[0]).await?;
    first.next().await?;
    let info = get_json(&base.join(&format!("/api/rooms/{}/replay", matched[0].room))?)?;
    first.conn.close().await;
    let names = info["names"].as_array().context("no names")?;
    for seat in &party_seats {
        let name = names
            .get(usize::from(*seat))
            .and_then(|n| n.as_str())
            .unwrap_or_default();
        ensure!(
            name.starts_with("otter"),
            "seat {seat} is {name}: {names:?}"
        );
    }
    Ok(())
}

pub async fn a_cancelled_ticket_is_never_matched(base: Url) -> Result<()> {
    // A party of three forming in ffa4: when one member leaves, the other
    // is told and closed with 4010 at once. Matching would drop a ticket
    // whose sockets are gone anyway, so this is what shows the cancel ran.
    let party = lobby::find_match_as_party(Mode::Ffa4, "stays", "cancel-party", 3);
    let bots = Client::new(base.clone());
    let mut stays = bots
        .open_ticket_for(Mode::Ffa4, None, true)
        .await?
        .with_timeout(std::time::Duration::from_secs(10));
    stays.open_with(&party).await?;
    ensure!(matches!(
        stays.recv_lobby().await?,
        LobbyServerFrame::Queued { .. }
    ));
    let leaves_party = lobby::find_match_as_party(Mode::Ffa4, "leaves", "cancel-party", 3);
    let mut leaves = bots.open_ticket_for(Mode::Ffa4, None, true).await?;
    leaves.open_with(&leaves_party).await?;
    ensure!(matches!(
        leaves.recv_lobby().await?,
        LobbyServerFrame::Queued { .. }
    ));
    leaves.close().await;
    loop {
        match stays.recv_lobby().await {
            Ok(LobbyServerFrame::Error { .. }) => {}
            Err(ClientError::Closed(reason)) => {
                ensure!(reason.starts_with("4010"), "closed with {reason}");
                break;
            }
            other => bail!("the member who stayed got {other:?}, not a 4010 close"),
        }
    }

    let mut gone = open_ticket(&base, Mode::Duel, None).await?;
    gone.open_with(&lobby::find_match(Mode::Duel, "quitter"))
        .await?;
    ensure!(matches!(
        gone.recv().await?,
        LobbyServerFrame::Queued { .. }
    ));
    gone.close().await;
    // Give the coordinator the close before the next tickets.
    for _ in 0..50 {
        let stats = get_json(&base.join("/api/stats?mode=duel")?)?;
        if stats["tickets_waiting"] == 0 {
            let matched = match_all(&base, Mode::Duel, &["stays-1", "stays-2"]).await?;
            return one_room(&matched);
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    bail!("the closed ticket is still waiting")
}

pub async fn a_lone_player_gets_bots_after_the_wait(base: Url) -> Result<()> {
    // The wait for bot fill (2 s) is longer than the client waits for a
    // frame (1 s): its pings keep the ticket's socket alive meanwhile.
    let matched = volley_client::native::Client::new(base.clone())
        .with_frame_timeout(std::time::Duration::from_secs(1))
        .matchmake(Mode::Ffa3, "lonely")
        .await?;
    let report = play(&base, &matched, Strategy::BEST).await?;
    ensure!(report.shots > 0, "the player never fired: {report:?}");
    let replay = get_json(&base.join(&format!("/api/rooms/{}/replay", matched.room))?)?;
    let names: Vec<&str> = replay["names"]
        .as_array()
        .context("no names")?
        .iter()
        .filter_map(|n| n.as_str())
        .collect();
    ensure!(names == ["lonely", "bot 1", "bot 2"], "roster {names:?}");
    let bot_moves = replay["actions"]
        .as_array()
        .context("no actions")?
        .iter()
        .filter(|a| a["action"]["Move"]["seat"].as_u64().is_some_and(|s| s >= 1))
        .count();
    ensure!(bot_moves > 0, "the bots never moved: {replay}");
    Ok(())
}

pub async fn other_protocol_versions_are_refused(base: Url) -> Result<()> {
    // A version 1 frame stating a version 1 never had.
    let mut conn = open_ticket(&base, Mode::Duel, None).await?;
    conn.send(&v1::ClientFrame::<Artillery>::FindMatch {
        protocol: 7,
        mode: Mode::Duel,
        name: "future".into(),
    })
    .await?;
    ensure!(matches!(
        conn.recv().await?,
        v1::ServerFrame::<Artillery>::Error {
            code: ErrorCode::UnsupportedProtocol,
            ..
        }
    ));
    match conn.recv::<LobbyServerFrame>().await {
        Err(ClientError::Closed(reason)) if reason.starts_with("4000") => {}
        other => bail!("expected close 4000, got {other:?}"),
    }
    // An opening newer than the server: told the server is too old.
    let mut conn = open_ticket(&base, Mode::Duel, None).await?;
    let mut opening = lobby::find_match(Mode::Duel, "future");
    opening.versions = Versions {
        min: PROTOCOL_VERSION + 1,
        max: PROTOCOL_VERSION + 3,
    };
    match conn.open_with(&opening).await {
        Err(ClientError::Version(message)) => {
            ensure!(message.contains("2..=2"), "refusal: {message}")
        }
        other => bail!("a too-new opening got {other:?}"),
    }
    match conn.recv::<LobbyServerFrame>().await {
        Err(ClientError::Closed(reason)) if reason.starts_with("4013") => {}
        other => bail!("expected close 4013 (server too old), got {other:?}"),
    }
    // Connect Four needs protocol 2: a version 1 ticket for it is refused.
    let mut conn = open_ticket(&base, Mode::ConnectFour, None).await?;
    conn.send(&v1::ClientFrame::<Artillery>::FindMatch {
        protocol: 1,
        mode: Mode::ConnectFour,
        name: "old".into(),
    })
    .await?;
    match conn.recv().await? {
        v1::ServerFrame::<Artillery>::Error {
            code: ErrorCode::UnsupportedProtocol,
            message,
        } => ensure!(message.contains("connect4"), "refusal: {message}"),
        other => bail!("a version 1 ticket for connect4 got {other:?}"),
    }
    Ok(())
}

/// Runs `test` with the duel shard calling each room it makes, not
/// chartering it (`ROOM_CHARTER=0`, as the test hook `charter-rooms`
/// sets it): room creation can then be held or failed, and the room
/// answers with its build at match time. The shard follows `ROOM_CHARTER`
/// again afterwards, whatever happened.
pub(crate) async fn with_called_rooms(
    base: &Url,
    test: impl Future<Output = Result<()>>,
) -> Result<()> {
    /// Sets the shard back to `ROOM_CHARTER` when dropped: also when the
    /// test fails, or runs out of time and is dropped.
    struct Restore(Url);
    impl Drop for Restore {
        fn drop(&mut self) {
            if let Ok(url) = self
                .0
                .join("/api/coordinator/debug/charter-rooms?mode=duel&on=setting")
                && let Err(err) = post_json(&url)
            {
                eprintln!("could not set the duel shard back to ROOM_CHARTER: {err:#}");
            }
        }
    }
    let set = post_json(&base.join("/api/coordinator/debug/charter-rooms?mode=duel&on=0")?)?;
    let _restore = Restore(base.clone());
    ensure!(
        set["charter_rooms"] == false,
        "rooms still chartered: {set}"
    );
    test.await
}

/// A match counts once in the shard's statistics, with its wait, its
/// room's location hint and the build the room answered with (a room the
/// shard calls at match time; a chartered one is counted as such, see
/// [`crate::charter`]).
pub async fn stats_count_waits_and_location_hints(base: Url) -> Result<()> {
    with_called_rooms(&base, called_room_stats(&base)).await
}

async fn called_room_stats(base: &Url) -> Result<()> {
    let base = base.clone();
    let health: Health = get_body(&base.join("/api/health")?)?;
    // Earlier tests raised the counters: this match must raise each by one.
    let before: ShardStats = get_body(&base.join("/api/stats?mode=duel")?)?;
    let matched = match_all(&base, Mode::Duel, &["s-1", "s-2"]).await?;
    let room: RoomInfo = get_body(&base.join(&format!("/api/rooms/{}", matched[0].room))?)?;
    // Local wrangler reports continent NA, which maps to eastern North America.
    ensure!(
        room.location_hint.as_deref() == Some("enam"),
        "room created without the expected hint: {room:?}"
    );
    let all: AllStats = get_body(&base.join("/api/stats")?)?;
    let modes: Vec<Mode> = all.modes.iter().map(|m| m.mode).collect();
    ensure!(modes == Mode::ALL, "stats for {modes:?}");
    let duel = all
        .modes
        .iter()
        .find(|m| m.mode == Mode::Duel)
        .context("no duel stats")?;
    let count = |map: &std::collections::BTreeMap<String, u64>, key: &str| {
        map.get(key).copied().unwrap_or(0)
    };
    ensure!(
        duel.matches_made == before.matches_made + 1
            && count(&duel.rooms_per_location_hint, "enam")
                == count(&before.rooms_per_location_hint, "enam") + 1
            && count(&duel.rooms_per_build, &health.build)
                == count(&before.rooms_per_build, &health.build) + 1,
        "one match did not count once: {before:?} -> {duel:?}"
    );
    ensure!(
        duel.wait_ms_p50.is_some() && duel.wait_ms_p99.is_some(),
        "{duel:?}"
    );
    ensure!(duel.tickets_waiting == 0, "{duel:?}");
    Ok(())
}

/// A guest identity from the Worker: (player id, token).
pub(crate) fn guest(base: &Url) -> Result<(String, String)> {
    let guest: Guest = post_body(&base.join("/api/guests")?)?;
    Ok((guest.player, guest.token))
}

/// Queues `ticket` as `name` and checks it is queued as `player` (the
/// guest its token names); closes it.
async fn queued_as(mut ticket: Connection, name: &str, player: &str) -> Result<()> {
    ticket
        .open_with(&lobby::find_match(Mode::Duel, name))
        .await?;
    match ticket.recv_lobby().await? {
        LobbyServerFrame::Queued { player: queued } => ensure!(
            queued.to_string() == player,
            "queued as {queued}, the guest is {player}"
        ),
        other => bail!("not queued: {other:?}"),
    }
    ticket.close().await;
    Ok(())
}

/// `token` with the last digit of its signature changed.
pub(crate) fn forge(token: &str) -> String {
    let (signed, last) = token.split_at(token.len().saturating_sub(1));
    format!("{signed}{}", if last == "0" { "1" } else { "0" })
}

/// `POST /api/guests/renew` with `token` as the bearer: the status and body.
fn renew(base: &Url, token: &str) -> Result<(u16, String)> {
    post_as_bearer(&base.join("/api/guests/renew")?, token)
}

/// A `POST` to `url` with `token` in `Authorization: Bearer`: the status
/// and body.
fn post_as_bearer(url: &Url, token: &str) -> Result<(u16, String)> {
    post_text_with(url, &[("Authorization", &format!("Bearer {token}"))])
}

/// A guest token expires (`g2.`, 90 days) and is renewed for the same
/// player; a forged one, or none, is refused; and a first release's `g.`
/// token that never expires is traded for one that does.
pub async fn a_guest_token_expires_and_is_renewed_for_the_same_player(base: Url) -> Result<()> {
    let (player, token) = guest(&base)?;
    let fields: Vec<&str> = token.split('.').collect();
    ensure!(
        fields.len() == 4 && fields[0] == "g2",
        "issued {token}, not an expiring token"
    );
    let expires_ms = u64::from_str_radix(fields[2], 16)?;
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_millis() as u64;
    let days = expires_ms.saturating_sub(now_ms) as f64 / 86_400_000.0;
    ensure!((89.9..=90.0).contains(&days), "expires in {days} days");

    let (status, body) = renew(&base, &token)?;
    ensure!(status == 200, "renewal: {status} {body}");
    let renewed: Guest = serde_json::from_str(&body)?;
    ensure!(
        renewed.player == player && renewed.token.starts_with("g2."),
        "renewed as {renewed:?}, the guest is {player}"
    );
    // The renewed token plays as the same guest.
    let ticket = open_ticket(&base, Mode::Duel, Some(&renewed.token)).await?;
    queued_as(ticket, "renewed", &player).await?;

    let (status, body) = renew(&base, &forge(&token))?;
    ensure!(status == 403, "a forged token was renewed: {status} {body}");
    let (status, body) = post_text(&base.join("/api/guests/renew")?)?;
    ensure!(status == 400, "a renewal without a token: {status} {body}");

    // A first release's token (the test hooks sign one with the server's
    // secret) is renewed into one that expires.
    let (status, legacy) = post_text(&base.join("/api/coordinator/debug/legacy-guest?mode=duel")?)?;
    ensure!(
        status == 200 && legacy.starts_with("g."),
        "legacy guest: {status} {legacy}"
    );
    let (status, body) = renew(&base, legacy.trim())?;
    ensure!(
        status == 200,
        "renewing a first release's token: {status} {body}"
    );
    let renewed: Guest = serde_json::from_str(&body)?;
    ensure!(
        renewed.token.starts_with("g2.") && legacy.contains(&renewed.player),
        "a first release's token {legacy} renewed as {renewed:?}"
    );
    Ok(())
}

/// Two new guests, named so, matched into one duel: each one's player id
/// and seat.
pub(crate) async fn guests_in_a_duel(
    base: &Url,
    names: [&'static str; 2],
) -> Result<[(String, Matched); 2]> {
    let tickets = names.map(|name| {
        let base = base.clone();
        tokio::spawn(async move {
            let (id, token) = guest(&base)?;
            let opening = lobby::find_match(Mode::Duel, name);
            let matched = matchmake_with(&base, Mode::Duel, Some(&token), &opening).await?;
            anyhow::Ok((id, matched))
        })
    });
    let [a, b] = tickets;
    let (a, b) = (a.await??, b.await??);
    ensure!(a.1.room == b.1.room, "guests matched into two rooms");
    Ok([a, b])
}

/// A guest's duel rating and rated games.
pub(crate) fn duel_rating(base: &Url, player: &str) -> Result<Option<(f64, u64)>> {
    let record: PlayerModes = get_body(&base.join(&format!("/api/players/{player}?mode=duel"))?)?;
    Ok(record.modes.first().map(|duel| (duel.rating, duel.games)))
}

/// Two guests play a duel, one aiming, one firing harmlessly, until the room's result
/// is applied; returns the winner's and the loser's ids, the winner's seat.
async fn play_rated_duel(base: &Url) -> Result<(String, String, Matched)> {
    let [(winner_id, w), (loser_id, l)] = guests_in_a_duel(base, ["winner", "loser"]).await?;
    let (rw, _) = crate::play_both(base, &w, Strategy::BEST, &l, Strategy::Harmless).await?;
    ensure!(
        rw.won(),
        "the aiming guest should beat the harmless one: {rw:?}"
    );
    // The room reports once the last move is acknowledged (the bots do
    // at once); give it a moment.
    for _ in 0..50 {
        if duel_rating(base, &winner_id)?.is_some() {
            return Ok((winner_id, loser_id, w));
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    bail!("the winner was never rated")
}

pub async fn ratings_are_updated_once_per_game(base: Url) -> Result<()> {
    let (winner_id, loser_id, w) = play_rated_duel(&base).await?;
    let rated = duel_rating(&base, &winner_id)?;
    let (winner_rating, games) = rated.context("the winner was never rated")?;
    let (loser_rating, loser_games) = duel_rating(&base, &loser_id)?.context("loser unrated")?;
    ensure!(
        games == 1 && loser_games == 1,
        "games {games} / {loser_games}"
    );
    ensure!(
        (winner_rating - 1516.0).abs() < 1e-6 && (loser_rating - 1484.0).abs() < 1e-6,
        "ratings after one even duel: {winner_rating} / {loser_rating}"
    );

    // The leaderboard lists the winner by rating, best first.
    let board: Leaderboard = get_body(&base.join("/api/leaderboard?mode=duel")?)?;
    let leaders = &board.leaders;
    ensure!(
        board.mode == Mode::Duel && leaders.len() <= LEADERBOARD_SIZE,
        "{board:?}"
    );
    ensure!(
        leaders
            .windows(2)
            .all(|w| w[0].rating >= w[1].rating && w[1].rank == w[0].rank + 1)
            && leaders.first().is_none_or(|l| l.rank == 1),
        "the leaderboard is out of order: {leaders:?}"
    );
    let listed = leaders.iter().find(|l| l.player == winner_id);
    ensure!(
        listed.is_some_and(|l| l.name == "winner"
            && l.games == 1
            && (l.rating - 1516.0).abs() < 1e-6)
            || (listed.is_none()
                && leaders.len() == LEADERBOARD_SIZE
                && leaders.last().is_some_and(|l| l.rating >= 1516.0)),
        "the winner is not on the leaderboard: {leaders:?}"
    );

    // The room reports again: nothing changes.
    let report = base.join(&format!("/api/rooms/{}/debug/report", w.room))?;
    let (status, body) = post_text(&report)?;
    ensure!(status == 200, "could not report again: {status} {body}");
    ensure!(
        duel_rating(&base, &winner_id)? == Some((winner_rating, 1))
            && duel_rating(&base, &loser_id)? == Some((loser_rating, 1)),
        "a second report changed a rating"
    );

    // A forged guest token is refused before any socket opens.
    let (_, token) = guest(&base)?;
    let forged = forge(&token);
    match open_ticket(&base, Mode::Duel, Some(&forged)).await {
        Err(ClientError::WebSocket(err)) => {
            ensure!(err.to_string().contains("403"), "forged guest token: {err}")
        }
        Err(other) => bail!("forged guest token: {other}"),
        Ok(_) => bail!("a forged guest token was accepted"),
    }
    Ok(())
}

/// A seat handed out over HTTP, as a `Matched`.
fn seat_from(json: &serde_json::Value) -> Result<Matched> {
    Ok(serde_json::from_value::<SeatGrant>(json.clone())?.into())
}

pub async fn a_private_room_is_joined_by_its_code(base: Url) -> Result<()> {
    let created = post_json(&base.join("/api/rooms?mode=duel&name=host")?)?;
    let code = created["code"].as_str().context("no code")?.to_string();
    ensure!(code.len() == 9 && code.starts_with('2'), "code {code}");
    let host = seat_from(&created)?;
    // A friend types it with a dash, in lower case.
    let typed = format!("{}-{}", &code[..5], code[5..].to_lowercase());
    let (status, body) =
        post_text(&base.join(&format!("/api/rooms/join?code={typed}&name=friend"))?)?;
    ensure!(status == 200, "join: {status} {body}");
    let friend = seat_from(&serde_json::from_str(&body)?)?;
    ensure!(
        friend.room == host.room && friend.seat.0 == 1,
        "friend got {friend:?}, host {host:?}"
    );
    let (full, _) = post_text(&base.join(&format!("/api/rooms/join?code={code}&name=late"))?)?;
    ensure!(full == 409, "a third player joined a duel: {full}");

    let (rh, rf) = crate::play_both(&base, &host, Strategy::BEST, &friend, Strategy::BEST).await?;
    ensure!(rh.outcome == rf.outcome, "{rh:?} / {rf:?}");
    let replay = get_json(&base.join(&format!("/api/rooms/{}/replay", host.room))?)?;
    ensure!(
        replay["names"] == serde_json::json!(["host", "friend"]),
        "names {}",
        replay["names"]
    );

    // Guessing: wrong codes are refused, and after ten a minute, refused
    // before they are even looked up. From an address of its own (TEST-NET),
    // so that the other tests' joins are not limited.
    let mut statuses = Vec::new();
    for n in 0..12u64 {
        let wrong = code_like(n);
        let url = base.join(&format!("/api/rooms/join?code={wrong}"))?;
        let (status, _) = post_text_from(&url, Some("192.0.2.7"))?;
        statuses.push(status);
    }
    let (status, _) = post_text(&base.join(&format!("/api/rooms/join?code={}", code_like(99)))?)?;
    ensure!(status == 404, "another address is not limited: {status}");
    ensure!(
        statuses[..10].iter().all(|s| *s == 404) && statuses[10..].iter().all(|s| *s == 429),
        "statuses of twelve wrong guesses: {statuses:?}"
    );
    Ok(())
}

/// A well-formed duel code that no room has (the alphabet's first letters).
fn code_like(n: u64) -> String {
    let alphabet = b"23456789ABCDEFGHJKMNPQRSTWXYZ";
    let mut code = String::from("2");
    let mut x = n;
    for _ in 0..8 {
        code.push(char::from(alphabet[(x % 29) as usize]));
        x /= 29;
    }
    code
}

/// A player who has not played for the retention is forgotten when a later
/// result is applied (rating, games and history), so anonymous players'
/// rows do not pile up; on a server of its own, with the retention at 3 s.
pub async fn a_player_unseen_for_the_retention_is_forgotten(secret: String) -> Result<()> {
    let retention = std::time::Duration::from_secs(3);
    let server = WranglerDev::start(&[
        ("TURN_TIMEOUT_MS", "2500"),
        ("JOIN_SECRET", &secret),
        ("PLAYER_RETENTION_MS", &retention.as_millis().to_string()),
    ])?;
    let base = server.base().clone();
    let (old_winner, old_loser, _) = play_rated_duel(&base).await?;
    ensure!(
        duel_rating(&base, &old_loser)?.is_some(),
        "the loser was not rated"
    );
    tokio::time::sleep(retention + std::time::Duration::from_millis(500)).await;
    let (new_winner, new_loser, _) = play_rated_duel(&base).await?;
    for (player, kept) in [
        (&old_winner, false),
        (&old_loser, false),
        (&new_winner, true),
        (&new_loser, true),
    ] {
        let record: PlayerModes =
            get_body(&base.join(&format!("/api/players/{player}?mode=duel"))?)?;
        ensure!(
            record.modes.is_empty() != kept,
            "player {player}: {record:?}, expected {}",
            if kept { "kept" } else { "forgotten" }
        );
    }
    drop(server);
    Ok(())
}

/// A guest token also works where no log keeps it: in a WebSocket
/// subprotocol (the server answers `volley`, or the handshake would fail)
/// and in an `Authorization: Bearer` header; a forged one there is refused.
pub async fn a_guest_token_is_read_from_a_subprotocol_or_a_bearer_header(base: Url) -> Result<()> {
    let (player, token) = guest(&base)?;
    let url = volley_client::native::ws_url(&base, "/api/matchmake?mode=duel")?;
    let offer = format!("volley, volley-guest.{token}");
    let ticket = volley_client::native::Connection::open_with_headers(
        &url,
        &[("Sec-WebSocket-Protocol", &offer)],
    )
    .await?;
    queued_as(ticket, "sub", &player).await?;

    let create = base.join("/api/rooms?mode=duel&name=host")?;
    let (status, body) = post_as_bearer(&create, &token)?;
    ensure!(
        status == 201,
        "a bearer guest could not create a room: {status} {body}"
    );
    let (status, body) = post_as_bearer(&create, &forge(&token))?;
    ensure!(
        status == 403,
        "a forged bearer token was accepted: {status} {body}"
    );
    Ok(())
}

/// A duel ticket from `continent` (as a test may say, with test hooks on),
/// queued as `name`.
async fn queued_on(base: &Url, continent: &str, name: &str) -> Result<Connection> {
    let url = ws_url(base, "/api/matchmake?mode=duel")?;
    let mut conn =
        Connection::open_with_headers(&url, &[(TEST_CONTINENT_HEADER, continent)]).await?;
    conn.open_with(&lobby::find_match(Mode::Duel, name)).await?;
    match conn.recv_lobby().await? {
        LobbyServerFrame::Queued { .. } => Ok(conn),
        other => bail!("{name} was not queued: {other:?}"),
    }
}

/// The room a queued ticket is matched into.
async fn matched_room(conn: &mut Connection) -> Result<volley_shared::RoomId> {
    let room = match conn.recv_lobby().await? {
        LobbyServerFrame::Matched { room, .. } => room,
        other => bail!("expected a match, got {other:?}"),
    };
    Ok(room)
}

/// Players are matched on their own continent first: of two from Oceania
/// and a European who queued between them, the two from Oceania play, in
/// a room placed near them (`oc`); the European plays the next European,
/// near them (`weur`).
pub async fn players_are_matched_on_their_own_continent_first(base: Url) -> Result<()> {
    let mut first = queued_on(&base, "OC", "oceania-1").await?;
    let mut european = queued_on(&base, "EU", "europe-1").await?;
    let mut second = queued_on(&base, "oc", "oceania-2").await?;
    matched_together_near(&base, [&mut first, &mut second], "oc").await?;
    let mut other = queued_on(&base, "EU", "europe-2").await?;
    matched_together_near(&base, [&mut european, &mut other], "weur").await
}

/// Both tickets are matched into one room, placed at `hint`.
async fn matched_together_near(base: &Url, [a, b]: [&mut Connection; 2], hint: &str) -> Result<()> {
    let room = matched_room(a).await?;
    ensure!(matched_room(b).await? == room, "matched into two rooms");
    let placed = crate::room_hint(base, &room)?;
    ensure!(
        placed.as_deref() == Some(hint),
        "{room} is placed at {placed:?}"
    );
    Ok(())
}
