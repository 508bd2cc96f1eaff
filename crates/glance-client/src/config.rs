//! What a client needs to know: credentials, endpoint selection, TLS,
//! timeouts and debugging, as the CLI's global options and `OS_*` variables
//! give them.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// The `User-Agent` sent when [`Config::user_agent`] is left at its default.
pub const DEFAULT_USER_AGENT: &str = concat!("glance-rs-client/", env!("CARGO_PKG_VERSION"));

/// Everything [`Client::connect`](crate::Client::connect) needs.
#[derive(Debug, Clone)]
pub struct Config {
    /// How to authenticate.
    pub auth: Auth,
    /// The image endpoint (`--os-image-url`, `OS_IMAGE_URL`); when set the
    /// catalog is not consulted, and with [`Auth::Token`] Keystone is not
    /// called at all. A trailing version (`/v2`) is ignored.
    pub image_url: Option<String>,
    /// The catalog region to pick the image endpoint from (`--os-region-name`).
    pub region_name: Option<String>,
    /// The catalog interface: `public`, `internal` or `admin` (a trailing
    /// `URL`, as in `publicURL`, is accepted).
    pub interface: String,
    /// The catalog service type of the Images API (`image`).
    pub service_type: String,
    /// A PEM bundle of CA certificates to trust in addition to the system's.
    pub cacert: Option<PathBuf>,
    /// A PEM client certificate (chain); may hold the key too when
    /// [`Config::key`] is not given.
    pub cert: Option<PathBuf>,
    /// The PEM (PKCS#8) private key of [`Config::cert`].
    pub key: Option<PathBuf>,
    /// Skip TLS certificate and host name verification.
    pub insecure: bool,
    /// `--timeout`: the connect timeout, the deadline of each request that
    /// carries no image data (response body included), and for downloads
    /// the longest wait for the response and then for each next piece.
    /// Uploads are bounded by the connect timeout only, so a slow link
    /// never cuts one short. `None`: wait indefinitely.
    pub timeout: Option<Duration>,
    /// Log every request curl-style and every response to stderr, with
    /// tokens replaced by `{SHA1}<hash>` and passwords by `***`.
    pub debug: bool,
    /// The `User-Agent` header.
    pub user_agent: String,
}

impl Config {
    /// A configuration with `auth` and upstream's defaults for the rest:
    /// interface `public`, service type `image`, no region, no timeout.
    pub fn new(auth: Auth) -> Config {
        Config {
            auth,
            image_url: None,
            region_name: None,
            interface: "public".to_owned(),
            service_type: "image".to_owned(),
            cacert: None,
            cert: None,
            key: None,
            insecure: false,
            timeout: None,
            debug: false,
            user_agent: DEFAULT_USER_AGENT.to_owned(),
        }
    }
}

/// How the client authenticates.
#[derive(Clone)]
pub enum Auth {
    /// A token used as is (`--os-auth-token`); needs
    /// [`Config::image_url`], since there is no catalog to look in.
    Token {
        /// The token (may be empty for a server in no-auth mode: no
        /// `X-Auth-Token` is sent then).
        token: String,
    },
    /// Keystone v3 password authentication.
    Password(PasswordAuth),
    /// Keystone v3 token authentication (`OS_AUTH_TYPE=token`/`v3token`):
    /// the token is exchanged for a scoped one, which brings the catalog.
    KeystoneToken {
        /// The identity URL, with or without `/v3`.
        auth_url: String,
        /// The existing token.
        token: String,
        /// What the new token is scoped to.
        scope: Scope,
    },
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::Token { .. } => f.debug_struct("Token").field("token", &"***").finish(),
            Auth::Password(p) => f.debug_tuple("Password").field(p).finish(),
            Auth::KeystoneToken {
                auth_url, scope, ..
            } => f
                .debug_struct("KeystoneToken")
                .field("auth_url", auth_url)
                .field("token", &"***")
                .field("scope", scope)
                .finish(),
        }
    }
}

/// Keystone v3 password credentials.
#[derive(Clone, Default)]
pub struct PasswordAuth {
    /// The identity URL (`OS_AUTH_URL`), with or without `/v3`.
    pub auth_url: String,
    /// The user's name (needs a user domain; `default` when none is given).
    pub username: Option<String>,
    /// The user's id (takes precedence over the name).
    pub user_id: Option<String>,
    /// The password.
    pub password: String,
    /// The domain of [`PasswordAuth::username`], by name.
    pub user_domain_name: Option<String>,
    /// The domain of [`PasswordAuth::username`], by id.
    pub user_domain_id: Option<String>,
    /// What the token is scoped to.
    pub scope: Scope,
}

impl fmt::Debug for PasswordAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordAuth")
            .field("auth_url", &self.auth_url)
            .field("username", &self.username)
            .field("user_id", &self.user_id)
            .field("password", &"***")
            .field("user_domain_name", &self.user_domain_name)
            .field("user_domain_id", &self.user_domain_id)
            .field("scope", &self.scope)
            .finish()
    }
}

/// The scope of a Keystone token: a project (by id, or by name within a
/// domain that defaults to `default`), a domain, or the system. The first
/// of project, domain and system that is set wins; none set asks for an
/// unscoped token, which has no catalog.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    /// The project's name.
    pub project_name: Option<String>,
    /// The project's id (takes precedence over the name).
    pub project_id: Option<String>,
    /// The domain of [`Scope::project_name`], by name.
    pub project_domain_name: Option<String>,
    /// The domain of [`Scope::project_name`], by id.
    pub project_domain_id: Option<String>,
    /// A domain scope, by name.
    pub domain_name: Option<String>,
    /// A domain scope, by id (takes precedence over the name).
    pub domain_id: Option<String>,
    /// A system scope (`all`).
    pub system_scope: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_secrets() {
        let password = Auth::Password(PasswordAuth {
            auth_url: "http://k/v3".into(),
            username: Some("admin".into()),
            password: "s3cret".into(),
            ..PasswordAuth::default()
        });
        let token = Auth::Token {
            token: "tok123".into(),
        };
        let ks = Auth::KeystoneToken {
            auth_url: "http://k".into(),
            token: "tok456".into(),
            scope: Scope::default(),
        };
        for auth in [password, token, ks] {
            let text = format!("{:?}", Config::new(auth));
            for secret in ["s3cret", "tok123", "tok456"] {
                assert!(!text.contains(secret), "{text}");
            }
            assert!(text.contains("***"));
        }
    }
}
