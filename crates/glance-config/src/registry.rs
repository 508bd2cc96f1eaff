//! The registry layout: where glance-api keeps image metadata
//! ([`RegistryClientConfig`]: upstream's `data_api` and `registry_*`
//! options), the glance-registry daemon's own settings ([`RegistryConfig`],
//! read from `glance-registry.conf`), and the credential the two share.
//!
//! Upstream's registry client had no shared secret; glance-rs adds the
//! `[registry] shared_secret` option (both files) and, when it is unset,
//! a generated `<state_path>/registry.secret` both processes read.

use crate::{ConfigError, ConfigFile, DatabaseConfig, DefaultConfig, PasteDeployConfig};
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

/// Section of upstream's registry client options.
const DEFAULT: &str = "DEFAULT";
/// Section of the glance-rs registry options (`shared_secret`).
const SECTION: &str = "registry";
/// Name of the generated secret file under `state_path`.
pub const SECRET_FILE_NAME: &str = "registry.secret";
/// The daemon's config file read when none is given and it exists.
const SYSTEM_CONFIG: &str = "/etc/glance/glance-registry.conf";
/// Upstream's registry port.
const DEFAULT_PORT: u16 = 9191;

/// `[DEFAULT] data_api`: where glance-api finds image metadata.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataApi {
    /// `glance.db.sqlalchemy.api` (the default): glance-api opens
    /// `[database] connection` itself.
    Embedded,
    /// `glance.db.registry.api`: every metadata call goes to the
    /// glance-registry daemon at `registry_host:registry_port`.
    Remote,
}

impl DataApi {
    /// The upstream module name of the option value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Embedded => "glance.db.sqlalchemy.api",
            Self::Remote => "glance.db.registry.api",
        }
    }
}

impl FromStr for DataApi {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [Self::Embedded, Self::Remote]
            .into_iter()
            .find(|d| d.as_str() == s)
            .ok_or_else(|| {
                "expected glance.db.sqlalchemy.api (embedded) or glance.db.registry.api (remote)"
                    .to_owned()
            })
    }
}

/// `[DEFAULT] registry_client_protocol`: how glance-api talks to the daemon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistryProtocol {
    /// `http` (the default).
    Http,
    /// `https`, for a TLS-terminating proxy in front of the daemon (the
    /// system's trusted CAs verify it).
    Https,
}

impl RegistryProtocol {
    /// The URL scheme.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Http => "http",
            Self::Https => "https",
        }
    }
}

impl FromStr for RegistryProtocol {
    type Err = &'static str;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "http" => Ok(Self::Http),
            "https" => Ok(Self::Https),
            _ => Err("expected http or https"),
        }
    }
}

/// A secret option value: kept out of `Debug` output and logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for the one place that must send or compare it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// glance-api's registry options: upstream's `[DEFAULT] data_api`,
/// `registry_host`, `registry_port`, `registry_client_protocol`,
/// `registry_client_timeout`, plus glance-rs's `[registry] shared_secret`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryClientConfig {
    /// `data_api`: embedded database or remote daemon. Default
    /// `glance.db.sqlalchemy.api` (embedded).
    pub data_api: DataApi,
    /// `registry_host`: the daemon's address. Default `0.0.0.0` (upstream's),
    /// which, like `::`, means this machine: glance-api connects to loopback.
    pub registry_host: String,
    /// `registry_port`: the daemon's port. Default 9191.
    pub registry_port: u16,
    /// `registry_client_protocol`: `http` (default) or `https`.
    pub registry_client_protocol: RegistryProtocol,
    /// `registry_client_timeout`: how long one registry call may take.
    /// Default 600 s; 0 means no limit.
    pub registry_client_timeout: Duration,
    /// `[registry] shared_secret` (glance-rs): sent to the daemon, which must
    /// have the same value. Default unset: [`Self::secret_file`] is used.
    pub shared_secret: Option<Secret>,
    /// `<state_path>/registry.secret`: the secret generated for the
    /// one-machine layout when no `shared_secret` is configured.
    pub secret_file: PathBuf,
    /// `[registry] auth_strategy` (glance-rs): how glance-api proves itself
    /// to the daemon: `secret` (default) or `keystone` (glance's service
    /// token from `[keystone_authtoken]`, for a daemon with `[paste_deploy]
    /// flavor = keystone`).
    pub auth_strategy: RegistryAuth,
}

