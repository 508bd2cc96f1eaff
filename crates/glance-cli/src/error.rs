//! How a command fails: the message on stderr and the exit code, as
//! python-glanceclient (1 for errors, 2 for usage errors, 130 on Ctrl-C).

use glance_client::ClientError;

/// A failed command.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A command error: the message, exit code 1.
    #[error("{0}")]
    Command(String),
    /// A usage error (argparse's): the usage block, `prog: error: message`,
    /// exit code 2.
    #[error("{usage}{prog}: error: {message}")]
    Usage {
        /// The usage block, ending with a newline.
        usage: String,
        /// The program (and subcommand) name.
        prog: String,
        /// What was wrong.
        message: String,
    },
    /// The messages were printed already; exit code 1.
    #[error("")]
    Reported,
    /// Ctrl-C: `... terminating glance client`, exit code 130.
    #[error("... terminating glance client")]
    Interrupted,
}

impl CliError {
    /// A command error with `message`.
    pub fn command(message: impl Into<String>) -> Self {
        Self::Command(message.into())
    }

    /// The process exit code.
    pub fn exit_code(&self) -> i32 {
        match self {
            Self::Command(_) | Self::Reported => 1,
            Self::Usage { .. } => 2,
            Self::Interrupted => 130,
        }
    }
}

impl From<ClientError> for CliError {
    fn from(e: ClientError) -> Self {
        Self::Command(e.shell_message())
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        Self::Command(e.to_string())
    }
}
