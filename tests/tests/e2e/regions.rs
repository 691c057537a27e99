//! Regional coordinator shards on the real runtime: players of two busy
//! regions are matched in their own shards, a ticket from a quiet region
//! is handed to the mode's global pool at once, and every shard sees one
//! rating per player.
//!
//! Whether a shard is busy is what it counted (tickets in the last
//! minute); the test server's threshold is high, so every shard is quiet
//! unless a test hook sets a shard's count (`arrivals`), as demand would.

use crate::coordinator::{duel_rating, guest};
use anyhow::{Result, bail, ensure};
use url::Url;
use volley_client::bot::Strategy;
use volley_client::lobby::{self, Matched};
use volley_client::native::Client;
use volley_shared::Mode;
use volley_shared::api::{RoomInfo, ShardStats};
use volley_shared::protocol::LobbyServerFrame;
use volley_tests::{get_body, post_text};

/// The test server's threshold (`QUIET_TICKETS_PER_MINUTE` in `main.rs`).
pub(crate) const QUIET_BELOW: u32 = 100_000;
/// What a busy shard is told it took in the last minute: above the test
/// server's threshold.
const BUSY: u32 = 1_000_000;

/// Makes a regional duel shard busy.
pub(crate) fn make_busy(base: &Url, pool: &str) -> Result<()> {
    set_arrivals(base, pool, BUSY)
}

/// Tells a regional duel shard it took `count` tickets this minute.
fn set_arrivals(base: &Url, pool: &str, count: u32) -> Result<()> {
    let url = base.join(&format!(
        "/api/coordinator/debug/arrivals?mode=duel&pool={pool}&count={count}"
    ))?;
    let (status, body) = post_text(&url)?;
    ensure!(status == 200, "arrivals hook for {pool}: {status} {body}");
    Ok(())
}

/// One duel shard's own statistics.
pub(crate) fn shard(base: &Url, pool: &str) -> Result<ShardStats> {
    get_body(&base.join(&format!("/api/stats?mode=duel&pool={pool}"))?)
}

/// A guest client on `continent`: its id, token and client.
fn traveller(base: &Url, continent: &str) -> Result<(String, String, Client)> {
    let (id, token) = guest(base)?;
    let client = Client::new(base.clone()).on_continent(Some(continent.to_string()));
    Ok((id, token, client))
}

/// A guest's id, guest token and match.
pub(crate) type Guest = (String, String, Matched);

/// Two guests of `continent` matched.
pub(crate) async fn matched_pair(base: &Url, continent: &str) -> Result<(Guest, Guest)> {
    let (first, f_token, f_client) = traveller(base, continent)?;
    let (second, s_token, s_client) = traveller(base, continent)?;
    let (f_guest, s_guest) = (f_token.clone(), s_token.clone());
    let f = tokio::spawn(async move {
        let opening = lobby::find_match(Mode::Duel, "winner");
        f_client
            .matchmake_with(Mode::Duel, Some(&f_token), &opening)
            .await
    });
    let s = tokio::spawn(async move {
        let opening = lobby::find_match(Mode::Duel, "loser");
        s_client
            .matchmake_with(Mode::Duel, Some(&s_token), &opening)
            .await
    });
    let (f, s) = (f.await??, s.await??);
    ensure!(
        f.room == s.room,
        "the two of {continent} were matched apart"
    );
    Ok(((first, f_guest, f), (second, s_guest, s)))
}

/// Two guests of `continent` matched and played, the first aiming and the
/// second firing harmlessly; returns the winner, once both are rated.
pub(crate) async fn rated_pair(base: &Url, continent: &str) -> Result<Guest> {
    let ((winner, token, w), (loser, _, l)) = matched_pair(base, continent).await?;
    let (result, lost) = crate::play_both(base, &w, Strategy::BEST, &l, Strategy::Harmless).await?;
    ensure!(result.won(), "the aiming player should win: {result:?}");
    ensure!(
        lost.shots >= 1 && lost.timeouts == 0,
        "the harmless player should fire at each of its turns: {lost:?}"
    );
    wait_for_games(base, &[(&winner, 1), (&loser, 1)]).await?;
    Ok((winner, token, w))
}

