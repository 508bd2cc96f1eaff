//! `[DEFAULT]`: process-wide options of glance-api.

use crate::{ConfigError, ConfigFile};
use std::path::{Path, PathBuf};

/// Section name.
const SECTION: &str = "DEFAULT";

/// `state_path` when neither the files nor `GLANCE_DATA_DIR` set it.
const DEFAULT_STATE_PATH: &str = "./data";

/// The `[DEFAULT]` options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefaultConfig {
    /// `bind_host`: address to listen on. Default `127.0.0.1` (upstream
    /// `0.0.0.0`): loopback unless the operator opens it up.
    pub bind_host: String,
    /// `bind_port`: port to listen on. Default 9292.
    pub bind_port: u16,
    /// `image_size_cap`: maximum bytes per upload. Default 1099511627776 (1 TiB).
    pub image_size_cap: u64,
    /// `show_image_direct_url`: expose `direct_url` on images. Default false.
    pub show_image_direct_url: bool,
    /// `show_multiple_locations`: expose `locations` and allow location
    /// changes (deprecated upstream). Default false.
    pub show_multiple_locations: bool,
    /// `do_secure_hash` (default true): the location API reads a new
    /// location's data to compute its checksum and hash.
    pub do_secure_hash: bool,
    /// `http_retries` (default 3): attempts at reading a new location.
    pub http_retries: u32,
    /// `log_file`: log file path (relative ones go under `log_dir`). Default unset.
    pub log_file: Option<PathBuf>,
    /// `log_dir`: directory for the log file. Default unset.
    pub log_dir: Option<PathBuf>,
    /// `debug`: log at debug level. Default false.
    pub debug: bool,
    /// `limit_param_default`: page size when a list request gives no `limit`. Default 25.
    pub limit_param_default: u32,
    /// `api_limit_max`: largest page size a list request may get. Default 1000.
    pub api_limit_max: u32,
    /// `hashing_algorithm`: the `os_hash_algo` of new uploads. Default `sha512`.
    pub hashing_algorithm: String,
    /// `image_property_quota`: max extra properties per image (negative = unlimited). Default 128.
    pub image_property_quota: i64,
    /// `image_tag_quota`: max tags per image (negative = unlimited). Default 128.
    pub image_tag_quota: i64,
    /// `image_member_quota`: max members per image (negative = unlimited). Default 128.
    pub image_member_quota: i64,
    /// `image_location_quota`: max locations per image (negative = unlimited). Default 10.
    pub image_location_quota: i64,
    /// `public_endpoint`: base URL advertised in version links. Default unset
    /// (derived from the request).
    pub public_endpoint: Option<String>,
    /// `max_request_id_length`: longest accepted `X-Openstack-Request-ID`. Default 64.
    pub max_request_id_length: usize,
    /// `enabled_backends`: multi-store `id:driver` pairs in order, from the
    /// oslo dict form `fast:file, cheap:rbd`. Default empty (single-store mode).
    pub enabled_backends: Vec<(String, String)>,
    /// `state_path` (glance-rs data directory): where the default database
    /// and images live. Default `$GLANCE_DATA_DIR`, else `./data`; always absolute.
    pub state_path: PathBuf,
}

impl DefaultConfig {
    /// Reads the section; `data_dir` (`GLANCE_DATA_DIR`) is the fallback
    /// `state_path`.
    pub(crate) fn from_config(
        raw: &ConfigFile,
        data_dir: Option<&str>,
    ) -> Result<Self, ConfigError> {
        let string = |key: &str, default: &str| {
            raw.get_string(SECTION, key)
                .unwrap_or_else(|| default.to_owned())
        };
        let bool = |key: &str| raw.get_bool(SECTION, key).map(Option::unwrap_or_default);
        Ok(DefaultConfig {
            bind_host: string("bind_host", "127.0.0.1"),
            bind_port: raw.get_parsed(SECTION, "bind_port")?.unwrap_or(9292),
            image_size_cap: raw
                .get_parsed(SECTION, "image_size_cap")?
                .unwrap_or(1_099_511_627_776),
            show_image_direct_url: bool("show_image_direct_url")?,
            show_multiple_locations: bool("show_multiple_locations")?,
            do_secure_hash: raw.get_bool(SECTION, "do_secure_hash")?.unwrap_or(true),
            http_retries: raw.get_parsed(SECTION, "http_retries")?.unwrap_or(3),
            log_file: raw.get_string(SECTION, "log_file").map(PathBuf::from),
            log_dir: raw.get_string(SECTION, "log_dir").map(PathBuf::from),
            debug: bool("debug")?,
            limit_param_default: raw
                .get_parsed(SECTION, "limit_param_default")?
                .unwrap_or(25),
            api_limit_max: raw.get_parsed(SECTION, "api_limit_max")?.unwrap_or(1000),
            hashing_algorithm: string("hashing_algorithm", "sha512"),
            image_property_quota: raw
                .get_parsed(SECTION, "image_property_quota")?
                .unwrap_or(128),
            image_tag_quota: raw.get_parsed(SECTION, "image_tag_quota")?.unwrap_or(128),
            image_member_quota: raw
                .get_parsed(SECTION, "image_member_quota")?
                .unwrap_or(128),
            image_location_quota: raw
                .get_parsed(SECTION, "image_location_quota")?
                .unwrap_or(10),
            public_endpoint: raw.get_string(SECTION, "public_endpoint"),
            max_request_id_length: raw
                .get_parsed(SECTION, "max_request_id_length")?
                .unwrap_or(64),
            enabled_backends: raw
                .get_dict(SECTION, "enabled_backends")?
                .unwrap_or_default(),
            state_path: state_path(raw, data_dir)?,
        })
    }
}

/// `[DEFAULT] state_path`, else `data_dir`, else `./data`, made absolute.
fn state_path(raw: &ConfigFile, data_dir: Option<&str>) -> Result<PathBuf, ConfigError> {
    let path = raw
        .get_string(SECTION, "state_path")
        .or_else(|| data_dir.map(str::to_owned))
        .unwrap_or_else(|| DEFAULT_STATE_PATH.to_owned());
    std::path::absolute(Path::new(&path)).map_err(|source| ConfigError::Absolute {
        path: path.into(),
        source,
    })
}
