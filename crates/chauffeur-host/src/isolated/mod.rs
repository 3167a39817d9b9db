//! Isolated hosting: one plugin library in a `chauffeur plugin-host` child process that
//! speaks length-prefixed JSON over its stdin and stdout.
//!
//! - [`frame`]: the wire format and its size cap;
//! - [`protocol`]: the messages;
//! - [`child`]: the child's loop ([`serve_stdio`]);
//! - [`provider`]: the daemon's side ([`IsolatedProvider`]);
//! - [`breaker`]: restart backoff and the circuit breaker.

pub mod breaker;
pub mod child;
pub mod frame;
pub mod protocol;
pub mod provider;

pub use breaker::{Breaker, BreakerPolicy};
pub use child::serve_stdio;
pub use provider::{IsolatedProvider, IsolatedSpec};
