//! When to try again and when to wait, and the one retry loop: exponential
//! backoff with jitter that defers to the server's own hint, a wait budget,
//! and a token bucket that keeps a run under an hourly request budget. The
//! client (API requests and the OAuth token request alike) retries through
//! [`with_retries`] and does the sleeping.

use crate::error::{Error, Result};
use std::time::Duration;

/// How failed requests are retried (config key `retries`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per request, the first included.
    pub max_attempts: u32,
    /// First backoff step; doubles each retry.
    pub base_delay: Duration,
    /// Cap on one backoff step without a server hint.
    pub max_delay: Duration,
    /// Cap on all waiting for one request; a server hint beyond it gives up.
    pub max_total_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 6,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(60),
            max_total_wait: Duration::from_secs(300),
        }
    }
}

impl RetryPolicy {
    /// The wait before retry number `retry` (1 for the first retry). A
    /// server hint (Retry-After, X-RateLimit-Reset) is honoured as given;
    /// otherwise exponential backoff with "equal jitter" (half fixed, half
    /// random) from `entropy`.
    pub fn delay(&self, retry: u32, hint: Option<Duration>, entropy: u64) -> Duration {
        if let Some(hint) = hint {
            return hint;
        }
        let step = self.base_delay.saturating_mul(1u32 << retry.saturating_sub(1).min(16)).min(self.max_delay);
        let half = step / 2;
        let jitter = half.as_nanos() as u64;
        half + Duration::from_nanos(if jitter == 0 { 0 } else { splitmix(entropy) % jitter })
    }
}

/// A token bucket: `per_hour` requests an hour, bursts of up to a
/// twentieth of that (three minutes' worth), so a scheduled run stays under
/// the account's hourly limit instead of running into 429s.
#[derive(Clone, Debug)]
pub struct Pacer {
    capacity: f64,
    tokens: f64,
    per_second: f64,
    last: Option<Duration>,
}

impl Pacer {
    pub fn new(per_hour: u32) -> Pacer {
        let capacity = (f64::from(per_hour) / 20.0).max(1.0);
        Pacer { capacity, tokens: capacity, per_second: f64::from(per_hour) / 3600.0, last: None }
    }

    /// Takes a token for a request about to be sent at monotonic time `now`;
    /// returns how long to wait first.
    pub fn acquire(&mut self, now: Duration) -> Duration {
        if let Some(last) = self.last {
            let elapsed = now.saturating_sub(last).as_secs_f64();
            self.tokens = (self.tokens + elapsed * self.per_second).min(self.capacity);
        }
        self.last = Some(now);
        self.tokens -= 1.0;
        if self.tokens >= 0.0 {
            Duration::ZERO
        } else {
            let wait = Duration::from_secs_f64(-self.tokens / self.per_second);
            // The token is paid for by waiting: account for the time now.
            self.last = Some(now + wait);
            self.tokens = 0.0;
            wait
        }
    }
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// What the retry loop needs of whoever sends the requests.
pub trait Retrier {
    fn policy(&self) -> &RetryPolicy;
    /// Monotonic time (also the jitter's entropy).
    fn now(&self) -> Duration;
    /// Waits `delay` before `count` requests are tried again.
    fn wait_to_retry(&mut self, delay: Duration, count: usize);
}

/// Runs `attempt` for `count` requests (it gets the indexes still to
/// answer, sends them if they are not on their way already, and answers
/// each) until each succeeds, fails for good, or the retry policy gives up.
/// Failed requests are retried together after one shared wait.
pub fn with_retries<C: Retrier, R>(
    sender: &mut C,
    count: usize,
    mut attempt: impl FnMut(&mut C, &[usize]) -> Vec<Result<R>>,
) -> Vec<Result<R>> {
    let mut results: Vec<Option<Result<R>>> = (0..count).map(|_| None).collect();
    let mut pending: Vec<usize> = (0..count).collect();
    let mut waited = Duration::ZERO;
    let mut attempts = 1;
    while !pending.is_empty() {
        let answers = attempt(sender, &pending);
        let policy = *sender.policy();
        let mut retry = Vec::new();
        let mut delay = Duration::ZERO;
        for (i, answer) in pending.iter().zip(answers) {
            match answer {
                Err(e) if e.retryable && attempts < policy.max_attempts => {
                    let hint = e.retry_after_seconds.map(|s| Duration::from_secs(s.into()));
                    let entropy = sender.now().as_nanos() as u64 ^ *i as u64;
                    delay = delay.max(policy.delay(attempts, hint, entropy));
                    retry.push((*i, e));
                }
                Err(e) if e.retryable => results[*i] = Some(Err(gave_up(e, attempts))),
                answer => results[*i] = Some(answer),
            }
        }
        if waited + delay > policy.max_total_wait {
            for (i, e) in retry.drain(..) {
                results[i] = Some(Err(gave_up(e, attempts)));
            }
        }
        pending = retry.iter().map(|(i, _)| *i).collect();
        if !pending.is_empty() {
            sender.wait_to_retry(delay, pending.len());
            waited += delay;
            attempts += 1;
        }
    }
    results.into_iter().map(|r| r.expect("every request answered")).collect()
}

fn gave_up(mut error: Error, attempts: u32) -> Error {
    if attempts > 1 {
        error.message = format!("{} (gave up after {attempts} attempts)", error.message);
    }
    error
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let p = RetryPolicy::default();
        for retry in 1..=10 {
            let full = Duration::from_secs(1u64 << (retry - 1)).min(p.max_delay);
            for seed in 0..50 {
                let d = p.delay(retry, None, seed);
                assert!(d >= full / 2 && d <= full, "retry {retry}: {d:?}");
            }
        }
        let spread: std::collections::BTreeSet<_> = (0..50).map(|s| p.delay(3, None, s)).collect();
        assert!(spread.len() > 10, "jitter varies");
    }

    #[test]
    fn a_server_hint_wins() {
        let p = RetryPolicy::default();
        assert_eq!(p.delay(1, Some(Duration::from_secs(42)), 7), Duration::from_secs(42));
    }

    #[test]
    fn the_pacer_allows_a_burst_then_spaces_requests_to_the_hourly_rate() {
        let mut pacer = Pacer::new(3600); // one a second, bursts of 180
        let mut now = Duration::ZERO;
        let mut sent = 0;
        // Over ten simulated minutes, sending as fast as allowed.
        while now < Duration::from_secs(600) {
            now += pacer.acquire(now);
            sent += 1;
        }
        assert!((779..=781).contains(&sent), "{sent} requests in 600 s at 1/s with a burst of 180");
        // Over an hour the total stays within rate + burst.
        let mut pacer = Pacer::new(100);
        let mut now = Duration::ZERO;
        let mut sent = 0;
        while now < Duration::from_secs(3600) {
            now += pacer.acquire(now);
            sent += 1;
        }
        assert!(sent <= 106, "{sent}");
    }
}
