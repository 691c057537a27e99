//! What only the runtime's concurrency shows: events that arrive while an
//! object awaits another one, several timers due in one alarm, and a room
//! that cannot be made. The test hooks (`VOLLEY_TEST_HOOKS=1`) hold a
//! coordinator's room creation or a room's result report on the real
//! runtime, so the rare interleaving happens every time; the timing of the
//! events themselves is the runtime's.

use crate::coordinator::{duel_rating, guests_in_a_duel, with_called_rooms};
use crate::rooms::{Client, ServerFrame, join_both, shell};
use anyhow::{Context, Result, bail, ensure};
use std::time::Duration;
use url::Url;
use volley_client::lobby::{self, Matched};
use volley_client::native::{ClientError, Connection, matchmake, open_ticket};
use volley_shared::artillery::Artillery;
use volley_shared::protocol::{ErrorCode, LobbyServerFrame, close};
use volley_shared::replay::{Action, Replay};
use volley_shared::{Mode, Outcome, RoomId};
use volley_tests::{get_body, get_json, post_json, post_text};

/// The main server's turn (main.rs), in ms.
const TURN_MS: u64 = 2_500;

/// A coordinator test hook on the duel shard; answers what it holds.
pub(crate) fn hook(base: &Url, name: &str, query: &str) -> Result<serde_json::Value> {
    post_json(&base.join(&format!("/api/coordinator/debug/{name}?mode=duel{query}"))?)
}

/// A ticket socket in the duel queue, as `name`.
async fn queued(base: &Url, name: &str) -> Result<Connection> {
    let mut conn = open_ticket(base, Mode::Duel, None).await?;
    conn.open_with(&lobby::find_match(Mode::Duel, name)).await?;
    match conn.recv_lobby().await? {
        LobbyServerFrame::Queued { .. } => Ok(conn),
        other => bail!("{name} was not queued: {other:?}"),
    }
}

/// The players' names in a room's replay.
fn names(base: &Url, room: &RoomId) -> Result<Vec<String>> {
    let replay = get_json(&base.join(&format!("/api/rooms/{room}/replay"))?)?;
    Ok(replay["names"]
        .as_array()
        .context("no names")?
        .iter()
        .filter_map(|n| n.as_str().map(str::to_string))
        .collect())
}

/// Two players are matched; one closes its ticket socket while their room
/// is being made. The other is not sent to a room with an empty seat: it
/// waits again, and the next player is matched with it.
pub async fn a_ticket_closed_while_its_room_is_made_leaves_the_other_queued(
    base: Url,
) -> Result<()> {
    with_called_rooms(&base, closed_while_made(&base)).await
}

