//! Playing a whole game as a bot, of any game a client knows: the loop,
//! how the bot paces itself ([`PlayStyle`]), and what it saw
//! ([`GameReport`]).

use super::client::Client;
use super::{ClientError, Connection};
use crate::bot::{Bot, Strategy};
use crate::game::ClientGame;
use crate::lobby::Matched;
use crate::session::{GameSession, Update};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::time::Duration;
use tokio::time::Instant;
use url::Url;
use volley_shared::artillery::Artillery;
use volley_shared::connect_four::ConnectFour;
use volley_shared::protocol::Opening;
use volley_shared::{Game, GameKind, Outcome, RoomId, Seat};

/// How a bot plays a game: what it plays, how long it thinks first and how
/// often it shows what it lines up to the others meanwhile.
#[derive(Clone, Debug, PartialEq)]
pub struct PlayStyle {
    /// What to play.
    pub strategy: Strategy,
    /// How long after its turn starts the bot moves.
    pub think: Duration,
    /// Live updates (an aim, a hovered column) sent per second while
    /// thinking; 0 for none.
    pub aims_per_second: f64,
    /// Seeds the bot's error.
    pub seed: u64,
    /// When the connection is lost (the server restarts, a deployment
    /// replaces the room's code), keep trying to rejoin for this long and
    /// resume from the last event seen; `None` gives up at once.
    pub reconnect_for: Option<Duration>,
    /// Fault injection: the chance, after each event, that the bot cuts
    /// its connection (as a network drop would) and rejoins. 0 for none;
    /// only with `reconnect_for`.
    pub drop_chance: f64,
    /// Search at the lowest scheduling priority ([`super::thinking`]), so
    /// that other bots' frames are read and timed first: for the load
    /// tool, which measures. A bot that only plays searches at normal
    /// priority, and a busy machine cannot starve it past a short turn.
    pub lowest_priority_search: bool,
}

impl PlayStyle {
    /// Moves as soon as its turn starts, without live updates.
    pub fn new(strategy: Strategy) -> Self {
        Self {
            strategy,
            think: Duration::ZERO,
            aims_per_second: 0.0,
            seed: 0,
            reconnect_for: None,
            drop_chance: 0.0,
            lowest_priority_search: false,
        }
    }
}

/// When one move was sent and how long until the room's event resolving
/// it came back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MoveTiming {
    /// When the move was sent.
    pub sent: Instant,
    /// From sending the move to receiving the event that resolves it.
    pub round_trip: Duration,
}

/// How a game went, from one player's side.
#[derive(Clone, Debug, PartialEq)]
pub struct GameReport {
    /// The room played in.
    pub room: RoomId,
    /// The seat played.
    pub seat: Seat,
    /// How the game ended.
    pub outcome: Outcome,
    /// Events received.
    pub events: u64,
    /// Moves this player made (shots, discs).
    pub shots: u32,
    /// Live updates this player sent.
    pub aims: u32,
    /// Each of this player's moves the room resolved, with its round trip.
    pub moves: Vec<MoveTiming>,
    /// Moves sent on a connection that stayed up, which the room never
    /// resolved (the game ended first, or the move was refused).
    pub unresolved: u32,
    /// Moves sent on a connection that was then lost, which the room never
    /// resolved (the events replayed on rejoining showed it): lost in
    /// transit, and made again if the turn was still the bot's.
    pub lost_with_connection: u32,
    /// Moves in flight when a rejoin was answered with a fresh welcome
    /// (the room sends the whole state instead of the missed events when
    /// that is shorter) in which their turn had ended: resolved, or their
    /// turn ran out; the bot cannot tell which. [`GameReport::sent`] lets
    /// a check ask the room's log.
    pub hidden_by_welcome: u32,
    /// Every move this player sent, in order, as JSON: whatever the bot
    /// could see of their fate, the room's log must hold each at most
    /// once, and nothing else from this seat.
    pub sent: Vec<String>,
    /// Turns that timed out (anyone's).
    pub timeouts: u32,
    /// This player's turns that timed out.
    pub own_timeouts: u32,
    /// Refusals received from the room.
    pub refusals: u32,
    /// This seat's moves the room resolved, as its events said (each once,
    /// across reconnections).
    pub resolved: u32,
    /// Times the connection was lost and the room rejoined (cuts
    /// included).
    pub reconnects: u32,
    /// Times the bot cut its own connection ([`PlayStyle::drop_chance`]).
    pub cuts: u32,
    /// The protocol version of the last room connection.
    pub version: u16,
}

impl GameReport {
    fn new(matched: &Matched) -> Self {
        Self::empty(matched.room.clone(), matched.seat)
    }

