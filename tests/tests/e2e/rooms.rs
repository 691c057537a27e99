//! The room's own guarantees, against the real runtime: resume from the
//! event log, spectators, flood limits, repeated alarms, expired tokens,
//! and replays.

use crate::{match_two, play_both};
use anyhow::{Context, Result, bail, ensure};
use url::Url;
use volley_client::bot::Strategy;
use volley_client::lobby::Matched;
use volley_client::native::{ClientError, Connection, open_room, play};
use volley_client::session::{GameSession, Update};
use volley_server::token::{Grant, JoinKey};
use volley_shared::api::SpectatorGrant;
use volley_shared::artillery::{Aim, Artillery, Fire, Leave, Weapon};
use volley_shared::protocol::{ErrorCode, Role, RoomClientFrame, RoomServerFrame};
use volley_shared::replay::Replay;
use volley_shared::{Game, Outcome, PlayerId, Seat};
use volley_tests::{get_body, get_json, post_body, post_status};

/// The room frames of an artillery room, in the current protocol.
pub type ServerFrame = RoomServerFrame<Artillery>;
/// What a player sends an artillery room.
pub type ClientFrame = RoomClientFrame<Artillery>;

/// A connection with its session.
pub struct Client {
    pub conn: Connection,
    pub session: GameSession<Artillery>,
}

impl Client {
    /// Opens a room socket and says hello with `token`.
    pub async fn join(base: &Url, matched: &Matched) -> Result<Client> {
        let mut client = Client {
            conn: open_room(base, &matched.room).await?,
            session: GameSession::new(),
        };
        client.hello(&matched.token).await?;
        Ok(client)
    }

    /// Opens with this session's hello (its `last_seq`) on the current
    /// socket, and reads the server's answer.
    pub async fn hello(&mut self, token: &str) -> Result<()> {
        let hello = self.session.hello(token);
        let version = self.conn.open_with(&hello).await?;
        ensure!(version == 2, "agreed on protocol {version}");
        Ok(())
    }

    /// Reads frames until one changes something, applying it.
    pub async fn next(&mut self) -> Result<(ServerFrame, Update<Artillery>)> {
        let frame = self.conn.recv::<ServerFrame>().await?;
        let update = self.session.on_frame(frame.clone())?;
        Ok((frame, update))
    }

    /// Reads until the session has applied event `seq`.
    pub async fn until_seq(&mut self, seq: u64) -> Result<()> {
        while self.session.last_seq() < seq {
            self.next().await?;
        }
        Ok(())
    }
}

/// A shell fired at this angle and power, as a frame.
pub fn shell(angle_deg: u16, power: u16) -> ClientFrame {
    ClientFrame::Move(Fire {
        aim: Aim { angle_deg, power },
        weapon: Weapon::Shell,
    })
}

/// A harmless shot out of the world, on the shooter's own side.
pub fn away(state: &Artillery) -> Result<Fire> {
    let seat = state.to_move().context("nobody to move")?;
    let tank = state.tank(seat).context("no tank")?;
    Ok(Fire {
        aim: Aim {
            angle_deg: if tank.x < 512.0 { 135 } else { 45 },
            power: 100,
        },
        weapon: Weapon::Shell,
    })
}

impl Client {
    /// This seat fires [`away`], through its session.
    pub async fn fire_away(&mut self) -> Result<()> {
        let fire = away(self.session.state().context("no state")?)?;
        let frame = self.session.make_move(fire)?;
        self.conn.send(&frame).await?;
        Ok(())
    }
}

/// Both players join; returns them once the game has begun, with the seat
/// to move first.
pub async fn join_both(base: &Url, a: &Matched, b: &Matched) -> Result<(Client, Client)> {
    let mut ca = Client::join(base, a).await?;
    let mut cb = Client::join(base, b).await?;
    ca.until_seq(1).await?;
    cb.until_seq(1).await?;
    Ok((ca, cb))
}

