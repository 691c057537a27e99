//! The destructible heightmap the tanks stand on.
//!
//! The ground is a function of the seed and the craters carved so far, so
//! that is all a terrain puts on the wire or in storage: a snapshot stays a
//! few hundred bytes instead of a height per column, and the receiver grows
//! the same heights again (ChaCha8 and libm give the same floats everywhere).

use super::WORLD_WIDTH;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// Lowest and highest ground generated, in world units.
const MIN_GROUND: f32 = 40.0;
const MAX_GROUND: f32 = 360.0;

/// A round hole blown into the ground.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Crater {
    /// Centre, horizontal.
    pub x: f32,
    /// Centre, vertical.
    pub y: f32,
    /// Radius, in world units.
    pub radius: f32,
}

/// What a terrain is made of: its seed and its craters, in order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct TerrainRecord {
    seed: u64,
    craters: Vec<Crater>,
}

/// Ground height at every whole x from 0 to `WORLD_WIDTH` inclusive.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(from = "TerrainRecord", into = "TerrainRecord")]
pub struct Terrain {
    seed: u64,
    craters: Vec<Crater>,
    heights: Vec<f32>,
}

impl From<TerrainRecord> for Terrain {
    fn from(record: TerrainRecord) -> Terrain {
        let mut terrain = Terrain::generate(record.seed);
        for crater in record.craters {
            terrain.carve(crater);
        }
        terrain
    }
}

impl From<Terrain> for TerrainRecord {
    fn from(terrain: Terrain) -> TerrainRecord {
        TerrainRecord {
            seed: terrain.seed,
            craters: terrain.craters,
        }
    }
}

impl Terrain {
    /// Rolling hills from a seed: the same seed gives the same terrain on
    /// every platform (ChaCha8 and libm are portable).
    pub fn generate(seed: u64) -> Terrain {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let base = rng.random_range(150.0f32..210.0);
        // (cycles over the width, amplitude) for three octaves of hills.
        let octaves = [
            (
                rng.random_range(1.0f32..2.5),
                rng.random_range(40.0f32..80.0),
            ),
            (
                rng.random_range(3.0f32..6.0),
                rng.random_range(15.0f32..35.0),
            ),
            (
                rng.random_range(8.0f32..14.0),
                rng.random_range(3.0f32..8.0),
            ),
        ];
        let phases: Vec<f32> = octaves
            .iter()
            .map(|_| rng.random_range(0.0f32..core::f32::consts::TAU))
            .collect();
        let columns = WORLD_WIDTH as usize + 1;
        let heights = (0..columns)
            .map(|x| {
                let t = x as f32 / WORLD_WIDTH * core::f32::consts::TAU;
                let hills: f32 = octaves
                    .iter()
                    .zip(&phases)
                    .map(|(&(cycles, amplitude), &phase)| {
                        amplitude * libm::sinf(t * cycles + phase)
                    })
                    .sum();
                (base + hills).clamp(MIN_GROUND, MAX_GROUND)
            })
            .collect();
        Terrain {
            seed,
            craters: Vec::new(),
            heights,
        }
    }

    /// Ground height at `x`, linearly interpolated; outside the world the
    /// edge height continues.
    pub fn height_at(&self, x: f32) -> f32 {
        let x = x.clamp(0.0, WORLD_WIDTH);
        let left = libm::floorf(x) as usize;
        let frac = x - left as f32;
        let h0 = self.column(left);
        let h1 = self.column(left + 1);
        h0 + (h1 - h0) * frac
    }

    fn column(&self, x: usize) -> f32 {
        let last = self.heights.len().saturating_sub(1);
        self.heights.get(x.min(last)).copied().unwrap_or(MIN_GROUND)
    }

    /// Carves a round crater: the ground inside the circle is removed, and
    /// ground above it falls in.
    pub fn carve(&mut self, crater: Crater) {
        let Crater {
            x: cx,
            y: cy,
            radius,
        } = crater;
        self.craters.push(crater);
        for (x, h) in self.heights.iter_mut().enumerate() {
            let dx = x as f32 - cx;
            if dx.abs() >= radius {
                continue;
            }
            let half_chord = libm::sqrtf(radius * radius - dx * dx);
            let bottom = cy - half_chord;
            let top = cy + half_chord;
            if *h > bottom {
                // Ground above the circle falls into it, as loose soil would.
                let above = (*h - top).max(0.0);
                *h = (bottom + above).max(0.0);
            }
        }
    }

    /// The heights, one per whole x (for drawing).
    pub fn heights(&self) -> &[f32] {
        &self.heights
    }

    /// The craters carved so far, oldest first.
    pub fn craters(&self) -> &[Crater] {
        &self.craters
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_terrain() {
        assert_eq!(Terrain::generate(7), Terrain::generate(7));
        assert_ne!(Terrain::generate(7), Terrain::generate(8));
    }

    #[test]
    fn terrain_spans_the_world_within_bounds() {
        let t = Terrain::generate(42);
        assert_eq!(t.heights().len(), WORLD_WIDTH as usize + 1);
        assert!(
            t.heights()
                .iter()
                .all(|h| (MIN_GROUND..=MAX_GROUND).contains(h))
        );
    }

    #[test]
    fn height_interpolates_and_clamps() {
        let t = Terrain::generate(1);
        let (a, b) = (t.height_at(10.0), t.height_at(11.0));
        let mid = t.height_at(10.5);
        assert!((mid - (a + b) / 2.0).abs() < 1e-3);
        assert_eq!(t.height_at(-50.0), t.height_at(0.0));
        assert_eq!(t.height_at(5000.0), t.height_at(WORLD_WIDTH));
    }

    #[test]
    fn carving_lowers_ground_only_near_the_blast() {
        let mut t = Terrain::generate(3);
        let before = t.clone();
        let ground = t.height_at(500.0);
        t.carve(Crater {
            x: 500.0,
            y: ground,
            radius: 30.0,
        });
        assert!(t.height_at(500.0) < ground - 20.0);
        assert_eq!(t.height_at(400.0), before.height_at(400.0));
        assert_eq!(t.height_at(600.0), before.height_at(600.0));
    }

    #[test]
    fn terrain_travels_as_seed_and_craters() {
        let mut t = Terrain::generate(3);
        for x in [100.0, 480.0, 500.0] {
            let y = t.height_at(x);
            t.carve(Crater { x, y, radius: 36.0 });
        }
        let bytes = crate::codec::encode(&t).unwrap();
        assert!(bytes.len() < 64, "{} bytes", bytes.len());
        let back: Terrain = bincode::serde::decode_from_slice(&bytes, bincode::config::standard())
            .unwrap()
            .0;
        assert_eq!(back, t, "heights grow back bit for bit");
    }
}
