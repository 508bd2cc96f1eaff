//! The driver's options, read from its config section with upstream's
//! names and defaults (`glance_store/_drivers/rbd.py`).

use glance_config::{ConfigError, ConfigFile};
use glance_store::StoreError;

/// `rbd_store_pool` default.
const DEFAULT_POOL: &str = "images";

/// `rbd_store_chunk_size` default, in MiB.
const DEFAULT_CHUNK_MIB: u64 = 8;

/// The largest object order librbd accepts (32 MiB objects).
const MAX_ORDER: u32 = 25;

/// The options of one rbd store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Options {
    /// `rbd_store_pool`: the pool images are created in.
    pub(crate) pool: String,
    /// `rbd_store_user`: the client id (`glance` for `client.glance`);
    /// `None` leaves the choice to librados.
    pub(crate) user: Option<String>,
    /// `rbd_store_ceph_conf`: `None` (empty) lets librados search the
    /// default locations.
    pub(crate) ceph_conf: Option<String>,
    /// `rbd_store_chunk_size` in bytes (the option is in MiB): the size of
    /// each write and read, and (rounded down to a power of two) the size of
    /// the image's RADOS objects.
    pub(crate) chunk_size: usize,
    /// `rados_connect_timeout` in seconds; `None` (the default -1, or 0)
    /// keeps librados' own timeouts.
    pub(crate) connect_timeout: Option<u64>,
    /// `rbd_thin_provisioning`: skip writing chunks that are all zeros.
    pub(crate) thin_provisioning: bool,
}

impl Options {
    /// Reads the options from `section`; an invalid value is
    /// [`StoreError::Config`] naming the section and key.
    pub(crate) fn from_config(config: &ConfigFile, section: &str) -> Result<Options, StoreError> {
        let chunk_mib = config
            .get_parsed::<u64>(section, "rbd_store_chunk_size")
            .map_err(invalid)?
            .unwrap_or(DEFAULT_CHUNK_MIB);
        let chunk_size = usize::try_from(chunk_mib)
            .ok()
            .and_then(|mib| mib.checked_mul(1 << 20))
            .filter(|&bytes| bytes > 0 && bytes.ilog2() <= MAX_ORDER)
            .ok_or_else(|| {
                StoreError::Config(format!(
                    "invalid value {chunk_mib} for [{section}] rbd_store_chunk_size: \
                     must be from 1 to {} (MiB)",
                    1 << (MAX_ORDER - 20)
                ))
            })?;
        let connect_timeout = config
            .get_parsed::<i64>(section, "rados_connect_timeout")
            .map_err(invalid)?
            .and_then(|secs| u64::try_from(secs).ok())
            .filter(|&secs| secs > 0);
        Ok(Options {
            pool: config
                .get_string(section, "rbd_store_pool")
                .unwrap_or_else(|| DEFAULT_POOL.to_owned()),
            user: config.get_string(section, "rbd_store_user"),
            ceph_conf: config.get_string(section, "rbd_store_ceph_conf"),
            chunk_size,
            connect_timeout,
            thin_provisioning: config
                .get_bool(section, "rbd_thin_provisioning")
                .map_err(invalid)?
                .unwrap_or(false),
        })
    }

    /// The image object order: log2 of the chunk size, rounded down as
    /// upstream does.
    pub(crate) fn order(&self) -> u32 {
        self.chunk_size.ilog2()
    }
}

/// A config error as a store error (its message names section and key).
fn invalid(error: ConfigError) -> StoreError {
    StoreError::Config(error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(ini: &str) -> Result<Options, StoreError> {
        let config = ConfigFile::parse(&format!("[ceph]\n{ini}"), "test").unwrap();
        Options::from_config(&config, "ceph")
    }

    #[test]
    fn defaults_are_upstreams() {
        let options = options("").unwrap();
        assert_eq!(
            options,
            Options {
                pool: "images".into(),
                user: None,
                ceph_conf: None,
                chunk_size: 8 << 20,
                connect_timeout: None,
                thin_provisioning: false,
            }
        );
        assert_eq!(options.order(), 23);
    }

    #[test]
    fn reads_every_option() {
        let options = options(
            "rbd_store_pool = glance-images\nrbd_store_user = glance\n\
             rbd_store_ceph_conf = /etc/ceph/x.conf\nrbd_store_chunk_size = 3\n\
             rados_connect_timeout = 15\nrbd_thin_provisioning = true\n",
        )
        .unwrap();
        assert_eq!(options.pool, "glance-images");
        assert_eq!(options.user.as_deref(), Some("glance"));
        assert_eq!(options.ceph_conf.as_deref(), Some("/etc/ceph/x.conf"));
        assert_eq!(options.chunk_size, 3 << 20);
        assert_eq!(options.order(), 21);
        assert_eq!(options.connect_timeout, Some(15));
        assert!(options.thin_provisioning);
    }

    #[test]
    fn empty_values_and_non_positive_timeouts_mean_defaults() {
        for timeout in ["-1", "0"] {
            let options = options(&format!(
                "rbd_store_user =\nrbd_store_ceph_conf =\nrados_connect_timeout = {timeout}\n"
            ))
            .unwrap();
            assert_eq!(options.user, None);
            assert_eq!(options.ceph_conf, None);
            assert_eq!(options.connect_timeout, None);
        }
    }

    #[test]
    fn invalid_values_name_section_and_key() {
        for (ini, key) in [
            ("rbd_store_chunk_size = 0", "rbd_store_chunk_size"),
            ("rbd_store_chunk_size = 64", "rbd_store_chunk_size"),
            ("rbd_store_chunk_size = -8", "rbd_store_chunk_size"),
            ("rbd_store_chunk_size = big", "rbd_store_chunk_size"),
            ("rados_connect_timeout = soon", "rados_connect_timeout"),
            ("rbd_thin_provisioning = maybe", "rbd_thin_provisioning"),
        ] {
            match options(ini) {
                Err(StoreError::Config(message)) => assert!(
                    message.contains("[ceph]") && message.contains(key),
                    "{ini}: {message}"
                ),
                other => panic!("{ini}: expected a config error, got {other:?}"),
            }
        }
        assert_eq!(options("rbd_store_chunk_size = 32").unwrap().order(), 25);
    }
}
