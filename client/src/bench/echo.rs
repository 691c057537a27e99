//! The baselines: a plain WebSocket echo server in tokio on loopback, and
//! the clients that measure any echo endpoint (that server, or the echo
//! Durable Object behind `/api/bench/echo/ws`): sequential round trips,
//! round trips spread over a series of new connections, closed-loop
//! throughput over many connections, frames at a fixed rate, and connect +
//! one round trip + close cycles.

use crate::load::latency::Latency;
use crate::native::{ClientError, Connection};
use futures_util::{SinkExt, StreamExt};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use url::Url;

/// A WebSocket echo server on 127.0.0.1, on a thread and runtime of its
/// own so it does not compete with the load tool's tasks. Stops when
/// dropped.
pub struct LoopbackEcho {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl LoopbackEcho {
    /// Starts the server on a free loopback port.
    pub fn start() -> std::io::Result<Self> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let thread = std::thread::Builder::new()
            .name("loopback-echo".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let Ok(listener) = TcpListener::from_std(listener) else {
                        return;
                    };
                    tokio::select! {
                        () = serve(listener) => {}
                        _ = stopped => {}
                    }
                });
            })?;
        Ok(Self {
            addr,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// Its `ws://` address.
    pub fn url(&self) -> Url {
        Url::parse(&format!("ws://{}/", self.addr)).expect("a socket address makes a URL")
    }
}

impl Drop for LoopbackEcho {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn serve(listener: TcpListener) {
    let mut connections = JoinSet::new();
    while let Ok((stream, _)) = listener.accept().await {
        connections.spawn(async move {
            let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await else {
                return;
            };
            while let Some(Ok(message)) = ws.next().await {
                let reply = match message {
                    Message::Binary(_) | Message::Text(_) => message,
                    Message::Close(_) => break,
                    _ => continue,
                };
                if ws.send(reply).await.is_err() {
                    break;
                }
            }
        });
    }
}

/// One frame there and back on an open connection.
async fn round_trip(conn: &mut Connection, payload: &[u8]) -> Result<Duration, ClientError> {
    let sent = Instant::now();
    conn.send_raw(payload.to_vec()).await?;
    conn.recv_raw().await?;
    Ok(sent.elapsed())
}

/// `count` sequential round trips on one connection to `url`, after
/// `warmup` unrecorded ones.
pub async fn round_trips(
    url: &Url,
    payload: &[u8],
    warmup: u32,
    count: u32,
) -> Result<Latency, ClientError> {
    let mut conn = Connection::open(url).await?;
    let mut latency = Latency::default();
    for i in 0..warmup + count {
        let rtt = round_trip(&mut conn, payload).await?;
        if i >= warmup {
            latency.record(rtt);
        }
    }
    conn.close().await;
    Ok(latency)
}

/// Round trips over a series of connections: each connection's first,
/// and the rest.
#[derive(Debug, Default)]
pub struct FirstAndLater {
    /// The first round trip on each connection.
    pub first: Latency,
    /// Every other one.
    pub later: Latency,
}

impl FirstAndLater {
    /// All of them.
    pub fn all(&self) -> Latency {
        let mut all = Latency::default();
        all.add(&self.first);
        all.add(&self.later);
        all
    }

    /// Adds `other`'s round trips to these.
    pub fn add(&mut self, other: &FirstAndLater) {
        self.first.add(&other.first);
        self.later.add(&other.later);
    }
}

/// `count` sequential round trips, `per_connection` on each of a series
/// of connections, the n-th to the n-th of `urls`, every one recorded (a
/// connection's first round trips are what this measures). With a URL
/// that names a new object each time, each connection's object is new,
/// as a game's room is.
pub async fn round_trips_on_each(
    urls: impl IntoIterator<Item = Url>,
    payload: &[u8],
    per_connection: u32,
    count: u32,
) -> Result<FirstAndLater, ClientError> {
    let mut trips = FirstAndLater::default();
    let mut left = count;
    for url in urls {
        if left == 0 {
            break;
        }
        let mut conn = Connection::open(&url).await?;
        for n in 0..per_connection.max(1).min(left) {
            let rtt = round_trip(&mut conn, payload).await?;
            if n == 0 {
                trips.first.record(rtt);
            } else {
                trips.later.record(rtt);
            }
            left -= 1;
        }
        conn.close().await;
    }
    Ok(trips)
}

/// What a timed echo measurement found.
#[derive(Debug, Default)]
pub struct EchoRun {
    /// Completed operations (round trips, or connect cycles).
    pub completed: u64,
    /// Their latency.
    pub latency: Latency,
    /// Failures, by kind.
    pub errors: u64,
    /// How long it ran.
    pub elapsed: Duration,
}

impl EchoRun {
    /// Operations per second.
    pub fn rate(&self) -> f64 {
        self.completed as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// Counts one round trip's result; whether it succeeded.
    fn count(&mut self, result: Result<Duration, ClientError>) -> bool {
        match result {
            Ok(rtt) => {
                self.completed += 1;
                self.latency.record(rtt);
                true
            }
            Err(_) => {
                self.errors += 1;
                false
            }
        }
    }

    fn absorb(&mut self, other: EchoRun) {
        self.completed += other.completed;
        self.latency.add(&other.latency);
        self.errors += other.errors;
    }
}

/// Closed-loop round trips on one connection to each of `urls`, all at
/// once, for `duration`.
pub async fn throughput(urls: &[Url], payload: &[u8], duration: Duration) -> EchoRun {
    let mut conns = Vec::new();
    let mut failed_to_open = 0;
    for url in urls {
        match Connection::open(url).await {
            Ok(conn) => conns.push(conn),
            Err(_) => failed_to_open += 1,
        }
    }
    let start = Instant::now();
    let until = start + duration;
    let mut tasks = JoinSet::new();
    for mut conn in conns {
        let payload = payload.to_vec();
        tasks.spawn(async move {
            let mut mine = EchoRun::default();
            while Instant::now() < until {
                if !mine.count(round_trip(&mut conn, &payload).await) {
                    break;
                }
            }
            conn.close().await;
            mine
        });
    }
    let mut run = gather(tasks, start).await;
    run.errors += failed_to_open;
    run
}

/// One frame every `interval` on one connection to each of `urls`, each
/// waiting for its echo before the next tick, for `duration`: the echo's
/// side of a fixed frame rate (the relay benchmark's baseline).
pub async fn paced(
    urls: &[Url],
    payload: &[u8],
    interval: Duration,
    duration: Duration,
) -> EchoRun {
    let start = Instant::now();
    let until = start + duration;
    let mut tasks = JoinSet::new();
    for url in urls {
        let (url, payload) = (url.clone(), payload.to_vec());
        tasks.spawn(async move {
            let mut mine = EchoRun::default();
            let Ok(mut conn) = Connection::open(&url).await else {
                mine.errors += 1;
                return mine;
            };
            let mut ticks = tokio::time::interval(interval);
            while Instant::now() < until {
                ticks.tick().await;
                if !mine.count(round_trip(&mut conn, &payload).await) {
                    break;
                }
            }
            conn.close().await;
            mine
        });
    }
    gather(tasks, start).await
}

/// `concurrency` loops of connect + one round trip + close to `url`, for
/// `duration`.
pub async fn connect_cycles(
    url: &Url,
    payload: &[u8],
    concurrency: u32,
    duration: Duration,
) -> EchoRun {
    let start = Instant::now();
    let until = start + duration;
    let mut tasks = JoinSet::new();
    for _ in 0..concurrency {
        let (url, payload) = (url.clone(), payload.to_vec());
        tasks.spawn(async move {
            let mut mine = EchoRun::default();
            while Instant::now() < until {
                let began = Instant::now();
                let cycle = async {
                    let mut conn = Connection::open(&url).await?;
                    round_trip(&mut conn, &payload).await?;
                    conn.close().await;
                    Ok::<_, ClientError>(())
                };
                match cycle.await {
                    Ok(()) => {
                        mine.completed += 1;
                        mine.latency.record(began.elapsed());
                    }
                    Err(_) => mine.errors += 1,
                }
            }
            mine
        });
    }
    gather(tasks, start).await
}

/// Waits for every task's own run and adds them up (a task that panicked
/// counts as an error); the elapsed time is since `start`.
async fn gather(mut tasks: JoinSet<EchoRun>, start: Instant) -> EchoRun {
    let mut run = EchoRun::default();
    while let Some(done) = tasks.join_next().await {
        run.absorb(done.unwrap_or(EchoRun {
            errors: 1,
            ..EchoRun::default()
        }));
    }
    run.elapsed = start.elapsed();
    run
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_loopback_server_echoes_and_stops() {
        let echo = LoopbackEcho::start().expect("a loopback port");
        let latency = round_trips(&echo.url(), b"ping", 2, 20)
            .await
            .expect("echoes");
        assert_eq!(latency.count(), 20);
        // Five round trips, two to a connection: three connections, the
        // last one cut short.
        let trips = round_trips_on_each(vec![echo.url(); 4], b"x", 2, 5)
            .await
            .expect("echoes");
        assert_eq!((trips.first.count(), trips.later.count()), (3, 2));
        assert_eq!(trips.all().count(), 5);
        let mut twice = FirstAndLater::default();
        twice.add(&trips);
        twice.add(&trips);
        assert_eq!((twice.first.count(), twice.later.count()), (6, 4));
        let run = throughput(&[echo.url(), echo.url()], b"x", Duration::from_millis(200)).await;
        assert!(run.completed > 0 && run.errors == 0, "{run:?}");
        let cycles = connect_cycles(&echo.url(), b"x", 2, Duration::from_millis(200)).await;
        assert!(cycles.completed > 0 && cycles.errors == 0, "{cycles:?}");
        let paced = paced(
            &[echo.url(), echo.url()],
            b"x",
            Duration::from_millis(20),
            Duration::from_millis(200),
        )
        .await;
        // Ten ticks each at most (the first is at once), and not all lost.
        assert!(
            (2..=22).contains(&paced.completed) && paced.errors == 0,
            "{paced:?}"
        );
        let url = echo.url();
        drop(echo);
        assert!(
            Connection::open(&url).await.is_err(),
            "still serving after drop"
        );
    }
}
