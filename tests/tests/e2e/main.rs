//! End-to-end tests: real bots against the real runtime (`wrangler dev`).
//!
//! One `wrangler dev` serves every test; the tests run one at a time so that
//! the coordinator never pairs bots of two different tests, but for the
//! three on servers of their own that crash the runtime or wait for a
//! room's hibernation, which run alongside from the start
//! ([`in_background`]). The turn timeout
//! is shortened with `--var TURN_TIMEOUT_MS:..`, as a user would configure it,
//! and `--var VOLLEY_TEST_HOOKS:1` turns on the route that runs a room's
//! alarm handler on demand. The scenarios about the room's own guarantees
//! are in [`rooms`]; [`durability`] starts its own servers with a longer
//! turn, to let rooms hibernate and to crash the runtime under them.

mod browser;
mod browser_connect4;
mod charter;
mod coordinator;
mod durability;
mod echo;
mod limits;
mod load;
mod ops;
mod players;
mod races;
mod regions;
mod residency;
mod rooms;
mod versions;

use anyhow::{Context, Result, bail, ensure};
use libtest_mimic::{Arguments, Failed, Trial};
use rooms::{ClientFrame, ServerFrame};
use std::future::Future;
use std::process::ExitCode;
use std::time::Duration;
use url::Url;
use volley_client::bot::Strategy;
use volley_client::lobby::Matched;
use volley_client::native::{ClientError, GameReport, matchmake, open_room, play};
use volley_client::session::GameSession;
use volley_shared::Outcome;
use volley_shared::artillery::{Artillery, Leave};
use volley_shared::codec::MAX_CLIENT_FRAME_BYTES;
use volley_shared::protocol::{ErrorCode, v1};
use volley_shared::{Mode, codec};
use volley_tests::{WranglerDev, build_worker, get_json, get_status};

/// Turn length for the tests: long enough for a bot to think, short enough
/// that a timed-out turn does not make the suite slow.
const TURN_TIMEOUT_MS: &str = "2500";
/// Bot fill for three-player free-for-all: short, so a lone player gets
/// bots within the test; the other modes keep the default.
const BOT_FILL_AFTER_MS_FFA3: &str = "2000";
/// No scenario may take longer than this.
const SCENARIO_TIMEOUT: Duration = Duration::from_secs(180);

