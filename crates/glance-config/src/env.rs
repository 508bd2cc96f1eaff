//! Environment overrides: `OS_<SECTION>__<KEY>=value` wins over files
//! (the keystone-rs convention, e.g. `OS_DATABASE__CONNECTION`).

use crate::ini::{ConfigFile, Origin};

/// Prefix of override variables.
const PREFIX: &str = "OS_";

/// Separator between the section and the key.
const SEPARATOR: &str = "__";

impl ConfigFile {
    /// Applies every `OS_<SECTION>__<KEY>` variable in `env` as the only value
    /// of that option. The section is matched like oslo group names
    /// (`DEFAULT` exactly, others case-insensitively) and the key
    /// case-insensitively; a key not yet present is added in lower case.
    /// Other variables (`OS_AUTH_URL`, ...) are ignored.
    pub fn apply_env(&mut self, env: impl IntoIterator<Item = (String, String)>) {
        for (var, value) in env {
            let Some((section, key)) = var
                .strip_prefix(PREFIX)
                .and_then(|rest| rest.split_once(SEPARATOR))
            else {
                continue;
            };
            if section.is_empty() || key.is_empty() {
                continue;
            }
            let key = key.to_ascii_lowercase();
            let origin = Origin::Env { var: var.clone() };
            self.set(section, &key, value, origin);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn overrides_win_and_other_variables_are_ignored() {
        let mut c = ConfigFile::parse(
            "[DEFAULT]\nbind_port = 1\n[glance_store]\nstores = a\n",
            "f",
        )
        .unwrap();
        c.apply_env(vars(&[
            ("OS_DEFAULT__BIND_PORT", "2"),
            ("OS_GLANCE_STORE__Stores", "b"),
            ("OS_DATABASE__CONNECTION", "sqlite://"),
            ("OS_AUTH_URL", "http://keystone"),
            ("OS___X", "y"),
            ("PATH", "/bin"),
        ]));
        assert_eq!(c.get("DEFAULT", "bind_port").unwrap().value, "2");
        assert_eq!(c.get("glance_store", "stores").unwrap().value, "b");
        let connection = c.get("database", "connection").unwrap();
        assert_eq!(connection.value, "sqlite://");
        assert_eq!(
            connection.origin.to_string(),
            "environment variable OS_DATABASE__CONNECTION"
        );
        assert_eq!(c.sections().count(), 3);
    }
}
