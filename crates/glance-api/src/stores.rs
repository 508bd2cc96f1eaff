//! The enabled store backends, by id, and which one takes new uploads.

use glance_store::Store;
use std::sync::Arc;

/// One enabled backend.
#[derive(Clone)]
pub struct StoreEntry {
    /// Backend id (`fast`), or the driver name in single-store mode.
    pub id: String,
    /// The driver.
    pub store: Arc<dyn Store>,
    /// `store_description`, shown in `/v2/info/stores`.
    pub description: Option<String>,
    /// `weight`: higher is preferred for downloads.
    pub weight: i64,
}

/// The enabled backends.
#[derive(Clone)]
pub struct StoreMap {
    entries: Vec<StoreEntry>,
    default_id: String,
    multi: bool,
}

impl StoreMap {
    /// Single-store mode: the drivers of `[glance_store] stores`, uploads
    /// going to `default_id` (`default_store`), which must name an entry.
    pub fn single(entries: Vec<StoreEntry>, default_id: String) -> Self {
        Self {
            entries,
            default_id,
            multi: false,
        }
    }

    /// Multi-store mode (`enabled_backends`); `default_id` must name an entry.
    pub fn multi(entries: Vec<StoreEntry>, default_id: String) -> Self {
        Self {
            entries,
            default_id,
            multi: true,
        }
    }

    /// Whether `enabled_backends` is in use.
    pub fn is_multi(&self) -> bool {
        self.multi
    }

    /// All backends, in configuration order.
    pub fn entries(&self) -> &[StoreEntry] {
        &self.entries
    }

    /// The id of the default backend.
    pub fn default_id(&self) -> &str {
        &self.default_id
    }

    /// Whether some enabled backend uses `driver` (`http`, `rbd`, ...).
    pub fn has_driver(&self, driver: &str) -> bool {
        self.entries.iter().any(|e| e.store.driver() == driver)
    }

    /// The backend with this id.
    pub fn get(&self, id: &str) -> Option<&StoreEntry> {
        self.entries.iter().find(|e| e.id == id)
    }

    /// The backend that holds a location URL (its `store` metadata first, then by URL).
    pub fn for_location(&self, url: &str, store_id: Option<&str>) -> Option<&StoreEntry> {
        store_id
            .and_then(|id| self.get(id))
            .filter(|e| e.store.handles(url))
            .or_else(|| self.entries.iter().find(|e| e.store.handles(url)))
    }
}