pub async fn a_reconnect_resumes_with_exactly_the_missed_events(base: Url) -> Result<()> {
    let (a, b) = match_two(&base).await?;
    let (mut ca, mut cb) = join_both(&base, &a, &b).await?;
    let (mover, other, other_match) = if ca.session.my_turn() {
        (&mut ca, &mut cb, &b)
    } else {
        (&mut cb, &mut ca, &a)
    };
    // The other player drops off; the mover fires, and the turn passes to
    // the absent player, whose deadline keeps running.
    let seen = other.session.last_seq();
    other.conn.close_in_place().await;
    mover.fire_away().await?;
    mover.until_seq(seen + 2).await?;
    let room_seq = mover.session.last_seq();

    // Back, with the same token and the last event it saw.
    other.conn = open_room(&base, &other_match.room).await?;
    other.hello(&other_match.token).await?;
    let (frame, update) = other.next().await?;
    ensure!(
        update == Update::Resumed,
        "expected Resumed after a short absence, got {frame:?}"
    );
    let ServerFrame::Resumed { last_seq, seq, .. } = frame else {
        bail!("not a resume: {frame:?}");
    };
    ensure!(
        last_seq == seen && seq >= room_seq,
        "resumed {last_seq}..{seq}, saw {seen}, room at {room_seq}"
    );
    let mut got = Vec::new();
    while other.session.last_seq() < seq {
        let (frame, _) = other.next().await?;
        if let ServerFrame::Event { seq, .. } = frame {
            got.push(seq);
        }
    }
    let expected: Vec<u64> = (seen + 1..=seq).collect();
    ensure!(
        got == expected,
        "missed events {got:?}, expected {expected:?}"
    );
    ensure!(
        other.session.state() == mover.session.state(),
        "the resumed state differs from the mover's"
    );
    Ok(())
}

pub async fn a_second_connection_replaces_the_first(base: Url) -> Result<()> {
    let (a, b) = match_two(&base).await?;
    let (mut first, mut cb) = join_both(&base, &a, &b).await?;
    let mut second = Client::join(&base, &a).await?;
    let (frame, _) = second.next().await?;
    ensure!(
        matches!(frame, ServerFrame::Welcome { .. }),
        "the second connection got {frame:?}"
    );
    loop {
        match first.conn.recv::<ServerFrame>().await {
            Ok(_) => {}
            Err(ClientError::Closed(reason)) if reason.starts_with("4009") => break,
            other => bail!("expected close 4009 on the first connection, got {other:?}"),
        }
    }
    // The new connection plays on: its seat's next move is taken (a ping
    // would be answered even before a hello, so it proves nothing).
    if !second.session.my_turn() {
        let seq = cb.session.last_seq();
        cb.fire_away().await?;
        second.until_seq(seq + 2).await?;
    }
    ensure!(second.session.my_turn(), "the seat never got its turn");
    let seq = second.session.last_seq();
    second.fire_away().await?;
    second.until_seq(seq + 2).await?;
    let Some(state) = second.session.state() else {
        bail!("no state");
    };
    ensure!(
        state.turn >= 2 && !second.session.my_turn(),
        "the new connection's move was not taken: turn {}",
        state.turn
    );
    Ok(())
}

/// Spectators of a room that exists before its players come (the shard
/// calls it at match time; a chartered room could not be watched before).
pub async fn spectators_watch_but_cannot_act(base: Url) -> Result<()> {
    crate::coordinator::with_called_rooms(&base, spectators_of_a_room(&base)).await
}

async fn spectators_of_a_room(base: &Url) -> Result<()> {
    let base = base.clone();
    let (a, b) = match_two(&base).await?;
    let watch: SpectatorGrant = post_body(&base.join(&format!("/api/rooms/{}/spectate", a.room))?)?;
    ensure!(watch.room == a.room && watch.game == a.game, "{watch:?}");
    let token = watch.token;
    ensure!(
        post_status(&base.join(&format!("/api/rooms/{}/spectate", "0".repeat(64)))?)? == 404,
        "a spectator token for a room that does not exist"
    );
    let spectator = Matched {
        room: a.room.clone(),
        game: a.game,
        seat: a.seat,
        token,
    };
    let mut watcher = Client::join(&base, &spectator).await?;
    let (frame, _) = watcher.next().await?;
    ensure!(
        matches!(
            frame,
            ServerFrame::Welcome {
                role: Role::Spectator,
                ..
            }
        ),
        "spectator welcomed as {frame:?}"
    );
    // Nothing a viewer can read tells the wind to come: the view has no
    // seed for it, and a live game's replay keeps the room's secret.
    if let ServerFrame::Welcome { view, .. } = &frame {
        ensure!(view.seed == 0, "the view shows the wind's seed");
    }
    let live: Replay<Artillery> = get_body(&base.join(&format!("/api/rooms/{}/replay", a.room))?)?;
    ensure!(
        live.secret.is_none(),
        "a live game's replay gives its secret"
    );
    let players = tokio::spawn({
        let (base, a, b) = (base.clone(), a.clone(), b.clone());
        async move { play_both(&base, &a, Strategy::BEST, &b, Strategy::BEST).await }
    });
    watcher.until_seq(1).await?;
    let fire = away(watcher.session.state().context("no state")?)?;
    watcher.conn.send(&ClientFrame::Move(fire)).await?;
    let mut refused = false;
    let outcome = loop {
        match watcher.next().await? {
            (ServerFrame::Error { code, .. }, _) => {
                ensure!(
                    code == ErrorCode::UnexpectedFrame,
                    "spectator move: {code:?}"
                );
                refused = true;
            }
            (_, Update::GameOver(outcome)) => break outcome,
            _ => {}
        }
    };
    ensure!(refused, "the spectator's move was not refused");
    let (ra, rb) = players.await.context("players")??;
    ensure!(
        ra.outcome == outcome && rb.outcome == outcome,
        "spectator saw {outcome:?}, players {ra:?} / {rb:?}"
    );
    ensure!(
        watcher.session.state().and_then(|s| s.outcome) == Some(outcome),
        "the spectator's state disagrees"
    );
    Ok(())
}

