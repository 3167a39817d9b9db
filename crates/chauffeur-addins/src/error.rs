//! Why an add-in request was refused; each maps to one HTTP status and code.

/// An add-in request that cannot be honoured.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AddinError {
    /// The id is unknown, unregistered or dead: register again.
    #[error("no live add-in with id {0:?} is registered; register again")]
    RegisterAgain(String),
    /// A live add-in holds the id.
    #[error("add-in {0:?} is registered by a live process; unregister it or wait until it is dead")]
    AlreadyRegistered(String),
    /// No protocol version in common.
    #[error("no common protocol version: you offered {offered:?}, this core speaks {ours:?}")]
    NoCommonProtocol {
        /// What the add-in offered.
        offered: Vec<u32>,
        /// What the core speaks.
        ours: Vec<u32>,
    },
    /// A field is wrong.
    #[error("{0}")]
    Invalid(String),
    /// The token may not do this.
    #[error("{0}")]
    Scope(String),
    /// The user has not approved the pairing yet.
    #[error(
        "the user has not approved pairing code {0} yet; ask them to run `chauffeur addins approve {0}`"
    )]
    PairingPending(String),
    /// No such pairing code.
    #[error("no pending pairing has code {0:?}; check `chauffeur addins`")]
    UnknownPairing(String),
    /// Too many pairings wait for approval.
    #[error("too many pairings are waiting for approval; try again in a few minutes")]
    TooManyPairings,
    /// A push whose sequence number is not new.
    #[error("sequence {got} is not greater than the last accepted {last}")]
    StaleSequence {
        /// The last accepted sequence number.
        last: u64,
        /// The one sent.
        got: u64,
    },
    /// A result for a command that is no longer waited for.
    #[error("no command {0:?} is waiting for a result (its deadline may have passed)")]
    UnknownCommand(String),
}

impl AddinError {
    /// The error code of the API's error shape.
    pub fn code(&self) -> &'static str {
        match self {
            AddinError::RegisterAgain(_) => "register_again",
            AddinError::AlreadyRegistered(_) => "already_registered",
            AddinError::NoCommonProtocol { .. } => "no_common_protocol",
            AddinError::Invalid(_) => "invalid",
            AddinError::Scope(_) => "token_scope",
            AddinError::PairingPending(_) => "pairing_pending",
            AddinError::UnknownPairing(_) => "not_found",
            AddinError::TooManyPairings => "too_many_pairings",
            AddinError::StaleSequence { .. } => "stale_sequence",
            AddinError::UnknownCommand(_) => "unknown_command",
        }
    }

    /// The HTTP status it is answered with.
    pub fn status(&self) -> u16 {
        match self {
            AddinError::RegisterAgain(_)
            | AddinError::UnknownPairing(_)
            | AddinError::UnknownCommand(_) => 404,
            AddinError::AlreadyRegistered(_) | AddinError::StaleSequence { .. } => 409,
            AddinError::NoCommonProtocol { .. } | AddinError::Invalid(_) => 422,
            AddinError::Scope(_) | AddinError::PairingPending(_) => 403,
            AddinError::TooManyPairings => 429,
        }
    }
}
