//! The composition root: configuration in, a wired application out. The only
//! place that picks the registry and store implementations.

use crate::auth::Auth;
use crate::drivers;
use crate::service::ImageService;
use crate::settings::Settings;
use crate::state::AppState;
use crate::stores::{StoreEntry, StoreMap};
use anyhow::{Context, bail};
use glance_auth::{KeystoneConfig, KeystoneValidator, Policy, PropertyProtections, RuleFormat};
use glance_config::{ApiConfig, DataApi};
use glance_identity::Identity;
use glance_registry::{Registry, SqlRegistry};
use glance_registry_remote::RemoteRegistry;
use glance_store::Store;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Loads the configuration: the given files, or `/etc/glance/glance-api.conf`
/// when none are given and it exists; then `OS_<SECTION>__<KEY>` overrides.
/// Returns the files actually read too.
pub fn load_config(files: Vec<PathBuf>) -> anyhow::Result<(ApiConfig, Vec<PathBuf>)> {
    let files = if files.is_empty() {
        ApiConfig::default_files()
    } else {
        files
    };
    let config = ApiConfig::load(&files, std::env::vars()).context("invalid configuration")?;
    Ok((config, files))
}

/// Opens the metadata database named by `[database] connection`.
pub async fn open_registry(config: &ApiConfig) -> anyhow::Result<SqlRegistry> {
    let db = &config.database;
    glance_registry::connect_with(&db.connection, &db.into())
        .await
        .with_context(|| format!("cannot open database {}", redact(&db.connection)))
}

/// The metadata registry `[DEFAULT] data_api` picks: the glance-registry
/// daemon at `registry_host:registry_port` (`glance.db.registry.api`), or the
/// embedded database (the default), opened with [`open_registry`] and
/// migrated when `[database] migrate_on_start` is set, else checked to be
/// current.
pub async fn build_registry(config: &ApiConfig) -> anyhow::Result<Arc<dyn Registry>> {
    if config.registry.data_api == DataApi::Remote {
        // With `[registry] auth_strategy = keystone`, glance's own service
        // token (from `[keystone_authtoken]`) authenticates the calls.
        let keystone = match config.registry.auth_strategy {
            glance_config::RegistryAuth::Keystone => {
                let keystone = KeystoneConfig::from_config(&config.raw)
                    .context("[registry] auth_strategy = keystone")?;
                Some(Arc::new(
                    KeystoneValidator::new(keystone).context("cannot set up Keystone")?,
                ))
            }
            glance_config::RegistryAuth::Secret => None,
        };
        let remote = RemoteRegistry::from_config(&config.registry, keystone)
            .context("cannot set up the glance-registry client")?;
        tracing::info!("metadata: glance-registry at {}", remote.base_url());
        if let Err(e) = remote.health().await {
            tracing::warn!("glance-registry does not answer yet: {e}");
        }
        return Ok(Arc::new(remote));
    }
    let registry = open_registry(config).await?;
    tracing::info!("metadata: {}", redact(&config.database.connection));
    if config.database.migrate_on_start {
        registry
            .migrate()
            .await
            .context("database migration failed")?;
    } else if registry.schema_version().await? != SqlRegistry::latest_version() {
        bail!("the database schema is not current: run `glance-manage db sync`");
    }
    Ok(Arc::new(registry))
}

/// Hides the password of a database URL for logging.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// The stores from `[glance_store]` (single store: every driver of
/// `stores`, uploads to `default_store`) or `enabled_backends`
/// (multi-store: one backend per entry, uploads to `default_backend`).
pub async fn build_stores(config: &ApiConfig) -> anyhow::Result<StoreMap> {
    let raw = &config.raw;
    if config.backends.is_empty() {
        let gs = &config.glance_store;
        if !gs.stores.contains(&gs.default_store) {
            bail!(
                "[glance_store] default_store = {} is not one of stores = {}",
                gs.default_store,
                gs.stores.join(",")
            );
        }
        let mut entries = Vec::new();
        for driver in &gs.stores {
            let store =
                drivers::open(driver, raw, "glance_store", &gs.filesystem_store_datadir).await?;
            tracing::info!("image data: {driver} store{}", describe(store.as_ref()));
            entries.push(StoreEntry {
                id: driver.clone(),
                store,
                description: None,
                weight: 0,
            });
        }
        return Ok(StoreMap::single(entries, gs.default_store.clone()));
    }
    let mut entries = Vec::new();
    for b in &config.backends {
        let store = drivers::open(&b.driver, raw, &b.id, &b.filesystem_store_datadir).await?;
        tracing::info!(
            "image data: backend '{}' ({}){}",
            b.id,
            b.driver,
            describe(store.as_ref())
        );
        entries.push(StoreEntry {
            id: b.id.clone(),
            store,
            description: b.store_description.clone(),
            weight: b.weight,
        });
    }
    let default = config
        .glance_store
        .default_backend
        .clone()
        .context("[glance_store] default_backend must name one of enabled_backends")?;
    Ok(StoreMap::multi(entries, default))
}

