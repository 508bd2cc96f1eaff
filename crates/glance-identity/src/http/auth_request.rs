//! The body of `POST /v3/auth/tokens`, and how it names users and projects.

use serde::Deserialize;

use crate::model::{DEFAULT_DOMAIN_ID, DEFAULT_DOMAIN_NAME, Lookup};

use super::error::ApiError;

/// `{"auth": {...}}`.
#[derive(Deserialize)]
pub(super) struct AuthBody {
    pub(super) auth: Auth,
}

/// The identity to prove and the scope wanted.
#[derive(Deserialize)]
pub(super) struct Auth {
    pub(super) identity: IdentitySection,
    #[serde(default)]
    scope: Option<ScopeField>,
}

/// `identity`: which methods, with their data.
#[derive(Deserialize)]
pub(super) struct IdentitySection {
    pub(super) methods: Vec<String>,
    pub(super) password: Option<PasswordMethod>,
    pub(super) token: Option<TokenMethod>,
}

/// `identity.password`.
#[derive(Deserialize)]
pub(super) struct PasswordMethod {
    pub(super) user: PasswordUser,
}

/// `identity.password.user` (no `Debug`: it holds the password).
#[derive(Deserialize)]
pub(super) struct PasswordUser {
    id: Option<String>,
    name: Option<String>,
    domain: Option<DomainRef>,
    pub(super) password: String,
}

/// `identity.token`.
#[derive(Deserialize)]
pub(super) struct TokenMethod {
    pub(super) id: String,
}

/// A domain named by `id` or `name`.
#[derive(Deserialize)]
struct DomainRef {
    id: Option<String>,
    name: Option<String>,
}

/// `scope`: either the string `"unscoped"` or an object.
#[derive(Deserialize)]
#[serde(untagged)]
enum ScopeField {
    Keyword(String),
    Object(Box<Scope>),
}

#[derive(Deserialize)]
struct Scope {
    project: Option<ProjectRef>,
    domain: Option<serde_json::Value>,
    system: Option<serde_json::Value>,
}

/// `scope.project`: by `id`, or by `name` within a domain.
#[derive(Deserialize)]
struct ProjectRef {
    id: Option<String>,
    name: Option<String>,
    domain: Option<DomainRef>,
}

impl PasswordUser {
    /// How the user is named; 401 when it names another domain.
    pub(super) fn lookup(&self) -> Result<Lookup<'_>, ApiError> {
        named(
            self.id.as_deref(),
            self.name.as_deref(),
            self.domain.as_ref(),
        )
    }
}

impl Auth {
    /// The project asked for, or `None` for an unscoped token. Domain and
    /// system scopes are not supported by the built-in identity (401).
    pub(super) fn project(&self) -> Result<Option<Lookup<'_>>, ApiError> {
        match &self.scope {
            None => Ok(None),
            Some(ScopeField::Keyword(k)) if k == "unscoped" => Ok(None),
            Some(ScopeField::Keyword(k)) => Err(ApiError::BadRequest(format!(
                "Invalid scope {k:?}: expected an object or \"unscoped\"."
            ))),
            Some(ScopeField::Object(s)) => match (&s.project, &s.domain, &s.system) {
                (Some(p), None, None) => {
                    named(p.id.as_deref(), p.name.as_deref(), p.domain.as_ref()).map(Some)
                }
                (None, None, None) => Ok(None),
                (None, _, _) => Err(ApiError::Unauthorized),
                _ => Err(ApiError::BadRequest(
                    "Specify only one of project, domain or system scope.".to_owned(),
                )),
            },
        }
    }
}

/// An object named by id, or by name in the default domain.
fn named<'a>(
    id: Option<&'a str>,
    name: Option<&'a str>,
    domain: Option<&DomainRef>,
) -> Result<Lookup<'a>, ApiError> {
    match (id, name) {
        (Some(id), _) => Ok(Lookup::Id(id)),
        (None, Some(name)) => {
            if domain.is_some_and(|d| !d.is_default()) {
                return Err(ApiError::Unauthorized);
            }
            Ok(Lookup::Name(name))
        }
        (None, None) => Err(ApiError::BadRequest(
            "Expected an id, or a name and a domain.".to_owned(),
        )),
    }
}

impl DomainRef {
    fn is_default(&self) -> bool {
        match (&self.id, &self.name) {
            (Some(id), _) => id == DEFAULT_DOMAIN_ID,
            (None, Some(name)) => name.eq_ignore_ascii_case(DEFAULT_DOMAIN_NAME),
            (None, None) => false,
        }
    }
}
