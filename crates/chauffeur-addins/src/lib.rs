//! Add-ins: separate programs, in any language, that join Chauffeur over the REST API
//! (DESIGN 4, docs/protocol.md).
//!
//! [`Addins`] holds every registered add-in: its negotiated protocol, its scoped token, its
//! liveness, the state it pushed and the commands waiting for it. It knows nothing of HTTP
//! routes; the server translates requests into calls here. [`AddinProvider`] lets the engine
//! call an add-in like any other provider.

mod callback;
mod error;
mod hub;
mod liveness;
mod pairing;
mod provider;
mod registration;
mod settings;

pub use error::AddinError;
pub use hub::{AddinInfo, Addins, Caller, Command, HealthListener, Held};
pub use liveness::Liveness;
pub use pairing::{PairingInfo, PairingTicket};
pub use provider::AddinProvider;
pub use registration::{AddinKind, RegisterRequest, Registered};
pub use settings::AddinSettings;

/// Protocol versions this core speaks.
pub const PROTOCOLS: &[u32] = &[1];