/// How glance-api authenticates to the glance-registry daemon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistryAuth {
    /// The shared secret (configured or generated).
    Secret,
    /// glance's Keystone service token.
    Keystone,
}

impl std::str::FromStr for RegistryAuth {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "secret" => Ok(Self::Secret),
            "keystone" => Ok(Self::Keystone),
            other => Err(format!("'{other}' (use secret or keystone)")),
        }
    }
}

impl RegistryClientConfig {
    /// Reads the options; `state_path` (absolute) places the secret file.
    pub(crate) fn from_config(raw: &ConfigFile, state_path: &Path) -> Result<Self, ConfigError> {
        Ok(RegistryClientConfig {
            data_api: raw
                .get_parsed(DEFAULT, "data_api")?
                .unwrap_or(DataApi::Embedded),
            registry_host: raw
                .get_string(DEFAULT, "registry_host")
                .unwrap_or_else(|| "0.0.0.0".to_owned()),
            registry_port: raw
                .get_parsed(DEFAULT, "registry_port")?
                .unwrap_or(DEFAULT_PORT),
            registry_client_protocol: raw
                .get_parsed(DEFAULT, "registry_client_protocol")?
                .unwrap_or(RegistryProtocol::Http),
            registry_client_timeout: Duration::from_secs(
                raw.get_parsed(DEFAULT, "registry_client_timeout")?
                    .unwrap_or(600),
            ),
            shared_secret: shared_secret(raw),
            secret_file: state_path.join(SECRET_FILE_NAME),
            auth_strategy: raw
                .get_parsed(SECTION, "auth_strategy")?
                .unwrap_or(RegistryAuth::Secret),
        })
    }

    /// The daemon's base URL, e.g. `http://127.0.0.1:9191`: a wildcard
    /// `registry_host` (`0.0.0.0`, `::`) becomes loopback, IPv6 gets brackets.
    pub fn url(&self) -> String {
        let host = match self.registry_host.as_str() {
            "0.0.0.0" => "127.0.0.1".to_owned(),
            "::" => "[::1]".to_owned(),
            h if h.contains(':') && !h.starts_with('[') => format!("[{h}]"),
            h => h.to_owned(),
        };
        format!(
            "{}://{host}:{}",
            self.registry_client_protocol.as_str(),
            self.registry_port
        )
    }
}

/// Everything the glance-registry daemon reads from `glance-registry.conf`
/// and `OS_<SECTION>__<KEY>` overrides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryConfig {
    /// `[DEFAULT] bind_host`: address to listen on. Default `127.0.0.1`
    /// (upstream `0.0.0.0`): loopback unless the operator opens it up.
    pub bind_host: String,
    /// `[DEFAULT] bind_port`: port to listen on. Default 9191.
    pub bind_port: u16,
    /// `[DEFAULT] log_file`: log file path (relative ones go under `log_dir`).
    pub log_file: Option<PathBuf>,
    /// `[DEFAULT] log_dir`: directory of the log (`glance_registry.log`).
    pub log_dir: Option<PathBuf>,
    /// `[DEFAULT] debug`: log at debug level. Default false.
    pub debug: bool,
    /// `[DEFAULT] state_path` (glance-rs data directory), as glance-api
    /// reads it: default `$GLANCE_DATA_DIR`, else `./data`; always absolute.
    pub state_path: PathBuf,
    /// The `[database]` section (default SQLite file under `state_path`).
    pub database: DatabaseConfig,
    /// The `[paste_deploy]` section: `flavor = keystone` makes the daemon
    /// require Keystone tokens with the admin or service role.
    pub paste_deploy: PasteDeployConfig,
    /// `[registry] shared_secret` (glance-rs): the secret callers must send.
    /// Default unset: [`Self::secret_file`] is used.
    pub shared_secret: Option<Secret>,
    /// `<state_path>/registry.secret`, generated when missing.
    pub secret_file: PathBuf,
    /// The merged files with environment overrides applied
    /// (`[keystone_authtoken]`, ...).
    pub raw: ConfigFile,
}

