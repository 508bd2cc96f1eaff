//! The legacy location operations of `PATCH /v2/images/{id}` (`add`,
//! `replace` and `remove` on `/locations`), allowed only with
//! `show_multiple_locations = true`, as upstream.

use super::ImageService;
use super::hashing::{digest_len, is_hex};
use crate::error::ApiError;
use glance_auth::{Action, RequestContext};
use glance_types::{Image, ImageStatus, Location};
use serde_json::{Map, Value};

/// The validation values a location may carry, and the image field each sets.
const VALIDATION_KEYS: [&str; 3] = ["checksum", "os_hash_algo", "os_hash_value"];

impl ImageService {
    /// `add /locations/<n|->` with `{url, metadata[, validation_data]}`.
    pub(super) fn add_location_op(
        &self,
        ctx: &RequestContext,
        image: &mut Image,
        position: Option<&str>,
        value: &Value,
    ) -> Result<(), ApiError> {
        self.authorize(ctx, Action::SetImageLocation, image)?;
        self.locations_visible("add")?;
        if !matches!(image.status, ImageStatus::Active | ImageStatus::Queued) {
            return Err(ApiError::Conflict(format!(
                "It's not allowed to add locations if image status is {}.",
                image.status.as_str()
            )));
        }
        let (location, validation) = self.location_value(value)?;
        let validation = self.validation_values(image, &[validation])?;
        let len = image.locations.len();
        let pos = match position {
            Some("-") => len,
            Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => p
                .parse::<usize>()
                .ok()
                .filter(|p| *p <= len)
                .ok_or_else(invalid_add_position)?,
            _ => return Err(invalid_add_position()),
        };
        self.check_new_location(image, &location)?;
        image.locations.insert(pos, location);
        self.check_location_quota(image)?;
        activate(image, validation);
        Ok(())
    }

    /// `replace /locations` with a non-empty list.
    pub(super) fn replace_locations_op(
        &self,
        ctx: &RequestContext,
        image: &mut Image,
        value: &Value,
    ) -> Result<(), ApiError> {
        let items = match value {
            Value::Array(items) if items.is_empty() => {
                return Err(ApiError::Forbidden(
                    "Cannot set locations to empty list.".into(),
                ));
            }
            Value::Array(items) => items,
            _ => return Err(ApiError::BadRequest("Invalid location".into())),
        };
        self.authorize(ctx, Action::SetImageLocation, image)?;
        self.locations_visible("update")?;
        if !matches!(image.status, ImageStatus::Active | ImageStatus::Queued) {
            return Err(ApiError::Conflict(format!(
                "It's not allowed to replace locations if image status is {}.",
                image.status.as_str()
            )));
        }
        let mut locations = Vec::with_capacity(items.len());
        let mut validations = Vec::with_capacity(items.len());
        for item in items {
            let (location, validation) = self.location_value(item)?;
            validations.push(validation);
            locations.push(location);
        }
        let validation = self.validation_values(image, &validations)?;
        let mut replaced = image.clone();
        replaced.locations.clear();
        for location in locations {
            self.check_new_location(&replaced, &location)?;
            replaced.locations.push(location);
        }
        self.check_location_quota(&replaced)?;
        image.locations = replaced.locations;
        activate(image, validation);
        Ok(())
    }

