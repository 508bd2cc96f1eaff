//! Store drivers by name: the one place that knows every driver crate.

use anyhow::{Context, bail};
use glance_config::ConfigFile;
use glance_store::{FileStore, Store};
use std::path::Path;
use std::sync::Arc;

/// Driver names this build accepts in `enabled_backends` and
/// `[glance_store] stores`, upstream's short names first.
pub const DRIVERS: [&str; 7] = ["file", "http", "rbd", "s3", "swift", "vmware", "gridfs"];

/// Opens the store driver `driver`, configured from `section` of `config`
/// (`glance_store` in single-store mode, the backend id in multi-store
/// mode). `datadir` is the file driver's directory, already resolved
/// against `state_path`.
pub async fn open(
    driver: &str,
    config: &ConfigFile,
    section: &str,
    datadir: &Path,
) -> anyhow::Result<Arc<dyn Store>> {
    let context = || format!("cannot set up the {driver} store of [{section}]");
    let store: Arc<dyn Store> = match driver {
        "file" | "filesystem" => Arc::new(
            FileStore::new(datadir)
                .with_context(|| format!("cannot use store directory {}", datadir.display()))?,
        ),
        "http" | "https" => Arc::new(
            glance_store_http::HttpStore::from_config(config, section)
                .await
                .with_context(context)?,
        ),
        "s3" => Arc::new(
            glance_store_s3::S3Store::from_config(config, section)
                .await
                .with_context(context)?,
        ),
        "swift" => Arc::new(
            glance_store_swift::SwiftStore::from_config(config, section)
                .await
                .with_context(context)?,
        ),
        "vmware" | "vsphere" => Arc::new(
            glance_store_vmware::VmwareStore::from_config(config, section)
                .await
                .with_context(context)?,
        ),
        "gridfs" => Arc::new(
            glance_store_gridfs::GridFsStore::from_config(config, section)
                .await
                .with_context(context)?,
        ),
        "rbd" => rbd(config, section).await?,
        other => bail!(
            "unknown store driver '{other}' in [{section}] (known: {})",
            DRIVERS.join(", ")
        ),
    };
    Ok(store)
}

/// The RBD driver, when this build links librbd (feature `rbd`).
#[cfg(feature = "rbd")]
async fn rbd(config: &ConfigFile, section: &str) -> anyhow::Result<Arc<dyn Store>> {
    Ok(Arc::new(
        glance_store_rbd::RbdStore::from_config(config, section)
            .await
            .with_context(|| format!("cannot set up the rbd store of [{section}]"))?,
    ))
}

/// The RBD driver, when this build links librbd (feature `rbd`).
#[cfg(not(feature = "rbd"))]
async fn rbd(_config: &ConfigFile, section: &str) -> anyhow::Result<Arc<dyn Store>> {
    bail!(
        "the rbd store of [{section}] needs a glance-api built with `--features rbd` (links librbd)"
    )
}
