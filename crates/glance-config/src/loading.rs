//! What glance-api.conf and glance-registry.conf load the same way: the
//! files plus environment overrides, the default file list, and oslo.log's
//! choice of log file.

use crate::{ConfigError, ConfigFile};
use std::path::{Path, PathBuf};

/// Loads `files` in order (later wins) and applies `OS_<SECTION>__<KEY>`
/// overrides from `env`; also returns `GLANCE_DATA_DIR` from `env`, if set.
pub(crate) fn load_with_env(
    files: &[PathBuf],
    env: impl IntoIterator<Item = (String, String)>,
) -> Result<(ConfigFile, Option<String>), ConfigError> {
    let env: Vec<(String, String)> = env.into_iter().collect();
    let mut raw = ConfigFile::load_all(files)?;
    let data_dir = env
        .iter()
        .rfind(|(var, value)| var == "GLANCE_DATA_DIR" && !value.is_empty())
        .map(|(_, value)| value.clone());
    raw.apply_env(env);
    Ok((raw, data_dir))
}

/// `system` if that file exists, else no files.
pub(crate) fn existing(system: &str) -> Vec<PathBuf> {
    let system = PathBuf::from(system);
    if system.is_file() {
        vec![system]
    } else {
        Vec::new()
    }
}

/// The log file for `program`, as oslo.log picks it: `log_file` (joined onto
/// `log_dir` when both are set), else `<log_dir>/<program>.log`, else `None`
/// (log to stderr).
pub(crate) fn log_path(
    log_file: Option<&Path>,
    log_dir: Option<&Path>,
    program: &str,
) -> Option<PathBuf> {
    match (log_file, log_dir) {
        (Some(file), Some(dir)) => Some(dir.join(file)),
        (Some(file), None) => Some(file.to_path_buf()),
        (None, Some(dir)) => Some(dir.join(format!("{program}.log"))),
        (None, None) => None,
    }
}