    /// `remove /locations/<n>`: never the last one, only on active images.
    /// Returns the removed location, whose data the caller deletes once
    /// the change is saved.
    pub(super) fn remove_location_op(
        &self,
        ctx: &RequestContext,
        image: &mut Image,
        position: Option<&str>,
    ) -> Result<Location, ApiError> {
        self.authorize(ctx, Action::DeleteImageLocation, image)?;
        self.locations_visible("remove")?;
        if image.status != ImageStatus::Active {
            return Err(ApiError::Conflict(format!(
                "It's not allowed to remove locations if image status is {}.",
                image.status.as_str()
            )));
        }
        if image.locations.len() == 1 {
            return Err(ApiError::Forbidden(
                "Cannot remove last location in the image.".into(),
            ));
        }
        let len = image.locations.len();
        let pos = match position {
            Some("-") => Some(len - 1),
            Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
                p.parse::<usize>().ok().filter(|p| *p < len)
            }
            _ => None,
        }
        .ok_or_else(|| ApiError::BadRequest("Invalid position for removing a location.".into()))?;
        Ok(image.locations.remove(pos))
    }

    /// The data size at an image's first location, asked of its store (an
    /// image given data by location takes its size from there, as upstream).
    pub(super) async fn location_size(&self, image: &Image) -> Result<Option<i64>, ApiError> {
        let Some(location) = image.locations.first() else {
            return Ok(None);
        };
        let store_id = location.metadata.get("store").and_then(Value::as_str);
        let Some(entry) = self.stores.for_location(&location.url, store_id) else {
            return Ok(None);
        };
        match entry.store.size(&location.url).await {
            Ok(size) => Ok(Some(size as i64)),
            Err(e) => Err(ApiError::BadRequest(format!(
                "Invalid location {}: {e}",
                location.url
            ))),
        }
    }

    /// 403 unless `show_multiple_locations` is on.
    fn locations_visible(&self, verb: &str) -> Result<(), ApiError> {
        if self.settings.show_multiple_locations {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "It's not allowed to {verb} locations if locations are invisible."
            )))
        }
    }

    /// A location object (`{url, metadata[, validation_data]}`), with the
    /// `store` metadata filled in on a multi-store node.
    fn location_value(&self, value: &Value) -> Result<(Location, Map<String, Value>), ApiError> {
        let object = value
            .as_object()
            .ok_or_else(|| ApiError::BadRequest("Invalid location".into()))?;
        let url = object
            .get("url")
            .and_then(Value::as_str)
            .ok_or_else(|| ApiError::BadRequest("Invalid location".into()))?;
        let mut metadata = match object.get("metadata") {
            Some(Value::Object(m)) => m.clone(),
            None => Map::new(),
            Some(_) => return Err(ApiError::BadRequest("Invalid location".into())),
        };
        let validation = match object.get("validation_data") {
            Some(Value::Object(v)) => v.clone(),
            None => Map::new(),
            Some(_) => return Err(ApiError::BadRequest("Invalid location".into())),
        };
        if self.stores.is_multi()
            && !metadata.contains_key("store")
            && let Some(entry) = self.stores.for_location(url, None)
        {
            metadata.insert("store".into(), entry.id.clone().into());
        }
        Ok((
            Location {
                url: url.to_owned(),
                metadata,
            },
            validation,
        ))
    }

    /// 400 unless an enabled store handles the URL and the image does not
    /// have it yet.
    fn check_new_location(&self, image: &Image, location: &Location) -> Result<(), ApiError> {
        let store_id = location.metadata.get("store").and_then(Value::as_str);
        if self.stores.for_location(&location.url, store_id).is_none() {
            return Err(ApiError::BadRequest(format!(
                "Invalid location: {}",
                location.url
            )));
        }
        if image.locations.iter().any(|l| l.url == location.url) {
            return Err(ApiError::BadRequest(format!(
                "The location {} already exists",
                location.url
            )));
        }
        Ok(())
    }

    /// 413 beyond `image_location_quota`.
    fn check_location_quota(&self, image: &Image) -> Result<(), ApiError> {
        super::fields::check_quota(
            "locations",
            image.locations.len(),
            self.settings.image_location_quota,
        )
    }

    /// The `validation_data` of new locations, merged, checked against each
    /// other and the image (upstream's rules and 409 messages); only values
    /// the image does not have yet are returned.
    fn validation_values(
        &self,
        image: &Image,
        given: &[Map<String, Value>],
    ) -> Result<Vec<(&'static str, String)>, ApiError> {
        let mut merged: Vec<(&'static str, String)> = Vec::new();
        for data in given {
            for (key, value) in data {
                let Some(key) = VALIDATION_KEYS.iter().find(|k| *k == key) else {
                    return Err(ApiError::BadRequest("Invalid location".into()));
                };
                let value = value.as_str().unwrap_or_default().to_owned();
                match merged.iter().find(|(k, _)| k == key) {
                    Some((_, seen)) if *seen != value => {
                        return Err(ApiError::Conflict(format!("Conflicting values for {key}")));
                    }
                    Some(_) => {}
                    None => merged.push((key, value)),
                }
            }
        }
        let current = |key: &str| match key {
            "checksum" => image.checksum.clone(),
            "os_hash_algo" => image.os_hash_algo.clone(),
            _ => image.os_hash_value.clone(),
        };
        let mut new = Vec::new();
        for (key, value) in merged {
            match current(key) {
                Some(now) if now == value => {}
                Some(_) => {
                    return Err(ApiError::Conflict(format!(
                        "{key} is already set with a different value"
                    )));
                }
                None => new.push((key, value)),
            }
        }
        if new.is_empty() {
            return Ok(new);
        }
        if image.status != ImageStatus::Queued {
            let keys: Vec<&str> = new.iter().map(|(k, _)| *k).collect();
            return Err(ApiError::Conflict(format!(
                "New value(s) for {} may only be provided when image status is 'queued'",
                keys.join(", ")
            )));
        }
        let get = |key: &str| new.iter().find(|(k, _)| *k == key).map(|(_, v)| v.as_str());
        if let Some(checksum) = get("checksum") {
            check_hex(checksum, "checksum", 16, "md5")?;
        }
        let algo = get("os_hash_algo").unwrap_or("None");
        if algo != self.settings.hashing_algorithm {
            return Err(ApiError::Conflict(format!(
                "os_hash_algo must be {}, not {algo}",
                self.settings.hashing_algorithm
            )));
        }
        let value = get("os_hash_value").unwrap_or_default();
        check_hex(
            value,
            "os_hash_value",
            digest_len(algo).unwrap_or_default(),
            algo,
        )?;
        Ok(new)
    }
}

/// A queued image gets its validation values and becomes active.
fn activate(image: &mut Image, validation: Vec<(&'static str, String)>) {
    if image.status != ImageStatus::Queued {
        return;
    }
    for (key, value) in validation {
        match key {
            "checksum" => image.checksum = Some(value),
            "os_hash_algo" => image.os_hash_algo = Some(value),
            _ => image.os_hash_value = Some(value),
        }
    }
    image.status = ImageStatus::Active;
}

/// 409 unless `value` is hex of `bytes` bytes (upstream's messages).
fn check_hex(value: &str, key: &str, bytes: usize, algo: &str) -> Result<(), ApiError> {
    if !is_hex(value) {
        return Err(ApiError::Conflict(format!(
            "{key} ({value}) is not a valid hexadecimal value"
        )));
    }
    if value.len() / 2 != bytes {
        let detail = if key == "checksum" {
            format!("{key} ({value}) is not the correct size for md5 (should be 16 bytes)")
        } else {
            format!("{key} ({value}) is not the correct size for {algo} (should be {bytes} bytes)")
        };
        return Err(ApiError::Conflict(detail));
    }
    Ok(())
}

/// Upstream's 400 for a bad `add` position.
fn invalid_add_position() -> ApiError {
    ApiError::BadRequest("Invalid position for adding a location.".into())
}
