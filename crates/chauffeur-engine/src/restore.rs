//! Restore: plan first, save a `before-restore` snapshot, then restore provider by
//! provider with a per-item report.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use chauffeur_core::provider::answer_to_result;
use chauffeur_core::selection::selected_keys;
use chauffeur_core::verbs::names;
use chauffeur_core::{
    CallOptions, Envelope, Outcome, Plan, Provider, ProviderError, RestoreReport, RestoreResult,
    Selection, SnapshotId, SnapshotSummary, Trigger,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::task::JoinSet;

use crate::Engine;
use crate::capture::DEADLINE_MARGIN;
use crate::error::{EngineError, Result};
use crate::events::Event;

/// What one provider would do.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProviderPlan {
    /// Provider id.
    pub provider: String,
    /// The plan, when the provider could make one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<Plan>,
    /// Why there is no plan.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// What a restore of a snapshot would do (`--dry-run`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RestorePlan {
    /// The snapshot.
    pub snapshot: SnapshotId,
    /// One plan per selected provider.
    pub providers: Vec<ProviderPlan>,
}

/// How one provider's restore went.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProviderRestore {
    /// Provider id.
    pub provider: String,
    /// The per-item report, when the provider answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<RestoreReport>,
    /// Why the provider did not answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The result of a restore.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RestoreRun {
    /// The snapshot restored.
    pub snapshot: SnapshotId,
    /// The snapshot taken just before, which undoes this restore.
    pub before_restore: SnapshotId,
    /// One report per selected provider.
    pub providers: Vec<ProviderRestore>,
}

impl RestoreRun {
    /// True when every provider answered and no item failed.
    pub fn ok(&self) -> bool {
        self.providers.iter().all(|p| {
            p.error.is_none()
                && p.report
                    .as_ref()
                    .is_some_and(|r| r.results.iter().all(|i| i.outcome != Outcome::Failed))
        })
    }
}

/// One provider's share of a restore: its state and the options to call it with.
struct Job {
    provider: String,
    state: Envelope,
    options: CallOptions,
}

impl Engine {
    /// What restoring a snapshot would do; no side effects.
    pub async fn plan(
        &self,
        id: SnapshotId,
        only: &[String],
        allow_commands: bool,
    ) -> Result<RestorePlan> {
        let jobs = self.jobs(id, only, allow_commands).await?;
        let answers = self.fan_out::<Plan>(names::PLAN, jobs, |_, _| {}).await;
        Ok(RestorePlan {
            snapshot: id,
            providers: answers
                .into_iter()
                .map(|(provider, answer)| match answer {
                    Ok(plan) => ProviderPlan {
                        provider,
                        plan: Some(plan),
                        error: None,
                    },
                    Err(error) => ProviderPlan {
                        provider,
                        plan: None,
                        error: Some(error),
                    },
                })
                .collect(),
        })
    }

    /// Restores a snapshot: saves the current state as `before-restore`, then asks each
    /// selected provider to restore its part.
    pub async fn restore(
        &self,
        id: SnapshotId,
        only: &[String],
        allow_commands: bool,
    ) -> Result<RestoreRun> {
        let _exclusive = self.exclusive.lock().await;
        let jobs = self.jobs(id, only, allow_commands).await?;
        let before = self.capture_locked(Trigger::BeforeRestore, None).await?;
        self.publish(Event::RestoreStarted {
            snapshot: id,
            providers: jobs.iter().map(|j| j.provider.clone()).collect(),
        });
        // Kept so that a provider that fails or times out still gets a line per item.
        let selected: HashMap<String, Vec<String>> = jobs
            .iter()
            .map(|j| {
                let mut keys: Vec<String> = selected_keys(&j.state, &j.options.only)
                    .into_iter()
                    .collect();
                keys.sort();
                (j.provider.clone(), keys)
            })
            .collect();
        let answers = self
            .fan_out::<RestoreReport>(names::RESTORE, jobs, |provider, answer| {
                let mut counts = [0; 4];
                match answer {
                    Ok(report) => {
                        for r in &report.results {
                            counts[r.outcome as usize] += 1;
                        }
                    }
                    Err(_) => {
                        counts[Outcome::Failed as usize] =
                            selected.get(provider).map_or(0, Vec::len)
                    }
                }
                self.publish(Event::RestoreProgress {
                    snapshot: id,
                    provider: provider.to_owned(),
                    counts,
                });
            })
            .await;
        let run = RestoreRun {
            snapshot: id,
            before_restore: before.id,
            providers: answers
                .into_iter()
                .map(|(provider, answer)| match answer {
                    Ok(report) => ProviderRestore {
                        provider,
                        report: Some(report),
                        error: None,
                    },
                    Err(error) => ProviderRestore {
                        report: Some(RestoreReport {
                            results: selected
                                .get(&provider)
                                .into_iter()
                                .flatten()
                                .map(|key| RestoreResult {
                                    key: key.clone(),
                                    outcome: Outcome::Failed,
                                    message: error.clone(),
                                })
                                .collect(),
                        }),
                        provider,
                        error: Some(error),
                    },
                })
                .collect(),
        };
        tracing::info!(snapshot = id, ok = run.ok(), "restore finished");
        self.publish(Event::RestoreFinished {
            snapshot: id,
            ok: run.ok(),
        });
        Ok(run)
    }

