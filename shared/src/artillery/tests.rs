//! Unit tests of the artillery rules.

use super::*;

fn game(seed: u64, seats: u8) -> Artillery {
    let mut state = Artillery::new(&ArtilleryConfig::default(), seed, seats).unwrap();
    state.begin();
    state
}

fn shell(angle_deg: u16, power: u16) -> Fire {
    Fire {
        aim: Aim { angle_deg, power },
        weapon: Weapon::Shell,
    }
}

fn straight_up() -> Fire {
    shell(90, 30)
}

/// A harmless shot for the seat to move: high and hard out of the world on
/// its own side.
fn away(state: &Artillery) -> Fire {
    let seat = state.to_move().unwrap();
    if state.tanks[seat.index()].x < WORLD_WIDTH / 2.0 {
        shell(135, 100)
    } else {
        shell(45, 100)
    }
}

fn shot_of(events: &[ArtilleryEvent]) -> &ShotReport {
    match events.first() {
        Some(ArtilleryEvent::Shot(shot)) => shot,
        other => panic!("no shot first: {other:?}"),
    }
}

/// Fires `fire` from seat 0 at a state where the wind is calm.
fn calm_shot(state: &mut Artillery, fire: Fire) -> Vec<ArtilleryEvent> {
    state.wind = 0;
    state.play(Seat(0), &fire).unwrap()
}

#[test]
fn a_new_game_places_every_tank_on_the_ground_in_order() {
    for seats in 2..=4 {
        let state = Artillery::new(&ArtilleryConfig::default(), 5, seats).unwrap();
        assert_eq!(state.tanks.len(), usize::from(seats));
        assert_eq!(state.to_move(), None, "nobody moves before begin");
        for pair in state.tanks.windows(2) {
            assert!(pair[0].x < pair[1].x);
        }
        for tank in &state.tanks {
            assert_eq!(tank.y, state.terrain.height_at(tank.x));
            assert_eq!(tank.hp, START_HP);
            assert_eq!(tank.heavy_shells, 2);
        }
    }
    for seats in [0, 1, 5] {
        assert!(Artillery::new(&ArtilleryConfig::default(), 5, seats).is_err());
    }
}

#[test]
fn begin_starts_turn_one_for_seat_zero() {
    let mut state = Artillery::new(&ArtilleryConfig::default(), 5, 3).unwrap();
    let events = state.begin();
    assert!(matches!(
        events.as_slice(),
        [ArtilleryEvent::TurnStarted {
            seat: Seat(0),
            turn: 1,
            round: 0,
            ..
        }]
    ));
    assert_eq!(state.to_move(), Some(Seat(0)));
    assert_eq!(state.turn(), 1);
    assert!((-MAX_WIND..=MAX_WIND).contains(&state.wind));
    assert!(state.begin().is_empty(), "a game begins once");
    // Every shot and every timeout starts the next turn.
    let fire = away(&state);
    state.play(Seat(0), &fire).unwrap();
    assert_eq!(state.turn(), 2);
    state.time_out();
    assert_eq!(state.turn(), 3);
}

#[test]
fn moves_out_of_turn_are_refused_and_change_nothing() {
    let mut state = game(5, 2);
    let before = state.clone();
    assert_eq!(
        state.play(Seat(1), &straight_up()),
        Err(RuleError::NotYourTurn {
            expected: Seat(0),
            got: Seat(1)
        })
    );
    assert_eq!(state, before);
    let mut fresh = Artillery::new(&ArtilleryConfig::default(), 5, 2).unwrap();
    assert_eq!(
        fresh.play(Seat(0), &straight_up()),
        Err(RuleError::NotInPlay)
    );
}

#[test]
fn a_blast_hurts_by_distance_and_never_by_nothing() {
    let mut state = game(5, 2);
    let centre = state.tanks[0].centre();
    let near_edge = |d: f32| centre + Vec2::new(d, 0.0);
    // Shell: 36 px radius, 60 at the centre.
    assert_eq!(
        state.blast(near_edge(35.9), Weapon::Shell),
        (vec![], vec![])
    );
    assert_eq!(
        state.blast(near_edge(35.5), Weapon::Shell),
        (
            vec![Hit {
                seat: Seat(0),
                damage: 1
            }],
            vec![]
        )
    );
    assert_eq!(
        state.blast(near_edge(36.0), Weapon::Shell),
        (vec![], vec![])
    );
    // A hit of exactly the tank's hit points destroys it; one less does not.
    state.tanks[0].hp = 60;
    let (hits, destroyed) = state.blast(centre, Weapon::Shell);
    assert_eq!((hits[0].damage, destroyed), (60, vec![Seat(0)]));
    state.tanks[0].hp = 61;
    assert_eq!(state.blast(centre, Weapon::Shell).1, vec![]);
    // A tank out of the game takes nothing.
    state.tanks[0].hp = 0;
    assert_eq!(state.blast(centre, Weapon::Shell), (vec![], vec![]));
}

