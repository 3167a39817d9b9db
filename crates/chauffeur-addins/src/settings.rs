//! Timings of the add-in protocol.

use std::time::Duration;

/// How often add-ins beat and when they count as gone.
#[derive(Debug, Clone)]
pub struct AddinSettings {
    /// The interval given to add-ins that do not ask for one.
    pub heartbeat_interval: Duration,
    /// Bounds for an interval an add-in asks for.
    pub min_interval: Duration,
    /// See `min_interval`.
    pub max_interval: Duration,
    /// Dead after this many intervals without a request.
    pub dead_after_intervals: u32,
    /// Longest long-poll.
    pub max_poll: Duration,
}

impl Default for AddinSettings {
    fn default() -> Self {
        AddinSettings {
            heartbeat_interval: Duration::from_secs(5),
            min_interval: Duration::from_secs(1),
            max_interval: Duration::from_secs(60),
            dead_after_intervals: 3,
            max_poll: Duration::from_secs(30),
        }
    }
}

impl AddinSettings {
    /// The interval for an add-in that asked for `requested`.
    pub fn interval_for(&self, requested: Option<Duration>) -> Duration {
        match requested {
            Some(r) => r.clamp(self.min_interval, self.max_interval),
            None => self.heartbeat_interval,
        }
    }
}
