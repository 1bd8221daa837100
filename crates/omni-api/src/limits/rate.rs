//! Per-caller token buckets, in this process's memory: each caller may send
//! `burst` requests at once and `per_second` on average. Several processes
//! behind one load balancer each allow that much (the limit is per process).

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// A rate limit's settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    /// Requests per second a caller may sustain (> 0).
    pub per_second: f64,
    /// Requests a caller may send at once after being idle (≥ 1).
    pub burst: u32,
}

pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    buckets: Mutex<Buckets>,
}

struct Buckets {
    by_caller: HashMap<String, Bucket>,
    pruned: Instant,
}

#[derive(Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// How often buckets that have refilled are forgotten, so that the map holds
/// only recent callers.
const PRUNE_EVERY: Duration = Duration::from_secs(60);

impl RateLimiter {
    pub fn new(limit: RateLimit) -> Self {
        Self {
            per_second: limit.per_second.max(f64::MIN_POSITIVE),
            burst: f64::from(limit.burst.max(1)),
            buckets: Mutex::new(Buckets {
                by_caller: HashMap::new(),
                pruned: Instant::now(),
            }),
        }
    }

    /// Takes one request's token from `caller`'s bucket, or tells how long
    /// until there is one.
    pub fn take(&self, caller: &str, now: Instant) -> Result<(), Duration> {
        // A panic while holding the lock cannot leave a bucket half-written
        // (each is two plain numbers), so a poisoned lock is still usable.
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        if now.saturating_duration_since(buckets.pruned) >= PRUNE_EVERY {
            buckets.pruned = now;
            buckets
                .by_caller
                .retain(|_, b| self.refilled(*b, now) < self.burst);
        }
        let bucket = match buckets.by_caller.get_mut(caller) {
            Some(b) => b,
            None => buckets
                .by_caller
                .entry(caller.to_string())
                .or_insert(Bucket {
                    tokens: self.burst,
                    at: now,
                }),
        };
        bucket.tokens = self.refilled(*bucket, now);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64(
                (1.0 - bucket.tokens) / self.per_second,
            ))
        }
    }

    fn refilled(&self, bucket: Bucket, now: Instant) -> f64 {
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        (bucket.tokens + elapsed * self.per_second).min(self.burst)
    }

    #[cfg(test)]
    fn callers(&self) -> usize {
        self.buckets
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .by_caller
            .len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_the_sustained_rate() {
        let limiter = RateLimiter::new(RateLimit {
            per_second: 2.0,
            burst: 3,
        });
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.take("a", t0), Ok(()));
        }
        let wait = limiter.take("a", t0).expect_err("the burst is spent");
        assert_eq!(wait, Duration::from_millis(500));
        // Another caller has a bucket of its own.
        assert_eq!(limiter.take("b", t0), Ok(()));
        // Half a second later one token is back, and only one.
        let t1 = t0 + Duration::from_millis(500);
        assert_eq!(limiter.take("a", t1), Ok(()));
        assert!(limiter.take("a", t1).is_err());
        // Long idle refills up to the burst, not beyond.
        let t2 = t1 + Duration::from_secs(3600);
        for _ in 0..3 {
            assert_eq!(limiter.take("a", t2), Ok(()));
        }
        assert!(limiter.take("a", t2).is_err());
    }

    #[test]
    fn refused_requests_do_not_drain_the_bucket_further() {
        let limiter = RateLimiter::new(RateLimit {
            per_second: 1.0,
            burst: 1,
        });
        let t0 = Instant::now();
        assert_eq!(limiter.take("a", t0), Ok(()));
        for _ in 0..10 {
            assert!(limiter.take("a", t0).is_err());
        }
        assert_eq!(limiter.take("a", t0 + Duration::from_secs(1)), Ok(()));
    }

    #[test]
    fn full_buckets_are_forgotten() {
        let limiter = RateLimiter::new(RateLimit {
            per_second: 10.0,
            burst: 5,
        });
        let t0 = Instant::now();
        for caller in ["a", "b", "c"] {
            assert_eq!(limiter.take(caller, t0), Ok(()));
        }
        assert_eq!(limiter.callers(), 3);
        let later = t0 + PRUNE_EVERY + Duration::from_secs(1);
        assert_eq!(limiter.take("d", later), Ok(()));
        assert_eq!(limiter.callers(), 1, "a, b and c refilled long ago");
    }
}
