//! Capture: every enabled provider at once, each under its deadline, one section each.

use std::sync::Arc;
use std::time::Duration;

use chauffeur_core::provider::answer_to_result;
use chauffeur_core::verbs::names;
use chauffeur_core::{
    CallOptions, Envelope, Provider, ProviderError, SectionStatus, SnapshotSummary, Trigger,
};
use chauffeur_store::{NewSection, NewSnapshot};
use chrono::{DateTime, Utc};
use serde_json::json;
use tokio::task::JoinSet;

use crate::Engine;
use crate::error::Result;
use crate::events::Event;

/// Extra time the engine grants past a provider's own deadline before giving up on it
/// itself; hosts are expected to enforce the deadline, this catches one that does not.
pub(crate) const DEADLINE_MARGIN: Duration = Duration::from_millis(250);

/// What one provider's capture produced, before the last good state is consulted.
struct Attempt {
    provider: String,
    captured_at: DateTime<Utc>,
    answer: std::result::Result<Envelope, ProviderError>,
}

impl Engine {
    /// Takes a snapshot of every enabled provider and stores it.
    pub async fn capture(&self, trigger: Trigger, name: Option<String>) -> Result<SnapshotSummary> {
        let _exclusive = self.exclusive.lock().await;
        self.capture_locked(trigger, name).await
    }

    /// Takes an automatic snapshot unless nothing changed since the latest one; returns
    /// the snapshot when one was written.
    pub async fn auto_capture(&self) -> Result<Option<SnapshotSummary>> {
        let _exclusive = self.exclusive.lock().await;
        let sections = self.capture_sections().await?;
        let unchanged = self
            .with_store({
                let sections = sections.clone();
                move |s| {
                    let Some(latest) = s.latest()? else {
                        return Ok(false);
                    };
                    let states = s.states(latest.id)?;
                    Ok(latest.sections.len() == sections.len()
                        && sections.iter().all(|new| {
                            latest.sections.iter().any(|old| {
                                old.provider == new.provider
                                    && old.status == new.status
                                    && states.get(&old.provider) == new.state.as_ref()
                            })
                        }))
                }
            })
            .await?;
        if unchanged {
            tracing::debug!("auto-snapshot skipped: nothing changed");
            return Ok(None);
        }
        self.store_snapshot(Trigger::Schedule, None, sections)
            .await
            .map(Some)
    }

    /// Captures and stores while the caller holds the exclusive lock.
    pub(crate) async fn capture_locked(
        &self,
        trigger: Trigger,
        name: Option<String>,
    ) -> Result<SnapshotSummary> {
        let sections = self.capture_sections().await?;
        self.store_snapshot(trigger, name, sections).await
    }

    async fn store_snapshot(
        &self,
        trigger: Trigger,
        name: Option<String>,
        sections: Vec<NewSection>,
    ) -> Result<SnapshotSummary> {
        let snapshot = NewSnapshot {
            name,
            trigger,
            created_at: Utc::now(),
            sections,
        };
        let summary = self.with_store(move |s| s.save(snapshot)).await?;
        tracing::info!(
            id = summary.id,
            trigger = trigger.as_str(),
            "snapshot taken"
        );
        self.publish(Event::SnapshotTaken {
            snapshot: Box::new(summary.clone()),
        });
        Ok(summary)
    }

    /// Asks every enabled provider for its state and turns each answer into a section.
    async fn capture_sections(&self) -> Result<Vec<NewSection>> {
        let mut tasks = JoinSet::new();
        for provider in self.registry.providers() {
            let id = provider.id().to_owned();
            if self.settings.disabled.contains(&id) {
                continue;
            }
            let deadline = self.settings.capture_deadline_for(&id);
            let options = CallOptions {
                settings: self.settings.settings_for(&id),
                ..CallOptions::default()
            };
            tasks.spawn(capture_one(provider, options, deadline));
        }
        let mut attempts = Vec::with_capacity(tasks.len());
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok(attempt) => attempts.push(attempt),
                Err(e) => tracing::error!(error = %e, "a capture task panicked"),
            }
        }
        attempts.sort_by(|a, b| a.provider.cmp(&b.provider));
        let mut sections = Vec::with_capacity(attempts.len());
        for attempt in attempts {
            sections.push(self.section_from(attempt).await?);
        }
        Ok(sections)
    }

    /// Applies DESIGN 6: anything but a live, non-empty answer carries the provider's
    /// last good state instead of replacing it.
    async fn section_from(&self, attempt: Attempt) -> Result<NewSection> {
        let Attempt {
            provider,
            captured_at,
            answer,
        } = attempt;
        let provider_version = self.registry.version_of(&provider);
        let (status, error, fresh) = match answer {
            Ok(state) if !state.is_empty() => (SectionStatus::Ok, None, Some(state)),
            Ok(state) => (
                SectionStatus::Stale,
                Some("capture came back empty; the last good state is kept".to_owned()),
                Some(state),
            ),
            Err(ProviderError::Stale { state, captured_at }) => {
                let state = Envelope::from_value(state).ok();
                let when = DateTime::parse_from_rfc3339(&captured_at)
                    .ok()
                    .map(|t| t.with_timezone(&Utc));
                return Ok(NewSection {
                    provider_version,
                    status: SectionStatus::Stale,
                    captured_at: Utc::now(),
                    error: Some("not live; its last state is kept".to_owned()),
                    state,
                    state_captured_at: when,
                    provider,
                });
            }
            Err(ProviderError::Timeout(d)) => (
                SectionStatus::Timeout,
                Some(format!("no answer within {} ms", d.as_millis())),
                None,
            ),
            Err(ProviderError::Unavailable(m)) => (SectionStatus::Unavailable, Some(m), None),
            Err(e) => (SectionStatus::Error, Some(e.to_string()), None),
        };
        if status == SectionStatus::Ok {
            return Ok(NewSection {
                provider,
                provider_version,
                status,
                captured_at,
                error,
                state: fresh,
                state_captured_at: None,
            });
        }
        let last_good = {
            let provider = provider.clone();
            self.with_store(move |s| s.last_good_state(&provider))
                .await?
        };
        let (status, error, state, state_captured_at) = match last_good {
            Some(good) => (status, error, Some(good.state), Some(good.captured_at)),
            // An empty capture with nothing better to keep is simply the truth.
            None if fresh.is_some() => (SectionStatus::Ok, None, fresh, None),
            None => (status, error, None, None),
        };
        Ok(NewSection {
            provider,
            provider_version,
            status,
            captured_at,
            error,
            state,
            state_captured_at,
        })
    }
}

async fn capture_one(
    provider: Arc<dyn Provider>,
    options: CallOptions,
    deadline: Duration,
) -> Attempt {
    let captured_at = Utc::now();
    let args = json!([options]);
    let call = provider.call(names::CAPTURE, args, deadline);
    let answer = match tokio::time::timeout(deadline + DEADLINE_MARGIN, call).await {
        Err(_) => Err(ProviderError::Timeout(deadline)),
        Ok(answer) => answer.and_then(answer_to_result).and_then(|value| {
            Envelope::from_value(value)
                .map_err(|e| ProviderError::Failed(format!("capture answered {e}")))
        }),
    };
    if let Err(e) = &answer {
        tracing::warn!(provider = provider.id(), error = %e, "capture did not succeed");
    }
    Attempt {
        provider: provider.id().to_owned(),
        captured_at,
        answer,
    }
}