/// A store's properties for the start-up log (` {pool: images, ...}`).
fn describe(store: &dyn Store) -> String {
    let props = store.properties();
    if props.is_empty() {
        String::new()
    } else {
        format!(" {}", serde_json::Value::Object(props))
    }
}

/// The API settings from `[DEFAULT]`.
pub fn build_settings(config: &ApiConfig) -> anyhow::Result<Settings> {
    let d = &config.default;
    if !crate::service::hash_algorithm_supported(&d.hashing_algorithm) {
        bail!(
            "hashing_algorithm '{}' is not supported (use sha512, sha384, sha256, sha224, sha1 or md5)",
            d.hashing_algorithm
        );
    }
    Ok(Settings {
        image_size_cap: d.image_size_cap,
        limit_param_default: d.limit_param_default,
        api_limit_max: d.api_limit_max,
        hashing_algorithm: d.hashing_algorithm.clone(),
        show_image_direct_url: d.show_image_direct_url,
        show_multiple_locations: d.show_multiple_locations,
        do_secure_hash: d.do_secure_hash,
        http_retries: d.http_retries,
        image_property_quota: d.image_property_quota,
        image_tag_quota: d.image_tag_quota,
        image_member_quota: d.image_member_quota,
        image_location_quota: d.image_location_quota,
        public_endpoint: d.public_endpoint.clone(),
        max_request_id_length: d.max_request_id_length,
        ..Settings::default()
    })
}

/// Token lifetime of the built-in identity when `[token] expiration` is unset (Keystone's default).
const DEFAULT_TOKEN_SECONDS: u64 = 3600;

/// Opens the built-in identity kept under the data directory.
pub fn open_identity(config: &ApiConfig) -> anyhow::Result<Identity> {
    let seconds = config
        .raw
        .get_parsed::<u64>("token", "expiration")?
        .unwrap_or(DEFAULT_TOKEN_SECONDS);
    let dir = &config.default.state_path;
    Identity::open(dir, Duration::from_secs(seconds))
        .with_context(|| format!("cannot open the built-in identity in {}", dir.display()))
}

/// Where `glance-api` and `glance-manage bootstrap` write the admin credentials.
pub fn openrc_path(config: &ApiConfig) -> PathBuf {
    config.default.state_path.join("admin-openrc")
}

/// The identity URL clients use (`OS_AUTH_URL`).
pub fn auth_url(config: &ApiConfig) -> String {
    let base = match &config.default.public_endpoint {
        Some(p) => p.trim_end_matches('/').to_string(),
        None => {
            let host = match config.default.bind_host.as_str() {
                "0.0.0.0" | "" => "127.0.0.1".to_string(),
                "::" => "[::1]".to_string(),
                h if h.contains(':') => format!("[{h}]"),
                h => h.to_string(),
            };
            format!("http://{host}:{}", config.default.bind_port)
        }
    };
    format!("{base}/identity/v3")
}

/// The authentication mode: an external Keystone when `[paste_deploy]
/// flavor` starts with `keystone` (credentials from `[keystone_authtoken]`;
/// Keystone is first contacted by the first request), else the built-in
/// identity unless `[DEFAULT] auth_strategy = noauth`. On the first start the built-in
/// identity creates the admin user and project and writes `admin-openrc`.
pub fn build_auth(config: &ApiConfig) -> anyhow::Result<Auth> {
    if let Some(flavor) = config
        .paste_deploy
        .flavor
        .as_deref()
        .filter(|f| f.starts_with("keystone"))
    {
        let keystone = KeystoneConfig::from_config(&config.raw)
            .with_context(|| format!("[paste_deploy] flavor = {flavor}"))?;
        tracing::info!(
            "authentication: Keystone at {} (service user '{}', token_cache_time {}s)",
            keystone.auth_url,
            keystone.username,
            keystone.token_cache_time.as_secs()
        );
        let validator = KeystoneValidator::new(keystone).context("cannot set up Keystone")?;
        return Ok(Auth::Keystone(Arc::new(validator)));
    }
    match config.raw.get_string("DEFAULT", "auth_strategy").as_deref() {
        Some("noauth") => {
            tracing::warn!(
                "auth_strategy = noauth: INSECURE, callers are trusted by their identity headers"
            );
            Ok(Auth::Headers)
        }
        None | Some("builtin") => {
            let identity = open_identity(config)?;
            let boot = identity
                .bootstrap(None)
                .context("identity bootstrap failed")?;
            if let Some(password) = boot.password {
                let path = openrc_path(config);
                identity
                    .write_openrc(&path, &auth_url(config), &password)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                tracing::info!("created the admin user; credentials in {}", path.display());
            }
            tracing::info!("authentication: built-in identity at {}", auth_url(config));
            Ok(Auth::Builtin(identity))
        }
        Some(other) => bail!("unknown auth_strategy '{other}' (use builtin or noauth)"),
    }
}

