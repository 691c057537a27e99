//! Wait-time statistics for `GET /api/stats`, as pure functions.

/// The `p`-th percentile (0 to 100) of `values` by the nearest-rank method;
/// `None` for no values.
pub fn percentile(values: &[u64], p: u32) -> Option<u64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let p = u64::from(p.min(100));
    let count = sorted.len() as u64;
    // Nearest rank: ceil(p/100 * n), at least 1.
    let rank = (p * count).div_ceil(100).max(1);
    sorted.get(usize::try_from(rank - 1).ok()?).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_by_nearest_rank() {
        let waits: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&waits, 50), Some(50));
        assert_eq!(percentile(&waits, 99), Some(99));
        assert_eq!(percentile(&waits, 100), Some(100));
        assert_eq!(percentile(&[7], 99), Some(7));
        assert_eq!(percentile(&[3, 1, 2], 50), Some(2));
        assert_eq!(percentile(&[], 50), None);
    }
}