    /// A report of nothing yet, for `seat` in `room`.
    pub(crate) fn empty(room: RoomId, seat: Seat) -> Self {
        Self {
            room,
            seat,
            outcome: Outcome::Draw,
            events: 0,
            shots: 0,
            aims: 0,
            moves: Vec::new(),
            unresolved: 0,
            lost_with_connection: 0,
            hidden_by_welcome: 0,
            sent: Vec::new(),
            timeouts: 0,
            own_timeouts: 0,
            refusals: 0,
            resolved: 0,
            reconnects: 0,
            cuts: 0,
            version: 0,
        }
    }

    /// Whether this player won.
    pub fn won(&self) -> bool {
        self.outcome == Outcome::Winner(self.seat)
    }
}

impl Client {
    /// Joins the room and plays to the end in `style`, whichever game the
    /// room plays.
    pub async fn play_any(
        &self,
        matched: &Matched,
        style: &PlayStyle,
    ) -> Result<GameReport, ClientError> {
        let (report, played) = self.play_any_reporting(matched, style).await;
        played.map(|()| report)
    }

    /// As [`Client::play_any`], but a game that fails still gives its
    /// report so far: the moves sent before the error may be in the room's
    /// log, and a check of the log against what was sent needs them.
    pub async fn play_any_reporting(
        &self,
        matched: &Matched,
        style: &PlayStyle,
    ) -> (GameReport, Result<(), ClientError>) {
        let mut report = GameReport::new(matched);
        let played = match matched.game {
            GameKind::Artillery => {
                self.play_into::<Artillery>(matched, style, &mut report)
                    .await
            }
            GameKind::ConnectFour => {
                self.play_into::<ConnectFour>(matched, style, &mut report)
                    .await
            }
        };
        (report, played)
    }

    /// Joins the room and plays its game `G` to the end in `style`.
    pub async fn play<G>(
        &self,
        matched: &Matched,
        style: &PlayStyle,
    ) -> Result<GameReport, ClientError>
    where
        G: ClientGame + Send,
        G::Move: Send,
    {
        let mut report = GameReport::new(matched);
        self.play_into::<G>(matched, style, &mut report).await?;
        Ok(report)
    }

