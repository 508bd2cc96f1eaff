//! [`RbdStore`]: the [`Store`] implementation.

use crate::config::Options;
use crate::error::store_error;
use crate::ffi::IoCtx;
use crate::image::{self, Layout};
use crate::location::{Location, SNAPSHOT};
use crate::upload::{self, Job};
use crate::{blocking, download, rados};
use async_trait::async_trait;
use glance_config::ConfigFile;
use glance_store::{ByteRange, ByteStream, Store, StoreError, StoredObject};
use std::fmt;
use std::io;
use std::sync::Arc;

/// Keeps each image as an RBD image named by the image id in one Ceph pool,
/// with a protected snapshot `snap` that Nova and Cinder clone from. Located
/// by `rbd://<fsid>/<pool>/<image>/snap`; the legacy `rbd://<image>` (an
/// image in this pool, read at its head) is understood too.
///
/// The store holds one cluster connection, shared by all operations.
pub struct RbdStore {
    pool: Arc<IoCtx>,
    fsid: String,
    features: u64,
    options: Options,
}

impl RbdStore {
    /// Connects with the options in `section` of `config` (`glance_store`
    /// in single-store mode, the backend id in multi-store mode), with
    /// upstream's names and defaults: `rbd_store_pool` (`images`),
    /// `rbd_store_user` (librados' default client), `rbd_store_ceph_conf`
    /// (librados' default search), `rbd_store_chunk_size` (8 MiB),
    /// `rados_connect_timeout` (-1: librados' timeouts) and
    /// `rbd_thin_provisioning` (false).
    ///
    /// An invalid option, an unreadable Ceph config or a missing pool is
    /// [`StoreError::Config`] naming the section and key; a cluster that
    /// cannot be reached or refuses the client is [`StoreError::Unavailable`].
    pub async fn from_config(config: &ConfigFile, section: &str) -> Result<RbdStore, StoreError> {
        let options = Options::from_config(config, section)?;
        let section = section.to_owned();
        let (options, cluster) = blocking(move || {
            let cluster = rados::connect(&options, &section)?;
            Ok((options, cluster))
        })
        .await?;
        Ok(RbdStore {
            pool: cluster.pool,
            fsid: cluster.fsid,
            features: cluster.features,
            options,
        })
    }

    /// The location of `url` if this store serves it: a legacy location, or
    /// one in this cluster and pool.
    fn location(&self, url: &str) -> Option<Location> {
        Location::parse(url).filter(|location| match location {
            Location::Legacy { .. } => true,
            Location::Snapshot { fsid, pool, .. } => {
                *fsid == self.fsid && *pool == self.options.pool
            }
        })
    }

    /// [`Self::location`], or [`StoreError::UnknownLocation`].
    fn located(&self, url: &str) -> Result<Location, StoreError> {
        self.location(url)
            .ok_or_else(|| StoreError::UnknownLocation(url.to_owned()))
    }
}

impl fmt::Debug for RbdStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RbdStore")
            .field("fsid", &self.fsid)
            .field("features", &self.features)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl Store for RbdStore {
    fn driver(&self) -> &'static str {
        "rbd"
    }

    fn handles(&self, url: &str) -> bool {
        self.location(url).is_some()
    }

    fn properties(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut props = serde_json::Map::new();
        props.insert("chunk_size".into(), self.options.chunk_size.into());
        props.insert("pool".into(), self.options.pool.clone().into());
        props.insert(
            "thin_provisioning".into(),
            self.options.thin_provisioning.into(),
        );
        props.insert("fsid".into(), self.fsid.clone().into());
        props
    }

    async fn put(
        &self,
        image_id: &str,
        data: ByteStream,
        size_hint: Option<u64>,
    ) -> Result<StoredObject, StoreError> {
        let url = Location::Snapshot {
            fsid: self.fsid.clone(),
            pool: self.options.pool.clone(),
            image: image_id.to_owned(),
            snapshot: SNAPSHOT.to_owned(),
        }
        .to_string();
        let job = Job {
            pool: Arc::clone(&self.pool),
            name: image_id.to_owned(),
            snapshot: SNAPSHOT,
            url: url.clone(),
            layout: Layout {
                size: size_hint.unwrap_or(0),
                features: self.features,
                order: self.options.order(),
                step: self.options.chunk_size as u64,
                thin: self.options.thin_provisioning,
            },
            chunk_size: self.options.chunk_size,
        };
        let size = upload::upload(job, data).await?;
        Ok(StoredObject { url, size })
    }

    async fn get(&self, url: &str, range: Option<ByteRange>) -> Result<ByteStream, StoreError> {
        let location = self.located(url)?;
        download::download(
            Arc::clone(&self.pool),
            location,
            url,
            range,
            self.options.chunk_size,
        )
        .await
    }

    /// The image's size at the location's snapshot (at the head for legacy
    /// locations), read with `rbd_get_size` on a blocking thread.
    async fn size(&self, url: &str) -> Result<u64, StoreError> {
        let location = self.located(url)?;
        let pool = Arc::clone(&self.pool);
        let url = url.to_owned();
        blocking(move || download::open(&pool, &location, url).map(|(_, size)| size)).await
    }

    async fn delete(&self, url: &str) -> Result<(), StoreError> {
        let location = self.located(url)?;
        let pool = Arc::clone(&self.pool);
        let url = url.to_owned();
        blocking(move || {
            image::remove(&pool, location.image(), location.snapshot()).map_err(|e| {
                match e.kind() {
                    io::ErrorKind::NotFound => StoreError::NotFound(url),
                    // Clones of the snapshot, another client with the image
                    // open, or snapshots this store did not make.
                    io::ErrorKind::ResourceBusy | io::ErrorKind::DirectoryNotEmpty => {
                        StoreError::InUse(url)
                    }
                    _ => store_error(e),
                }
            })
        })
        .await
    }
}
