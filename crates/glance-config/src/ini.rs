//! An INI parser faithful to oslo.config (`oslo_config/iniparser.py`).
//!
//! - `[section]` headers; section names are normalised like oslo does
//!   (`DEFAULT` kept, any other name lower-cased).
//! - `key = value` or `key: value`, split at the first `=` or `:`,
//!   whitespace trimmed, one pair of surrounding matching quotes stripped.
//! - No backslash escapes: `C:\data\new` stays as written.
//! - Comments only at the start of a line (`#` or `;`), so
//!   `connection = mysql://u:pa#ss;w@h/db` keeps its `#` and `;`.
//! - Indented lines continue the previous value, joined with `"\n"`; a blank
//!   line or comment ends it.
//! - Repeated keys are all kept: single lookups take the last, [`ConfigFile::get_all`]
//!   returns every one (oslo `MultiStrOpt`). Keys are case-sensitive.

use crate::ConfigError;
use std::fmt;
use std::path::{Path, PathBuf};

/// Parsed configuration: one or more files merged in order, plus any
/// environment overrides.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigFile {
    sections: Vec<Section>,
}

/// One `[section]` and its assignments in order.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Section {
    name: String,
    entries: Vec<Entry>,
}

/// One `key = value` assignment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The option name, as written.
    pub key: String,
    /// The value: trimmed, unquoted, continuation lines joined with `"\n"`.
    pub value: String,
    /// Where it was set.
    pub origin: Origin,
}

/// Where a value came from, for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A config file line (where the assignment starts).
    File {
        /// The file name.
        file: String,
        /// The 1-based line number.
        line: usize,
    },
    /// An environment variable.
    Env {
        /// The variable name.
        var: String,
    },
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File { file, line } => write!(f, "{file}:{line}"),
            Origin::Env { var } => write!(f, "environment variable {var}"),
        }
    }
}

impl ConfigFile {
    /// Parses INI `text`; `name` (usually the path) is used in errors and origins.
    pub fn parse(text: &str, name: &str) -> Result<ConfigFile, ConfigError> {
        Parser {
            name,
            verbatim: false,
            config: ConfigFile::default(),
            section: None,
            pending: None,
        }
        .run(text)
    }

    /// Reads and parses one file.
    pub fn load(path: &Path) -> Result<ConfigFile, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        ConfigFile::parse(&text, &path.display().to_string())
    }

    /// Reads and parses one file like [`Self::load`] but keeps section names
    /// exactly as written (Python `configparser`, for files whose section
    /// names are data, such as property protection rules). Read them with
    /// [`Self::section_entries`].
    pub fn load_verbatim(path: &Path) -> Result<ConfigFile, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Parser {
            name: &path.display().to_string(),
            verbatim: true,
            config: ConfigFile::default(),
            section: None,
            pending: None,
        }
        .run(&text)
    }

    /// Reads the files in order and merges them, later files winning.
    pub fn load_all(paths: &[PathBuf]) -> Result<ConfigFile, ConfigError> {
        let mut merged = ConfigFile::default();
        for path in paths {
            merged.merge(ConfigFile::load(path)?);
        }
        Ok(merged)
    }

    /// Adds everything in `later` after what is already here, so its values
    /// win single lookups and follow ours in [`Self::get_all`] (as oslo does
    /// with several `--config-file`s).
    pub fn merge(&mut self, later: ConfigFile) {
        for section in later.sections {
            self.section_mut(&section.name)
                .entries
                .extend(section.entries);
        }
    }

    /// The section names, normalised, in first-seen order.
    pub fn sections(&self) -> impl Iterator<Item = &str> {
        self.sections.iter().map(|s| s.name.as_str())
    }

    /// Each section as stored, in first-seen order, with its assignments.
    pub fn section_entries(&self) -> impl Iterator<Item = (&str, &[Entry])> {
        self.sections
            .iter()
            .map(|s| (s.name.as_str(), s.entries.as_slice()))
    }

    /// The last assignment of `key` in `section`, if any.
    pub fn get(&self, section: &str, key: &str) -> Option<&Entry> {
        self.get_all(section, key).last()
    }

    /// Every assignment of `key` in `section`, in order.
    pub fn get_all<'a>(
        &'a self,
        section: &str,
        key: &str,
    ) -> impl Iterator<Item = &'a Entry> + use<'a> {
        let section = normalize_section(section);
        let key = key.to_owned();
        self.sections
            .iter()
            .filter(move |s| s.name == section)
            .flat_map(|s| &s.entries)
            .filter(move |e| e.key == key)
    }

    /// Replaces every assignment of `key` in `section` (key compared
    /// case-insensitively) with the single value `value`.
    pub fn set(&mut self, section: &str, key: &str, value: String, origin: Origin) {
        let entries = &mut self.section_mut(&normalize_section(section)).entries;
        let key = match entries.iter().rfind(|e| e.key.eq_ignore_ascii_case(key)) {
            Some(existing) => existing.key.clone(),
            None => key.to_owned(),
        };
        entries.retain(|e| !e.key.eq_ignore_ascii_case(&key));
        entries.push(Entry { key, value, origin });
    }

    /// The section stored as `name`, created empty at the end if missing.
    fn section_mut(&mut self, name: &str) -> &mut Section {
        let at = match self.sections.iter().position(|s| s.name == name) {
            Some(at) => at,
            None => {
                self.sections.push(Section {
                    name: name.to_owned(),
                    entries: Vec::new(),
                });
                self.sections.len() - 1
            }
        };
        &mut self.sections[at]
    }
}