    /// Plays as [`Client::play`] does, writing what happens into `report`
    /// as it goes, so that a game ended by an error leaves its record.
    async fn play_into<G>(
        &self,
        matched: &Matched,
        style: &PlayStyle,
        report: &mut GameReport,
    ) -> Result<(), ClientError>
    where
        G: ClientGame + Send,
        G::Move: Send,
    {
        let mut session = GameSession::<G>::new();
        // The first join rides out a server restart too, as a rejoin does.
        let hello = session.hello(&matched.token);
        let mut conn = match style.reconnect_for {
            Some(limit) => self.rejoin(matched, &hello, limit).await?,
            None => self.join_room(matched, &hello).await?,
        };
        let mut bot = Bot::new(style.strategy, style.seed);
        let mut faults = ChaCha8Rng::seed_from_u64(style.seed ^ 0xD809);
        report.version = conn.version();
        let mut thinking: Option<Thinking<G::Move>> = None;
        let mut in_flight: Option<InFlight> = None;
        loop {
            let next = match thinking.as_ref().map(Thinking::next_step) {
                Some(step) => tokio::select! {
                    frame = conn.recv_room::<G>() => Some(frame),
                    () = tokio::time::sleep_until(step) => None,
                },
                None => Some(conn.recv_room::<G>().await),
            };
            let frame = match next {
                Some(Ok(frame)) => Some(frame),
                None => None,
                Some(Err(err)) => match style.reconnect_for {
                    Some(limit) if err.lost_connection() => {
                        let hello = session.hello(&matched.token);
                        conn = self.rejoin(matched, &hello, limit).await?;
                        report.reconnects += 1;
                        if let Some(in_flight) = in_flight.as_mut() {
                            in_flight.crossed_a_drop = true;
                        }
                        report.version = conn.version();
                        thinking = None;
                        continue;
                    }
                    _ => return Err(err),
                },
            };
            // A drop injected here is noticed by the next read, which
            // rejoins as after any lost connection.
            if frame.is_some()
                && style.reconnect_for.is_some()
                && style.drop_chance > 0.0
                && faults.random_bool(style.drop_chance.min(1.0))
            {
                conn.cut().await;
                report.cuts += 1;
            }
            // Before the session checks the frame (the rules run again
            // locally), so that time is not in the round trip.
            let received = Instant::now();
            if let Some(frame) = frame {
                match session.on_frame(frame)? {
                    Update::Event(event) => {
                        report.events += 1;
                        if G::resolves_move_of(&event) == Some(matched.seat) {
                            report.resolved += 1;
                            if let Some(InFlight { sent, .. }) = in_flight.take() {
                                report.moves.push(MoveTiming {
                                    sent,
                                    round_trip: received - sent,
                                });
                            }
                        }
                        if let Some(seat) = G::timed_out(&event) {
                            report.timeouts += 1;
                            if seat == matched.seat {
                                report.own_timeouts += 1;
                                thinking = None;
                            }
                        }
                    }
                    Update::GameOver(outcome) => {
                        report.outcome = outcome;
                        if let Some(left) = in_flight.take() {
                            left.count_unresolved(report);
                        }
                        conn.close().await;
                        return Ok(());
                    }
                    Update::Refused { .. } => report.refusals += 1,
                    Update::Welcomed => {
                        if let Some(left) = in_flight.take() {
                            left.welcomed(&session, report);
                        }
                    }
                    Update::Resumed | Update::Live { .. } | Update::Nothing => {}
                }
            }
            // The room counts the move's round trip from this (a send
            // into a lost connection shows up as the next read's error).
            if let Some(ack) = session.take_ack() {
                let _ = conn.send_room(&ack).await;
            }
            if thinking.is_none() && session.my_turn() {
                let (Some(state), Some(seat)) = (session.state(), session.seat()) else {
                    continue;
                };
                // The AI searches for milliseconds: off the runtime's
                // threads (below them when measuring), so other bots'
                // frames are read meanwhile ([`thinking`]).
                let (mut thinker, state) = (bot.clone(), state.clone());
                let turn = state.turn();
                let (decided, thinker) =
                    super::thinking::think(style.lowest_priority_search, move || {
                        (thinker.decide(&state, seat), thinker)
                    })
                    .await?;
                bot = thinker;
                if let Some(mv) = decided {
                    thinking = Some(Thinking::new(mv, style, turn));
                }
            }
            let Some(plan) = thinking.as_mut() else {
                continue;
            };
            // A plan is for the turn it was made on. Events that came since
            // (the rest of a resume's catch-up, a timeout) may have moved
            // the game on: think again.
            if !session.my_turn() || session.state().map(Game::turn) != Some(plan.turn) {
                thinking = None;
                continue;
            }
            let now = Instant::now();
            if now >= plan.move_at {
                let frame = session.make_move(plan.mv.clone()).map_err(|e| {
                    ClientError::Bot(format!("the AI chose a move the rules refuse: {e}"))
                })?;
                // A send into a lost connection shows up as the next read's
                // error, which rejoins when the style allows it.
                if let Err(err) = conn.send_room(&frame).await
                    && style.reconnect_for.is_none()
                {
                    return Err(err);
                }
                let as_json = serde_json::to_string(&plan.mv).map_err(|e| {
                    ClientError::Bot(format!("a move that does not serialise: {e}"))
                })?;
                report.sent.push(as_json);
                let sent = InFlight {
                    sent: Instant::now(),
                    crossed_a_drop: false,
                    turn: plan.turn,
                };
                if let Some(before) = in_flight.replace(sent) {
                    before.count_unresolved(report);
                }
                report.shots += 1;
                thinking = None;
            } else if plan.next_live.is_some_and(|at| now >= at) {
                if let Some(live) = G::lining_up(&plan.mv, plan.done(now))
                    && let Ok(frame) = session.show_live(live)
                    && conn.send_room(&frame).await.is_ok()
                {
                    report.aims += 1;
                }
                plan.schedule_live(now);
            }
        }
    }
}

impl Client {
    /// Opens a socket to the matched room and says `hello` (the session's,
    /// with the last event it applied).
    async fn join_room(
        &self,
        matched: &Matched,
        hello: &Opening,
    ) -> Result<Connection, ClientError> {
        let mut conn = self.open_room(&matched.room).await?;
        conn.open_with(hello).await?;
        Ok(conn)
    }

    /// Rejoins after a lost connection, trying for up to `limit` with a
    /// growing pause (the server may be restarting).
    async fn rejoin(
        &self,
        matched: &Matched,
        hello: &Opening,
        limit: Duration,
    ) -> Result<Connection, ClientError> {
        let give_up = Instant::now() + limit;
        let mut pause = Duration::from_millis(200);
        loop {
            match self.join_room(matched, hello).await {
                Ok(conn) => return Ok(conn),
                Err(err) if Instant::now() + pause >= give_up || !err.lost_connection() => {
                    return Err(err);
                }
                Err(_) => {
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(2));
                }
            }
        }
    }
}

/// A move sent and not yet resolved.
struct InFlight {
    sent: Instant,
    /// The connection it went on was lost before it was resolved.
    crossed_a_drop: bool,
    /// The turn it was made on.
    turn: u32,
}

impl InFlight {
    /// Counts a move that will never be resolved (another was sent, or the
    /// game ended).
    fn count_unresolved(&self, report: &mut GameReport) {
        if self.crossed_a_drop {
            report.lost_with_connection += 1;
        } else {
            report.unresolved += 1;
        }
    }

