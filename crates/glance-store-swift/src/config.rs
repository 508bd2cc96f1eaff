//! Reading the driver's options from one config section, with upstream's
//! option names and defaults, and the optional `swift_store_config_file`
//! account references (`glance-swift.conf`).

use crate::auth::{Account, AuthVersion, CatalogFilter, Domain, storage_url};
use glance_config::ConfigFile;
use glance_store::StoreError;
use std::path::PathBuf;
use std::time::Duration;

/// Upstream's "MB" for the large-object options: 1000 × 1024 bytes.
pub(crate) const ONE_MB: u64 = 1000 * 1024;

/// Everything the store is configured with.
#[derive(Debug)]
pub(crate) struct Options {
    /// Where and as whom to authenticate.
    pub account: Account,
    /// The account reference name when `swift_store_config_file` is used;
    /// locations are then `swift+config://<reference>/...`.
    pub reference: Option<String>,
    /// `swift_store_container`: the container, or the container name prefix
    /// when `multiple_containers_seed` > 0.
    pub container: String,
    /// `swift_store_create_container_on_put`.
    pub create_container_on_put: bool,
    /// `swift_store_large_object_size`, in bytes.
    pub large_object_size: u64,
    /// `swift_store_large_object_chunk_size`, in bytes.
    pub large_object_chunk_size: u64,
    /// `swift_store_multiple_containers_seed` (0 to 32).
    pub multiple_containers_seed: usize,
    /// `swift_store_endpoint`: a storage URL that overrides the one auth returns.
    pub endpoint: Option<url::Url>,
    /// Which catalog entry is the storage URL (Keystone v3).
    pub catalog: CatalogFilter,
    /// `swift_store_auth_insecure`.
    pub insecure: bool,
    /// `swift_store_cacert`.
    pub cacert: Option<PathBuf>,
    /// `swift_store_expire_soon_interval`: renew a token this long before it expires.
    pub expire_soon: Duration,
}

/// Typed lookups in one section, with errors naming the section and key.
struct Section<'a> {
    config: &'a ConfigFile,
    name: &'a str,
}

impl Section<'_> {
    fn string(&self, key: &str) -> Option<String> {
        self.config.get_string(self.name, key)
    }

    fn string_or(&self, key: &str, default: &str) -> String {
        self.string(key).unwrap_or_else(|| default.to_owned())
    }

    fn bool_or(&self, key: &str, default: bool) -> Result<bool, StoreError> {
        Ok(self
            .config
            .get_bool(self.name, key)
            .map_err(config_error)?
            .unwrap_or(default))
    }

    /// An integer option with a default, checked against `min..=max`.
    fn int_or(&self, key: &str, default: u64, min: u64, max: u64) -> Result<u64, StoreError> {
        let value = self
            .config
            .get_parsed::<u64>(self.name, key)
            .map_err(config_error)?
            .unwrap_or(default);
        if !(min..=max).contains(&value) {
            return Err(self.invalid(key, &format!("must be between {min} and {max}")));
        }
        Ok(value)
    }

    fn required(&self, key: &str) -> Result<String, StoreError> {
        self.string(key)
            .ok_or_else(|| self.invalid(key, "is required"))
    }

    fn invalid(&self, key: &str, reason: &str) -> StoreError {
        StoreError::Config(format!("[{}] {key} {reason}", self.name))
    }
}

impl Options {
    /// Reads the options of `section`.
    pub(crate) async fn read(config: &ConfigFile, section: &str) -> Result<Options, StoreError> {
        let s = Section {
            config,
            name: section,
        };
        let auth_version = s.string_or("swift_store_auth_version", "3");
        let (account, reference) = match s.string("swift_store_config_file") {
            Some(file) => {
                let reference = s.string_or("default_swift_reference", "ref1");
                let account =
                    account_from_file(&s, PathBuf::from(file), &reference, &auth_version).await?;
                (account, Some(reference))
            }
            None => (account_from_section(&s, &auth_version)?, None),
        };
        let endpoint = s
            .string("swift_store_endpoint")
            .map(|value| storage_url(&value).map_err(|e| s.invalid("swift_store_endpoint", &e)))
            .transpose()?;
        let interface = match s
            .string_or("swift_store_endpoint_type", "publicURL")
            .as_str()
        {
            "publicURL" => "public",
            "internalURL" => "internal",
            "adminURL" => "admin",
            _ => {
                return Err(s.invalid(
                    "swift_store_endpoint_type",
                    "must be publicURL, internalURL or adminURL",
                ));
            }
        };
        Ok(Options {
            account,
            reference,
            container: s.string_or("swift_store_container", "glance"),
            create_container_on_put: s.bool_or("swift_store_create_container_on_put", false)?,
            large_object_size: s.int_or(
                "swift_store_large_object_size",
                5 * 1024,
                1,
                u64::MAX / ONE_MB,
            )? * ONE_MB,
            large_object_chunk_size: s.int_or(
                "swift_store_large_object_chunk_size",
                200,
                1,
                u64::MAX / ONE_MB,
            )? * ONE_MB,
            multiple_containers_seed: s.int_or("swift_store_multiple_containers_seed", 0, 0, 32)?
                as usize,
            endpoint,
            catalog: CatalogFilter {
                service_type: s.string_or("swift_store_service_type", "object-store"),
                interface: interface.to_owned(),
                region: s.string("swift_store_region"),
            },
            insecure: s.bool_or("swift_store_auth_insecure", false)?,
            cacert: s.string("swift_store_cacert").map(PathBuf::from),
            expire_soon: Duration::from_secs(s.int_or(
                "swift_store_expire_soon_interval",
                60,
                0,
                u64::MAX,
            )?),
        })
    }
}