/// oslo's group name normalisation: `DEFAULT` as is, anything else lower-cased.
fn normalize_section(name: &str) -> String {
    if name == "DEFAULT" {
        name.to_owned()
    } else {
        name.to_lowercase()
    }
}

/// Line-by-line state of one parse.
struct Parser<'a> {
    name: &'a str,
    /// Keep section names as written instead of normalising them.
    verbatim: bool,
    config: ConfigFile,
    /// The current section name, once a header was seen.
    section: Option<String>,
    /// The assignment being built, until a line ends it.
    pending: Option<Pending>,
}

/// An assignment that may still get continuation lines.
struct Pending {
    section: String,
    key: String,
    lines: Vec<String>,
    line: usize,
}

impl Parser<'_> {
    fn run(mut self, text: &str) -> Result<ConfigFile, ConfigError> {
        for (index, raw) in text.lines().enumerate() {
            let lineno = index + 1;
            let line = raw.trim_end();
            if line.is_empty() {
                self.flush();
            } else if line.starts_with([' ', '\t']) {
                match &mut self.pending {
                    Some(pending) => pending.lines.push(line.trim_start().to_owned()),
                    None => return Err(self.error(lineno, "unexpected continuation line")),
                }
            } else {
                self.flush();
                if let Some(header) = line.strip_prefix('[') {
                    let name = self.header(header, lineno)?;
                    self.config.section_mut(&name);
                    self.section = Some(name);
                } else if !line.starts_with(['#', ';']) {
                    self.pending = Some(self.assignment(line, lineno)?);
                }
            }
        }
        self.flush();
        Ok(self.config)
    }

    /// The section name of a `[name]` line (given without the `[`).
    fn header(&self, rest: &str, lineno: usize) -> Result<String, ConfigError> {
        let name = rest
            .strip_suffix(']')
            .ok_or_else(|| self.error(lineno, "section header is missing its closing ']'"))?;
        if name.is_empty() {
            return Err(self.error(lineno, "empty section name"));
        }
        Ok(if self.verbatim {
            name.to_owned()
        } else {
            normalize_section(name)
        })
    }

    /// Splits `key = value` / `key: value` at the first separator.
    fn assignment(&self, line: &str, lineno: usize) -> Result<Pending, ConfigError> {
        let section = self
            .section
            .clone()
            .ok_or_else(|| self.error(lineno, "assignment before any [section]"))?;
        let at = line
            .find(['=', ':'])
            .ok_or_else(|| self.error(lineno, "expected 'key = value'"))?;
        let key = line[..at].trim();
        if key.is_empty() {
            return Err(self.error(lineno, "empty key"));
        }
        Ok(Pending {
            section,
            key: key.to_owned(),
            lines: vec![unquote(line[at + 1..].trim()).to_owned()],
            line: lineno,
        })
    }

    /// Stores the pending assignment, if any.
    fn flush(&mut self) {
        if let Some(pending) = self.pending.take() {
            let entry = Entry {
                key: pending.key,
                value: pending.lines.join("\n"),
                origin: Origin::File {
                    file: self.name.to_owned(),
                    line: pending.line,
                },
            };
            self.config
                .section_mut(&pending.section)
                .entries
                .push(entry);
        }
    }

    fn error(&self, line: usize, message: &str) -> ConfigError {
        ConfigError::Parse {
            file: self.name.to_owned(),
            line,
            message: message.to_owned(),
        }
    }
}