#[test]
fn the_room_plays_a_bot_seat_only_on_its_turn() {
    let state = game(5, 2);
    let fire = state.bot_move(Seat(0)).expect("seat 0 is to move");
    assert_eq!(state.check_move(Seat(0), &fire), Ok(()));
    assert_eq!(state.bot_move(Seat(1)), None);
}

#[test]
fn aim_out_of_range_is_refused() {
    let mut state = game(5, 2);
    let err = state.play(Seat(0), &shell(181, 10));
    assert!(matches!(
        err,
        Err(RuleError::Illegal(Illegal::AimOutOfRange { .. }))
    ));
    let err = state.check_live(Seat(0), &shell(10, 101));
    assert!(matches!(
        err,
        Err(RuleError::Illegal(Illegal::AimOutOfRange { .. }))
    ));
    // A move is checked as it would be played, without playing it.
    let before = state.clone();
    assert!(matches!(
        state.check_move(Seat(0), &shell(181, 10)),
        Err(RuleError::Illegal(Illegal::AimOutOfRange { .. }))
    ));
    assert!(matches!(
        state.check_move(Seat(1), &straight_up()),
        Err(RuleError::NotYourTurn { .. })
    ));
    assert_eq!(state.check_move(Seat(0), &straight_up()), Ok(()));
    assert_eq!(state, before);
}

#[test]
fn heavy_shells_run_out() {
    let config = ArtilleryConfig {
        heavy_shells: 1,
        ..ArtilleryConfig::default()
    };
    let mut state = Artillery::new(&config, 5, 2).unwrap();
    state.begin();
    let heavy = Fire {
        weapon: Weapon::Heavy,
        ..away(&state)
    };
    state.play(Seat(0), &heavy).unwrap();
    state.play(Seat(1), &away(&state)).unwrap();
    assert_eq!(state.tanks[0].heavy_shells, 0);
    assert_eq!(
        state.play(Seat(0), &heavy),
        Err(RuleError::Illegal(Illegal::OutOfAmmo(Weapon::Heavy)))
    );
    assert!(
        state.play(Seat(0), &away(&state)).is_ok(),
        "shells never run out"
    );
}

#[test]
fn a_view_tells_nothing_of_the_wind_to_come() {
    let plain = game(9, 2);
    let hidden = Artillery::new(&ArtilleryConfig::default(), 9, 2)
        .unwrap()
        .with_secret(0xFEED_F00D);
    // The secret changes the wind, and nothing else a game starts with.
    assert_eq!(
        (&hidden.terrain, &hidden.tanks),
        (&plain.terrain, &plain.tanks)
    );
    assert_eq!(hidden.secret(), Some(0xFEED_F00D));
    assert_eq!(plain.secret(), None, "a game the first release made");
    let winds = |state: &Artillery| (2..=20).map(|t| state.wind_for_turn(t)).collect::<Vec<_>>();
    // A viewer sees no seed but the terrain's; winds drawn from either
    // seed it can read are not the game's.
    let view = hidden.view(Viewer::Player(Seat(1)));
    assert_eq!(view.seed, 0);
    for guess in [view.seed, view.terrain.seed()] {
        let guessed = Artillery {
            seed: guess,
            ..hidden.clone()
        };
        assert_ne!(winds(&guessed), winds(&hidden), "seed {guess}");
    }
    // The turns' winds are drawn from the secret as the game goes on.
    let mut on = hidden.clone();
    on.begin();
    let events = on.play(Seat(0), &shell(60, 55)).unwrap();
    let Some(ArtilleryEvent::TurnStarted { wind, turn: 2, .. }) = events.last() else {
        panic!("no second turn: {events:?}");
    };
    assert_eq!(*wind, hidden.wind_for_turn(2));
}

