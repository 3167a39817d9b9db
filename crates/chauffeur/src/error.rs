//! CLI errors and their exit codes (DESIGN 5): 1 failed, 2 bad usage or bad input.

/// A command that did not succeed.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct CliError {
    /// The exit code.
    pub code: u8,
    /// What to tell the user.
    pub message: String,
}

impl CliError {
    /// Exit code 1: something failed.
    pub fn failed(message: impl Into<String>) -> Self {
        CliError {
            code: 1,
            message: message.into(),
        }
    }

    /// Exit code 2: the user asked for something wrong.
    pub fn usage(message: impl Into<String>) -> Self {
        CliError {
            code: 2,
            message: message.into(),
        }
    }
}

impl From<anyhow::Error> for CliError {
    fn from(e: anyhow::Error) -> Self {
        CliError::failed(format!("{e:#}"))
    }
}
