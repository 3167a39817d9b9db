//! Every registered add-in, with its token, liveness, pushed state and commands.
//! The command channel and the liveness timer have files of their own.

mod commands;
mod timer;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use chauffeur_core::{Envelope, ProviderError};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use subtle::ConstantTimeEq;
use tokio::sync::{Notify, oneshot};
use tokio::time::Instant;

use crate::PROTOCOLS;
use crate::error::AddinError;
use crate::liveness::{Clock, Liveness};
use crate::pairing::{PairingInfo, PairingTicket, Pairings};
use crate::registration::{AddinKind, RegisterRequest, Registered, valid_id};
use crate::settings::AddinSettings;

/// Who is calling, as the bearer token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// The user's token: may do anything.
    User,
    /// An add-in's scoped token.
    Addin(String),
    /// An approved-or-not pairing token: may only register its add-in.
    Pairing {
        /// The pairing code.
        code: String,
        /// The add-in id it is for.
        id: String,
    },
}

/// A command waiting for a push add-in, as the long-poll hands it out.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Command {
    /// Its id, for the result.
    pub id: String,
    /// The function: `plan`, `restore`, or another the user called.
    pub function: String,
    /// Its arguments.
    pub args: Value,
    /// Time left to answer.
    pub deadline_ms: u64,
}

/// An add-in as the API and `chauffeur addins` show it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AddinInfo {
    /// Its id.
    pub id: String,
    /// Push or pull.
    #[serde(rename = "type")]
    pub kind: AddinKind,
    /// Its name.
    pub name: String,
    /// Its version.
    pub version: String,
    /// The negotiated protocol.
    pub protocol: u32,
    /// Its capabilities.
    pub capabilities: Vec<String>,
    /// Alive, unresponsive or dead.
    pub liveness: Liveness,
    /// Its heartbeat interval.
    pub heartbeat_interval_ms: u64,
    /// When it last pushed (or was pulled) successfully.
    pub state_captured_at: Option<DateTime<Utc>>,
    /// The last accepted push sequence number.
    pub seq: u64,
}

/// The last state an add-in handed over, and when.
#[derive(Debug, Clone)]
pub struct Held {
    /// The state.
    pub state: Envelope,
    /// When it arrived.
    pub captured_at: DateTime<Utc>,
}

struct Pending {
    sender: oneshot::Sender<Result<Value, String>>,
}

struct Addin {
    request: RegisterRequest,
    protocol: u32,
    token: String,
    clock: Clock,
    liveness: Liveness,
    last_seen: Instant,
    seq: u64,
    held: Option<Held>,
    queue: VecDeque<Command>,
    pending: HashMap<String, Pending>,
    poll: Arc<Notify>,
}

impl Addin {
    fn info(&self) -> AddinInfo {
        AddinInfo {
            id: self.request.id.clone(),
            kind: self.request.kind,
            name: self.request.name.clone(),
            version: self.request.version.clone(),
            protocol: self.protocol,
            capabilities: self.request.capabilities.clone(),
            liveness: self.liveness,
            heartbeat_interval_ms: self.clock.interval.as_millis() as u64,
            state_captured_at: self.held.as_ref().map(|h| h.captured_at),
            seq: self.seq,
        }
    }

    fn is_live(&self) -> bool {
        self.liveness != Liveness::Dead
    }
}

#[derive(Default)]
struct Inner {
    addins: BTreeMap<String, Addin>,
    /// Add-in token → id, so a request finds its add-in without comparing every token.
    /// The map's keyed hash leaks nothing useful through timing; the match is then
    /// confirmed in constant time.
    tokens: HashMap<String, String>,
    pairings: Pairings,
    next_command: u64,
}

/// Called on every liveness change with the add-in id and its new liveness.
pub type HealthListener = Box<dyn Fn(&str, Liveness) + Send + Sync>;

/// The add-in registry: the one place that knows every add-in.
pub struct Addins {
    settings: AddinSettings,
    inner: Mutex<Inner>,
    timer: Notify,
    listener: HealthListener,
}

