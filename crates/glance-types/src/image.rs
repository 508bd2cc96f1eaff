//! The image record and the changes that can be applied to it.

use crate::{ImageStatus, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// Who can see an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// Everyone.
    Public,
    /// The owner only.
    Private,
    /// The owner and the projects it is shared with (the default).
    Shared,
    /// Everyone who asks for it; listed by default only for the owner.
    Community,
}

impl Visibility {
    /// Every visibility, in upstream's schema order.
    pub const ALL: [Visibility; 4] = [Self::Community, Self::Public, Self::Private, Self::Shared];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Private => "private",
            Self::Shared => "shared",
            Self::Community => "community",
        }
    }
}

impl fmt::Display for Visibility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Visibility {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| s.to_string())
    }
}

/// Where an image's bytes live: a store URL plus its metadata.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Location {
    /// The store URL (`file:///var/lib/glance/images/<id>`, ...).
    pub url: String,
    /// Free-form metadata (`{"store": "fast"}` in multi-store mode).
    pub metadata: serde_json::Map<String, serde_json::Value>,
}

/// An image record: the core fields, extra properties, tags and locations.
///
/// Serde writes every field as is (timestamps in RFC 3339 with all their
/// digits), so an image crosses JSON unchanged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Image {
    /// UUID string.
    pub id: String,
    /// Display name, at most 255 characters.
    pub name: Option<String>,
    /// Current status.
    pub status: ImageStatus,
    /// Visibility.
    pub visibility: Visibility,
    /// A protected image cannot be deleted.
    pub protected: bool,
    /// Hidden from default listings.
    pub os_hidden: bool,
    /// MD5 hex digest of the data.
    pub checksum: Option<String>,
    /// Name of the secure hash algorithm (`sha512`).
    pub os_hash_algo: Option<String>,
    /// Hex digest of the data with `os_hash_algo`.
    pub os_hash_value: Option<String>,
    /// Owning project.
    pub owner: Option<String>,
    /// Data size in bytes.
    pub size: Option<i64>,
    /// Virtual disk size in bytes.
    pub virtual_size: Option<i64>,
    /// Container format (`bare`, `ovf`, ...).
    pub container_format: Option<String>,
    /// Disk format (`qcow2`, `raw`, ...).
    pub disk_format: Option<String>,
    /// Minimum RAM in MB.
    pub min_ram: i64,
    /// Minimum disk in GB.
    pub min_disk: i64,
    /// Tags, sorted and unique.
    pub tags: Vec<String>,
    /// Extra (string) properties.
    pub properties: BTreeMap<String, String>,
    /// Data locations, best first.
    pub locations: Vec<Location>,
    /// Creation time.
    pub created_at: Timestamp,
    /// Last update time.
    pub updated_at: Timestamp,
}

impl Image {
    /// A new queued image with upstream's defaults.
    pub fn new(id: String, owner: Option<String>, now: Timestamp) -> Self {
        Self {
            id,
            name: None,
            status: ImageStatus::Queued,
            visibility: Visibility::Shared,
            protected: false,
            os_hidden: false,
            checksum: None,
            os_hash_algo: None,
            os_hash_value: None,
            owner,
            size: None,
            virtual_size: None,
            container_format: None,
            disk_format: None,
            min_ram: 0,
            min_disk: 0,
            tags: Vec::new(),
            properties: BTreeMap::new(),
            locations: Vec::new(),
            created_at: now,
            updated_at: now,
        }
    }
}

