//! `[paste_deploy]`: which middleware pipeline glance-api runs.

use crate::ConfigFile;

/// The `[paste_deploy]` options.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PasteDeployConfig {
    /// `flavor`: `keystone`, `keystone+caching`, `keystone+cachemanagement`,
    /// `caching`, `cachemanagement`; unset (the default) means the
    /// unauthenticated pipeline, as upstream.
    pub flavor: Option<String>,
}

impl PasteDeployConfig {
    /// Reads the section.
    pub(crate) fn from_config(config: &ConfigFile) -> Self {
        PasteDeployConfig {
            flavor: config.get_string("paste_deploy", "flavor"),
        }
    }
}