fn main() -> ExitCode {
    let mut args = Arguments::from_args();
    args.test_threads = Some(1);
    let names = [
        "two_bots_play_a_whole_game_to_the_same_result",
        "the_room_is_its_own_object_created_by_the_coordinator",
        "an_idle_player_times_out_on_the_alarm_and_the_turn_passes",
        "malformed_frames_are_refused_and_the_room_goes_on",
        "bad_tokens_are_refused_in_the_handshake",
        "a_reconnect_resumes_with_exactly_the_missed_events",
        "spectators_watch_but_cannot_act",
        "a_flooding_client_is_cut_off_while_the_game_goes_on",
        "a_repeated_or_early_alarm_changes_nothing",
        "expired_tokens_are_refused",
        "the_replay_reproduces_the_game",
        "a_crashed_runtime_resumes_every_room",
        "a_second_connection_replaces_the_first",
        "three_players_play_a_free_for_all",
        "a_party_of_two_joins_a_four_player_game_together",
        "a_cancelled_ticket_is_never_matched",
        "a_lone_player_gets_bots_after_the_wait",
        "other_protocol_versions_are_refused",
        "stats_count_waits_and_location_hints",
        "ratings_are_updated_once_per_game",
        "a_private_room_is_joined_by_its_code",
        "a_person_plays_a_quick_duel_against_a_bot",
        "two_browsers_share_a_private_room",
        "the_page_survives_a_dropped_connection",
        "the_echo_baseline_echoes_and_test_routes_are_off_by_default",
        "a_small_load_finishes_every_game_and_accounts_for_every_move",
        "a_version_1_client_plays_an_artillery_duel_to_the_end",
        "version_1_and_version_2_clients_share_a_room",
        "two_bots_play_connect_four_to_the_same_result",
        "a_person_plays_connect_four_against_a_bot",
        "a_private_connect_four_room_is_joined_by_its_code",
        "the_page_loads_its_own_content_hashed_files",
        "every_address_has_a_socket_limit_in_rooms_and_shards",
        "a_socket_that_never_says_hello_is_closed",
        "a_room_admits_only_so_many_spectators",
        "a_flooding_ticket_socket_is_cut_off",
        "names_that_hide_or_impersonate_are_refused",
        "a_player_cannot_take_a_second_seat",
        "private_rooms_have_a_budget_per_address",
        "a_load_run_rides_out_a_crash",
        "a_client_cannot_name_its_own_player_id",
        "many_addresses_together_guess_no_faster_than_the_shard_allows",
        "a_player_unseen_for_the_retention_is_forgotten",
        "a_rejoin_does_not_refill_the_flood_bucket",
        "both_idle_players_of_a_duel_forfeit_in_turn",
        "a_guest_token_is_read_from_a_subprotocol_or_a_bearer_header",
        "many_addresses_together_create_no_more_rooms_than_the_shard_allows",
        "a_ticket_closed_while_its_room_is_made_leaves_the_other_queued",
        "a_room_that_cannot_be_made_is_a_clear_error_and_both_may_queue_again",
        "frames_that_arrive_while_the_alarm_awaits_the_coordinator_are_answered",
        "a_bots_move_and_its_deadline_due_in_one_alarm_make_one_move",
        "players_are_matched_on_their_own_continent_first",
        "a_rating_the_first_releases_kept_is_adopted",
        "each_region_matches_its_own_and_a_quiet_one_hands_over",
        "european_data_is_asked_of_the_eu_jurisdiction_and_never_placed_elsewhere",
        "the_dashboard_shows_the_last_hour_behind_its_key",
        "the_dashboard_counts_exactly_what_happened",
        "a_person_plays_a_quick_duel_on_a_phone",
        "a_person_plays_connect_four_on_a_phone",
        "a_chartered_room_sets_itself_up_at_its_first_hello",
        "a_chartered_address_holds_no_room_until_a_valid_charter_comes",
        "a_guest_token_expires_and_is_renewed_for_the_same_player",
        "players_are_told_their_match_even_if_the_alarm_cannot_be_set",
        "a_deleted_room_is_read_without_being_made_again",
        "closed_guess_windows_are_forgotten",
        "a_silent_ticket_socket_is_closed_by_an_instance_that_forgot_it",
        "a_shard_changing_its_mind_between_two_players_does_not_part_them",
        "a_hibernated_room_wakes_only_for_the_next_move",
        "an_anonymous_opponent_counts_as_new_and_is_not_rated",
        "a_game_is_rated_when_its_last_move_is_acknowledged_or_by_the_retry_timer",
    ];
    if args.list {
        let trials = names.iter().map(|n| Trial::test(*n, || Ok(()))).collect();
        return libtest_mimic::run(&args, trials).exit_code();
    }

    let secret = format!("e2e-secret-{}-{}", std::process::id(), nanos_since_epoch());
    let server = match start_server(&secret) {
        Ok(server) => server,
        Err(err) => {
            eprintln!("could not start the server: {err:#}");
            return ExitCode::FAILURE;
        }
    };
    let base = server.base().clone();
    let hibernation = in_background(&args, names[67], {
        let secret = secret.clone();
        move || durability::a_hibernated_room_wakes_only_for_the_next_move(secret)
    });
    let crash = in_background(&args, names[11], {
        let secret = secret.clone();
        move || durability::a_crashed_runtime_resumes_every_room(secret)
    });
    let load_across_crash = in_background(&args, names[39], {
        let secret = secret.clone();
        move || durability::a_load_run_rides_out_a_crash(secret)
    });
    let trials = vec![
        trial(names[0], &base, two_bots_play_a_whole_game),
        trial(names[1], &base, room_is_its_own_object),
        trial(names[2], &base, idle_player_times_out),
        trial(names[3], &base, malformed_frames_are_refused),
        trial(names[4], &base, bad_tokens_are_refused),
        trial(
            names[5],
            &base,
            rooms::a_reconnect_resumes_with_exactly_the_missed_events,
        ),
        trial(names[6], &base, rooms::spectators_watch_but_cannot_act),
        trial(
            names[7],
            &base,
            rooms::a_flooding_client_is_cut_off_while_the_game_goes_on,
        ),
        trial(
            names[8],
            &base,
            rooms::a_repeated_or_early_alarm_changes_nothing,
        ),
        trial(names[9], &base, {
            let secret = secret.clone();
            move |base| rooms::expired_tokens_are_refused(base, secret)
        }),
        trial(names[10], &base, rooms::the_replay_reproduces_the_game),
        trial(
            names[12],
            &base,
            rooms::a_second_connection_replaces_the_first,
        ),
        trial(
            names[13],
            &base,
            coordinator::three_players_play_a_free_for_all,
        ),
        trial(
            names[14],
            &base,
            coordinator::a_party_of_two_joins_a_four_player_game_together,
        ),
        trial(
            names[15],
            &base,
            coordinator::a_cancelled_ticket_is_never_matched,
        ),
        trial(
            names[16],
            &base,
            coordinator::a_lone_player_gets_bots_after_the_wait,
        ),
        trial(
            names[17],
            &base,
            coordinator::other_protocol_versions_are_refused,
        ),
        trial(
            names[18],
            &base,
            coordinator::stats_count_waits_and_location_hints,
        ),
        trial(
            names[19],
            &base,
            coordinator::ratings_are_updated_once_per_game,
        ),
        trial(
            names[20],
            &base,
            coordinator::a_private_room_is_joined_by_its_code,
        ),
        trial(
            names[21],
            &base,
            browser::a_person_plays_a_quick_duel_against_a_bot,
        ),
        trial(names[22], &base, browser::two_browsers_share_a_private_room),
        trial(names[23], &base, {
            let secret = secret.clone();
            move |_| browser::the_page_survives_a_dropped_connection(secret)
        }),
        trial(names[24], &base, {
            let secret = secret.clone();
            move |base| {
                echo::the_echo_baseline_echoes_and_test_routes_are_off_by_default(base, secret)
            }
        }),
        trial(
            names[25],
            &base,
            load::a_small_load_finishes_every_game_and_accounts_for_every_move,
        ),
        trial(
            names[26],
            &base,
            versions::a_version_1_client_plays_an_artillery_duel_to_the_end,
        ),
        trial(
            names[27],
            &base,
            versions::version_1_and_version_2_clients_share_a_room,
        ),
        trial(
            names[28],
            &base,
            versions::two_bots_play_connect_four_to_the_same_result,
        ),
        trial(
            names[29],
            &base,
            browser_connect4::a_person_plays_connect_four_against_a_bot,
        ),
        trial(
            names[30],
            &base,
            versions::a_private_connect_four_room_is_joined_by_its_code,
        ),
        trial(
            names[31],
            &base,
            versions::the_page_loads_its_own_content_hashed_files,
        ),
        trial(
            names[32],
            &base,
            limits::every_address_has_a_socket_limit_in_rooms_and_shards,
        ),
        trial(
            names[33],
            &base,
            limits::a_socket_that_never_says_hello_is_closed,
        ),
        trial(
            names[34],
            &base,
            limits::a_room_admits_only_so_many_spectators,
        ),
        trial(
            names[35],
            &base,
            limits::a_flooding_ticket_socket_is_cut_off,
        ),
        trial(
            names[36],
            &base,
            limits::names_that_hide_or_impersonate_are_refused,
        ),
        trial(names[37], &base, limits::a_player_cannot_take_a_second_seat),
        trial(
            names[38],
            &base,
            limits::private_rooms_have_a_budget_per_address,
        ),
        trial(
            names[40],
            &base,
            limits::a_client_cannot_name_its_own_player_id,
        ),
        trial(
            names[41],
            &base,
            limits::many_addresses_together_guess_no_faster_than_the_shard_allows,
        ),
        trial(names[42], &base, {
            let secret = secret.clone();
            move |_| coordinator::a_player_unseen_for_the_retention_is_forgotten(secret)
        }),
        trial(
            names[43],
            &base,
            limits::a_rejoin_does_not_refill_the_flood_bucket,
        ),
        trial(
            names[44],
            &base,
            rooms::both_idle_players_of_a_duel_forfeit_in_turn,
        ),
        trial(
            names[45],
            &base,
            coordinator::a_guest_token_is_read_from_a_subprotocol_or_a_bearer_header,
        ),
        trial(names[46], &base, {
            let secret = secret.clone();
            move |_| {
                limits::many_addresses_together_create_no_more_rooms_than_the_shard_allows(secret)
            }
        }),
        trial(
            names[47],
            &base,
            races::a_ticket_closed_while_its_room_is_made_leaves_the_other_queued,
        ),
        trial(
            names[48],
            &base,
            races::a_room_that_cannot_be_made_is_a_clear_error_and_both_may_queue_again,
        ),
        trial(
            names[49],
            &base,
            races::frames_that_arrive_while_the_alarm_awaits_the_coordinator_are_answered,
        ),
        trial(
            names[50],
            &base,
            races::a_bots_move_and_its_deadline_due_in_one_alarm_make_one_move,
        ),
        trial(
            names[51],
            &base,
            coordinator::players_are_matched_on_their_own_continent_first,
        ),
        trial(
            names[52],
            &base,
            players::a_rating_the_first_releases_kept_is_adopted,
        ),
        trial(
            names[53],
            &base,
            regions::each_region_matches_its_own_and_a_quiet_one_hands_over,
        ),
        trial(names[54], &base, {
            let secret = secret.clone();
            move |_| {
                residency::european_data_is_asked_of_the_eu_jurisdiction_and_never_placed_elsewhere(
                    secret,
                )
            }
        }),
        trial(
            names[55],
            &base,
            ops::the_dashboard_shows_the_last_hour_behind_its_key,
        ),
        trial(names[56], &base, {
            let secret = secret.clone();
            move |_| ops::the_dashboard_counts_exactly_what_happened(secret)
        }),
        trial(
            names[57],
            &base,
            browser::a_person_plays_a_quick_duel_on_a_phone,
        ),
        trial(
            names[58],
            &base,
            browser_connect4::a_person_plays_connect_four_on_a_phone,
        ),
        trial(
            names[59],
            &base,
            charter::a_chartered_room_sets_itself_up_at_its_first_hello,
        ),
        trial(
            names[60],
            &base,
            charter::a_chartered_address_holds_no_room_until_a_valid_charter_comes,
        ),
        trial(
            names[61],
            &base,
            coordinator::a_guest_token_expires_and_is_renewed_for_the_same_player,
        ),
        trial(
            names[62],
            &base,
            races::players_are_told_their_match_even_if_the_alarm_cannot_be_set,
        ),
        trial(
            names[63],
            &base,
            rooms::a_deleted_room_is_read_without_being_made_again,
        ),
        trial(names[64], &base, limits::closed_guess_windows_are_forgotten),
        trial(
            names[65],
            &base,
            limits::a_silent_ticket_socket_is_closed_by_an_instance_that_forgot_it,
        ),
        trial(
            names[66],
            &base,
            regions::a_shard_changing_its_mind_between_two_players_does_not_part_them,
        ),
        trial(
            names[68],
            &base,
            players::an_anonymous_opponent_counts_as_new_and_is_not_rated,
        ),
        trial(
            names[69],
            &base,
            players::a_game_is_rated_when_its_last_move_is_acknowledged_or_by_the_retry_timer,
        ),
        // Last: by then what they began with the suite is over.
        crash,
        load_across_crash,
        hibernation,
    ];
    let conclusion = libtest_mimic::run(&args, trials);
    if conclusion.has_failed() {
        eprintln!(
            "--- last lines of wrangler dev ---\n{}",
            server.log_tail(60)
        );
    }
    drop(server);
    conclusion.exit_code()
}