/// The account given directly by `swift_store_auth_address`/`_user`/`_key`.
fn account_from_section(s: &Section<'_>, auth_version: &str) -> Result<Account, StoreError> {
    let settings = AccountSettings {
        auth_address: s.required("swift_store_auth_address")?,
        user: s.required("swift_store_user")?,
        key: s.required("swift_store_key")?,
        version: auth_version.to_owned(),
        user_domain: Domain::Id(s.string_or("swift_store_user_domain_id", "default")),
        project_domain: Domain::Id(s.string_or("swift_store_project_domain_id", "default")),
    };
    settings.account().map_err(|e| match e {
        AccountError::Version => s.invalid("swift_store_auth_version", UNSUPPORTED_VERSION),
        AccountError::User => s.invalid("swift_store_user", NO_PROJECT),
    })
}

/// The account of `reference` in the `swift_store_config_file`; its own
/// `auth_version` wins over `swift_store_auth_version`.
async fn account_from_file(
    s: &Section<'_>,
    path: PathBuf,
    reference: &str,
    auth_version: &str,
) -> Result<Account, StoreError> {
    let shown = path.display().to_string();
    let file = tokio::task::spawn_blocking(move || ConfigFile::load_verbatim(&path))
        .await
        .map_err(|e| StoreError::Config(format!("reading {shown}: {e}")))?
        .map_err(|e| s.invalid("swift_store_config_file", &format!("cannot be used: {e}")))?;
    let entries = file
        .section_entries()
        .filter(|(name, _)| *name == reference)
        .flat_map(|(_, entries)| entries)
        .collect::<Vec<_>>();
    if entries.is_empty() {
        return Err(s.invalid(
            "default_swift_reference",
            &format!("names {reference:?}, which is not a section of {shown}"),
        ));
    }
    let get = |key: &str| {
        entries
            .iter()
            .rev()
            .find(|e| e.key == key && !e.value.is_empty())
            .map(|e| e.value.clone())
    };
    let invalid = |key: &str, reason: &str| {
        StoreError::Config(format!("[{reference}] {key} in {shown} {reason}"))
    };
    let required = |key: &str| get(key).ok_or_else(|| invalid(key, "is required"));
    let domain = |id: &str, name: &str| match (get(id), get(name)) {
        (Some(id), _) => Domain::Id(id),
        (None, Some(name)) => Domain::Name(name),
        (None, None) => Domain::Id("default".to_owned()),
    };
    let settings = AccountSettings {
        auth_address: required("auth_address")?,
        user: required("user")?,
        key: required("key")?,
        version: get("auth_version").unwrap_or_else(|| auth_version.to_owned()),
        user_domain: domain("user_domain_id", "user_domain_name"),
        project_domain: domain("project_domain_id", "project_domain_name"),
    };
    settings.account().map_err(|e| match e {
        AccountError::Version => invalid("auth_version", UNSUPPORTED_VERSION),
        AccountError::User => invalid("user", NO_PROJECT),
    })
}

/// Why an auth version is refused.
const UNSUPPORTED_VERSION: &str = "must be 1 (tempauth) or 3 (Keystone v3)";

/// Why a Keystone user is refused.
const NO_PROJECT: &str = "must be project:user for Keystone v3";

/// One account's settings as written.
struct AccountSettings {
    auth_address: String,
    user: String,
    key: String,
    version: String,
    user_domain: Domain,
    project_domain: Domain,
}

/// Which account setting is wrong.
enum AccountError {
    /// The auth version is neither 1 nor 3.
    Version,
    /// A Keystone v3 user is not `project:user`.
    User,
}

impl AccountSettings {
    /// The account: `1` is tempauth / v1.0, `3` Keystone v3 with the user
    /// split at its first `:` into project and user name.
    fn account(self) -> Result<Account, AccountError> {
        let version = match self.version.as_str() {
            "1" => AuthVersion::V1,
            "3" => {
                let (project, user) = self
                    .user
                    .split_once(':')
                    .filter(|(project, user)| !project.is_empty() && !user.is_empty())
                    .ok_or(AccountError::User)?;
                AuthVersion::V3 {
                    project: project.to_owned(),
                    user: user.to_owned(),
                    user_domain: self.user_domain,
                    project_domain: self.project_domain,
                }
            }
            _ => return Err(AccountError::Version),
        };
        Ok(Account {
            auth_address: auth_address(self.auth_address),
            user: self.user,
            key: self.key,
            version,
        })
    }
}

/// An auth address as a URL: HTTPS unless it says `http://` (upstream
/// assumes HTTPS for a bare host).
fn auth_address(value: String) -> String {
    if value.starts_with("http://") || value.starts_with("https://") {
        value
    } else {
        format!("https://{value}")
    }
}

/// A value error from `glance-config` (it names the section and key).
fn config_error(e: glance_config::ConfigError) -> StoreError {
    StoreError::Config(e.to_string())
}