/// A set of changes applied to one image atomically by the registry.
///
/// `None` leaves a field alone; `Some(v)` sets it (for nullable fields,
/// `Some(None)` sets NULL). Properties are upserted and removed by name, so two
/// concurrent updates of different properties never lose each other.
///
/// The `expect_*` fields are conditions, not changes: the registry applies
/// the changes only if every condition set holds (compare-and-set).
///
/// In serde's forms (JSON merge-patch style) a field that changes nothing is
/// absent, `null` sets a nullable field to NULL and a value sets it; an
/// absent field reads back as leaving it alone. Unknown fields are refused,
/// so a registry that does not know a condition fails instead of ignoring it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ImageChanges {
    /// Apply only if the image currently has this status (compare-and-set).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expect_status: Option<ImageStatus>,
    /// Apply only if the image's `updated_at` is strictly before this time:
    /// the image has not been updated since the caller judged it (the sweep
    /// requeues an abandoned upload only if no heartbeat landed meanwhile).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expect_updated_before: Option<Timestamp>,
    /// New name.
    #[serde(skip_serializing_if = "Option::is_none", with = "crate::double_option")]
    pub name: Option<Option<String>>,
    /// New status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<ImageStatus>,
    /// New visibility.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visibility: Option<Visibility>,
    /// New protected flag.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protected: Option<bool>,
    /// New hidden flag.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os_hidden: Option<bool>,
    /// New md5 checksum.
    #[serde(skip_serializing_if = "Option::is_none", with = "crate::double_option")]
    pub checksum: Option<Option<String>>,
    /// New hash algorithm.
    #[serde(skip_serializing_if = "Option::is_none", with = "crate::double_option")]
    pub os_hash_algo: Option<Option<String>>,
    /// New hash value.
    #[serde(skip_serializing_if = "Option::is_none", with = "crate::double_option")]
    pub os_hash_value: Option<Option<String>>,
    /// New owner.
    #[serde(skip_serializing_if = "Option::is_none", with = "crate::double_option")]
    pub owner: Option<Option<String>>,
    /// New size.
    #[serde(skip_serializing_if = "Option::is_none", with = "crate::double_option")]
    pub size: Option<Option<i64>>,
    /// New virtual size.
    #[serde(skip_serializing_if = "Option::is_none", with = "crate::double_option")]
    pub virtual_size: Option<Option<i64>>,
    /// New container format.
    #[serde(skip_serializing_if = "Option::is_none", with = "crate::double_option")]
    pub container_format: Option<Option<String>>,
    /// New disk format.
    #[serde(skip_serializing_if = "Option::is_none", with = "crate::double_option")]
    pub disk_format: Option<Option<String>>,
    /// New minimum RAM.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_ram: Option<i64>,
    /// New minimum disk.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_disk: Option<i64>,
    /// Properties to insert or overwrite.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub set_properties: BTreeMap<String, String>,
    /// Properties to delete (missing ones are ignored).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub remove_properties: Vec<String>,
    /// Replace the whole tag set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// Replace the whole location list.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locations: Option<Vec<Location>>,
}

impl ImageChanges {
    /// Whether applying these changes would touch nothing (conditions
    /// aside).
    pub fn is_empty(&self) -> bool {
        *self
            == Self {
                expect_status: self.expect_status,
                expect_updated_before: self.expect_updated_before,
                ..Self::default()
            }
    }

    /// Applies the changes to an in-memory image (the registry's reference semantics).
    pub fn apply_to(&self, image: &mut Image) {
        macro_rules! set {
            ($($f:ident),*) => { $( if let Some(v) = &self.$f { image.$f = v.clone(); } )* };
        }
        set!(
            name,
            status,
            visibility,
            protected,
            os_hidden,
            checksum,
            os_hash_algo,
            os_hash_value,
            owner,
            size,
            virtual_size,
            container_format,
            disk_format,
            min_ram,
            min_disk,
            locations
        );
        for (k, v) in &self.set_properties {
            image.properties.insert(k.clone(), v.clone());
        }
        for k in &self.remove_properties {
            image.properties.remove(k);
        }
        if let Some(tags) = &self.tags {
            let mut t = tags.clone();
            t.sort();
            t.dedup();
            image.tags = t;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_changes_are_empty() {
        assert!(ImageChanges::default().is_empty());
        let c = ImageChanges {
            expect_status: Some(ImageStatus::Queued),
            expect_updated_before: Some(crate::now()),
            ..Default::default()
        };
        assert!(c.is_empty());
        let c = ImageChanges {
            min_ram: Some(1),
            ..Default::default()
        };
        assert!(!c.is_empty());
    }

    #[test]
    fn unknown_fields_are_refused() {
        let known: ImageChanges =
            serde_json::from_str(r#"{"expect_updated_before": "2026-11-24T16:17:28.123456Z"}"#)
                .unwrap();
        assert_eq!(
            known.expect_updated_before,
            crate::parse_timestamp("2026-11-24T16:17:28.123456Z")
        );
        let err = serde_json::from_str::<ImageChanges>(r#"{"expect_colour": "red"}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown field `expect_colour`"), "{err}");
    }

    #[test]
    fn apply_sets_and_removes() {
        let mut img = Image::new("i".into(), None, crate::now());
        img.properties.insert("a".into(), "1".into());
        let c = ImageChanges {
            name: Some(Some("n".into())),
            set_properties: [("b".to_string(), "2".to_string())].into(),
            remove_properties: vec!["a".into()],
            tags: Some(vec!["z".into(), "a".into(), "z".into()]),
            ..Default::default()
        };
        c.apply_to(&mut img);
        assert_eq!(img.name.as_deref(), Some("n"));
        assert_eq!(img.properties.len(), 1);
        assert_eq!(img.tags, vec!["a", "z"]);
    }
}
