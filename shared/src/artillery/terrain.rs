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
use std::cell::OnceCell;

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
#[derive(Serialize)]
struct TerrainRef<'a> {
    seed: u64,
    craters: &'a [Crater],
}

/// The owned form of [`TerrainRef`], for decoding.
#[derive(Deserialize)]
struct TerrainRecord {
    seed: u64,
    craters: Vec<Crater>,
}

/// The ground: a seed, the craters carved into it, and the height at every
/// whole x from 0 to `WORLD_WIDTH` inclusive, grown from those two the first
/// time they are needed. Decoding a terrain is therefore cheap; a room that
/// loads its state to relay an aim never grows the heights at all.
#[derive(Clone, Debug, Deserialize)]
#[serde(from = "TerrainRecord")]
pub struct Terrain {
    seed: u64,
    craters: Vec<Crater>,
    heights: OnceCell<Vec<f32>>,
}

impl Serialize for Terrain {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        TerrainRef {
            seed: self.seed,
            craters: &self.craters,
        }
        .serialize(serializer)
    }
}

impl From<TerrainRecord> for Terrain {
    fn from(record: TerrainRecord) -> Terrain {
        Terrain {
            seed: record.seed,
            craters: record.craters,
            heights: OnceCell::new(),
        }
    }
}

/// Two terrains are equal when they are made of the same seed and craters
/// (the heights follow from those).
impl PartialEq for Terrain {
    fn eq(&self, other: &Terrain) -> bool {
        self.seed == other.seed && self.craters == other.craters
    }
}

impl Terrain {
    /// Rolling hills from a seed: the same seed gives the same terrain on
    /// every platform (ChaCha8 and libm are portable).
    pub fn generate(seed: u64) -> Terrain {
        Terrain {
            seed,
            craters: Vec::new(),
            heights: OnceCell::new(),
        }
    }

    /// The seed the hills grew from.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The heights, one per whole x (for drawing), grown on first use.
    pub fn heights(&self) -> &[f32] {
        self.heights.get_or_init(|| {
            let mut heights = hills(self.seed);
            for crater in &self.craters {
                carve_heights(&mut heights, *crater);
            }
            heights
        })
    }

    /// Carves a round crater: the ground inside the circle is removed, and
    /// ground above it falls in.
    pub fn carve(&mut self, crater: Crater) {
        self.heights();
        if let Some(heights) = self.heights.get_mut() {
            carve_heights(heights, crater);
        }
        self.craters.push(crater);
    }

    /// The craters carved so far, oldest first.
    pub fn craters(&self) -> &[Crater] {
        &self.craters
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
        let heights = self.heights();
        let last = heights.len().saturating_sub(1);
        heights.get(x.min(last)).copied().unwrap_or(MIN_GROUND)
    }
}

/// The uncarved hills of a seed.
fn hills(seed: u64) -> Vec<f32> {
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
    (0..columns)
        .map(|x| {
            let t = x as f32 / WORLD_WIDTH * core::f32::consts::TAU;
            let hills: f32 = octaves
                .iter()
                .zip(&phases)
                .map(|(&(cycles, amplitude), &phase)| amplitude * libm::sinf(t * cycles + phase))
                .sum();
            (base + hills).clamp(MIN_GROUND, MAX_GROUND)
        })
        .collect()
}

/// Removes the ground inside a crater's circle; ground above it falls in,
/// as loose soil would.
fn carve_heights(heights: &mut [f32], crater: Crater) {
    let Crater {
        x: cx,
        y: cy,
        radius,
    } = crater;
    for (x, h) in heights.iter_mut().enumerate() {
        let dx = x as f32 - cx;
        if dx.abs() >= radius {
            continue;
        }
        let half_chord = libm::sqrtf(radius * radius - dx * dx);
        let bottom = cy - half_chord;
        let top = cy + half_chord;
        if *h > bottom {
            let above = (*h - top).max(0.0);
            *h = (bottom + above).max(0.0);
        }
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
        let xs: Vec<f32> = t.craters().iter().map(|c| c.x).collect();
        assert_eq!(xs, [100.0, 480.0, 500.0], "oldest first");
        let bytes = crate::codec::encode(&t).unwrap();
        assert!(bytes.len() < 64, "{} bytes", bytes.len());
        let back: Terrain = bincode::serde::decode_from_slice(&bytes, bincode::config::standard())
            .unwrap()
            .0;
        assert_eq!(back, t);
        let bits = |t: &Terrain| t.heights().iter().map(|h| h.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&back), bits(&t), "heights grow back bit for bit");
    }
}