fn start_server(secret: &str) -> Result<WranglerDev> {
    build_worker()?;
    WranglerDev::start(&[
        ("TURN_TIMEOUT_MS", TURN_TIMEOUT_MS),
        ("JOIN_SECRET", secret),
        ("VOLLEY_TEST_HOOKS", "1"),
        ("BOT_FILL_AFTER_MS_FFA3", BOT_FILL_AFTER_MS_FFA3),
        // A person in the browser test needs more than 2.5 s per disc.
        ("TURN_TIMEOUT_MS_CONNECT4", "15000"),
        ("VOLLEY_BENCH", "1"),
        // Every regional shard is quiet, and hands its tickets to the
        // global pool, unless a test says it took more tickets (regions.rs).
        (
            "QUIET_TICKETS_PER_MINUTE",
            &regions::QUIET_BELOW.to_string(),
        ),
        // The operators' dashboard is behind this key (ops.rs).
        ("OPS_SECRET", ops::KEY),
        // Lowered so the limits tests finish quickly (limits.rs).
        ("LIMIT_HELLO_MS", &limits::HELLO_MS.to_string()),
        ("LIMIT_SPECTATORS", &limits::SPECTATORS.to_string()),
        (
            "LIMIT_SHARD_WRONG_CODES",
            &limits::SHARD_WRONG_CODES.to_string(),
        ),
    ])
}

