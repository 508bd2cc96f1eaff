//! `[keystone_authtoken]`: how to reach Keystone and which credentials to
//! validate tokens with (keystonemiddleware's option names and defaults).

use glance_config::{ConfigError, ConfigFile};
use std::path::PathBuf;
use std::time::Duration;

/// The config section read by [`KeystoneConfig::from_config`].
pub const SECTION: &str = "keystone_authtoken";

/// What the validator needs from `[keystone_authtoken]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeystoneConfig {
    /// `www_authenticate_uri`: advertised in 401s (`WWW-Authenticate`).
    /// Defaults to `auth_url`.
    pub www_authenticate_uri: String,
    /// `auth_url`: the Keystone endpoint, with or without `/v3`.
    pub auth_url: String,
    /// `username` of the service user.
    pub username: String,
    /// `password` of the service user.
    pub password: String,
    /// `project_name` the service token is scoped to.
    pub project_name: String,
    /// `user_domain_name` (default `Default`).
    pub user_domain_name: String,
    /// `project_domain_name` (default `Default`).
    pub project_domain_name: String,
    /// `token_cache_time`: how long a validated token is trusted without
    /// asking Keystone again (default 300 s; 0 or negative disables caching).
    pub token_cache_time: Duration,
    /// `service_token_roles`: roles an `X-Service-Token` should carry
    /// (default `service`).
    pub service_token_roles: Vec<String>,
    /// `service_token_roles_required`: refuse service tokens without one of
    /// [`Self::service_token_roles`] (default false: only logged).
    pub service_token_roles_required: bool,
    /// `http_connect_timeout` in seconds (default 5 s here; keystonemiddleware
    /// leaves it unset).
    pub http_connect_timeout: Duration,
    /// `cafile`: PEM certificates trusted for an `https://` Keystone, beside
    /// the system's.
    pub cafile: Option<PathBuf>,
    /// `insecure`: do not verify Keystone's certificate (default false).
    pub insecure: bool,
    /// `certfile` and `keyfile`: a PEM client certificate and its PKCS#8 key,
    /// for a Keystone that asks for one.
    pub client_cert: Option<(PathBuf, PathBuf)>,
}

