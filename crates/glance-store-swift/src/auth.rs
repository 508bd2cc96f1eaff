//! Who the store is to Swift, and the cached token plus storage URL it
//! obtained: renewed when near expiry, or once after Swift refuses it.

use crate::error::unavailable;
use crate::{keystone, tempauth};
use glance_store::StoreError;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;
use url::Url;

/// The credentials and where to present them.
pub(crate) struct Account {
    /// The auth URL, with its scheme (`http://127.0.0.1:8080/auth/v1.0`,
    /// `https://keystone:5000/v3`).
    pub auth_address: String,
    /// `account:user` for tempauth, `project:user` for Keystone v3.
    pub user: String,
    /// The password or tempauth key.
    pub key: String,
    /// How to authenticate.
    pub version: AuthVersion,
}

impl fmt::Debug for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Account")
            .field("auth_address", &self.auth_address)
            .field("user", &self.user)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

/// The authentication protocol.
#[derive(Debug)]
pub(crate) enum AuthVersion {
    /// `swift_store_auth_version = 1`: tempauth / swauth v1.0.
    V1,
    /// `swift_store_auth_version = 3`: Keystone v3 password, project scoped.
    V3 {
        /// The project (before the `:` of the configured user).
        project: String,
        /// The user name (after the `:`).
        user: String,
        /// The user's domain.
        user_domain: Domain,
        /// The project's domain.
        project_domain: Domain,
    },
}

/// A Keystone domain, by id or by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Domain {
    /// `*_domain_id`.
    Id(String),
    /// `*_domain_name`.
    Name(String),
}

/// Which Keystone catalog endpoint is the storage URL.
#[derive(Debug)]
pub(crate) struct CatalogFilter {
    /// `swift_store_service_type`.
    pub service_type: String,
    /// `public`, `internal` or `admin` (from `swift_store_endpoint_type`).
    pub interface: String,
    /// `swift_store_region`; any region when unset.
    pub region: Option<String>,
}

/// A token and the storage URL it is valid for.
#[derive(Debug)]
pub(crate) struct Session {
    /// `X-Auth-Token`.
    pub token: String,
    /// The account URL (`…/v1/AUTH_glance`).
    pub storage_url: Url,
}

impl Session {
    /// The URL of a container, or of an object in it.
    pub(crate) fn url(&self, container: &str, object: Option<&str>) -> Url {
        let mut url = self.storage_url.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().push(container);
            if let Some(object) = object {
                path.push(object);
            }
        }
        url
    }
}

/// Parses a storage URL, which must be `http` or `https`.
pub(crate) fn storage_url(text: &str) -> Result<Url, String> {
    match Url::parse(text) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => Ok(url),
        Ok(_) => Err(format!("{text:?} is not an http(s) URL")),
        Err(e) => Err(format!("{text:?} is not a URL: {e}")),
    }
}

/// What a login returns.
pub(crate) struct Login {
    /// The token.
    pub token: String,
    /// The storage URL (`None` when `swift_store_endpoint` overrides it).
    pub storage_url: Option<String>,
    /// How long the token is valid, if the server said.
    pub lifetime: Option<Duration>,
}

/// Logs in on demand and caches the session.
pub(crate) struct Auth {
    http: reqwest::Client,
    account: Account,
    catalog: CatalogFilter,
    endpoint: Option<Url>,
    expire_soon: Duration,
    cached: Mutex<Option<Cached>>,
}

/// The current session and when to stop using it.
struct Cached {
    session: Arc<Session>,
    renew_at: Option<Instant>,
}

impl Auth {
    /// An `Auth` that logs in at first use.
    pub(crate) fn new(
        http: reqwest::Client,
        account: Account,
        catalog: CatalogFilter,
        endpoint: Option<Url>,
        expire_soon: Duration,
    ) -> Auth {
        Auth {
            http,
            account,
            catalog,
            endpoint,
            expire_soon,
            cached: Mutex::new(None),
        }
    }

    /// The account this store authenticates as.
    pub(crate) fn account(&self) -> &Account {
        &self.account
    }

    /// The cached session, or a new one when there is none or it expires
    /// within the `expire_soon` window.
    pub(crate) async fn session(&self) -> Result<Arc<Session>, StoreError> {
        let mut cached = self.cached.lock().await;
        if let Some(current) = cached.as_ref()
            && current.renew_at.is_none_or(|at| Instant::now() < at)
        {
            return Ok(current.session.clone());
        }
        let login = match self.account.version {
            AuthVersion::V1 => tempauth::login(&self.http, &self.account).await?,
            AuthVersion::V3 {
                ref project,
                ref user,
                ref user_domain,
                ref project_domain,
            } => {
                let scope = keystone::Scope {
                    project,
                    user,
                    user_domain,
                    project_domain,
                };
                let catalog = self.endpoint.is_none().then_some(&self.catalog);
                keystone::login(&self.http, &self.account, &scope, catalog).await?
            }
        };
        let storage_url = match (&self.endpoint, login.storage_url) {
            (Some(endpoint), _) => endpoint.clone(),
            (None, Some(url)) => storage_url(&url).map_err(|e| {
                unavailable(format!(
                    "the storage URL from {} {e}",
                    self.account.auth_address
                ))
            })?,
            (None, None) => {
                return Err(unavailable(format!(
                    "{} returned no storage URL",
                    self.account.auth_address
                )));
            }
        };
        let session = Arc::new(Session {
            token: login.token,
            storage_url,
        });
        let renew_at = login
            .lifetime
            .map(|lifetime| Instant::now() + lifetime.saturating_sub(self.expire_soon));
        tracing::debug!(auth = %self.account.auth_address, "obtained a swift token");
        *cached = Some(Cached {
            session: session.clone(),
            renew_at,
        });
        Ok(session)
    }

    /// Forgets `stale` (Swift refused it), unless it was already replaced.
    pub(crate) async fn invalidate(&self, stale: &Session) {
        let mut cached = self.cached.lock().await;
        if cached
            .as_ref()
            .is_some_and(|current| current.session.token == stale.token)
        {
            *cached = None;
        }
    }
}