impl RegistryConfig {
    /// Loads `files` in order (later wins), applies `OS_<SECTION>__<KEY>`
    /// overrides from `env` and builds the settings. `env` is also where
    /// `GLANCE_DATA_DIR` is looked up; pass `std::env::vars()`.
    pub fn load(
        files: &[PathBuf],
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<RegistryConfig, ConfigError> {
        let (raw, data_dir) = crate::loading::load_with_env(files, env)?;
        RegistryConfig::from_config(raw, data_dir.as_deref())
    }

    /// The config files to read by default: `/etc/glance/glance-registry.conf`
    /// if it exists, else none.
    pub fn default_files() -> Vec<PathBuf> {
        crate::loading::existing(SYSTEM_CONFIG)
    }

    /// The log file for `program` (`glance_registry`), as oslo.log picks it:
    /// `log_file` (joined onto `log_dir` when both are set), else
    /// `<log_dir>/<program>.log`, else `None` (log to stderr).
    pub fn log_path(&self, program: &str) -> Option<PathBuf> {
        crate::loading::log_path(self.log_file.as_deref(), self.log_dir.as_deref(), program)
    }

    /// Builds the settings from merged configuration; `data_dir` is the
    /// `GLANCE_DATA_DIR` value, if any.
    fn from_config(raw: ConfigFile, data_dir: Option<&str>) -> Result<Self, ConfigError> {
        let default = DefaultConfig::from_config(&raw, data_dir)?;
        Ok(RegistryConfig {
            bind_host: default.bind_host,
            bind_port: raw
                .get_parsed(DEFAULT, "bind_port")?
                .unwrap_or(DEFAULT_PORT),
            log_file: default.log_file,
            log_dir: default.log_dir,
            debug: default.debug,
            database: DatabaseConfig::from_config(&raw, &default.state_path)?,
            paste_deploy: PasteDeployConfig::from_config(&raw),
            shared_secret: shared_secret(&raw),
            secret_file: default.state_path.join(SECRET_FILE_NAME),
            state_path: default.state_path,
            raw,
        })
    }
}

/// `[registry] shared_secret`, surrounding whitespace ignored.
fn shared_secret(raw: &ConfigFile) -> Option<Secret> {
    raw.get_string(SECTION, "shared_secret")
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .map(Secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(text: &str) -> Result<RegistryClientConfig, ConfigError> {
        RegistryClientConfig::from_config(
            &ConfigFile::parse(text, "api.conf").unwrap(),
            Path::new("/srv/g"),
        )
    }

    fn daemon(text: &str, env: &[(&str, &str)]) -> RegistryConfig {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("glance-registry.conf");
        std::fs::write(&file, text).unwrap();
        let env = env.iter().map(|(k, v)| (k.to_string(), v.to_string()));
        RegistryConfig::load(&[file], env).unwrap()
    }

    #[test]
    fn client_defaults_are_upstream_embedded() {
        let c = client("").unwrap();
        assert_eq!(c.data_api, DataApi::Embedded);
        assert_eq!(c.registry_host, "0.0.0.0");
        assert_eq!(c.registry_port, 9191);
        assert_eq!(c.registry_client_protocol, RegistryProtocol::Http);
        assert_eq!(c.registry_client_timeout, Duration::from_secs(600));
        assert_eq!(c.shared_secret, None);
        assert_eq!(c.secret_file, Path::new("/srv/g/registry.secret"));
        assert_eq!(c.url(), "http://127.0.0.1:9191");
    }

    #[test]
    fn client_reads_every_option() {
        let c = client(
            "[DEFAULT]\ndata_api = glance.db.registry.api\nregistry_host = reg.example\n\
             registry_port = 9000\nregistry_client_protocol = https\n\
             registry_client_timeout = 30\n[registry]\nshared_secret =  s3cret \n",
        )
        .unwrap();
        assert_eq!(c.data_api, DataApi::Remote);
        assert_eq!(c.url(), "https://reg.example:9000");
        assert_eq!(c.registry_client_timeout, Duration::from_secs(30));
        assert_eq!(c.shared_secret.as_ref().map(Secret::expose), Some("s3cret"));
    }

    #[test]
    fn client_hosts_become_urls() {
        let url = |host: &str| {
            client(&format!("[DEFAULT]\nregistry_host = {host}\n"))
                .unwrap()
                .url()
        };
        assert_eq!(url("::"), "http://[::1]:9191");
        assert_eq!(url("fd00::5"), "http://[fd00::5]:9191");
        assert_eq!(url("[fd00::5]"), "http://[fd00::5]:9191");
        assert_eq!(url("10.0.0.2"), "http://10.0.0.2:9191");
    }

    #[test]
    fn client_rejects_unknown_values() {
        let err = client("[DEFAULT]\ndata_api = glance.db.simple.api\n").unwrap_err();
        assert!(
            err.to_string().contains("glance.db.registry.api (remote)"),
            "{err}"
        );
        assert!(client("[DEFAULT]\nregistry_client_protocol = ftp\n").is_err());
        assert!(client("[DEFAULT]\nregistry_port = 70000\n").is_err());
        assert!(client("[DEFAULT]\nregistry_client_timeout = -1\n").is_err());
    }

    #[test]
    fn secrets_stay_out_of_debug_output() {
        let c = client("[registry]\nshared_secret = hunter2\n").unwrap();
        let shown = format!("{c:?}");
        assert!(
            !shown.contains("hunter2") && shown.contains("Secret(***)"),
            "{shown}"
        );
    }

    #[test]
    fn daemon_defaults() {
        let c = daemon("", &[("GLANCE_DATA_DIR", "/srv/r")]);
        assert_eq!(c.bind_host, "127.0.0.1");
        assert_eq!(c.bind_port, 9191);
        assert_eq!(c.state_path, Path::new("/srv/r"));
        assert_eq!(c.database.connection, "sqlite:////srv/r/glance.sqlite");
        assert!(c.database.migrate_on_start);
        assert_eq!(c.paste_deploy.flavor, None);
        assert_eq!(c.shared_secret, None);
        assert_eq!(c.secret_file, Path::new("/srv/r/registry.secret"));
        assert_eq!(c.log_path("glance_registry"), None);
    }

    #[test]
    fn daemon_reads_files_then_environment() {
        let c = daemon(
            "[DEFAULT]\nbind_host = 0.0.0.0\nbind_port = 9292\nlog_dir = /var/log/glance\n\
             state_path = /var/lib/glance\n[database]\nconnection = postgresql://g@db/glance\n\
             [paste_deploy]\nflavor = keystone\n[registry]\nshared_secret = abc\n",
            &[("OS_DEFAULT__BIND_PORT", "9393")],
        );
        assert_eq!(c.bind_host, "0.0.0.0");
        assert_eq!(c.bind_port, 9393);
        assert_eq!(
            c.log_path("glance_registry"),
            Some("/var/log/glance/glance_registry.log".into())
        );
        assert_eq!(c.database.connection, "postgresql://g@db/glance");
        assert_eq!(c.paste_deploy.flavor.as_deref(), Some("keystone"));
        assert_eq!(c.shared_secret, Some(Secret::new("abc")));
        assert_eq!(c.secret_file, Path::new("/var/lib/glance/registry.secret"));
    }
}
