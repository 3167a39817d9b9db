//! Which automatic snapshots to keep: the last N, then the newest of each hour for a day,
//! then the newest of each day for a month. Manual, imported, pinned and protected
//! snapshots (those holding a provider's last good state) are always kept.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Timelike, Utc};
use serde::{Deserialize, Serialize};

use crate::snapshot::{SnapshotId, Trigger};

/// How many automatic snapshots survive pruning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetentionPolicy {
    /// Always keep this many of the newest automatic snapshots.
    pub keep_last: usize,
    /// Then keep the newest one of each hour, for this many hours.
    pub hourly_hours: u32,
    /// Then keep the newest one of each day, for this many days.
    pub daily_days: u32,
}

impl Default for RetentionPolicy {
    fn default() -> Self {
        RetentionPolicy {
            keep_last: 20,
            hourly_hours: 24,
            daily_days: 30,
        }
    }
}

/// What retention needs to know of one snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetentionCandidate {
    /// The snapshot.
    pub id: SnapshotId,
    /// When it was taken.
    pub created_at: DateTime<Utc>,
    /// Why it was taken.
    pub trigger: Trigger,
    /// Pinned by the user.
    pub pinned: bool,
    /// Holds some provider's last good state, so it must not go.
    pub protected: bool,
}

/// Returns the ids retention would delete, newest first.
pub fn snapshots_to_prune(
    candidates: &[RetentionCandidate],
    policy: &RetentionPolicy,
    now: DateTime<Utc>,
) -> Vec<SnapshotId> {
    let mut automatic: Vec<&RetentionCandidate> = candidates
        .iter()
        .filter(|c| c.trigger.is_automatic() && !c.pinned && !c.protected)
        .collect();
    automatic.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));

    let hourly_until = now - Duration::hours(i64::from(policy.hourly_hours));
    let daily_until = now - Duration::days(i64::from(policy.daily_days));
    let mut hours_seen = HashSet::new();
    let mut days_seen = HashSet::new();
    let mut doomed = Vec::new();
    for (rank, c) in automatic.into_iter().enumerate() {
        let t = c.created_at;
        let hour = t.date_naive().and_hms_opt(t.hour(), 0, 0);
        let day = t.date_naive();
        let keep = rank < policy.keep_last
            || (t >= hourly_until && hours_seen.insert(hour))
            || (t >= daily_until && days_seen.insert(day));
        if !keep {
            doomed.push(c.id);
        }
    }
    doomed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(
        id: i64,
        minutes_ago: i64,
        trigger: Trigger,
        now: DateTime<Utc>,
    ) -> RetentionCandidate {
        RetentionCandidate {
            id,
            created_at: now - Duration::minutes(minutes_ago),
            trigger,
            pinned: false,
            protected: false,
        }
    }

    #[test]
    fn keeps_last_n_then_one_per_hour_then_one_per_day() {
        let now = DateTime::parse_from_rfc3339("2026-11-24T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        // Every 15 minutes for three days: 288 automatic snapshots.
        let all: Vec<_> = (0..288)
            .map(|i| candidate(1000 - i, i * 15, Trigger::Schedule, now))
            .collect();
        let policy = RetentionPolicy {
            keep_last: 4,
            hourly_hours: 24,
            daily_days: 30,
        };
        let doomed: HashSet<_> = snapshots_to_prune(&all, &policy, now).into_iter().collect();
        let kept: Vec<_> = all.iter().filter(|c| !doomed.contains(&c.id)).collect();
        // The newest four, one for each other hour of the last day, one per older day.
        assert!(
            kept.len() >= 24 && kept.len() <= 4 + 25 + 3,
            "kept {}",
            kept.len()
        );
        for c in &all[..4] {
            assert!(!doomed.contains(&c.id));
        }
        let last_day: Vec<_> = kept
            .iter()
            .filter(|c| c.created_at >= now - Duration::hours(24))
            .collect();
        let hours: HashSet<_> = last_day
            .iter()
            .map(|c| (c.created_at.date_naive(), c.created_at.hour()))
            .collect();
        assert!(hours.len() >= 24);
    }

    #[test]
    fn never_prunes_manual_pinned_or_protected() {
        let now = Utc::now();
        let mut pinned = candidate(2, 100_000, Trigger::Schedule, now);
        pinned.pinned = true;
        let mut protected = candidate(3, 100_000, Trigger::Schedule, now);
        protected.protected = true;
        let all = vec![
            candidate(1, 100_000, Trigger::Manual, now),
            pinned,
            protected,
            candidate(4, 100_000, Trigger::Import, now),
            candidate(5, 100_000, Trigger::Schedule, now),
            candidate(6, 100_001, Trigger::Schedule, now),
        ];
        let policy = RetentionPolicy {
            keep_last: 0,
            hourly_hours: 0,
            daily_days: 0,
        };
        assert_eq!(snapshots_to_prune(&all, &policy, now), vec![5, 6]);
    }
}
