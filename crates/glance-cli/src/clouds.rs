//! `OS_CLOUD`: a named cloud from clouds.yaml (and secure.yaml), found where
//! openstacksdk looks for it.

use crate::error::CliError;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// One cloud's settings (`clouds.<name>` merged with secure.yaml's).
#[derive(Debug, Clone)]
pub struct Cloud {
    settings: Value,
}

impl Cloud {
    /// The setting at a dotted path (`auth.username`, `region_name`), as a
    /// string (numbers and booleans included).
    pub fn get(&self, path: &str) -> Option<String> {
        let mut v = &self.settings;
        for part in path.split('.') {
            v = v.get(part)?;
        }
        match v {
            Value::String(s) => Some(s.clone()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }
}

/// Where openstacksdk looks, in order: `OS_CLIENT_CONFIG_FILE`, the current
/// directory, `~/.config/openstack`, `/etc/openstack`.
fn candidates(file: &str, env_var: &str) -> Vec<PathBuf> {
    let mut paths = Vec::new();
    if let Ok(p) = std::env::var(env_var) {
        paths.push(PathBuf::from(p));
    }
    paths.push(PathBuf::from(file));
    if let Some(home) = std::env::var_os("HOME") {
        paths.push(Path::new(&home).join(".config/openstack").join(file));
    }
    paths.push(Path::new("/etc/openstack").join(file));
    paths
}

fn read_first(file: &str, env_var: &str) -> Result<Option<(PathBuf, Value)>, CliError> {
    for path in candidates(file, env_var) {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let value: Value = serde_saphyr::from_str(&text)
            .map_err(|e| CliError::command(format!("{}: {e}", path.display())))?;
        return Ok(Some((path, value)));
    }
    Ok(None)
}

/// Merges `overlay` into `base`, objects key by key.
fn merge(base: &mut Value, overlay: &Value) {
    match (base, overlay) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                merge(b.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
        (b, o) => *b = o.clone(),
    }
}

/// Loads cloud `name`.
pub fn load(name: &str) -> Result<Cloud, CliError> {
    let Some((path, clouds)) = read_first("clouds.yaml", "OS_CLIENT_CONFIG_FILE")? else {
        return Err(CliError::command(format!(
            "Cloud {name} was not found: no clouds.yaml"
        )));
    };
    let mut settings = clouds
        .get("clouds")
        .and_then(|c| c.get(name))
        .cloned()
        .ok_or_else(|| {
            CliError::command(format!("Cloud {name} was not found in {}", path.display()))
        })?;
    if let Some((_, secure)) = read_first("secure.yaml", "OS_CLIENT_SECURE_FILE")?
        && let Some(extra) = secure.get("clouds").and_then(|c| c.get(name))
    {
        merge(&mut settings, extra);
    }
    Ok(Cloud { settings })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dotted_paths_and_scalars() {
        let c = Cloud {
            settings: json!({"auth": {"username": "u", "port": 5}, "verify": false}),
        };
        assert_eq!(c.get("auth.username").as_deref(), Some("u"));
        assert_eq!(c.get("auth.port").as_deref(), Some("5"));
        assert_eq!(c.get("verify").as_deref(), Some("false"));
        assert_eq!(c.get("auth.password"), None);
        assert_eq!(c.get("auth"), None);
    }

    #[test]
    fn secure_settings_merge_into_the_cloud() {
        let mut base = json!({"auth": {"username": "u"}, "region_name": "R1"});
        merge(&mut base, &json!({"auth": {"password": "p"}}));
        assert_eq!(
            base,
            json!({"auth": {"username": "u", "password": "p"}, "region_name": "R1"})
        );
    }
}
