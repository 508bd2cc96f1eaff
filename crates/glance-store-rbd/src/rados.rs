//! The cluster connection: one authenticated librados client per store,
//! shared by every operation (librados is thread safe), and its I/O context
//! on the store's pool. Connecting blocks; run it on a blocking thread.

use crate::config::Options;
use crate::error::{context, store_error};
use crate::ffi::{FEATURE_LAYERING, IoCtx, Rados};
use glance_store::StoreError;
use std::io;
use std::sync::Arc;

/// The librados timeouts upstream sets from `rados_connect_timeout`.
const TIMEOUT_OPTIONS: [&str; 3] = [
    "rados_osd_op_timeout",
    "rados_mon_op_timeout",
    "client_mount_timeout",
];

/// A connected cluster, ready to work in the store's pool.
pub(crate) struct Cluster {
    /// The I/O context on the pool.
    pub(crate) pool: Arc<IoCtx>,
    /// The cluster fsid, part of every location.
    pub(crate) fsid: String,
    /// The features new images get.
    pub(crate) features: u64,
}

/// Connects as `options` say. An unreadable Ceph config or a missing pool
/// is [`StoreError::Config`] naming the option in `section`; a cluster that
/// cannot be reached or refuses the client is [`StoreError::Unavailable`].
pub(crate) fn connect(options: &Options, section: &str) -> Result<Cluster, StoreError> {
    let conf = options
        .ceph_conf
        .as_deref()
        .unwrap_or("the default Ceph config");
    let client = options.user.as_deref().map_or_else(
        || "librados' default client".to_owned(),
        |u| format!("client.{u}"),
    );
    let mut rados = Rados::create(options.user.as_deref())
        .map_err(|e| config_error(section, "rbd_store_user", e))?;
    rados
        .conf_read_file(options.ceph_conf.as_deref())
        .map_err(context(format_args!("cannot read {conf}")))
        .map_err(|e| config_error(section, "rbd_store_ceph_conf", e))?;
    if let Some(seconds) = options.connect_timeout {
        for option in TIMEOUT_OPTIONS {
            rados
                .conf_set(option, &seconds.to_string())
                .map_err(context(format_args!("setting {option}")))
                .map_err(store_error)?;
        }
    }
    rados.connect().map_err(|e| {
        StoreError::Unavailable(format!(
            "cannot connect to the Ceph cluster of {conf} as {client}: {e}"
        ))
    })?;
    let fsid = rados
        .fsid()
        .map_err(context("reading the cluster fsid"))
        .map_err(store_error)?;
    let features = default_features(&rados) | FEATURE_LAYERING;
    let pool = IoCtx::new(Arc::new(rados), &options.pool).map_err(|e| {
        if e.kind() == io::ErrorKind::NotFound {
            StoreError::Config(format!(
                "[{section}] rbd_store_pool: pool {:?} does not exist in cluster {fsid}",
                options.pool
            ))
        } else {
            store_error(context(format_args!("opening pool {}", options.pool))(e))
        }
    })?;
    Ok(Cluster {
        pool: Arc::new(pool),
        fsid,
        features,
    })
}

/// The cluster's `rbd_default_features` (librbd normalises it to a
/// number), as upstream creates images with; 0 when unset or unreadable.
fn default_features(rados: &Rados) -> u64 {
    rados
        .conf_get("rbd_default_features")
        .ok()
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or(0)
}

/// A [`StoreError::Config`] for `key` in `section`.
fn config_error(section: &str, key: &str, error: io::Error) -> StoreError {
    StoreError::Config(format!("[{section}] {key}: {error}"))
}