/// Strips one pair of surrounding matching `"` or `'` (a lone quote
/// becomes empty, as in oslo).
fn unquote(value: &str) -> &str {
    match value.chars().next() {
        Some(q @ ('"' | '\'')) if value.ends_with(q) => value.get(1..value.len() - 1).unwrap_or(""),
        _ => value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> ConfigFile {
        ConfigFile::parse(text, "test.conf").unwrap()
    }

    fn value<'a>(config: &'a ConfigFile, section: &str, key: &str) -> Option<&'a str> {
        config.get(section, key).map(|e| e.value.as_str())
    }

    fn parse_error(text: &str) -> (usize, String) {
        match ConfigFile::parse(text, "test.conf") {
            Err(ConfigError::Parse {
                file,
                line,
                message,
            }) => {
                assert_eq!(file, "test.conf");
                (line, message)
            }
            other => panic!("expected a parse error, got {other:?}"),
        }
    }

    #[test]
    fn splits_at_the_first_equals_or_colon() {
        let c = parse("[DEFAULT]\na = b = c\nhost: x:y\nurl = http://h:1/p\n");
        assert_eq!(value(&c, "DEFAULT", "a"), Some("b = c"));
        assert_eq!(value(&c, "DEFAULT", "host"), Some("x:y"));
        assert_eq!(value(&c, "DEFAULT", "url"), Some("http://h:1/p"));
    }

    #[test]
    fn keeps_inline_hash_and_semicolon() {
        let c = parse(
            "[database]\n# a comment\n; another\nconnection = mysql://u:pa#ss;w@h/db # not a comment\n",
        );
        assert_eq!(
            value(&c, "database", "connection"),
            Some("mysql://u:pa#ss;w@h/db # not a comment")
        );
        assert_eq!(c.get_all("database", "connection").count(), 1);
    }

    #[test]
    fn strips_matching_quotes_only_and_keeps_backslashes() {
        let c = parse(
            "[s]\na = \"quoted\"\nb = 'single'\nc = \"mismatched'\nd = C:\\data\\new\ne = \"\nf =\n",
        );
        assert_eq!(value(&c, "s", "a"), Some("quoted"));
        assert_eq!(value(&c, "s", "b"), Some("single"));
        assert_eq!(value(&c, "s", "c"), Some("\"mismatched'"));
        assert_eq!(value(&c, "s", "d"), Some("C:\\data\\new"));
        assert_eq!(value(&c, "s", "e"), Some(""));
        assert_eq!(value(&c, "s", "f"), Some(""));
    }

    #[test]
    fn joins_continuation_lines_until_blank_or_comment() {
        let c =
            parse("[s]\nmulti = first\n  second\n\tthird\n\nnext = 1\n  more\n# end\nlast = 2\n");
        assert_eq!(value(&c, "s", "multi"), Some("first\nsecond\nthird"));
        assert_eq!(value(&c, "s", "next"), Some("1\nmore"));
        assert_eq!(value(&c, "s", "last"), Some("2"));
    }

    #[test]
    fn repeated_keys_are_kept_and_last_wins() {
        let c = parse("[s]\nd = /a:1\nd = /b:2\n[t]\nx = 1\n[s]\nd = /c:3\n");
        let all: Vec<&str> = c.get_all("s", "d").map(|e| e.value.as_str()).collect();
        assert_eq!(all, ["/a:1", "/b:2", "/c:3"]);
        assert_eq!(value(&c, "s", "d"), Some("/c:3"));
        assert_eq!(c.sections().collect::<Vec<_>>(), ["s", "t"]);
    }

    #[test]
    fn keys_are_case_sensitive_and_sections_normalised_like_oslo() {
        let c = parse(
            "[Database]\nConnection = a\nconnection = b\n[DEFAULT]\nx = 1\n[default]\nx = 2\n",
        );
        assert_eq!(value(&c, "database", "Connection"), Some("a"));
        assert_eq!(value(&c, "DATABASE", "connection"), Some("b"));
        assert_eq!(value(&c, "DEFAULT", "x"), Some("1"));
        assert_eq!(value(&c, "default", "x"), Some("2"));
    }

    #[test]
    fn records_the_origin_of_each_value() {
        let c = parse("[s]\n\n# c\nk = v\n  w\n");
        let origin = &c.get("s", "k").unwrap().origin;
        assert_eq!(origin.to_string(), "test.conf:4");
    }

    #[test]
    fn errors_carry_the_line() {
        assert_eq!(parse_error("k = v\n").0, 1);
        assert_eq!(parse_error("[s]\n\n  indented\n").0, 3);
        assert_eq!(parse_error("[s]\nno separator\n").0, 2);
        assert_eq!(parse_error("[s]\n = v\n").0, 2);
        assert_eq!(parse_error("[s\n").0, 1);
        assert_eq!(parse_error("[s]\n[]\n").0, 2);
    }

    #[test]
    fn verbatim_loading_keeps_section_names() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("rules.conf");
        std::fs::write(&file, "[^X_Foo.*]\ncreate = a\n[.*]\nread = b\n").unwrap();
        let c = ConfigFile::load_verbatim(&file).unwrap();
        let names: Vec<&str> = c.section_entries().map(|(name, _)| name).collect();
        assert_eq!(names, ["^X_Foo.*", ".*"]);
        assert_eq!(c.section_entries().next().unwrap().1[0].value, "a");
        let normal = ConfigFile::load(&file).unwrap();
        assert_eq!(normal.sections().next(), Some("^x_foo.*"));
    }

    #[test]
    fn merge_appends_so_later_files_win() {
        let mut c = parse("[s]\nk = 1\nonly_first = a\n");
        c.merge(ConfigFile::parse("[s]\nk = 2\n[t]\nx = y\n", "second.conf").unwrap());
        assert_eq!(value(&c, "s", "k"), Some("2"));
        assert_eq!(value(&c, "s", "only_first"), Some("a"));
        assert_eq!(value(&c, "t", "x"), Some("y"));
        assert_eq!(c.get_all("s", "k").count(), 2);
    }

    #[test]
    fn set_replaces_every_value_case_insensitively() {
        let mut c = parse("[s]\nkey = 1\nkey = 2\n");
        let origin = Origin::Env {
            var: "OS_S__KEY".into(),
        };
        c.set("S", "KEY", "3".into(), origin.clone());
        let all: Vec<&Entry> = c.get_all("s", "key").collect();
        assert_eq!(all.len(), 1);
        assert_eq!((all[0].value.as_str(), &all[0].origin), ("3", &origin));
    }
}