fn nanos_since_epoch() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default()
}

/// A trial running an async scenario on its own runtime, with a time limit.
fn trial<F, Fut>(name: &str, base: &Url, scenario: F) -> Trial
where
    F: FnOnce(Url) -> Fut + Send + 'static,
    Fut: Future<Output = Result<()>>,
{
    let base = base.clone();
    Trial::test(name, move || {
        let (took, ran) = run_timed(scenario(base));
        // Where the suite's time goes (CI has a budget for it).
        eprint!("[{:.1} s] ", took.as_secs_f64());
        ran.map_err(Failed::from)
    })
}

/// Runs `scenario` on a runtime of its own within [`SCENARIO_TIMEOUT`];
/// returns how long it took and its result, an error as text.
fn run_timed<T>(scenario: impl Future<Output = Result<T>>) -> (Duration, Result<T, String>) {
    let started = std::time::Instant::now();
    let ran = tokio::runtime::Runtime::new()
        .map_err(|e| e.to_string())
        .and_then(|runtime| {
            runtime
                .block_on(async { tokio::time::timeout(SCENARIO_TIMEOUT, scenario).await })
                .map_err(|_| format!("scenario took longer than {SCENARIO_TIMEOUT:?}"))?
                .map_err(|e| format!("{e:#}"))
        });
    (started.elapsed(), ran)
}