/// Upstream's policy file when not configured.
const DEFAULT_POLICY_FILE: &str = "/etc/glance/policy.yaml";

/// The policy: upstream's default rules, overridden by `[oslo_policy]
/// policy_file` (YAML or JSON; a relative path is taken from the directory of
/// the configuration file that names it; a missing file means the defaults).
pub fn build_policy(config: &ApiConfig) -> anyhow::Result<Policy> {
    let path = match config.raw.get("oslo_policy", "policy_file") {
        Some(entry) => relative_to_origin(entry),
        None => PathBuf::from(DEFAULT_POLICY_FILE),
    };
    if path.exists() {
        tracing::info!("policy: upstream defaults overridden by {}", path.display());
    } else {
        tracing::info!("policy: upstream defaults ({} not found)", path.display());
    }
    Policy::from_file(&path).with_context(|| format!("invalid policy file {}", path.display()))
}

/// The path an option names; a relative one is taken from the directory of
/// the configuration file that set it.
fn relative_to_origin(entry: &glance_config::Entry) -> PathBuf {
    let named = PathBuf::from(&entry.value);
    match &entry.origin {
        glance_config::Origin::File { file, .. } if named.is_relative() => {
            std::path::Path::new(file)
                .parent()
                .map_or(named.clone(), |dir| dir.join(&named))
        }
        _ => named,
    }
}

/// The property protections of `[DEFAULT] property_protection_file` in
/// `property_protection_rule_format` (`roles` or `policies`, evaluated by
/// `policy`); none when the option is unset. Like upstream, a missing or
/// invalid file stops the service from starting.
pub fn build_property_protections(
    config: &ApiConfig,
    policy: &Policy,
) -> anyhow::Result<Option<Arc<PropertyProtections>>> {
    let Some(entry) = config
        .raw
        .get("DEFAULT", "property_protection_file")
        .filter(|e| !e.value.is_empty())
    else {
        return Ok(None);
    };
    let path = relative_to_origin(entry);
    let format: RuleFormat = match config.raw.get("DEFAULT", "property_protection_rule_format") {
        Some(entry) => entry.value.parse()?,
        None => RuleFormat::default(),
    };
    let protections = PropertyProtections::load(&path, format, policy.clone())
        .with_context(|| format!("cannot use property protection file {}", path.display()))?;
    tracing::info!(
        "property protections: {} ({format:?} format)",
        path.display()
    );
    Ok(Some(Arc::new(protections)))
}

/// Wires the application from the configuration; the registry is
/// [`build_registry`]'s (embedded and migrated, or remote).
pub async fn build(config: &ApiConfig) -> anyhow::Result<AppState> {
    tracing::info!("data directory: {}", config.default.state_path.display());
    let registry = build_registry(config).await?;
    let stores = build_stores(config).await?;
    // Abandoned uploads of nodes that died (conservative threshold, in the
    // background: it never delays or stops the start).
    tokio::spawn(crate::sweep::startup_sweep(
        Arc::clone(&registry),
        crate::sweep::file_stores(config)?,
    ));
    let mut settings = build_settings(config)?;
    let policy = build_policy(config)?;
    settings.property_protections = build_property_protections(config, &policy)?;
    let auth = build_auth(config)?;
    Ok(AppState {
        auth,
        images: Arc::new(ImageService::new(registry, stores, policy, settings)),
    })
}

#[cfg(test)]
mod tests {
    use super::{build_settings, redact};
    use glance_config::ApiConfig;

    fn settings_with(env: &[(&str, &str)]) -> anyhow::Result<crate::settings::Settings> {
        let env = env.iter().map(|(k, v)| (k.to_string(), v.to_string()));
        build_settings(&ApiConfig::load(&[], env)?)
    }

    #[test]
    fn member_quota_is_read_from_default_section() {
        assert_eq!(settings_with(&[]).unwrap().image_member_quota, 128);
        let set = [("OS_DEFAULT__IMAGE_MEMBER_QUOTA", "3")];
        assert_eq!(settings_with(&set).unwrap().image_member_quota, 3);
        assert!(settings_with(&[("OS_DEFAULT__IMAGE_MEMBER_QUOTA", "many")]).is_err());
    }

    #[test]
    fn passwords_are_hidden() {
        assert_eq!(
            redact("postgresql://glance:secret@127.0.0.1/glance"),
            "postgresql://glance:***@127.0.0.1/glance"
        );
        assert_eq!(
            redact("sqlite:////var/lib/glance/glance.sqlite"),
            "sqlite:////var/lib/glance/glance.sqlite"
        );
    }
}
