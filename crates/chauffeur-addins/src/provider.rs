//! An add-in as an engine provider.

use std::sync::Arc;
use std::time::Duration;

use chauffeur_core::provider::answer_to_result;
use chauffeur_core::verbs::names;
use chauffeur_core::{BoxFuture, Envelope, Hosting, Provider, ProviderError, ProviderHealth};
use serde_json::{Value, json};

use crate::hub::Addins;
use crate::liveness::Liveness;
use crate::registration::AddinKind;

/// Calls one add-in: `capture` answers the pushed state (or calls a pull add-in back);
/// other functions go through the command channel or the callback.
pub struct AddinProvider {
    id: String,
    hub: Arc<Addins>,
}

impl AddinProvider {
    /// The provider for a registered add-in.
    pub fn new(id: String, hub: Arc<Addins>) -> Self {
        AddinProvider { id, hub }
    }

    fn stale_or(&self, otherwise: ProviderError) -> ProviderError {
        match self.hub.held_state(&self.id) {
            Some((Some(held), _)) => ProviderError::Stale {
                state: serde_json::to_value(held.state).unwrap_or(Value::Null),
                captured_at: held.captured_at.to_rfc3339(),
            },
            _ => otherwise,
        }
    }

    async fn capture(&self, args: Value, deadline: Duration) -> Result<Value, ProviderError> {
        let Some((held, liveness)) = self.hub.held_state(&self.id) else {
            return Err(ProviderError::Unavailable(format!(
                "add-in {:?} is not registered",
                self.id
            )));
        };
        if liveness == Liveness::Dead {
            return Err(self.stale_or(ProviderError::Unavailable(format!(
                "add-in {:?} is dead and never handed over a state",
                self.id
            ))));
        }
        match self.hub.kind_of(&self.id) {
            Some(AddinKind::Pull) => {
                let state = self.call_back(names::CAPTURE, args, deadline).await;
                let state = state.map_err(|e| self.stale_or(e))?;
                match serde_json::from_value::<Envelope>(state.clone()) {
                    Ok(envelope) => self.hub.hold(&self.id, envelope),
                    Err(e) => return Err(ProviderError::Failed(format!("capture answered {e}"))),
                }
                Ok(state)
            }
            _ => match held {
                Some(held) => serde_json::to_value(held.state)
                    .map_err(|e| ProviderError::Failed(e.to_string())),
                None => Err(ProviderError::Unavailable(format!(
                    "add-in {:?} has not pushed its state yet",
                    self.id
                ))),
            },
        }
    }

    async fn call_back(
        &self,
        function: &str,
        args: Value,
        deadline: Duration,
    ) -> Result<Value, ProviderError> {
        let (url, token) = self.hub.callback_of(&self.id).ok_or_else(|| {
            ProviderError::NotCallable(format!("add-in {:?} has no callback", self.id))
        })?;
        let answer = crate::callback::call(url, token, function, args, deadline)
            .await
            .and_then(answer_to_result)?;
        let _ = self.hub.touch(&self.id);
        Ok(answer)
    }
}

impl Provider for AddinProvider {
    fn id(&self) -> &str {
        &self.id
    }

    fn hosting(&self) -> Hosting {
        Hosting::Addin
    }

    fn call<'a>(
        &'a self,
        func: &'a str,
        args: Value,
        deadline: Duration,
    ) -> BoxFuture<'a, Result<Value, ProviderError>> {
        Box::pin(async move {
            match func {
                names::DESCRIBE => {
                    let info = self.hub.info(&self.id).ok_or_else(|| {
                        ProviderError::NotCallable(format!("add-in {:?} is gone", self.id))
                    })?;
                    Ok(
                        json!({"name": info.id, "version": info.version, "schema": 1,
                        "capabilities": info.capabilities}),
                    )
                }
                names::CAPTURE => self.capture(args, deadline).await,
                _ => {
                    if self.hub.liveness(&self.id) != Some(Liveness::Alive)
                        && self.hub.liveness(&self.id) != Some(Liveness::Unresponsive)
                    {
                        return Err(ProviderError::NotCallable(format!(
                            "add-in {:?} is not live",
                            self.id
                        )));
                    }
                    match self.hub.kind_of(&self.id) {
                        Some(AddinKind::Pull) => self.call_back(func, args, deadline).await,
                        _ => self
                            .hub
                            .call_command(&self.id, func, args, deadline)
                            .await
                            .and_then(answer_to_result),
                    }
                }
            }
        })
    }

    fn health(&self) -> ProviderHealth {
        match self.hub.liveness(&self.id) {
            Some(Liveness::Alive) => ProviderHealth::Ok,
            Some(Liveness::Unresponsive) => ProviderHealth::Unresponsive,
            Some(Liveness::Dead) => ProviderHealth::Dead,
            None => ProviderHealth::Disabled,
        }
    }
}
