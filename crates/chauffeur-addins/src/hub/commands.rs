//! The command channel: commands queued for a push add-in, its long-poll, its results.

use super::*;

impl Addins {
    /// Waits up to `wait` for commands and hands them out.
    pub async fn poll(&self, id: &str, wait: Duration) -> Result<Vec<Command>, AddinError> {
        self.touch(id)?;
        let notify = {
            let mut inner = self.lock();
            let addin = live_mut(&mut inner, id)?;
            if !addin.queue.is_empty() {
                return Ok(addin.queue.drain(..).collect());
            }
            Arc::clone(&addin.poll)
        };
        let _ = tokio::time::timeout(wait.min(self.settings.max_poll), notify.notified()).await;
        let mut inner = self.lock();
        let addin = live_mut(&mut inner, id)?;
        addin.last_seen = Instant::now();
        Ok(addin.queue.drain(..).collect())
    }

    /// Takes a command's result.
    pub fn answer(
        &self,
        id: &str,
        command: &str,
        result: Result<Value, String>,
    ) -> Result<(), AddinError> {
        self.touch(id)?;
        let mut inner = self.lock();
        let addin = live_mut(&mut inner, id)?;
        let pending = addin
            .pending
            .remove(command)
            .ok_or_else(|| AddinError::UnknownCommand(command.to_owned()))?;
        let _ = pending.sender.send(result);
        Ok(())
    }

    /// Sends a command to a push add-in and waits for its result until `deadline`; an
    /// unanswered command marks the add-in unresponsive.
    pub async fn call_command(
        &self,
        id: &str,
        function: &str,
        args: Value,
        deadline: Duration,
    ) -> Result<Value, ProviderError> {
        let (sender, receiver) = oneshot::channel();
        let command_id = {
            let mut inner = self.lock();
            inner.next_command += 1;
            let command_id = format!("c{}", inner.next_command);
            let addin = inner
                .addins
                .get_mut(id)
                .filter(|a| a.is_live())
                .ok_or_else(|| ProviderError::NotCallable(format!("add-in {id:?} is not live")))?;
            addin.queue.push_back(Command {
                id: command_id.clone(),
                function: function.to_owned(),
                args,
                deadline_ms: deadline.as_millis() as u64,
            });
            addin.pending.insert(command_id.clone(), Pending { sender });
            addin.poll.notify_one();
            command_id
        };
        match tokio::time::timeout(deadline, receiver).await {
            Ok(Ok(Ok(value))) => Ok(value),
            Ok(Ok(Err(message))) => Err(ProviderError::Failed(message)),
            Ok(Err(_)) => Err(ProviderError::NotCallable(format!(
                "add-in {id:?} went away"
            ))),
            Err(_) => {
                self.command_overdue(id, &command_id);
                Err(ProviderError::Timeout(deadline))
            }
        }
    }

    fn command_overdue(&self, id: &str, command: &str) {
        let mut inner = self.lock();
        let Some(addin) = inner.addins.get_mut(id) else {
            return;
        };
        addin.pending.remove(command);
        addin.queue.retain(|c| c.id != command);
        let became = addin.liveness == Liveness::Alive;
        if became {
            addin.liveness = Liveness::Unresponsive;
        }
        drop(inner);
        if became {
            tracing::warn!(addin = %id, %command, "command not answered in time: unresponsive");
            (self.listener)(id, Liveness::Unresponsive);
        }
    }
}
