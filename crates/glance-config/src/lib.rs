//! Configuration for glance-rs.
//!
//! [`ConfigFile`] reads oslo.config-style INI files exactly as upstream does
//! (no backslash escapes, comments only at line start, continuation lines,
//! repeated keys) and takes `OS_<SECTION>__<KEY>` environment overrides.
//! [`ApiConfig`] is the typed view glance-api runs from.

mod api;
mod database;
mod default;
mod env;
mod error;
mod glance_store;
mod ini;
mod loading;
mod paste_deploy;
mod registry;
mod values;

pub use api::ApiConfig;
pub use database::DatabaseConfig;
pub use default::DefaultConfig;
pub use error::ConfigError;
pub use glance_store::{BackendConfig, GlanceStoreConfig};
pub use ini::{ConfigFile, Entry, Origin};
pub use paste_deploy::PasteDeployConfig;
pub use registry::{
    DataApi, RegistryAuth, RegistryClientConfig, RegistryConfig, RegistryProtocol,
    SECRET_FILE_NAME, Secret,
};