#[test]
fn firing_passes_the_turn_and_changes_wind_deterministically() {
    let mut a = game(9, 2);
    let mut b = game(9, 2);
    let fire = shell(60, 55);
    let events = a.play(Seat(0), &fire).unwrap();
    assert_eq!(b.play(Seat(0), &fire).unwrap(), events);
    assert_eq!(a, b);
    assert!(matches!(
        events.last(),
        Some(ArtilleryEvent::TurnStarted {
            seat: Seat(1),
            turn: 2,
            ..
        })
    ));
    assert_eq!(a.to_move(), Some(Seat(1)));
}

#[test]
fn a_shell_straight_up_comes_down_on_the_shooter() {
    let mut state = game(2, 2);
    let events = calm_shot(&mut state, straight_up());
    let shot = shot_of(&events);
    assert!(matches!(shot.landing, Landing::Impact { .. }));
    assert!(shot.crater.is_some());
    assert!(shot.hits.iter().any(|h| h.seat == Seat(0) && h.damage > 0));
    assert!(state.tanks[0].hp < START_HP);
}

#[test]
fn damage_falls_off_with_distance_and_the_heavy_shell_hits_harder() {
    let state = game(4, 2);
    let centre = state.tanks[1].centre();
    let report = |dx: f32, weapon: Weapon| {
        let mut s = state.clone();
        s.tanks[0].x = centre.x + dx;
        s.tanks[0].y = centre.y + 200.0;
        s.wind = 0;
        // A shell dropped from straight above lands at the same x.
        let events = s
            .play(
                Seat(0),
                &Fire {
                    aim: Aim {
                        angle_deg: 90,
                        power: 0,
                    },
                    weapon,
                },
            )
            .unwrap();
        shot_of(&events)
            .hits
            .iter()
            .find(|h| h.seat == Seat(1))
            .map_or(0, |h| h.damage)
    };
    let direct = report(0.0, Weapon::Shell);
    let near = report(12.0, Weapon::Shell);
    let far = report(30.0, Weapon::Shell);
    assert!(direct > near && near > far, "{direct} {near} {far}");
    assert_eq!(report(60.0, Weapon::Shell), 0);
    assert!(report(30.0, Weapon::Heavy) > far);
}

/// Moves seat 0 high above `target` and drops a shell straight down on it.
fn drop_shell_on(state: &mut Artillery, target: Seat) -> Vec<ArtilleryEvent> {
    let below = state.tanks[target.index()].clone();
    state.tanks[0].x = below.x;
    state.tanks[0].y = below.y + 200.0;
    calm_shot(
        state,
        Fire {
            aim: Aim {
                angle_deg: 90,
                power: 0,
            },
            weapon: Weapon::Shell,
        },
    )
}

#[test]
fn tanks_settle_into_craters() {
    let mut state = game(4, 2);
    let target = state.tanks[1].clone();
    let events = drop_shell_on(&mut state, Seat(1));
    let shot = shot_of(&events);
    let fall = shot.falls.iter().find(|f| f.seat == Seat(1)).unwrap();
    assert!(fall.y < target.y);
    assert_eq!(state.tanks[1].y, fall.y);
    assert_eq!(state.tanks[1].y, state.terrain.height_at(state.tanks[1].x));
}

#[test]
fn a_destroyed_tank_is_reported_and_the_last_one_standing_wins() {
    let mut state = game(4, 2);
    state.tanks[1].hp = 5;
    let events = drop_shell_on(&mut state, Seat(1));
    assert_eq!(shot_of(&events).destroyed, vec![Seat(1)]);
    assert_eq!(
        events.last(),
        Some(&ArtilleryEvent::GameOver {
            outcome: Outcome::Winner(Seat(0))
        })
    );
    assert_eq!(state.to_move(), None);
}

#[test]
fn a_blast_that_destroys_every_tank_is_a_draw() {
    let mut state = game(4, 2);
    // The shooter hovers just above the other tank: the shell falls on
    // both at once.
    let below = state.tanks[1].clone();
    state.tanks[0].x = below.x;
    state.tanks[0].y = below.y + 20.0;
    state.tanks[0].hp = 1;
    state.tanks[1].hp = 1;
    let events = calm_shot(&mut state, shell(90, 0));
    assert_eq!(shot_of(&events).destroyed.len(), 2, "{events:?}");
    assert_eq!(
        events.last(),
        Some(&ArtilleryEvent::GameOver {
            outcome: Outcome::Draw
        })
    );
}

#[test]
fn turns_go_round_the_living_tanks() {
    let mut state = game(6, 4);
    state.tanks[2].hp = 0;
    let mut order = Vec::new();
    for _ in 0..6 {
        let seat = state.to_move().unwrap();
        order.push(seat.0);
        state.play(seat, &away(&state)).unwrap();
    }
    assert_eq!(order, [0, 1, 3, 0, 1, 3]);
    assert_eq!(state.round, 2);
}

