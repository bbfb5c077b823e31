//! Percentiles of a set of measurements (nearest rank, so every reported
//! figure is one that was actually measured).

use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    pub samples: usize,
    pub p50: f64,
    pub p99: f64,
    pub max: f64,
}

/// The p50, p99 and max of `values`, or `None` when there are none.
pub fn summarize(values: &[f64]) -> Option<Summary> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = |quantile: f64| {
        let rank = (quantile * sorted.len() as f64).ceil() as usize;
        sorted[rank.clamp(1, sorted.len()) - 1]
    };
    Some(Summary { samples: sorted.len(), p50: rank(0.50), p99: rank(0.99), max: sorted[sorted.len() - 1] })
}

pub fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        assert_eq!(summarize(&[]), None);
        let one = summarize(&[3.0]).unwrap();
        assert_eq!((one.p50, one.p99, one.max), (3.0, 3.0, 3.0));
        let values: Vec<f64> = (1..=200).rev().map(f64::from).collect();
        let summary = summarize(&values).unwrap();
        assert_eq!((summary.samples, summary.p50, summary.p99, summary.max), (200, 100.0, 198.0, 200.0));
    }
}
