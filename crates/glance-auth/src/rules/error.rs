//! Why a policy could not be loaded.

use std::path::PathBuf;

/// A policy file or rule that cannot be used. Each error names where the
/// rule came from (the file, or the built-in defaults) and the rule.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// The policy file exists but cannot be read.
    #[error("cannot read policy file {}: {source}", file.display())]
    Read {
        /// The policy file.
        file: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The policy file is not a YAML/JSON map of rule names to check strings.
    #[error("policy file {} is not a map of rule names to check strings: {message}", file.display())]
    Format {
        /// The policy file.
        file: PathBuf,
        /// The parser's message.
        message: String,
    },
    /// A rule's check string does not parse.
    #[error("{origin}: rule `{rule}` does not parse: {message}")]
    Syntax {
        /// The policy file, or `built-in defaults`.
        origin: String,
        /// The rule's name.
        rule: String,
        /// What is wrong.
        message: String,
    },
    /// A rule refers to a rule that is not defined.
    #[error("{origin}: rule `{rule}` refers to undefined rule `{missing}`")]
    UnknownRule {
        /// The policy file, or `built-in defaults`.
        origin: String,
        /// The rule's name.
        rule: String,
        /// The undefined name.
        missing: String,
    },
    /// Rules refer to each other in a loop.
    #[error("{origin}: rule `{rule}` refers to itself through {}", cycle.join(" -> "))]
    Cycle {
        /// The policy file, or `built-in defaults`.
        origin: String,
        /// The first rule found on the loop.
        rule: String,
        /// The loop, starting and ending with `rule`.
        cycle: Vec<String>,
    },
}