async fn closed_while_made(base: &Url) -> Result<()> {
    let base = base.clone();
    let held = hook(&base, "hold-rooms", "")?;
    ensure!(held["rooms"] == true, "room creation not held: {held}");
    let outcome = async {
        let mut stays = queued(&base, "stays").await?;
        let leaves = queued(&base, "leaves").await?;
        leaves.close().await;
        // The coordinator heard the close while the room was being made.
        let mut left = 0;
        for _ in 0..100 {
            left = hook(&base, "holds", "")?["left_while_matching"]
                .as_u64()
                .unwrap_or(0);
            if left > 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        ensure!(left == 1, "the close was not seen while matching: {left}");
        hook(&base, "release-rooms", "")?;
        // Nothing comes for the one who stayed until someone new queues.
        let comes = tokio::spawn({
            let base = base.clone();
            async move { matchmake(&base, Mode::Duel, "comes").await }
        });
        let matched = match stays.recv_lobby().await? {
            LobbyServerFrame::Matched { room, .. } => room,
            other => bail!("the player who stayed got {other:?}"),
        };
        let comes: Matched = comes.await.context("the newcomer")??;
        ensure!(
            comes.room == matched,
            "the newcomer went to {:?}, the player who stayed to {matched:?}",
            comes.room
        );
        let mut seated = names(&base, &matched)?;
        seated.sort();
        ensure!(seated == ["comes", "stays"], "the room seats {seated:?}");
        Ok(())
    }
    .await;
    // Never leave the shard holding, whatever happened.
    hook(&base, "release-rooms", "")?;
    outcome
}

/// The room a match was made for refuses its setup: both players are told
/// with an `Internal` error and a 4011 close, and may queue again at once.
pub async fn a_room_that_cannot_be_made_is_a_clear_error_and_both_may_queue_again(
    base: Url,
) -> Result<()> {
    with_called_rooms(&base, cannot_be_made(&base)).await
}

async fn cannot_be_made(base: &Url) -> Result<()> {
    let base = base.clone();
    let held = hook(&base, "fail-rooms", "&count=1")?;
    ensure!(held["failing_rooms"] == 1, "no failure armed: {held}");
    let mut first = queued(&base, "unlucky-a").await?;
    let mut second = queued(&base, "unlucky-b").await?;
    for conn in [&mut first, &mut second] {
        match conn.recv_lobby().await? {
            LobbyServerFrame::Error {
                code: ErrorCode::Internal,
                message,
            } => ensure!(message.contains("try again"), "told {message:?}"),
            other => bail!("a failed room creation told {other:?}"),
        }
        match conn.recv_lobby().await {
            Err(ClientError::Closed(reason))
                if reason.starts_with(&close::INTERNAL.to_string()) => {}
            other => bail!("expected close {}, got {other:?}", close::INTERNAL),
        }
    }
    let held = hook(&base, "holds", "")?;
    ensure!(
        held["failing_rooms"] == 0,
        "the failure was not used: {held}"
    );
    // Their tickets are gone: both queue again, and play.
    let (a, b) = tokio::join!(
        matchmake(&base, Mode::Duel, "unlucky-a"),
        matchmake(&base, Mode::Duel, "unlucky-b")
    );
    let (a, b) = (a?, b?);
    ensure!(a.room == b.room, "queued again into two rooms");
    let (mut ca, mut cb) = join_both(&base, &a, &b).await?;
    ensure!(
        ca.session.state() == cb.session.state() && ca.session.outcome().is_none(),
        "the second room did not begin"
    );
    ca.conn.close_in_place().await;
    cb.conn.close_in_place().await;
    Ok(())
}

/// Setting the shard's alarm fails (a test hook) in the very run that
/// matches two players: both are told their match all the same, not left
/// waiting for a `Matched` that never comes.
pub async fn players_are_told_their_match_even_if_the_alarm_cannot_be_set(base: Url) -> Result<()> {
    // The first player waits (its run sets the alarm as usual); the
    // second completes the match in a run whose alarm write fails. A
    // socket that has said nothing yet waits in the shard too, so that run
    // must set the alarm (for the silent socket's deadline).
    let mut first = queued(&base, "alarmless-a").await?;
    let silent = open_ticket(&base, Mode::Duel, None).await?;
    let held = hook(&base, "fail-alarm", "")?;
    ensure!(held["failing_alarm"] == true, "no failure armed: {held}");
    let outcome = async {
        let mut second = queued(&base, "alarmless-b").await?;
        let mut rooms = Vec::new();
        for conn in [&mut first, &mut second] {
            match conn.recv_lobby().await? {
                LobbyServerFrame::Matched { room, .. } => rooms.push(room),
                other => bail!("a player was told {other:?}, not the match"),
            }
        }
        ensure!(rooms[0] == rooms[1], "matched into two rooms: {rooms:?}");
        let held = hook(&base, "holds", "")?;
        ensure!(
            held["failing_alarm"] == false,
            "the alarm was never set: {held}"
        );
        Ok(())
    }
    .await;
    // Never leave a failure armed for the next test.
    hook(&base, "fail-alarm", "&on=0")?;
    drop(silent);
    outcome
}

/// A duel ends on the alarm (the idle player's third timeout) while the
/// coordinator holds the room's result report. Meanwhile the winner's move
/// is refused as out of play and the loser's rejoin is welcomed with the
/// result, and the coordinator has not yet counted the game; once the
/// report is let through it is counted exactly once.
pub async fn frames_that_arrive_while_the_alarm_awaits_the_coordinator_are_answered(
    base: Url,
) -> Result<()> {
    let [(idle_id, idle), (mover_id, mover)] = guests_in_a_duel(&base, ["idle", "mover"]).await?;
    let room = idle.room.clone();
    hook(&base, "hold-results", &format!("&room={room}"))?;
    let outcome = async {
        let (mut ci, mut cm) = join_both(&base, &idle, &mover).await?;
        ci.conn.close_in_place().await;
        // The idle player's first two timeouts come from the alarm hook
        // (as if the alarm rang late), the third from the runtime's alarm.
        let alarm = base.join(&format!("/api/rooms/{room}/debug/alarm?late_ms={TURN_MS}"))?;
        let mut hooked = 0;
        while cm.session.outcome().is_none() {
            if cm.session.my_turn() {
                let seq = cm.session.last_seq();
                cm.fire_away().await?;
                cm.until_seq(seq + 2).await?;
                continue;
            }
            if hooked < 2 {
                let (status, body) = post_text(&alarm)?;
                ensure!(status == 200, "alarm hook: {status} {body}");
                hooked += 1;
            }
            while !cm.session.my_turn() && cm.session.outcome().is_none() {
                cm.next().await?;
            }
        }
        ensure!(
            cm.session.outcome() == Some(Outcome::Winner(mover.seat)),
            "the mover should win: {:?}",
            cm.session.outcome()
        );
        // The alarm that ended the game now awaits the coordinator.
        cm.conn.send(&shell(45, 50)).await?;
        loop {
            match cm.conn.recv::<ServerFrame>().await? {
                ServerFrame::Error { code, .. } => {
                    ensure!(code == ErrorCode::NotInPlay, "a late move got {code:?}");
                    break;
                }
                ServerFrame::Event { .. } => bail!("a move after the end made an event"),
                _ => {}
            }
        }
        let mut back = Client::join(&base, &idle).await?;
        while back.session.outcome().is_none() {
            back.next().await?;
        }
        ensure!(
            back.session.state() == cm.session.state(),
            "the rejoin's state differs from the winner's"
        );
        ensure!(
            duel_rating(&base, &mover_id)?.is_none(),
            "the result was applied while its report was held"
        );
        let held = hook(&base, "holds", "")?;
        ensure!(
            held["results"].as_array().is_some_and(|r| r.len() == 1),
            "the report is no longer held: {held}"
        );
        hook(&base, "release-results", &format!("&room={room}"))?;
        for _ in 0..100 {
            if duel_rating(&base, &mover_id)?.is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let counted = (
            duel_rating(&base, &mover_id)?,
            duel_rating(&base, &idle_id)?,
        );
        ensure!(
            matches!(counted, (Some((w, 1)), Some((l, 1))) if w > l),
            "after the release: {counted:?}"
        );
        Ok(())
    }
    .await;
    hook(&base, "release-results", &format!("&room={room}"))?;
    outcome
}

/// A bot's move and its turn's deadline, both due in one alarm (as when
/// the alarm rings late): the bot moves once and its stale deadline is
/// ignored, so no bot times out and none moves twice.
pub async fn a_bots_move_and_its_deadline_due_in_one_alarm_make_one_move(base: Url) -> Result<()> {
    let matched = matchmake(&base, Mode::Ffa3, "early-riser").await?;
    let room = matched.room.clone();
    let mut me = Client::join(&base, &matched).await?;
    me.until_seq(1).await?;
    if me.session.my_turn() {
        let seq = me.session.last_seq();
        me.fire_away().await?;
        me.until_seq(seq + 2).await?;
    }
    // A bot is to move: its move and its deadline are both pending.
    let late = TURN_MS + 500;
    let alarm = base.join(&format!("/api/rooms/{room}/debug/alarm?late_ms={late}"))?;
    let (status, body) = post_text(&alarm)?;
    ensure!(status == 200, "alarm hook: {status} {body}");
    let fired: usize = body
        .trim_start_matches("alarm handler ran: ")
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .with_context(|| format!("alarm hook answered {body:?}"))?;
    ensure!(
        fired >= 2,
        "only {fired} timer(s) were due in the late alarm"
    );
    // The bots play on until the person's turn is back (or a bot's shell
    // ended the person, or the game).
    let alive = |me: &Client| {
        me.session
            .state()
            .and_then(|s| s.tank(matched.seat))
            .is_some_and(|t| t.hp > 0)
    };
    while !me.session.my_turn() && me.session.outcome().is_none() && alive(&me) {
        me.next().await?;
    }
    let replay: Replay<Artillery> = get_body(&base.join(&format!("/api/rooms/{room}/replay"))?)?;
    let actions: Vec<&Action<Artillery>> = replay.actions.iter().map(|a| &a.action).collect();
    ensure!(
        !actions.iter().any(|a| matches!(a, Action::TimeOut)),
        "a bot timed out: {actions:?}"
    );
    let bot_moves = actions
        .iter()
        .filter(|a| matches!(a, Action::Move { seat, .. } if *seat != matched.seat))
        .count();
    ensure!(bot_moves >= 1, "no bot moved: {actions:?}");
    if me.session.outcome().is_some() {
        // Over: the replay (with the wind's secret now) ends where the
        // player's game did.
        let (replayed, _) = replay
            .run()
            .map_err(|e| anyhow::anyhow!("the replay does not play: {e}"))?;
        ensure!(
            Some(&replayed) == me.session.state(),
            "the replay and the player disagree"
        );
    }
    // One move per turn: no seat moved twice in a row (a bot's move and
    // its stale deadline both acting would).
    let seats: Vec<_> = actions
        .iter()
        .filter_map(|a| match a {
            Action::Move { seat, .. } => Some(*seat),
            _ => None,
        })
        .collect();
    ensure!(
        seats.windows(2).all(|pair| pair[0] != pair[1]),
        "a seat moved twice in a row: {actions:?}"
    );
    me.conn.close_in_place().await;
    Ok(())
}
