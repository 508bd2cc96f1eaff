//! The API behaviour knobs the service layer reads (taken from glance-api.conf).

use glance_auth::PropertyProtections;
use std::sync::Arc;

/// Upstream's default disk formats (`[image_format] disk_formats`).
pub const DEFAULT_DISK_FORMATS: [&str; 11] = [
    "ami", "ari", "aki", "vhd", "vhdx", "vmdk", "raw", "qcow2", "vdi", "iso", "ploop",
];

/// Upstream's default container formats (`[image_format] container_formats`).
pub const DEFAULT_CONTAINER_FORMATS: [&str; 8] = [
    "ami",
    "ari",
    "aki",
    "bare",
    "ovf",
    "ova",
    "docker",
    "compressed",
];

/// How the API behaves.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Largest upload accepted, in bytes (`image_size_cap`).
    pub image_size_cap: u64,
    /// Default page size (`limit_param_default`).
    pub limit_param_default: u32,
    /// Largest page size (`api_limit_max`).
    pub api_limit_max: u32,
    /// Secure hash computed on upload (`hashing_algorithm`).
    pub hashing_algorithm: String,
    /// Show `direct_url` (`show_image_direct_url`).
    pub show_image_direct_url: bool,
    /// Show `locations` (`show_multiple_locations`).
    pub show_multiple_locations: bool,
    /// Hash a location added through the location API (`do_secure_hash`).
    pub do_secure_hash: bool,
    /// Attempts at reading a location added through the location API
    /// (`http_retries`).
    pub http_retries: u32,
    /// Extra properties allowed per image (`image_property_quota`, negative = unlimited).
    pub image_property_quota: i64,
    /// Tags allowed per image (`image_tag_quota`, negative = unlimited).
    pub image_tag_quota: i64,
    /// Members allowed per image (`image_member_quota`, negative = unlimited).
    pub image_member_quota: i64,
    /// Most locations per image (`image_location_quota`; negative: no limit).
    pub image_location_quota: i64,
    /// Accepted disk formats.
    pub disk_formats: Vec<String>,
    /// Accepted container formats.
    pub container_formats: Vec<String>,
    /// Base URL for links in version documents and `Location` headers.
    pub public_endpoint: Option<String>,
    /// Longest client-supplied request id (`max_request_id_length`).
    pub max_request_id_length: usize,
    /// Who may create, read, update or delete which extra properties
    /// (`property_protection_file`); `None`: no restriction.
    pub property_protections: Option<Arc<PropertyProtections>>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            image_size_cap: 1_099_511_627_776,
            limit_param_default: 25,
            api_limit_max: 1000,
            hashing_algorithm: "sha512".into(),
            show_image_direct_url: false,
            show_multiple_locations: false,
            do_secure_hash: true,
            http_retries: 3,
            image_property_quota: 128,
            image_tag_quota: 128,
            image_member_quota: 128,
            image_location_quota: 10,
            disk_formats: DEFAULT_DISK_FORMATS.iter().map(|s| s.to_string()).collect(),
            container_formats: DEFAULT_CONTAINER_FORMATS
                .iter()
                .map(|s| s.to_string())
                .collect(),
            public_endpoint: None,
            max_request_id_length: 64,
            property_protections: None,
        }
    }
}
