//! Property protections: who may create, read, update or delete which extra
//! image properties (upstream's `property_protection_file`).
//!
//! The file is INI. Each section name is a regular expression searched for
//! (unanchored, like Python's `re.search`) in a property name; the first
//! section in file order that matches decides. Every section must set
//! `create`, `read`, `update` and `delete`. With the `roles` format a value
//! is a comma list of roles (case-insensitive), `@` meaning everyone and `!`
//! nobody; with `policies` it names one policy rule. An empty value allows
//! nobody. Once a file is in force, a property no section matches is denied
//! every operation, as upstream does — add a `[.*]` section to open the rest.

mod permission;

use crate::{Policy, RequestContext};
use glance_config::{ConfigError, ConfigFile};
use permission::Permission;
use regex::Regex;
use std::path::Path;
use std::str::FromStr;

/// An operation on an extra property.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PropertyOperation {
    /// Setting a property the image does not have.
    Create,
    /// Seeing a property in responses.
    Read,
    /// Changing a property the image has.
    Update,
    /// Removing a property.
    Delete,
}

impl PropertyOperation {
    /// Every operation, in the order of upstream's checks.
    pub const ALL: [PropertyOperation; 4] = [Self::Create, Self::Read, Self::Update, Self::Delete];

    /// The key naming this operation in a protection file section.
    pub fn key(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Read => "read",
            Self::Update => "update",
            Self::Delete => "delete",
        }
    }
}

/// How a protection file names who may act (`property_protection_rule_format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RuleFormat {
    /// Comma lists of roles.
    #[default]
    Roles,
    /// One policy rule name per operation.
    Policies,
}

impl FromStr for RuleFormat {
    type Err = ProtectionError;

    /// `roles` or `policies`, in any case (upstream lower-cases the option).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_lowercase().as_str() {
            "roles" => Ok(Self::Roles),
            "policies" => Ok(Self::Policies),
            _ => Err(ProtectionError::Format(s.to_owned())),
        }
    }
}

/// Why a property protection file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ProtectionError {
    /// The file cannot be read or is not INI.
    #[error("invalid property protection file: {0}")]
    Config(#[from] ConfigError),
    /// `property_protection_rule_format` is neither `roles` nor `policies`.
    #[error("invalid property_protection_rule_format '{0}': use 'roles' or 'policies'")]
    Format(String),
    /// A section name is not a regular expression.
    #[error("{file}: malformed property protection rule [{section}]: {source}")]
    Pattern {
        /// The file.
        file: String,
        /// The section name.
        section: String,
        /// Why it does not compile.
        source: Box<regex::Error>,
    },
    /// A section does not say who may perform an operation.
    #[error("{file}: property protection rule [{section}] has no '{operation}' setting")]
    MissingOperation {
        /// The file.
        file: String,
        /// The section name.
        section: String,
        /// The missing key.
        operation: &'static str,
    },
    /// A setting is contradictory or ambiguous.
    #[error(
        "{file}: malformed property protection rule [{section}] {operation} = {value}: {reason}"
    )]
    Malformed {
        /// The file.
        file: String,
        /// The section name.
        section: String,
        /// The operation key.
        operation: &'static str,
        /// The value as written.
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
}

/// One section: the names it covers and who may do what to them.
#[derive(Debug)]
struct Rule {
    pattern: Regex,
    /// Indexed like [`PropertyOperation::ALL`].
    permissions: [Permission; 4],
}

/// The rules of a property protection file, ready to decide.
#[derive(Debug)]
pub struct PropertyProtections {
    rules: Vec<Rule>,
    /// Evaluates the rules of a `policies` file.
    policy: Policy,
}

impl PropertyProtections {
    /// Reads `path` in `format`; `policy` evaluates `policies` rules.
    pub fn load(path: &Path, format: RuleFormat, policy: Policy) -> Result<Self, ProtectionError> {
        let config = ConfigFile::load_verbatim(path)?;
        let file = path.display().to_string();
        // As in Python's configparser, [DEFAULT] supplies values to every
        // section and is not a rule itself.
        let defaults = config
            .section_entries()
            .find(|(name, _)| *name == "DEFAULT")
            .map_or(&[][..], |(_, entries)| entries);
        let mut rules = Vec::new();
        for (section, entries) in config.section_entries() {
            if section == "DEFAULT" {
                continue;
            }
            let pattern = Regex::new(section).map_err(|source| ProtectionError::Pattern {
                file: file.clone(),
                section: section.to_owned(),
                source: Box::new(source),
            })?;
            let permission = |operation: PropertyOperation| {
                let key = operation.key();
                let value = entries
                    .iter()
                    .rev()
                    .chain(defaults.iter().rev())
                    .find(|e| e.key.eq_ignore_ascii_case(key))
                    .ok_or_else(|| ProtectionError::MissingOperation {
                        file: file.clone(),
                        section: section.to_owned(),
                        operation: key,
                    })?;
                Permission::parse(&value.value, format).map_err(|reason| {
                    ProtectionError::Malformed {
                        file: file.clone(),
                        section: section.to_owned(),
                        operation: key,
                        value: value.value.clone(),
                        reason,
                    }
                })
            };
            let [c, r, u, d] = PropertyOperation::ALL;
            rules.push(Rule {
                pattern,
                permissions: [
                    permission(c)?,
                    permission(r)?,
                    permission(u)?,
                    permission(d)?,
                ],
            });
        }
        Ok(Self { rules, policy })
    }

    /// Whether `ctx` may perform `operation` on the property `name`: decided
    /// by the first section whose pattern matches; no match, no access (an
    /// empty file restricts nothing).
    pub fn can(&self, ctx: &RequestContext, operation: PropertyOperation, name: &str) -> bool {
        if self.rules.is_empty() {
            return true;
        }
        let index = PropertyOperation::ALL
            .iter()
            .position(|op| *op == operation)
            .unwrap_or_default();
        self.rules
            .iter()
            .find(|rule| rule.pattern.is_match(name))
            .is_some_and(|rule| rule.permissions[index].allows(ctx, &self.policy))
    }
}

#[cfg(test)]
mod tests;
