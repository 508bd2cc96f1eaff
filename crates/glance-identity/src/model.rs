//! Users, projects, roles and role assignments as the identity service sees them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::IdentityError;

/// Id of the only domain the built-in identity knows.
pub const DEFAULT_DOMAIN_ID: &str = "default";
/// Name of the only domain the built-in identity knows.
pub const DEFAULT_DOMAIN_NAME: &str = "Default";

/// A user of the default domain (without its password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// Random 32-hex-digit id.
    pub id: String,
    /// Name, unique in the domain.
    pub name: String,
}

/// A project of the default domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Project {
    /// Random 32-hex-digit id.
    pub id: String,
    /// Name, unique in the domain.
    pub name: String,
}

/// The roles the built-in identity knows, as created by `keystone-manage bootstrap`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Full control; implies `member` (and so `reader`).
    Admin,
    /// Read-write within a project; implies `reader`.
    Member,
    /// Read-only within a project.
    Reader,
    /// Marks service users (e.g. Nova calling Glance); implies nothing.
    Service,
}

impl Role {
    /// The role's name, which is also its id in tokens.
    pub fn name(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Member => "member",
            Role::Reader => "reader",
            Role::Service => "service",
        }
    }

    /// This role plus every role it implies, following Keystone's default
    /// implied roles (admin ⊃ member ⊃ reader).
    pub fn expanded(self) -> &'static [Role] {
        match self {
            Role::Admin => &[Role::Admin, Role::Member, Role::Reader],
            Role::Member => &[Role::Member, Role::Reader],
            Role::Reader => &[Role::Reader],
            Role::Service => &[Role::Service],
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Role {
    type Err = IdentityError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "admin" => Ok(Role::Admin),
            "member" => Ok(Role::Member),
            "reader" => Ok(Role::Reader),
            "service" => Ok(Role::Service),
            _ => Err(IdentityError::UnknownRole(s.to_owned())),
        }
    }
}

/// One role granted to one user on one project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    /// The user's id.
    pub user_id: String,
    /// The project's id.
    pub project_id: String,
    /// The role granted (implied roles are not stored).
    pub role: Role,
}

/// How a caller names a user or a project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup<'a> {
    /// By id only.
    Id(&'a str),
    /// By name (in the default domain) only.
    Name(&'a str),
    /// By id if one matches, else by name (what command-line tools accept).
    NameOrId(&'a str),
}

impl Lookup<'_> {
    /// The text the caller gave, for error messages.
    pub fn text(&self) -> &str {
        match self {
            Lookup::Id(s) | Lookup::Name(s) | Lookup::NameOrId(s) => s,
        }
    }

    /// Whether an object with this id and name matches.
    pub(crate) fn matches(&self, id: &str, name: &str) -> bool {
        match self {
            Lookup::Id(s) => *s == id,
            Lookup::Name(s) => *s == name,
            Lookup::NameOrId(s) => *s == id || *s == name,
        }
    }
}