#[test]
fn three_timeouts_in_a_row_forfeit() {
    let mut state = game(3, 2);
    let mut last = Vec::new();
    for _ in 0..TIMEOUTS_TO_FORFEIT {
        state.play(Seat(0), &away(&state)).unwrap();
        last = state.time_out();
    }
    assert_eq!(
        last,
        vec![
            ArtilleryEvent::TurnTimedOut {
                seat: Seat(1),
                forfeited: true
            },
            ArtilleryEvent::GameOver {
                outcome: Outcome::Winner(Seat(0))
            }
        ]
    );
    assert_eq!(
        state.play(Seat(0), &straight_up()),
        Err(RuleError::NotInPlay)
    );
    assert!(state.time_out().is_empty());
}

#[test]
fn a_shot_resets_the_timeout_count() {
    let mut state = game(3, 2);
    for _ in 0..5 {
        state.time_out();
        state.play(Seat(1), &away(&state)).unwrap();
        state.play(Seat(0), &away(&state)).unwrap();
        state.play(Seat(1), &away(&state)).unwrap();
    }
    assert!(state.outcome.is_none());
    assert_eq!(state.tanks[0].timeouts, 0);
}

#[test]
fn resigning_out_of_turn_leaves_the_turn_alone_unless_one_is_left() {
    let mut state = game(3, 3);
    let events = state.resign(Seat(2)).unwrap();
    assert_eq!(events, vec![ArtilleryEvent::Resigned { seat: Seat(2) }]);
    assert_eq!(state.to_move(), Some(Seat(0)));
    assert_eq!(state.resign(Seat(2)), Err(RuleError::NotPlaying(Seat(2))));
    let events = state.resign(Seat(0)).unwrap();
    assert_eq!(
        events.last(),
        Some(&ArtilleryEvent::GameOver {
            outcome: Outcome::Winner(Seat(1))
        })
    );
}

#[test]
fn the_round_cap_ends_the_game_on_hit_points() {
    let config = ArtilleryConfig {
        round_cap: 3,
        ..ArtilleryConfig::default()
    };
    let mut state = Artillery::new(&config, 3, 2).unwrap();
    state.begin();
    state.tanks[1].hp = 20;
    let mut turns = 0;
    while let Some(seat) = state.to_move() {
        state.play(seat, &away(&state)).unwrap();
        turns += 1;
    }
    assert!(state.tanks.iter().all(Tank::alive), "{:?}", state.tanks);
    assert_eq!(turns, 2 * config.round_cap);
    assert!(state.tanks[0].hp > state.tanks[1].hp);
    assert_eq!(state.outcome, Some(Outcome::Winner(Seat(0))));
}

#[test]
fn events_rebuild_the_state_from_the_start() {
    let mut server = Artillery::new(&ArtilleryConfig::default(), 77, 3).unwrap();
    let mut client = server.view(Viewer::Spectator);
    let mut events = server.begin();
    let moves = [
        (40, 70),
        (130, 65),
        (45, 80),
        (140, 90),
        (30, 50),
        (150, 55),
    ];
    for &(angle_deg, power) in &moves {
        let Some(seat) = server.to_move() else { break };
        events.extend(server.play(seat, &shell(angle_deg, power)).unwrap());
    }
    for event in &events {
        Artillery::apply(&mut client, event);
    }
    let seen = server.view(Viewer::Spectator);
    assert_eq!(client, seen);
    assert_eq!(client.digest(), seen.digest());
}

#[test]
fn the_drawn_path_ends_where_the_shell_lands() {
    let state = game(8, 2);
    let shooter = &state.tanks[0];
    let aim = Aim {
        angle_deg: 60,
        power: 70,
    };
    let flight = fly(&state.terrain, &state.tanks, shooter, aim, state.wind);
    let (same, path) = fly_path(&state.terrain, &state.tanks, shooter, aim, state.wind, 4);
    assert_eq!(same, flight);
    // One point every fourth step (the first included), and the impact.
    let impact = usize::from(matches!(flight.landing, Landing::Impact { .. }));
    assert_eq!(path.len(), (flight.steps as usize).div_ceil(4) + impact);
    assert!(path.len() > 2);
    if let Landing::Impact { x, y } = flight.landing {
        assert_eq!(path.last(), Some(&Vec2::new(x, y)));
    }
}
