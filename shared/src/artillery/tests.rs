//! Unit tests of the artillery rules.

use super::*;

fn straight_up() -> Aim {
    Aim {
        angle_deg: 90,
        power: 30,
    }
}

#[test]
fn new_game_places_tanks_on_the_ground() {
    let state = ArtilleryState::new(5, 2);
    assert_eq!(state.tanks.len(), 2);
    for tank in &state.tanks {
        assert_eq!(tank.y, state.terrain.height_at(tank.x));
        assert_eq!(tank.hp, START_HP);
    }
    assert_eq!(state.current, Seat(0));
    assert!((-MAX_WIND..=MAX_WIND).contains(&state.wind));
}

#[test]
fn moves_out_of_turn_are_refused() {
    let mut state = ArtilleryState::new(5, 2);
    assert_eq!(
        state.fire(Seat(1), straight_up()),
        Err(RuleError::NotYourTurn {
            expected: Seat(0),
            got: Seat(1)
        })
    );
    assert_eq!(
        state,
        ArtilleryState::new(5, 2),
        "a refused move changes nothing"
    );
}

#[test]
fn aim_out_of_range_is_refused() {
    let mut state = ArtilleryState::new(5, 2);
    let err = state.fire(
        Seat(0),
        Aim {
            angle_deg: 181,
            power: 10,
        },
    );
    assert!(matches!(err, Err(RuleError::AimOutOfRange { .. })));
}

#[test]
fn firing_passes_the_turn_and_changes_wind_deterministically() {
    let mut a = ArtilleryState::new(9, 2);
    let mut b = ArtilleryState::new(9, 2);
    let aim = Aim {
        angle_deg: 60,
        power: 55,
    };
    let events = a.fire(Seat(0), aim).unwrap();
    assert_eq!(b.fire(Seat(0), aim).unwrap(), events);
    assert_eq!(a, b);
    assert!(matches!(events.first(), Some(GameEvent::Shot { .. })));
    assert_eq!(events.last(), Some(&a.turn_started()));
    assert_eq!(a.current, Seat(1));
    assert_eq!(a.turn, 2);
}

#[test]
fn a_shell_straight_up_comes_down_on_the_shooter() {
    let mut state = ArtilleryState::new(2, 2);
    state.wind = 0;
    let events = state.fire(Seat(0), straight_up()).unwrap();
    let Some(GameEvent::Shot { hits, landing, .. }) = events.first() else {
        panic!("no shot event: {events:?}");
    };
    assert!(matches!(landing, Landing::Impact { .. }));
    assert!(hits.iter().any(|h| h.seat == Seat(0) && h.damage > 0));
    assert!(state.tanks[0].hp < START_HP);
}

#[test]
fn a_direct_hit_does_the_most_damage() {
    let mut state = ArtilleryState::new(4, 2);
    let target = state.tanks[1].centre();
    let hits = state.explode(target);
    assert_eq!(
        hits,
        vec![Hit {
            seat: Seat(1),
            damage: MAX_DAMAGE as u8
        }]
    );
    assert!(state.tanks[1].y < state.terrain.height_at(0.0) || state.tanks[1].y >= 0.0);
}

#[test]
fn damage_falls_off_with_distance() {
    let mut near = ArtilleryState::new(4, 2);
    let mut far = near.clone();
    let centre = near.tanks[1].centre();
    let near_hits = near.explode(centre + Vec2::new(8.0, 0.0));
    let far_hits = far.explode(centre + Vec2::new(24.0, 0.0));
    assert!(near_hits[0].damage > far_hits[0].damage);
    assert!(
        far.explode(centre + Vec2::new(BLAST_RADIUS + 1.0, 0.0))
            .is_empty()
    );
}

#[test]
fn tanks_settle_into_craters() {
    let mut state = ArtilleryState::new(4, 2);
    let before = state.tanks[1].y;
    let under = Vec2::new(state.tanks[1].x, state.tanks[1].y);
    state.explode(under);
    assert!(state.tanks[1].y < before);
    assert_eq!(state.tanks[1].y, state.terrain.height_at(state.tanks[1].x));
}

#[test]
fn three_timeouts_in_a_row_forfeit() {
    let mut state = ArtilleryState::new(3, 2);
    let mut last = Vec::new();
    for _ in 0..TIMEOUTS_TO_FORFEIT {
        state.fire(Seat(0), straight_up_far()).unwrap();
        last = state.time_out(Seat(1)).unwrap();
    }
    assert_eq!(
        last,
        vec![
            GameEvent::TurnTimedOut {
                seat: Seat(1),
                forfeited: true
            },
            GameEvent::GameOver {
                outcome: Outcome::Winner(Seat(0))
            }
        ]
    );
    assert_eq!(state.fire(Seat(0), straight_up()), Err(RuleError::GameOver));
}

/// A harmless shot out of the world to the left.
fn straight_up_far() -> Aim {
    Aim {
        angle_deg: 170,
        power: 100,
    }
}

#[test]
fn a_shot_resets_the_timeout_count() {
    let mut state = ArtilleryState::new(3, 2);
    for _ in 0..5 {
        state.time_out(Seat(0)).unwrap();
        state.fire(Seat(1), straight_up_far()).unwrap();
        state.fire(Seat(0), straight_up_far()).unwrap();
        state.fire(Seat(1), straight_up_far()).unwrap();
    }
    assert!(state.outcome.is_none());
    assert_eq!(state.tanks[0].timeouts, 0);
}

#[test]
fn the_round_cap_ends_the_game_on_hit_points() {
    let mut state = ArtilleryState::new(3, 2);
    state.tanks[1].hp = 50;
    while state.outcome.is_none() {
        let seat = state.current;
        state.fire(seat, straight_up_far()).unwrap();
    }
    assert_eq!(state.round, ROUND_CAP);
    assert_eq!(state.outcome, Some(Outcome::Winner(Seat(0))));
}

#[test]
fn replaying_the_moves_reproduces_the_game() {
    let aims = [
        (40, 70),
        (130, 65),
        (45, 80),
        (140, 90),
        (30, 50),
        (150, 55),
    ];
    let play = || {
        let mut state = ArtilleryState::new(77, 2);
        for &(angle_deg, power) in &aims {
            if state.outcome.is_some() {
                break;
            }
            let seat = state.current;
            state.fire(seat, Aim { angle_deg, power }).unwrap();
        }
        state
    };
    assert_eq!(play(), play());
}