    /// Counts a move in flight when a rejoin brought a fresh welcome: if
    /// its turn is still on and still this seat's, it never arrived;
    /// otherwise the welcome hid whether it was resolved.
    fn welcomed<G: ClientGame>(&self, session: &GameSession<G>, report: &mut GameReport) {
        let turn = session.state().map(Game::turn);
        if session.my_turn() && turn == Some(self.turn) {
            self.count_unresolved(report);
        } else {
            report.hidden_by_welcome += 1;
        }
    }
}

/// A turn being thought over: the move chosen, when it goes, and the live
/// updates until then.
struct Thinking<M> {
    mv: M,
    /// The turn it was made on.
    turn: u32,
    started: Instant,
    move_at: Instant,
    next_live: Option<Instant>,
    live_every: Option<Duration>,
}

impl<M> Thinking<M> {
    fn new(mv: M, style: &PlayStyle, turn: u32) -> Self {
        let started = Instant::now();
        let live_every = (style.aims_per_second > 0.0)
            .then(|| Duration::from_secs_f64(1.0 / style.aims_per_second));
        Self {
            mv,
            turn,
            started,
            move_at: started + style.think,
            next_live: live_every.map(|every| started + every),
            live_every,
        }
    }

    /// When the next thing is due: a live update or the move.
    fn next_step(&self) -> Instant {
        self.next_live
            .map_or(self.move_at, |live| live.min(self.move_at))
    }

    fn schedule_live(&mut self, now: Instant) {
        self.next_live = self.live_every.map(|every| now + every);
    }

    /// How far through its thinking time the bot is at `now`, 0 to 1.
    fn done(&self, now: Instant) -> f32 {
        let span = self.move_at - self.started;
        if span.is_zero() {
            1.0
        } else {
            ((now - self.started).as_secs_f32() / span.as_secs_f32()).min(1.0)
        }
    }
}

/// Joins the room and plays to the end with `strategy`, moving at once.
pub async fn play(
    server: &Url,
    matched: &Matched,
    strategy: Strategy,
) -> Result<GameReport, ClientError> {
    Client::new(server.clone())
        .play_any(matched, &PlayStyle::new(strategy))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use volley_shared::Role;
    use volley_shared::artillery::{Aim, ArtilleryConfig, Fire, Weapon};
    use volley_shared::protocol::RoomServerFrame;

    #[test]
    fn a_move_in_flight_across_a_fresh_welcome_is_lost_or_hidden_by_its_turn() {
        let mut game = Artillery::new(&ArtilleryConfig::default(), 21, 2).unwrap();
        game.begin();
        let me = game.to_move().unwrap();
        let mut session = GameSession::<Artillery>::new();
        let welcome = |game: &Artillery, seq| RoomServerFrame::Welcome {
            role: Role::Player(me),
            seq,
            names: vec!["ann".into(), "bob".into()],
            waiting: false,
            view: game.clone(),
            deadline_ms: None,
        };
        let in_flight = InFlight {
            sent: Instant::now(),
            crossed_a_drop: true,
            turn: game.turn(),
        };
        let mut report = GameReport::empty(RoomId("r".into()), me);

        // Still this seat's turn, the same turn: the move never arrived.
        session.on_frame(welcome(&game, 1)).unwrap();
        in_flight.welcomed(&session, &mut report);
        assert_eq!(
            (report.lost_with_connection, report.hidden_by_welcome),
            (1, 0)
        );

        // The turn is over: resolved or timed out, the welcome does not say.
        let fire = Fire {
            aim: Aim {
                angle_deg: 60,
                power: 50,
            },
            weapon: Weapon::Heavy,
        };
        game.play(me, &fire).unwrap();
        session.on_frame(welcome(&game, 2)).unwrap();
        in_flight.welcomed(&session, &mut report);
        assert_eq!(
            (report.lost_with_connection, report.hidden_by_welcome),
            (1, 1)
        );
    }

    #[tokio::test]
    async fn thinking_paces_its_live_updates_and_its_move() {
        let style = PlayStyle {
            think: Duration::from_secs(2),
            aims_per_second: 5.0,
            ..PlayStyle::new(Strategy::BEST)
        };
        let plan = Thinking::new(3u8, &style, 1);
        assert_eq!(plan.next_step(), plan.started + Duration::from_millis(200));
        assert_eq!(plan.done(plan.started), 0.0);
        assert_eq!(plan.done(plan.started + Duration::from_secs(1)), 0.5);
        assert_eq!(plan.done(plan.move_at + Duration::from_secs(1)), 1.0);

        let at_once = Thinking::new(3u8, &PlayStyle::new(Strategy::BEST), 1);
        assert_eq!(at_once.next_step(), at_once.move_at);
        assert_eq!(at_once.move_at, at_once.started);
        assert_eq!(at_once.done(at_once.started), 1.0);
    }
}
