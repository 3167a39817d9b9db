//! When to restart a crashed plugin host: exponential backoff between restarts, and a
//! circuit breaker that stops restarting after too many crashes in a short time.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// The restart rules.
#[derive(Debug, Clone, Copy)]
pub struct BreakerPolicy {
    /// Crashes within [`Self::window`] that open the circuit.
    pub max_crashes: usize,
    /// The window crashes are counted in.
    pub window: Duration,
    /// Wait before the first restart; doubled after each further crash in the window.
    pub first_backoff: Duration,
    /// The longest wait between restarts.
    pub max_backoff: Duration,
}

impl Default for BreakerPolicy {
    /// 5 crashes in 3 minutes open the circuit; restarts wait 100 ms, 200 ms, 400 ms...
    fn default() -> Self {
        BreakerPolicy {
            max_crashes: 5,
            window: Duration::from_secs(180),
            first_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(30),
        }
    }
}

/// Crash history of one plugin host.
#[derive(Debug)]
pub struct Breaker {
    policy: BreakerPolicy,
    crashes: VecDeque<Instant>,
    retry_at: Option<Instant>,
    open: Option<String>,
    total: u64,
}

impl Breaker {
    /// A closed breaker with no crashes.
    pub fn new(policy: BreakerPolicy) -> Self {
        Breaker {
            policy,
            crashes: VecDeque::new(),
            retry_at: None,
            open: None,
            total: 0,
        }
    }

    /// Records a crash at `now`; opens the circuit when it is one too many.
    pub fn record_crash(&mut self, now: Instant, what: &str) {
        self.total += 1;
        while let Some(first) = self.crashes.front() {
            if now.duration_since(*first) > self.policy.window {
                self.crashes.pop_front();
            } else {
                break;
            }
        }
        self.crashes.push_back(now);
        let n = self.crashes.len();
        if n >= self.policy.max_crashes {
            self.open = Some(format!(
                "{n} crashes within {}s, the last: {what}; `chauffeur plugins reset` re-arms it",
                self.policy.window.as_secs()
            ));
            self.retry_at = None;
        } else {
            self.retry_at = Some(now + self.backoff(n));
        }
    }

    /// The wait after the `n`th crash in the window.
    pub fn backoff(&self, n: usize) -> Duration {
        let factor = 1u32 << (n.saturating_sub(1).min(16) as u32);
        (self.policy.first_backoff * factor).min(self.policy.max_backoff)
    }

    /// How long to wait before the next start, if at all.
    pub fn wait(&self, now: Instant) -> Option<Duration> {
        self.retry_at
            .and_then(|at| at.checked_duration_since(now))
            .filter(|d| !d.is_zero())
    }

    /// Why the circuit is open, if it is.
    pub fn open(&self) -> Option<&str> {
        self.open.as_deref()
    }

    /// Crashes since the provider was created.
    pub fn total_crashes(&self) -> u64 {
        self.total
    }

    /// Closes the circuit and forgets the recent crashes.
    pub fn reset(&mut self) {
        self.crashes.clear();
        self.retry_at = None;
        self.open = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_then_the_circuit_opens() {
        let mut b = Breaker::new(BreakerPolicy::default());
        let t = Instant::now();
        b.record_crash(t, "segv");
        assert_eq!(b.wait(t), Some(Duration::from_millis(100)));
        b.record_crash(t, "segv");
        assert_eq!(b.wait(t), Some(Duration::from_millis(200)));
        for _ in 0..3 {
            b.record_crash(t, "segv");
        }
        assert!(b.open().expect("open").contains("5 crashes"));
        b.reset();
        assert!(b.open().is_none());
        assert_eq!(b.wait(t), None);
        assert_eq!(b.total_crashes(), 5);
    }

    #[test]
    fn old_crashes_fall_out_of_the_window() {
        let mut b = Breaker::new(BreakerPolicy::default());
        let t = Instant::now();
        for i in 0..4 {
            b.record_crash(t + Duration::from_secs(i), "abort");
        }
        b.record_crash(t + Duration::from_secs(200), "abort");
        assert!(b.open().is_none());
        assert_eq!(
            b.wait(t + Duration::from_secs(200)),
            Some(Duration::from_millis(100))
        );
    }
}