/// A scenario on a server of its own that mostly waits on it (a room's
/// hibernation, a turn deadline across a crash) or loads it lightly (eight
/// bots across a crash), started on a thread of its own as the suite
/// starts, so that it overlaps the other scenarios (the rest run one at a
/// time). Its trial, run in turn, waits for it and prints what it
/// found. Not started when the arguments leave its trial out.
fn in_background<F, Fut>(args: &Arguments, name: &str, scenario: F) -> Trial
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = Result<String>>,
{
    let probe = Trial::test(name, || Ok(()));
    if args.is_filtered_out(&probe) || args.is_ignored(&probe) {
        return probe;
    }
    let running = std::thread::spawn(move || run_timed(scenario()));
    Trial::test(name, move || {
        let (took, ran) = running
            .join()
            .map_err(|_| Failed::from("the scenario's thread panicked"))?;
        eprint!("[{:.1} s, begun with the suite] ", took.as_secs_f64());
        let found = ran.map_err(Failed::from)?;
        println!("{found}");
        Ok(())
    })
}

/// The location hint a public match's room is placed with: the one its
/// chartered address names (`{id}~{hint}`: the Worker gets the room's
/// object with it at its first request), or, for a room the shard called
/// at match time, the one its info gives.
pub(crate) fn room_hint(base: &Url, room: &volley_shared::RoomId) -> Result<Option<String>> {
    if let Some((_, hint)) = room.0.split_once('~') {
        return Ok(Some(hint.to_string()).filter(|h| !h.is_empty()));
    }
    let info: volley_shared::api::RoomInfo =
        volley_tests::get_body(&base.join(&format!("/api/rooms/{room}"))?)?;
    Ok(info.location_hint)
}

