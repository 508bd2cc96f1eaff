//! The daemon's composition root: `glance-registry.conf` in, the database
//! (migrated) and the guarded router out.

use crate::auth::{Guard, load_secret};
use crate::server::router;
use anyhow::{Context, bail};
use axum::Router;
use glance_auth::{KeystoneConfig, KeystoneValidator};
use glance_config::RegistryConfig;
use glance_registry::SqlRegistry;
use std::sync::Arc;

/// Opens `[database] connection` and migrates it when `migrate_on_start`
/// is set (the default), else checks that the schema is current.
pub async fn open_database(config: &RegistryConfig) -> anyhow::Result<SqlRegistry> {
    let url = &config.database.connection;
    let registry = glance_registry::connect_with(url, &(&config.database).into())
        .await
        .with_context(|| format!("cannot open database {}", redact(url)))?;
    tracing::info!("metadata: {}", redact(url));
    if config.database.migrate_on_start {
        registry
            .migrate()
            .await
            .context("database migration failed")?;
    } else if registry.schema_version().await? != SqlRegistry::latest_version() {
        bail!("the database schema is not current: run `glance-manage db sync`");
    }
    Ok(registry)
}

/// Who may call: Keystone tokens with the admin or service role when
/// `[paste_deploy] flavor` starts with `keystone` (service credentials from
/// `[keystone_authtoken]`), else the shared secret: `[registry]
/// shared_secret`, or the secret file under `state_path` (created if missing).
pub fn build_guard(config: &RegistryConfig) -> anyhow::Result<Guard> {
    if let Some(flavor) = config
        .paste_deploy
        .flavor
        .as_deref()
        .filter(|f| f.starts_with("keystone"))
    {
        let keystone = KeystoneConfig::from_config(&config.raw)
            .with_context(|| format!("[paste_deploy] flavor = {flavor}"))?;
        tracing::info!(
            "authentication: Keystone tokens with the admin or service role ({})",
            keystone.auth_url
        );
        let validator = KeystoneValidator::new(keystone).context("cannot set up Keystone")?;
        return Ok(Guard::Keystone(Arc::new(validator)));
    }
    let secret = load_secret(config.shared_secret.as_ref(), &config.secret_file)?;
    match config.shared_secret {
        Some(_) => tracing::info!("authentication: [registry] shared_secret"),
        None => tracing::info!(
            "authentication: the shared secret in {}",
            config.secret_file.display()
        ),
    }
    Ok(Guard::SharedSecret(secret))
}

/// Opens the database and builds the application the daemon serves; the
/// registry is returned too, to close its pool at shutdown.
pub async fn build(config: &RegistryConfig) -> anyhow::Result<(Router, SqlRegistry)> {
    tracing::info!("data directory: {}", config.state_path.display());
    let registry = open_database(config).await?;
    let guard = build_guard(config)?;
    Ok((router(Arc::new(registry.clone()), guard), registry))
}

/// A database URL with its password hidden, for logs.
fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_are_hidden() {
        assert_eq!(
            redact("postgresql://glance:s3cret@db:5432/glance"),
            "postgresql://glance:***@db:5432/glance"
        );
        assert_eq!(
            redact("sqlite:////var/lib/glance/glance.sqlite"),
            "sqlite:////var/lib/glance/glance.sqlite"
        );
    }
}