pub async fn a_flooding_client_is_cut_off_while_the_game_goes_on(base: Url) -> Result<()> {
    let (a, b) = match_two(&base).await?;
    let alice = tokio::spawn({
        let (base, a) = (base.clone(), a.clone());
        async move { play(&base, &a, Strategy::BEST).await }
    });
    let mut flood = Client::join(&base, &b).await?;
    let ping = volley_shared::codec::encode(&ClientFrame::Ping { nonce: 1 })?;
    // Far more than the burst, as fast as the socket takes them.
    for _ in 0..400 {
        if flood.conn.send_raw(ping.clone()).await.is_err() {
            break;
        }
    }
    let mut limited = 0;
    let closed = loop {
        match flood.conn.recv::<ServerFrame>().await {
            Ok(ServerFrame::Error {
                code: ErrorCode::RateLimited,
                ..
            }) => limited += 1,
            Ok(_) => {}
            Err(ClientError::Closed(reason)) => break reason,
            Err(err) => bail!("flood socket: {err}"),
        }
    };
    ensure!(limited > 0, "no RateLimited error before the cut");
    ensure!(
        closed.starts_with("4008"),
        "closed with {closed}, expected 4008"
    );
    // Bob never plays again; Alice wins when his turns time out.
    let ra = alice.await.context("alice")??;
    ensure!(
        ra.outcome == Outcome::Winner(a.seat),
        "alice should win against a cut-off flooder: {ra:?}"
    );
    Ok(())
}

pub async fn a_repeated_or_early_alarm_changes_nothing(base: Url) -> Result<()> {
    let (a, b) = match_two(&base).await?;
    let (mut ca, _cb) = join_both(&base, &a, &b).await?;
    let info_url = base.join(&format!("/api/rooms/{}", a.room))?;
    let alarm_url = base.join(&format!("/api/rooms/{}/debug/alarm", a.room))?;
    let before = get_json(&info_url)?;
    for _ in 0..3 {
        ensure!(post_status(&alarm_url)? == 200, "the test hook is off");
    }
    let after = get_json(&info_url)?;
    ensure!(
        before["seq"] == after["seq"] && before["turn"] == after["turn"],
        "alarms before the deadline changed the room: {before} -> {after}"
    );
    // The real deadline passes: exactly one timeout (two events).
    let seq = ca.session.last_seq();
    ca.until_seq(seq + 2).await?;
    for _ in 0..3 {
        ensure!(post_status(&alarm_url)? == 200, "a repeated alarm failed");
    }
    let later = get_json(&info_url)?;
    ensure!(
        later["seq"] == seq + 2,
        "after one deadline and three repeated alarms the room is at {}, expected {}",
        later["seq"],
        seq + 2
    );
    Ok(())
}

/// An expired token, at a room that exists (the shard calls it at match
/// time).
pub async fn expired_tokens_are_refused(base: Url, secret: String) -> Result<()> {
    crate::coordinator::with_called_rooms(&base, expired_at_a_room(&base, &secret)).await
}

async fn expired_at_a_room(base: &Url, secret: &str) -> Result<()> {
    let base = base.clone();
    let (a, _b) = match_two(&base).await?;
    let key = JoinKey::new(secret).map_err(|e| anyhow::anyhow!("{e}"))?;
    let expired = key.sign(
        &a.room,
        Grant {
            role: Role::Player(a.seat),
            player: PlayerId(1),
            expires_ms: 1,
        },
    );
    let mut conn = open_room(&base, &a.room).await?;
    conn.open_with(&GameSession::<Artillery>::new().hello(&expired))
        .await?;
    match conn.recv::<ServerFrame>().await? {
        ServerFrame::Error {
            code: ErrorCode::BadToken,
            message,
        } => ensure!(message.contains("expired"), "refused for {message}"),
        other => bail!("an expired token got {other:?}"),
    }
    match conn.recv::<ServerFrame>().await {
        Err(ClientError::Closed(reason)) if reason.starts_with("4001") => Ok(()),
        other => bail!("expected close 4001, got {other:?}"),
    }
}