    /// Works out which providers take part and with what state and options; refuses a
    /// selection that names a provider the snapshot does not have.
    async fn jobs(
        &self,
        id: SnapshotId,
        only: &[String],
        allow_commands: bool,
    ) -> Result<Vec<Job>> {
        let selection = Selection::parse(only).map_err(|e| EngineError::BadInput(e.to_string()))?;
        let (summary, states): (SnapshotSummary, BTreeMap<String, Envelope>) = self
            .with_store(move |s| Ok((s.get(id)?, s.states(id)?)))
            .await?;
        if let Some(unknown) = selection.provider_ids().find(|p| !states.contains_key(*p)) {
            return Err(EngineError::BadInput(format!(
                "snapshot {id} has no state for provider {unknown:?}; it has: {}",
                states.keys().cloned().collect::<Vec<_>>().join(", ")
            )));
        }
        let imported = summary.trigger == Trigger::Import;
        Ok(states
            .into_iter()
            .filter(|(provider, _)| selection.includes_provider(provider))
            .map(|(provider, state)| Job {
                options: CallOptions {
                    only: selection.keys_for(&provider),
                    allow_commands,
                    allowlist: self.settings.allowlist.clone(),
                    imported,
                    settings: self.settings.settings_for(&provider),
                },
                provider,
                state,
            })
            .collect())
    }

    /// Calls `verb` on every job's provider at once; answers come back in provider order.
    async fn fan_out<T: DeserializeOwned + Send + 'static>(
        &self,
        verb: &'static str,
        jobs: Vec<Job>,
        on_answer: impl Fn(&str, &std::result::Result<T, String>),
    ) -> Vec<(String, std::result::Result<T, String>)> {
        let deadline = self.settings.restore_deadline;
        let mut tasks = JoinSet::new();
        let mut answers = Vec::new();
        for job in jobs {
            match self.registry.get(&job.provider) {
                Some(provider) => {
                    tasks.spawn(call_verb::<T>(provider, verb, job, deadline));
                }
                None => answers.push((
                    job.provider.clone(),
                    Err(format!("provider {:?} is not running now", job.provider)),
                )),
            }
        }
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok((provider, answer)) => {
                    on_answer(&provider, &answer);
                    answers.push((provider, answer));
                }
                Err(e) => tracing::error!(error = %e, "a restore task panicked"),
            }
        }
        answers.sort_by(|a, b| a.0.cmp(&b.0));
        answers
    }
}

async fn call_verb<T: DeserializeOwned>(
    provider: Arc<dyn Provider>,
    verb: &'static str,
    job: Job,
    deadline: Duration,
) -> (String, std::result::Result<T, String>) {
    let args = json!([job.state, job.options]);
    // Never trust a provider to honour its deadline.
    let answer = tokio::time::timeout(
        deadline + DEADLINE_MARGIN,
        provider.call(verb, args, deadline),
    )
    .await
    .unwrap_or(Err(ProviderError::Timeout(deadline)))
    .and_then(answer_to_result)
    .map_err(|e| e.to_string())
    .and_then(|value| {
        serde_json::from_value(value).map_err(|e| format!("{verb} answered an invalid shape: {e}"))
    });
    (job.provider, answer)
}