/// Waits until each player has the given number of duel games counted.
async fn wait_for_games(base: &Url, players: &[(&str, u64)]) -> Result<()> {
    for _ in 0..50 {
        let mut done = true;
        for (player, games) in players {
            done &= duel_rating(base, player)?.is_some_and(|(_, g)| g == *games);
        }
        if done {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    bail!("games were never counted for {players:?}")
}

/// The coordinator that created `room`.
pub(crate) fn created_by(base: &Url, room: &Matched) -> Result<String> {
    let info: RoomInfo = get_body(&base.join(&format!("/api/rooms/{}", room.room))?)?;
    Ok(info.created_by)
}

pub async fn each_region_matches_its_own_and_a_quiet_one_hands_over(base: Url) -> Result<()> {
    let global = shard(&base, "global")?.coordinator_id;
    let (eu, sa) = (shard(&base, "eu")?, shard(&base, "sa")?);
    ensure!(
        global != eu.coordinator_id && eu.coordinator_id != sa.coordinator_id,
        "the shards are not distinct objects: {global}, {}, {}",
        eu.coordinator_id,
        sa.coordinator_id
    );

    // Europe and South America are busy: each matches its own players.
    make_busy(&base, "eu")?;
    // A party may not queue in a regional shard (its members may be
    // anywhere): it is told to open its tickets for the global pool.
    let europe = Client::new(base.clone()).on_continent(Some("EU".into()));
    let mut member = europe.open_ticket(Mode::Duel, None).await?;
    member
        .open_with(&lobby::find_match_as_party(Mode::Duel, "member", "pals", 2))
        .await?;
    match member.recv_lobby().await? {
        LobbyServerFrame::Error { message, .. } if message.contains("party=1") => {}
        other => bail!("a party was not refused by a regional shard: {other:?}"),
    }
    let (eu_winner, eu_token, eu_room) = rated_pair(&base, "EU").await?;
    ensure!(
        created_by(&base, &eu_room)? == eu.coordinator_id,
        "the Europeans were not matched in the European shard"
    );
    make_busy(&base, "sa")?;
    let (sa_winner, sa_token, sa_room) = rated_pair(&base, "SA").await?;
    ensure!(
        created_by(&base, &sa_room)? == sa.coordinator_id,
        "the South Americans were not matched in the South American shard"
    );
    for winner in [&eu_winner, &sa_winner] {
        ensure!(
            duel_rating(&base, winner)? == Some((1516.0, 1)),
            "a regional winner's rating: {:?}",
            duel_rating(&base, winner)?
        );
    }

    // The European winner, now in Oceania (quiet), queues alone: the ticket
    // is handed to the global pool at once, not kept in Oceania's shard.
    let oceania = Client::new(base.clone()).on_continent(Some("OC".into()));
    let mut lone = oceania.open_ticket(Mode::Duel, Some(&eu_token)).await?;
    lone.open_with(&lobby::find_match(Mode::Duel, "traveller"))
        .await?;
    match lone.recv_lobby().await? {
        LobbyServerFrame::Queued { .. } => {}
        other => bail!("the lone ticket was not queued: {other:?}"),
    }
    let (in_global, in_oceania) = (shard(&base, "global")?, shard(&base, "oc")?);
    ensure!(
        in_global.tickets_waiting >= 1 && in_oceania.tickets_waiting == 0,
        "the lone ticket is not in the global pool: global {in_global:?}, oceania {in_oceania:?}"
    );

    // The South American winner, now in Africa (quiet too), is handed over
    // as well and matched with them there.
    let africa = Client::new(base.clone()).on_continent(Some("AF".into()));
    let opening = lobby::find_match(Mode::Duel, "visitor");
    let visitor = africa.matchmake_with(Mode::Duel, Some(&sa_token), &opening);
    let (visitor, traveller) = tokio::join!(visitor, oceania.wait_for_match(lone));
    let (visitor, traveller) = (visitor?, traveller?);
    ensure!(
        visitor.room == traveller.room,
        "the two travellers were matched apart"
    );

    // The global pool rated them from the ratings the regional shards'
    // games left: two players at 1516, so the win moves each by 16.
    let (result, _) = crate::play_both(
        &base,
        &traveller,
        Strategy::BEST,
        &visitor,
        Strategy::Harmless,
    )
    .await?;
    ensure!(
        created_by(&base, &traveller)? == global,
        "the travellers were not matched in the global pool"
    );
    ensure!(result.won(), "the aiming traveller should win: {result:?}");
    wait_for_games(&base, &[(&eu_winner, 2), (&sa_winner, 2)]).await?;
    let (eu_after, sa_after) = (
        duel_rating(&base, &eu_winner)?,
        duel_rating(&base, &sa_winner)?,
    );
    ensure!(
        eu_after == Some((1532.0, 2)) && sa_after == Some((1500.0, 2)),
        "ratings after the global game: {eu_after:?} / {sa_after:?} (one rating per player would give 1532 / 1500)"
    );
    Ok(())
}

/// Waits until both tickets are matched, and checks that they met, in the
/// duel shard of `pool` (they join their room: a chartered room sets itself
/// up at the first hello, and only then knows who made it).
async fn meet_in(
    base: &Url,
    pool: &str,
    a: volley_client::native::Connection,
    b: volley_client::native::Connection,
    when: &str,
) -> Result<()> {
    let client = Client::new(base.clone());
    let (a, b) = tokio::try_join!(client.wait_for_match(a), client.wait_for_match(b))?;
    ensure!(a.room == b.room, "two players were parted {when}");
    let (ca, cb) = crate::rooms::join_both(base, &a, &b).await?;
    drop((ca, cb));
    ensure!(
        created_by(base, &a)? == shard(base, pool)?.coordinator_id,
        "the two were not matched in the {pool} shard"
    );
    Ok(())
}

/// Opens a duel ticket socket from `continent`.
async fn socket_from(base: &Url, continent: &str) -> Result<volley_client::native::Connection> {
    let client = Client::new(base.clone()).on_continent(Some(continent.to_string()));
    Ok(client.open_ticket(Mode::Duel, None).await?)
}

/// Says `FindMatch` on a ticket socket.
async fn find_match(
    mut ticket: volley_client::native::Connection,
    name: &str,
) -> Result<volley_client::native::Connection> {
    ticket
        .open_with(&lobby::find_match(Mode::Duel, name))
        .await?;
    Ok(ticket)
}

/// Opens a duel ticket from `continent` and says `FindMatch` on it.
async fn ticket_from(
    base: &Url,
    continent: &str,
    name: &str,
) -> Result<volley_client::native::Connection> {
    find_match(socket_from(base, continent).await?, name).await
}

pub async fn a_shard_changing_its_mind_between_two_players_does_not_part_them(
    base: Url,
) -> Result<()> {
    // The counts the hook sets are this minute's: a minute that ends
    // between them and the tickets would carry them over in proportion.
    let second = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs()
        % 60;
    if second >= 55 {
        tokio::time::sleep(std::time::Duration::from_secs(61 - second)).await;
    }

    // Asia's shard is one ticket short of busy: the first player's ticket
    // is handed to the global pool, and the shard is busy for the second,
    // which follows the first there rather than wait alone in Asia.
    // (Both sockets first, so the second comes well within the time a
    // shard follows its last hand-over.)
    set_arrivals(&base, "as", QUIET_BELOW - 1)?;
    let (first, second) = (
        socket_from(&base, "AS").await?,
        socket_from(&base, "AS").await?,
    );
    let first = find_match(first, "first").await?;
    let second = find_match(second, "second").await?;
    meet_in(&base, "global", first, second, "as their shard turned busy").await?;

    // Busy, Asia's shard keeps a ticket; quiet again, it keeps the next one
    // too, since its own ticket waits for a match.
    make_busy(&base, "as")?;
    let mut kept = ticket_from(&base, "AS", "kept").await?;
    match kept.recv_lobby().await? {
        LobbyServerFrame::Queued { .. } => {}
        other => bail!("the busy shard's ticket was not queued: {other:?}"),
    }
    set_arrivals(&base, "as", 0)?;
    let next = ticket_from(&base, "AS", "next").await?;
    meet_in(
        &base,
        "as",
        kept,
        next,
        "by a quiet shard with a ticket waiting",
    )
    .await?;

    // One pair after another (a benchmark's two bots): a pair handed over
    // while the shard is quiet is a whole match, so once the shard is busy
    // the next pair's first ticket is kept rather than sent after it, and
    // the second stays to meet the first. (The sockets choose their pool
    // as they open, all four well within the time a hand-over is followed.)
    set_arrivals(&base, "as", 0)?;
    let (one, two) = (
        socket_from(&base, "AS").await?,
        socket_from(&base, "AS").await?,
    );
    make_busy(&base, "as")?;
    let (three, four) = (
        socket_from(&base, "AS").await?,
        socket_from(&base, "AS").await?,
    );
    let (one, two) = (find_match(one, "one").await?, find_match(two, "two").await?);
    let (three, four) = (
        find_match(three, "three").await?,
        find_match(four, "four").await?,
    );
    meet_in(&base, "global", one, two, "handed over while quiet").await?;
    meet_in(
        &base,
        "as",
        three,
        four,
        "after a whole pair was handed over",
    )
    .await?;
    Ok(())
}
