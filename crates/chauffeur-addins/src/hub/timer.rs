//! Liveness for every add-in on one timer, armed for the next due transition.

use super::*;

impl Addins {
    /// Applies every due liveness transition; answers when the next one is due.
    fn check(&self) -> Option<Instant> {
        let now = Instant::now();
        let mut changed = Vec::new();
        let mut next: Option<Instant> = None;
        {
            let mut inner = self.lock();
            for (id, addin) in inner.addins.iter_mut() {
                let was = addin.liveness;
                let is = addin.clock.liveness_at(was, addin.last_seen, now);
                if is != was {
                    addin.liveness = is;
                    if is == Liveness::Dead {
                        fail_pending(std::mem::take(&mut addin.pending), "the add-in died");
                        addin.queue.clear();
                    }
                    changed.push((id.clone(), is));
                }
                if let Some(due) = addin.clock.next_due(is, addin.last_seen) {
                    next = Some(next.map_or(due, |n| n.min(due)));
                }
            }
        }
        for (id, liveness) in changed {
            match liveness {
                Liveness::Dead => tracing::warn!(addin = %id, "add-in dead"),
                _ => tracing::warn!(addin = %id, "add-in {}", liveness.as_str()),
            }
            (self.listener)(&id, liveness);
        }
        next
    }

    /// Runs the liveness checks for every add-in on one timer, armed for the next due
    /// transition; with no add-in it sleeps until one registers.
    pub async fn run_liveness(self: Arc<Self>) {
        loop {
            match self.check() {
                Some(due) => {
                    tokio::select! {
                        _ = tokio::time::sleep_until(due) => {}
                        _ = self.timer.notified() => {}
                    }
                }
                None => self.timer.notified().await,
            }
        }
    }
}
