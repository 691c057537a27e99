//! Benchmark 4, idle cost: two players in a room, one move, then nobody
//! does anything for a while, then the next move. The room counts its own
//! wake-ups (`/api/rooms/{id}/debug/wakeups`, only with `VOLLEY_BENCH=1`);
//! between the two moves there should be none but the second move itself
//! (and the alarm, if the turn had run out), and the room should have been
//! evicted from memory meanwhile (hibernated), so the second move
//! constructs it again from storage.

use crate::lobby::Matched;
use crate::native::{Client, ClientError, Connection, http_json};
use crate::session::{GameSession, SessionError};
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Duration;
use volley_shared::Mode;
use volley_shared::artillery::Artillery;
use volley_shared::artillery::ai::choose_fire;

/// What the room counted between two moves.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct IdleResult {
    /// The room measured.
    pub room: String,
    /// How long nobody did anything.
    pub idle_seconds: f64,
    /// Handler runs between the two moves, by kind (`message`, `fetch`,
    /// `alarm`, `close`, `error`), and `constructed`: how often the object
    /// was built again, having been evicted.
    pub wakeups: BTreeMap<String, u64>,
    /// Wake-ups other than the second move itself and the room's alarm.
    pub unexpected: u64,
}

/// One player's side in the idle game.
struct Side {
    conn: Connection,
    session: GameSession<Artillery>,
}

impl Side {
    async fn join(client: &Client, matched: &Matched) -> Result<Side, ClientError> {
        let mut conn = client.open_room(&matched.room).await?;
        let session = GameSession::new();
        conn.open_with(&session.hello(&matched.token)).await?;
        Ok(Side { conn, session })
    }

    /// Reads frames until `done` holds.
    async fn until(
        &mut self,
        done: impl Fn(&GameSession<Artillery>) -> bool,
    ) -> Result<(), ClientError> {
        while !done(&self.session) {
            let frame = self.conn.recv_room::<Artillery>().await?;
            self.session.on_frame(frame)?;
        }
        Ok(())
    }

    /// Fires the AI's shot.
    async fn fire(&mut self) -> Result<(), ClientError> {
        let (Some(state), Some(seat)) = (self.session.state(), self.session.seat()) else {
            return Err(SessionError::Unexpected("a move before the welcome".into()).into());
        };
        let fire = choose_fire(state, seat);
        let frame = self
            .session
            .make_move(fire)
            .map_err(|e| ClientError::Bot(e.to_string()))?;
        self.conn.send_room(&frame).await?;
        Ok(())
    }
}

/// Plays one move, then waits until both sides have seen it resolved and
/// the next turn start (or the game end). Returns whether the game goes on.
async fn one_move(sides: &mut [Side; 2]) -> Result<bool, ClientError> {
    let mover = usize::from(!sides[0].session.my_turn());
    let before = sides[mover].session.last_seq();
    sides[mover].fire().await?;
    let other = 1 - mover;
    sides[other]
        .until(|s| s.my_turn() || s.outcome().is_some())
        .await?;
    let seen = sides[other].session.last_seq();
    sides[mover].until(|s| s.last_seq() >= seen).await?;
    if sides[mover].session.last_seq() <= before {
        return Err(SessionError::Unexpected("the move was not resolved".into()).into());
    }
    Ok(sides[other].session.outcome().is_none())
}

async fn wakeups(
    client: &Client,
    room: &str,
    post: bool,
) -> Result<BTreeMap<String, u64>, ClientError> {
    let url = client
        .server()
        .join(&format!("/api/rooms/{room}/debug/wakeups"))?;
    let json = http_json(post, url).await?;
    Ok(json["counts"]
        .as_object()
        .map(|counts| {
            counts
                .iter()
                .map(|(k, v)| (k.clone(), v.as_u64().unwrap_or(0)))
                .collect()
        })
        .unwrap_or_default())
}

/// Measures one room's wake-ups across `idle` between two moves. A game
/// that ends on its first move is played again (up to three times).
pub async fn idle_wakeups(client: &Client, idle: Duration) -> Result<IdleResult, ClientError> {
    for _ in 0..3 {
        let (a, b) = tokio::join!(
            client.matchmake(Mode::Duel, "idle-a"),
            client.matchmake(Mode::Duel, "idle-b")
        );
        let (a, b) = (a?, b?);
        let room = a.room.0.clone();
        wakeups(client, &room, true).await?;
        let mut sides = [Side::join(client, &a).await?, Side::join(client, &b).await?];
        // Both sides see the first turn start; its mover may be either.
        for side in &mut sides {
            side.until(|s| s.last_seq() >= 1).await?;
        }
        if !one_move(&mut sides).await? {
            continue;
        }
        let before = wakeups(client, &room, false).await?;
        tokio::time::sleep(idle).await;
        one_move(&mut sides).await?;
        let after = wakeups(client, &room, false).await?;
        for side in sides {
            side.conn.close().await;
        }
        let delta: BTreeMap<String, u64> = after
            .iter()
            .map(|(kind, n)| (kind.clone(), n - before.get(kind).copied().unwrap_or(0)))
            .filter(|(_, n)| *n > 0)
            .collect();
        let expected = |kind: &str| match kind {
            "message" => 1,
            "alarm" | "constructed" => u64::MAX,
            _ => 0,
        };
        let unexpected = delta
            .iter()
            .map(|(kind, n)| n.saturating_sub(expected(kind)))
            .sum();
        return Ok(IdleResult {
            room,
            idle_seconds: idle.as_secs_f64(),
            wakeups: delta,
            unexpected,
        });
    }
    Err(SessionError::Unexpected("three games in a row ended on their first move".into()).into())
}
