//! Serde for `Option<Option<T>>` fields that tell "leave alone" from "set
//! to NULL" (JSON merge-patch style): an absent field is `None`, `null` is
//! `Some(None)`, a value is `Some(Some(v))`.
//!
//! Use it as
//! `#[serde(default, skip_serializing_if = "Option::is_none", with = "crate::double_option")]`
//! (the container's `#[serde(default)]` serves for `default`): `default`
//! makes an absent field `None`, and `skip_serializing_if` keeps `None` out
//! of the output, since [`serialize`] would write it as `null`, which reads
//! back as `Some(None)`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Writes `Some(inner)` as `inner` (`null` or the value); `None` must be
/// skipped by the caller (see the module docs).
pub(crate) fn serialize<S, T>(value: &Option<Option<T>>, serializer: S) -> Result<S::Ok, S::Error>
where
    S: Serializer,
    T: Serialize,
{
    match value {
        Some(inner) => inner.serialize(serializer),
        None => serializer.serialize_none(),
    }
}

/// Reads a present field: `null` becomes `Some(None)`, a value
/// `Some(Some(v))` (an absent field never gets here: it takes the default,
/// `None`).
pub(crate) fn deserialize<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}