pub async fn the_replay_reproduces_the_game(base: Url) -> Result<()> {
    let (a, b) = match_two(&base).await?;
    let (ra, _) = play_both(&base, &a, Strategy::BEST, &b, Strategy::Harmless).await?;
    let json = get_json(&base.join(&format!("/api/rooms/{}/replay", a.room))?)?;
    let replay: Replay<Artillery> = serde_json::from_value(json)?;
    ensure!(
        replay.names.get(a.seat.index()).map(String::as_str) == Some("alice")
            && replay.names.get(b.seat.index()).map(String::as_str) == Some("bob"),
        "roster {:?} for alice in {} and bob in {}",
        replay.names,
        a.seat,
        b.seat
    );
    ensure!(
        replay.secret.is_some(),
        "a finished game's replay has no secret to draw its wind from"
    );
    let (game, events) = replay
        .run()
        .map_err(|e| anyhow::anyhow!("the replay does not play: {e}"))?;
    ensure!(
        game.outcome == Some(ra.outcome),
        "replayed {:?}, played {:?}",
        game.outcome,
        ra.outcome
    );
    ensure!(
        events.len() as u64 == ra.events,
        "replayed {} events, the game had {}",
        events.len(),
        ra.events
    );
    Ok(())
}

/// The room's replay, played again: the final state and every event.
pub async fn replayed(
    base: &Url,
    room: &volley_shared::RoomId,
) -> Result<volley_shared::replay::Replayed<Artillery>> {
    let replay: Replay<Artillery> = get_body(&base.join(&format!("/api/rooms/{room}/replay"))?)?;
    replay
        .run()
        .map_err(|e| anyhow::anyhow!("the replay does not play: {e}"))
}

/// Nobody in a duel ever moves: the turns time out in turn, and the first
/// seat forfeits at its third timeout (turn five), so the second wins.
pub async fn both_idle_players_of_a_duel_forfeit_in_turn(base: Url) -> Result<()> {
    let (a, b) = match_two(&base).await?;
    let (ra, rb) = play_both(&base, &a, Strategy::Idle, &b, Strategy::Idle).await?;
    ensure!(
        ra.outcome == rb.outcome && ra.outcome == Outcome::Winner(Seat(1)),
        "{ra:?} / {rb:?}"
    );
    ensure!(
        ra.timeouts == 5 && ra.shots + rb.shots == 0,
        "five timeouts expected: {ra:?}"
    );
    let (game, _) = replayed(&base, &a.room).await?;
    let left: Vec<_> = game.tanks.iter().map(|t| t.left).collect();
    ensure!(
        left == [Some(Leave::Forfeited), None],
        "tanks left as {left:?}"
    );
    Ok(())
}

/// A room deletes itself (nobody came: the alarm, rung as if an hour
/// late, ends the seats' reservation); reading its info or replay, or
/// asking to watch it, answers 404 and makes no tables again. (Each read
/// used to recreate the room's tables.) A room the shard calls at match
/// time, which exists before anyone joins.
pub async fn a_deleted_room_is_read_without_being_made_again(base: Url) -> Result<()> {
    crate::coordinator::with_called_rooms(&base, reads_of_a_deleted_room(&base)).await
}

async fn reads_of_a_deleted_room(base: &Url) -> Result<()> {
    use crate::charter::tables;
    let (a, _b) = match_two(base).await?;
    let room = a.room.0.as_str();
    ensure!(
        tables(base, room)? == "tables",
        "the new room has no tables"
    );
    let ring = base.join(&format!("/api/rooms/{room}/debug/alarm?late_ms=3600000"))?;
    let (status, body) = volley_tests::post_text(&ring)?;
    ensure!(status == 200, "the alarm hook: {status} {body}");
    for _ in 0..50 {
        if tables(base, room)? == "none" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    ensure!(
        tables(base, room)? == "none",
        "the room did not delete itself"
    );
    for path in ["", "/replay"] {
        let url = base.join(&format!("/api/rooms/{room}{path}"))?;
        let status = volley_tests::get_status(&url)?;
        ensure!(status == 404, "GET {url} answered {status}");
    }
    let spectate = base.join(&format!("/api/rooms/{room}/spectate"))?;
    ensure!(
        post_status(&spectate)? == 404,
        "a deleted room gave a spectator token"
    );
    ensure!(
        tables(base, room)? == "none",
        "reading the deleted room made its tables again"
    );
    Ok(())
}
