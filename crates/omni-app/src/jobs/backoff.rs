//! When to try failed work again (a job, an event delivery): exponential
//! backoff with jitter, so that what comes back after an outage is not hit
//! by every retry at the same instant.

use std::time::Duration;

/// The wait before attempt `failed + 1`, after `failed` failures (≥ 1):
/// `base · 2^(failed-1)` capped at `max`, of which the upper half is random
/// (`jitter` in [0, 1) picks where).
pub fn delay(failed: u32, base: Duration, max: Duration, jitter: f64) -> Duration {
    let exponent = failed.saturating_sub(1).min(30);
    let full = base.saturating_mul(1u32 << exponent).min(max);
    let half = full / 2;
    half + half.mul_f64(jitter.clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const BASE: Duration = Duration::from_millis(1000);
    const MAX: Duration = Duration::from_secs(600);

    #[test]
    fn doubles_then_caps() {
        assert_eq!(delay(1, BASE, MAX, 1.0), Duration::from_millis(1000));
        assert_eq!(delay(2, BASE, MAX, 1.0), Duration::from_millis(2000));
        assert_eq!(delay(3, BASE, MAX, 0.0), Duration::from_millis(2000));
        assert_eq!(delay(20, BASE, MAX, 1.0), MAX);
        assert_eq!(delay(u32::MAX, BASE, MAX, 1.0), MAX);
    }

    proptest! {
        #[test]
        fn stays_within_half_and_full_of_the_capped_exponential(failed in 1u32..64, jitter in 0.0f64..1.0) {
            let d = delay(failed, BASE, MAX, jitter);
            let full = BASE.saturating_mul(1u32 << (failed - 1).min(30)).min(MAX);
            prop_assert!(d >= full / 2 && d <= full);
        }

        #[test]
        fn never_shrinks_as_failures_grow(failed in 1u32..40) {
            prop_assert!(delay(failed + 1, BASE, MAX, 0.0) >= delay(failed, BASE, MAX, 0.0));
        }
    }
}
