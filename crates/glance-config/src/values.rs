//! Typed option lookups in the style of oslo.config's option types
//! (`StrOpt`, `BoolOpt`, `IntOpt`, `ListOpt`, `DictOpt`).
//!
//! An empty value (`key =`) counts as unset, so the option's default applies.

use crate::ConfigError;
use crate::ini::{ConfigFile, Entry};
use std::fmt::Display;
use std::str::FromStr;

impl ConfigFile {
    /// A string option (`StrOpt`); `None` if unset or empty.
    pub fn get_string(&self, section: &str, key: &str) -> Option<String> {
        self.value(section, key).map(|e| e.value.clone())
    }

    /// A boolean option (`BoolOpt`): `true`/`yes`/`on`/`1` or
    /// `false`/`no`/`off`/`0`, case-insensitively.
    pub fn get_bool(&self, section: &str, key: &str) -> Result<Option<bool>, ConfigError> {
        let Some(entry) = self.value(section, key) else {
            return Ok(None);
        };
        match entry.value.to_ascii_lowercase().as_str() {
            "true" | "yes" | "on" | "1" => Ok(Some(true)),
            "false" | "no" | "off" | "0" => Ok(Some(false)),
            _ => Err(invalid(
                section,
                entry,
                "expected a boolean (true/false, yes/no, on/off, 1/0)",
            )),
        }
    }

    /// An option parsed with [`FromStr`] (integers, ports, ...); the parse
    /// error becomes a [`ConfigError::InvalidValue`].
    pub fn get_parsed<T>(&self, section: &str, key: &str) -> Result<Option<T>, ConfigError>
    where
        T: FromStr,
        T::Err: Display,
    {
        let Some(entry) = self.value(section, key) else {
            return Ok(None);
        };
        entry
            .value
            .parse()
            .map(Some)
            .map_err(|e: T::Err| invalid(section, entry, &e.to_string()))
    }

    /// A list option (`ListOpt`): comma separated, items trimmed, empty
    /// items dropped.
    pub fn get_list(&self, section: &str, key: &str) -> Option<Vec<String>> {
        self.value(section, key).map(|e| {
            e.value
                .split(',')
                .map(str::trim)
                .filter(|item| !item.is_empty())
                .map(str::to_owned)
                .collect()
        })
    }

    /// A dict option (`DictOpt`) such as `fast:file, cheap:rbd`: pairs in
    /// order, split at the first `:`, whitespace tolerant; a pair without
    /// `:` or a repeated key is an error.
    pub fn get_dict(
        &self,
        section: &str,
        key: &str,
    ) -> Result<Option<Vec<(String, String)>>, ConfigError> {
        let Some(entry) = self.value(section, key) else {
            return Ok(None);
        };
        let mut pairs: Vec<(String, String)> = Vec::new();
        for item in entry
            .value
            .split(',')
            .map(str::trim)
            .filter(|i| !i.is_empty())
        {
            let (k, v) = item
                .split_once(':')
                .ok_or_else(|| invalid(section, entry, &format!("{item:?} is not key:value")))?;
            let (k, v) = (k.trim(), v.trim());
            if k.is_empty() {
                return Err(invalid(
                    section,
                    entry,
                    &format!("{item:?} has an empty key"),
                ));
            }
            if pairs.iter().any(|(seen, _)| seen == k) {
                return Err(invalid(section, entry, &format!("key {k:?} is repeated")));
            }
            pairs.push((k.to_owned(), v.to_owned()));
        }
        Ok(Some(pairs))
    }

    /// The last assignment of `key`, unless its value is empty.
    fn value(&self, section: &str, key: &str) -> Option<&Entry> {
        self.get(section, key).filter(|e| !e.value.is_empty())
    }
}

/// A [`ConfigError::InvalidValue`] for `entry` in `section`.
fn invalid(section: &str, entry: &Entry, reason: &str) -> ConfigError {
    ConfigError::InvalidValue {
        section: section.to_owned(),
        key: entry.key.clone(),
        value: entry.value.clone(),
        origin: entry.origin.to_string(),
        reason: reason.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str) -> ConfigFile {
        ConfigFile::parse(&format!("[s]\n{text}"), "v.conf").unwrap()
    }

    #[test]
    fn booleans_accept_oslo_spellings() {
        let c = config("a = TRUE\nb = yes\nc = On\nd = 1\ne = false\nf = NO\ng = off\nh = 0\n");
        for key in ["a", "b", "c", "d"] {
            assert_eq!(c.get_bool("s", key).unwrap(), Some(true), "{key}");
        }
        for key in ["e", "f", "g", "h"] {
            assert_eq!(c.get_bool("s", key).unwrap(), Some(false), "{key}");
        }
        assert_eq!(c.get_bool("s", "missing").unwrap(), None);
    }

    #[test]
    fn bad_values_name_section_key_value_and_line() {
        let c = config("flag = maybe\nport = 99999\n");
        let err = c.get_bool("s", "flag").unwrap_err().to_string();
        assert!(
            err.contains("[s] flag") && err.contains("\"maybe\"") && err.contains("v.conf:2"),
            "{err}"
        );
        let err = c.get_parsed::<u16>("s", "port").unwrap_err().to_string();
        assert!(
            err.contains("[s] port") && err.contains("99999") && err.contains("v.conf:3"),
            "{err}"
        );
    }

    #[test]
    fn empty_values_are_unset() {
        let c = config("a =\nb = ''\n");
        assert_eq!(c.get_string("s", "a"), None);
        assert_eq!(c.get_parsed::<u32>("s", "b").unwrap(), None);
        assert_eq!(c.get_bool("s", "a").unwrap(), None);
    }

    #[test]
    fn lists_and_dicts() {
        let c = config(
            "l = file, http ,,rbd\nd = fast:file,  cheap : rbd\nbad = fast\ndup = a:b,a:c\n",
        );
        assert_eq!(c.get_list("s", "l").unwrap(), ["file", "http", "rbd"]);
        assert_eq!(
            c.get_dict("s", "d").unwrap().unwrap(),
            [
                ("fast".to_owned(), "file".to_owned()),
                ("cheap".to_owned(), "rbd".to_owned())
            ]
        );
        assert!(c.get_dict("s", "bad").is_err());
        assert!(c.get_dict("s", "dup").is_err());
    }
}
