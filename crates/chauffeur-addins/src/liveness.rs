//! alive → unresponsive → dead, as a pure function of time.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::time::Instant;

/// Where an add-in is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Liveness {
    /// Beating on time.
    Alive,
    /// Missed a beat, or left a command unanswered.
    Unresponsive,
    /// Silent for the dead-after time; must register again.
    Dead,
}

impl Liveness {
    /// The word used in logs and events.
    pub fn as_str(self) -> &'static str {
        match self {
            Liveness::Alive => "ok",
            Liveness::Unresponsive => "unresponsive",
            Liveness::Dead => "dead",
        }
    }
}

/// The timings of one add-in.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    /// Its heartbeat interval.
    pub interval: Duration,
    /// Silence after which it is dead.
    pub dead_after: Duration,
}

impl Clock {
    /// Silence after which it is unresponsive: one and a half intervals.
    pub fn unresponsive_after(&self) -> Duration {
        self.interval + self.interval / 2
    }

    /// What an add-in last seen at `last_seen` is at `now`, given what it was.
    pub fn liveness_at(&self, current: Liveness, last_seen: Instant, now: Instant) -> Liveness {
        let silent = now.saturating_duration_since(last_seen);
        if current == Liveness::Dead || silent >= self.dead_after {
            Liveness::Dead
        } else if current == Liveness::Unresponsive || silent >= self.unresponsive_after() {
            Liveness::Unresponsive
        } else {
            Liveness::Alive
        }
    }

    /// When the next transition is due, if any.
    pub fn next_due(&self, current: Liveness, last_seen: Instant) -> Option<Instant> {
        match current {
            Liveness::Alive => Some(last_seen + self.unresponsive_after()),
            Liveness::Unresponsive => Some(last_seen + self.dead_after),
            Liveness::Dead => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn silence_makes_an_addin_unresponsive_then_dead() {
        let clock = Clock {
            interval: Duration::from_secs(2),
            dead_after: Duration::from_secs(6),
        };
        let t0 = Instant::now();
        let at = |secs: u64| t0 + Duration::from_secs(secs);
        assert_eq!(
            clock.liveness_at(Liveness::Alive, t0, at(2)),
            Liveness::Alive
        );
        assert_eq!(
            clock.liveness_at(Liveness::Alive, t0, at(3)),
            Liveness::Unresponsive
        );
        assert_eq!(
            clock.liveness_at(Liveness::Alive, t0, at(6)),
            Liveness::Dead
        );
        assert_eq!(
            clock.liveness_at(Liveness::Dead, at(6), at(6)),
            Liveness::Dead,
            "dead stays dead"
        );
        assert_eq!(clock.next_due(Liveness::Alive, t0), Some(at(3)));
        assert_eq!(clock.next_due(Liveness::Unresponsive, t0), Some(at(6)));
        assert_eq!(clock.next_due(Liveness::Dead, t0), None);
    }
}
