//! What a policy check is about.

use std::collections::BTreeMap;

/// The object side of a policy check, as oslo.policy's `target`: string
/// values by key (`project_id`, `owner`, `visibility`, `member_id`, ...)
/// that `%(key)s` in a rule refers to. A key that is absent fails the check.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Target(BTreeMap<String, String>);

impl Target {
    /// An empty target.
    pub fn new() -> Self {
        Self::default()
    }

    /// The target with `key` set to `value`.
    pub fn with(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.insert(key, value);
        self
    }

    /// Sets `key` to `value`, replacing any earlier value.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.0.insert(key.into(), value.into());
    }

    /// Unsets `key`.
    pub fn remove(&mut self, key: &str) {
        self.0.remove(key);
    }

    /// The value of `key`, if set.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }
}