/// A `[keystone_authtoken]` that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum KeystoneConfigError {
    /// A required option is unset.
    #[error("[{SECTION}] {0} is required")]
    Missing(&'static str),
    /// `auth_type` is not `password`.
    #[error("[{SECTION}] auth_type = {0}: only 'password' is supported")]
    AuthType(String),
    /// `auth_url` is neither an `http://` nor an `https://` URL.
    #[error("[{SECTION}] auth_url = {0}: an http:// or https:// URL is required")]
    Scheme(String),
    /// Only one of `certfile` and `keyfile` is set.
    #[error("[{SECTION}] certfile and keyfile go together")]
    ClientCert,
    /// An option has an invalid value.
    #[error(transparent)]
    Invalid(#[from] ConfigError),
}

impl KeystoneConfig {
    /// Reads `[keystone_authtoken]`.
    pub fn from_config(raw: &ConfigFile) -> Result<Self, KeystoneConfigError> {
        let get = |key| raw.get_string(SECTION, key);
        let required = |key: &'static str| get(key).ok_or(KeystoneConfigError::Missing(key));
        match get("auth_type").as_deref() {
            None => return Err(KeystoneConfigError::Missing("auth_type")),
            Some("password" | "v3password") => {}
            Some(other) => return Err(KeystoneConfigError::AuthType(other.to_owned())),
        }
        let auth_url = required("auth_url")?.trim_end_matches('/').to_owned();
        if !(auth_url.starts_with("http://") || auth_url.starts_with("https://")) {
            return Err(KeystoneConfigError::Scheme(auth_url));
        }
        let client_cert = match (get("certfile"), get("keyfile")) {
            (Some(cert), Some(key)) => Some((PathBuf::from(cert), PathBuf::from(key))),
            (None, None) => None,
            _ => return Err(KeystoneConfigError::ClientCert),
        };
        let cache_secs: i64 = raw.get_parsed(SECTION, "token_cache_time")?.unwrap_or(300);
        let connect_secs: u64 = raw
            .get_parsed(SECTION, "http_connect_timeout")?
            .unwrap_or(5);
        Ok(Self {
            www_authenticate_uri: get("www_authenticate_uri").unwrap_or_else(|| auth_url.clone()),
            username: required("username")?,
            password: required("password")?,
            project_name: required("project_name")?,
            user_domain_name: get("user_domain_name").unwrap_or_else(|| "Default".into()),
            project_domain_name: get("project_domain_name").unwrap_or_else(|| "Default".into()),
            token_cache_time: Duration::from_secs(cache_secs.max(0).unsigned_abs()),
            service_token_roles: raw
                .get_list(SECTION, "service_token_roles")
                .unwrap_or_else(|| vec!["service".into()]),
            service_token_roles_required: raw
                .get_bool(SECTION, "service_token_roles_required")?
                .unwrap_or(false),
            http_connect_timeout: Duration::from_secs(connect_secs.max(1)),
            cafile: get("cafile").map(PathBuf::from),
            insecure: raw.get_bool(SECTION, "insecure")?.unwrap_or(false),
            client_cert,
            auth_url,
        })
    }

    /// The identity v3 root: `auth_url` with `/v3` appended unless present.
    pub fn v3_url(&self) -> String {
        if self.auth_url.ends_with("/v3") {
            self.auth_url.clone()
        } else {
            format!("{}/v3", self.auth_url)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(body: &str) -> Result<KeystoneConfig, KeystoneConfigError> {
        let raw = ConfigFile::parse(&format!("[{SECTION}]\n{body}"), "test.conf").unwrap();
        KeystoneConfig::from_config(&raw)
    }

    const MINIMAL: &str = "auth_url = http://ks:5000\nauth_type = password\n\
                           username = glance\npassword = secret\nproject_name = service\n";

    #[test]
    fn defaults() {
        let c = parse(MINIMAL).unwrap();
        assert_eq!(c.auth_url, "http://ks:5000");
        assert_eq!(c.v3_url(), "http://ks:5000/v3");
        assert_eq!(c.www_authenticate_uri, "http://ks:5000");
        assert_eq!(c.user_domain_name, "Default");
        assert_eq!(c.project_domain_name, "Default");
        assert_eq!(c.token_cache_time, Duration::from_secs(300));
        assert_eq!(c.service_token_roles, ["service"]);
        assert!(!c.service_token_roles_required);
        assert_eq!((c.cafile, c.insecure, c.client_cert), (None, false, None));
    }

    #[test]
    fn tls_options() {
        let c = parse(&format!(
            "{MINIMAL}auth_url = https://ks:5000/v3\ncafile = /etc/ssl/ks.pem\ninsecure = true\n\
             certfile = /etc/glance/c.pem\nkeyfile = /etc/glance/k.pem\n"
        ))
        .unwrap();
        assert_eq!(c.v3_url(), "https://ks:5000/v3");
        assert_eq!(c.cafile, Some(PathBuf::from("/etc/ssl/ks.pem")));
        assert!(c.insecure);
        assert_eq!(
            c.client_cert,
            Some(("/etc/glance/c.pem".into(), "/etc/glance/k.pem".into()))
        );
        assert!(matches!(
            parse(&format!("{MINIMAL}certfile = /c.pem\n")),
            Err(KeystoneConfigError::ClientCert)
        ));
    }

    #[test]
    fn everything_set() {
        let c = parse(&format!(
            "{MINIMAL}www_authenticate_uri = http://public/identity\n\
             auth_url = http://ks/identity/v3/\nuser_domain_name = Users\n\
             project_domain_name = Projects\ntoken_cache_time = 60\n\
             service_token_roles = service, nova\nservice_token_roles_required = true\n"
        ))
        .unwrap();
        assert_eq!(c.www_authenticate_uri, "http://public/identity");
        assert_eq!(c.v3_url(), "http://ks/identity/v3");
        assert_eq!(c.user_domain_name, "Users");
        assert_eq!(c.project_domain_name, "Projects");
        assert_eq!(c.token_cache_time, Duration::from_secs(60));
        assert_eq!(c.service_token_roles, ["service", "nova"]);
        assert!(c.service_token_roles_required);
    }

    #[test]
    fn negative_cache_time_disables_cache() {
        let c = parse(&format!("{MINIMAL}token_cache_time = -1\n")).unwrap();
        assert_eq!(c.token_cache_time, Duration::ZERO);
    }

    #[test]
    fn refusals() {
        assert!(matches!(
            parse(&MINIMAL.replace("auth_type = password", "auth_type = token")),
            Err(KeystoneConfigError::AuthType(_))
        ));
        assert!(matches!(
            parse(&MINIMAL.replace("password = secret\n", "")),
            Err(KeystoneConfigError::Missing("password"))
        ));
        assert!(matches!(
            parse(&MINIMAL.replace("http://", "ftp://")),
            Err(KeystoneConfigError::Scheme(_))
        ));
        assert!(matches!(
            parse(&format!("{MINIMAL}token_cache_time = soon\n")),
            Err(KeystoneConfigError::Invalid(_))
        ));
    }
}
