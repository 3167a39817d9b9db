//! Engine errors, sorted by whose fault they are so the API can answer 4xx or 5xx.

use chauffeur_store::StoreError;

/// Why an engine operation failed.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The caller named something that does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The caller's input is wrong.
    #[error("{0}")]
    BadInput(String),
    /// A provider failed in a way the caller asked about directly.
    #[error("{0}")]
    Provider(String),
    /// Something broke on our side.
    #[error("{0}")]
    Internal(String),
}

impl From<StoreError> for EngineError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(id) => EngineError::NotFound(format!("no snapshot {id}")),
            StoreError::BadInput(m) => EngineError::BadInput(m),
            other => EngineError::Internal(other.to_string()),
        }
    }
}

/// Engine result.
pub type Result<T> = std::result::Result<T, EngineError>;