/// Compares tokens in constant time.
pub(crate) fn same_token(a: &str, b: &str) -> bool {
    !a.is_empty() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

fn new_token() -> String {
    let bytes: [u8; 32] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Addins {
    /// An empty registry; `listener` hears every liveness change.
    pub fn new(settings: AddinSettings, listener: HealthListener) -> Arc<Self> {
        Arc::new(Addins {
            settings,
            inner: Mutex::new(Inner::default()),
            timer: Notify::new(),
            listener,
        })
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Who a bearer token belongs to, other than the user (the server checks that one).
    pub fn caller_for(&self, token: &str) -> Option<Caller> {
        let inner = self.lock();
        if let Some(id) = inner.tokens.get(token)
            && let Some(addin) = inner.addins.get(id)
            && addin.is_live()
            && same_token(&addin.token, token)
        {
            return Some(Caller::Addin(id.clone()));
        }
        inner
            .pairings
            .find_token(token, Instant::now())
            .map(|(code, id)| Caller::Pairing { code, id })
    }

    /// Registers (or renews, or takes over) an add-in.
    pub fn register(
        &self,
        request: RegisterRequest,
        caller: &Caller,
    ) -> Result<Registered, AddinError> {
        request.validate()?;
        let protocol = request.negotiate(PROTOCOLS)?;
        let interval = self
            .settings
            .interval_for(request.heartbeat_interval_ms.map(Duration::from_millis));
        let clock = Clock {
            interval,
            dead_after: interval * self.settings.dead_after_intervals,
        };
        let mut inner = self.lock();
        let renewal = match caller {
            Caller::User => false,
            Caller::Addin(id) if *id == request.id => true,
            Caller::Addin(id) => {
                return Err(AddinError::Scope(format!(
                    "the token of add-in {id:?} cannot register {:?}",
                    request.id
                )));
            }
            Caller::Pairing { code, .. } => {
                inner.pairings.consume(code, &request.id)?;
                false
            }
        };
        if !renewal && inner.addins.get(&request.id).is_some_and(Addin::is_live) {
            return Err(AddinError::AlreadyRegistered(request.id));
        }
        let previous = inner.addins.remove(&request.id);
        if let Some(old) = &previous {
            inner.tokens.remove(&old.token);
        }
        let (held, seq) = match previous {
            Some(old) if renewal => (old.held, old.seq),
            Some(old) => (old.held, 0),
            None => (None, 0),
        };
        let token = new_token();
        let registered = Registered {
            id: request.id.clone(),
            protocol,
            token: token.clone(),
            heartbeat_interval_ms: clock.interval.as_millis() as u64,
            dead_after_ms: clock.dead_after.as_millis() as u64,
            protocols: PROTOCOLS.to_vec(),
            core_version: env!("CARGO_PKG_VERSION").to_owned(),
        };
        let id = request.id.clone();
        inner.tokens.insert(token.clone(), id.clone());
        inner.addins.insert(
            id.clone(),
            Addin {
                request,
                protocol,
                token,
                clock,
                liveness: Liveness::Alive,
                last_seen: Instant::now(),
                seq,
                held,
                queue: VecDeque::new(),
                pending: HashMap::new(),
                poll: Arc::new(Notify::new()),
            },
        );
        drop(inner);
        tracing::info!(addin = %id, protocol, renewal, "add-in registered");
        (self.listener)(&id, Liveness::Alive);
        self.timer.notify_one();
        Ok(registered)
    }

    /// Removes an add-in; commands waiting for it fail.
    pub fn unregister(&self, id: &str) -> Result<(), AddinError> {
        let removed = {
            let mut inner = self.lock();
            let removed = inner.addins.remove(id);
            if let Some(addin) = &removed {
                inner.tokens.remove(&addin.token);
            }
            removed
        };
        match removed {
            Some(addin) => {
                fail_pending(addin.pending, "the add-in unregistered");
                tracing::info!(addin = %id, "add-in unregistered");
                self.timer.notify_one();
                Ok(())
            }
            None => Err(AddinError::RegisterAgain(id.to_owned())),
        }
    }

    /// The add-in says it is gone (its host program exited): dead at once, its last
    /// state kept for snapshots as stale.
    pub fn declare_dead(&self, id: &str) -> Result<(), AddinError> {
        let mut inner = self.lock();
        let addin = live_mut(&mut inner, id)?;
        addin.liveness = Liveness::Dead;
        let pending = std::mem::take(&mut addin.pending);
        addin.queue.clear();
        drop(inner);
        fail_pending(pending, "the add-in is gone");
        tracing::warn!(addin = %id, "add-in gone: dead");
        (self.listener)(id, Liveness::Dead);
        self.timer.notify_one();
        Ok(())
    }

    /// Records a sign of life (a heartbeat or any other request).
    pub fn touch(&self, id: &str) -> Result<(), AddinError> {
        let mut inner = self.lock();
        let addin = live_mut(&mut inner, id)?;
        addin.last_seen = Instant::now();
        let revived = addin.liveness == Liveness::Unresponsive;
        addin.liveness = Liveness::Alive;
        drop(inner);
        if revived {
            tracing::info!(addin = %id, "add-in responsive again");
            (self.listener)(id, Liveness::Alive);
        }
        Ok(())
    }

    /// Accepts a pushed state with a sequence number greater than the last one.
    pub fn push(&self, id: &str, seq: u64, state: Envelope) -> Result<(), AddinError> {
        self.touch(id)?;
        let mut inner = self.lock();
        let addin = live_mut(&mut inner, id)?;
        if seq <= addin.seq {
            return Err(AddinError::StaleSequence {
                last: addin.seq,
                got: seq,
            });
        }
        addin.seq = seq;
        addin.held = Some(Held {
            state,
            captured_at: Utc::now(),
        });
        Ok(())
    }

    /// The last state an add-in handed over, when, and its liveness now.
    pub fn held_state(&self, id: &str) -> Option<(Option<Held>, Liveness)> {
        let inner = self.lock();
        let addin = inner.addins.get(id)?;
        Some((addin.held.clone(), addin.liveness))
    }

    /// Keeps a state a pull add-in answered, for when it is gone.
    pub fn hold(&self, id: &str, state: Envelope) {
        if let Some(addin) = self.lock().addins.get_mut(id) {
            addin.held = Some(Held {
                state,
                captured_at: Utc::now(),
            });
        }
    }

    /// The callback URL of a pull add-in, and the add-in's token, which the core presents
    /// to it so the add-in knows the call comes from the core.
    pub fn callback_of(&self, id: &str) -> Option<(String, String)> {
        let inner = self.lock();
        let addin = inner.addins.get(id)?;
        Some((addin.request.callback.clone()?, addin.token.clone()))
    }

    /// Push or pull.
    pub fn kind_of(&self, id: &str) -> Option<AddinKind> {
        self.lock().addins.get(id).map(|a| a.request.kind)
    }

    /// Liveness of one add-in.
    pub fn liveness(&self, id: &str) -> Option<Liveness> {
        self.lock().addins.get(id).map(|a| a.liveness)
    }

    /// Every add-in.
    pub fn list(&self) -> Vec<AddinInfo> {
        self.lock().addins.values().map(Addin::info).collect()
    }

    /// One add-in.
    pub fn info(&self, id: &str) -> Option<AddinInfo> {
        self.lock().addins.get(id).map(Addin::info)
    }

    /// Starts a pairing for an add-in that cannot read the token file.
    pub fn pair(&self, id: String, name: String) -> Result<PairingTicket, AddinError> {
        valid_id(&id)?;
        if name.trim().is_empty() || name.chars().count() > 200 {
            return Err(AddinError::Invalid("`name` is 1 to 200 characters".into()));
        }
        let ticket = self
            .lock()
            .pairings
            .start(id, name, new_token(), Instant::now())?;
        tracing::info!(code = %ticket.code, "pairing requested; approve with `chauffeur addins approve CODE`");
        Ok(ticket)
    }

    /// The user approves a pairing code.
    pub fn approve(&self, code: &str) -> Result<PairingInfo, AddinError> {
        let (id, name) = self.lock().pairings.approve(code, Instant::now())?;
        tracing::info!(addin = %id, "pairing approved");
        Ok(PairingInfo {
            code: code.trim().to_ascii_uppercase(),
            id,
            name,
            approved: true,
        })
    }

    /// Pairings waiting for approval or registration.
    pub fn pairings(&self) -> Vec<PairingInfo> {
        self.lock().pairings.list(Instant::now())
    }
}

fn live_mut<'a>(inner: &'a mut Inner, id: &str) -> Result<&'a mut Addin, AddinError> {
    inner
        .addins
        .get_mut(id)
        .filter(|a| a.is_live())
        .ok_or_else(|| AddinError::RegisterAgain(id.to_owned()))
}

fn fail_pending(pending: HashMap<String, Pending>, why: &str) {
    for (_, p) in pending {
        let _ = p.sender.send(Err(why.to_owned()));
    }
}