/// A room's info (`GET /api/rooms/{room}`) once it exists: a chartered
/// room sets itself up at its first player's hello, which `room`'s players
/// are sending meanwhile.
pub(crate) async fn room_info_once_set_up(
    base: &Url,
    room: &volley_shared::RoomId,
) -> Result<serde_json::Value> {
    let url = base.join(&format!("/api/rooms/{room}"))?;
    for _ in 0..100 {
        if get_status(&url)? == 200 {
            return get_json(&url);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("room {room} was never set up")
}

/// Two tickets opened together, matched into one room.
pub(crate) async fn match_two(base: &Url) -> Result<(Matched, Matched)> {
    let (a, b) = tokio::join!(
        matchmake(base, Mode::Duel, "alice"),
        matchmake(base, Mode::Duel, "bob")
    );
    let (a, b) = (a.context("alice's ticket")?, b.context("bob's ticket")?);
    ensure!(
        a.room == b.room,
        "matched into different rooms: {a:?} / {b:?}"
    );
    ensure!(a.seat != b.seat, "both got {:?}", a.seat);
    Ok((a, b))
}

pub(crate) async fn play_both(
    base: &Url,
    a: &Matched,
    sa: Strategy,
    b: &Matched,
    sb: Strategy,
) -> Result<(GameReport, GameReport)> {
    let (ra, rb) = tokio::join!(play(base, a, sa), play(base, b, sb));
    Ok((ra.context("alice's game")?, rb.context("bob's game")?))
}

async fn two_bots_play_a_whole_game(base: Url) -> Result<()> {
    let (a, b) = match_two(&base).await?;
    let (ra, rb) = play_both(&base, &a, Strategy::BEST, &b, Strategy::BEST).await?;
    ensure!(
        ra.outcome == rb.outcome,
        "different results: {ra:?} / {rb:?}"
    );
    ensure!(
        ra.events == rb.events,
        "different event counts: {ra:?} / {rb:?}"
    );
    ensure!(ra.shots + rb.shots > 0, "nobody fired: {ra:?}");
    ensure!(
        ra.refusals == 0 && rb.refusals == 0,
        "moves refused: {ra:?} / {rb:?}"
    );
    let info = get_json(&base.join(&format!("/api/rooms/{}", a.room))?)?;
    ensure!(info["phase"] == "finished", "room not finished: {info}");
    ensure!(
        info["seq"] == ra.events,
        "room seq {} vs {} events seen",
        info["seq"],
        ra.events
    );
    println!("outcome {:?} after {} events", ra.outcome, ra.events);
    Ok(())
}

/// A public match's room is chartered (the default): it is its own object,
/// made by the first player's hello, not by the coordinator's call, and
/// strangers reading the shard's latest rooms do not see it at once.
async fn room_is_its_own_object(base: Url) -> Result<()> {
    let (a, _b) = match_two(&base).await?;
    let (id, _) = a
        .room
        .0
        .split_once('~')
        .with_context(|| format!("{} is not a chartered room's address", a.room))?;
    ensure!(
        get_status(&base.join(&format!("/api/rooms/{id}"))?)? == 404,
        "the room exists before anyone said hello"
    );
    let stats = get_json(&base.join("/api/stats?mode=duel")?)?;
    let coordinator = stats["coordinator_id"]
        .as_str()
        .context("no coordinator_id")?;
    let listed = stats["recent_rooms"]
        .as_array()
        .is_some_and(|rooms| rooms.iter().any(|r| r["room_id"] == id));
    ensure!(
        !listed,
        "the coordinator lists room {id} before its players could come: {stats}"
    );
    let mut alice = rooms::Client::join(&base, &a).await?;
    let (welcome, _) = alice.next().await?;
    ensure!(
        matches!(welcome, ServerFrame::Welcome { .. }),
        "alice was answered {welcome:?}"
    );
    // Its address and its bare id reach the same room.
    let room = get_json(&base.join(&format!("/api/rooms/{}", a.room))?)?;
    ensure!(room["room_id"] == id, "room reports another id: {room}");
    ensure!(id != coordinator, "the room is the coordinator object");
    ensure!(
        room["created_by"] == coordinator,
        "room created by {} not {coordinator}",
        room["created_by"]
    );
    ensure!(
        room["phase"] == "waiting",
        "only alice joined, but phase is {}",
        room["phase"]
    );
    alice.conn.close().await;
    ensure!(
        get_status(&base.join("/api/rooms/not-a-room")?)? == 400,
        "bad room id accepted"
    );
    Ok(())
}

async fn idle_player_times_out(base: Url) -> Result<()> {
    let (a, b) = match_two(&base).await?;
    let (ra, rb) = play_both(&base, &a, Strategy::BEST, &b, Strategy::Idle).await?;
    ensure!(rb.shots == 0, "the idle bot fired");
    ensure!(rb.timeouts >= 1, "no turn timed out: {rb:?}");
    ensure!(
        ra.outcome == Outcome::Winner(a.seat),
        "the active bot should win: {ra:?}"
    );
    ensure!(
        ra.outcome == rb.outcome,
        "different results: {ra:?} / {rb:?}"
    );
    // The idle tank lost by its timeouts, or was shot first: never anyhow.
    let (game, _) = rooms::replayed(&base, &a.room).await?;
    let idle = game.tank(b.seat).context("no idle tank")?;
    ensure!(
        idle.hp == 0 || idle.left == Some(Leave::Forfeited),
        "the idle tank lost alive without forfeiting: {idle:?}"
    );
    Ok(())
}

/// Reads frames (applying them) until an error frame comes.
async fn next_error_in(client: &mut rooms::Client) -> Result<ErrorCode> {
    loop {
        if let (ServerFrame::Error { code, .. }, _) = client.next().await? {
            return Ok(code);
        }
    }
}

async fn malformed_frames_are_refused(base: Url) -> Result<()> {
    let (a, b) = match_two(&base).await?;
    let alice = tokio::spawn({
        let (base, a) = (base.clone(), a.clone());
        async move { play(&base, &a, Strategy::BEST).await }
    });

    let mut bob = rooms::Client::join(&base, &b).await?;
    bob.conn.send_raw(vec![0xff, 0xff, 0xff, 0x00]).await?;
    ensure!(next_error_in(&mut bob).await? == ErrorCode::MalformedFrame);
    bob.conn
        .send_raw(vec![0; MAX_CLIENT_FRAME_BYTES + 1])
        .await?;
    ensure!(next_error_in(&mut bob).await? == ErrorCode::FrameTooLarge);
    let mut trailing = codec::encode(&ClientFrame::Ping { nonce: 1 })?;
    trailing.push(7);
    bob.conn.send_raw(trailing).await?;
    ensure!(next_error_in(&mut bob).await? == ErrorCode::MalformedFrame);
    // On Bob's own turn, so the range check answers, not the turn check.
    while !bob.session.my_turn() {
        bob.next().await?;
    }
    bob.conn.send(&rooms::shell(999, 50)).await?;
    let code = next_error_in(&mut bob).await?;
    ensure!(
        code == ErrorCode::IllegalMove,
        "out-of-range aim answered with {code:?}"
    );
    bob.conn.close().await;

    // Bob rejoins with the same token and plays on; Alice never noticed.
    let rb = play(&base, &b, Strategy::BEST)
        .await
        .context("bob's game after junk")?;
    let ra = alice
        .await
        .context("alice's task")?
        .context("alice's game")?;
    ensure!(
        ra.outcome == rb.outcome,
        "different results: {ra:?} / {rb:?}"
    );
    Ok(())
}

/// The handshake of a room that exists (the shard calls it at match time:
/// a chartered room not set up yet answers a bad token with a close, see
/// `charter.rs`).
async fn bad_tokens_are_refused(base: Url) -> Result<()> {
    coordinator::with_called_rooms(&base, bad_tokens_in_a_room(&base)).await
}

async fn bad_tokens_in_a_room(base: &Url) -> Result<()> {
    let base = base.clone();
    let (a, _b) = match_two(&base).await?;
    let (other, _) = match_two(&base).await?;
    let forged = coordinator::forge(&a.token);
    // A forged token, garbage, and a genuine token for another room.
    for token in [forged.as_str(), "garbage", other.token.as_str()] {
        let mut conn = open_room(&base, &a.room).await?;
        conn.open_with(&GameSession::<Artillery>::new().hello(token))
            .await?;
        let frame = conn.recv::<ServerFrame>().await?;
        ensure!(
            matches!(
                frame,
                ServerFrame::Error {
                    code: ErrorCode::BadToken,
                    ..
                }
            ),
            "token {token:?} answered with {frame:?}"
        );
        match conn.recv::<ServerFrame>().await {
            Err(ClientError::Closed(reason)) if reason.starts_with("4001") => {}
            other => bail!("token {token:?}: expected close 4001, got {other:?}"),
        }
    }
    // A first frame that is not Hello is a protocol violation (here in
    // protocol version 1, which is still served).
    let mut conn = open_room(&base, &a.room).await?;
    conn.send(&v1::ClientFrame::<Artillery>::Resign).await?;
    ensure!(matches!(
        conn.recv().await?,
        v1::ServerFrame::<Artillery>::Error {
            code: ErrorCode::UnexpectedFrame,
            ..
        }
    ));
    match conn.recv::<ServerFrame>().await {
        Err(ClientError::Closed(reason)) if reason.starts_with("4002") => {}
        other => bail!("expected close 4002, got {other:?}"),
    }
    // The real token still works.
    let mut conn = open_room(&base, &a.room).await?;
    conn.open_with(&GameSession::<Artillery>::new().hello(&a.token))
        .await?;
    ensure!(matches!(
        conn.recv::<ServerFrame>().await?,
        ServerFrame::Welcome { .. }
    ));
    conn.close().await;
    Ok(())
}
