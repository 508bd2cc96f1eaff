//! The location API (`POST/GET /v2/images/{id}/locations`): services such as
//! Nova and Cinder register data they already placed in a store, and glance
//! reads it once to fill in size, checksum and hash before the image goes
//! active.

use super::ImageService;
use super::hashing::{Hasher, digest_len, is_hex, new_digest};
use super::heartbeat::with_heartbeat;
use super::recovery::requeue_changes;
use crate::error::ApiError;
use crate::stores::StoreEntry;
use futures::StreamExt;
use glance_auth::{Action, RequestContext};
use glance_registry::RegistryError;
use glance_types::{ImageChanges, ImageStatus, Location};
use serde_json::{Map, Value, json};
use std::sync::Arc;
use std::time::Duration;

/// Hash algorithms the location API accepts in `validation_data`.
const VALIDATION_ALGOS: [&str; 4] = ["sha1", "sha256", "sha512", "md5"];

/// Pause between attempts at reading a new location.
const RETRY_PAUSE: Duration = Duration::from_secs(1);

/// A checked `POST /v2/images/{id}/locations` body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLocation {
    /// The location URL.
    pub url: String,
    /// `validation_data`: the hash algorithm and its expected hex value.
    pub validation: Option<(String, String)>,
}

impl NewLocation {
    /// Checks a request body against upstream's `location` schema.
    pub fn parse(body: &Value) -> Result<NewLocation, ApiError> {
        let object = body
            .as_object()
            .ok_or_else(|| schema_error(format!("{body} is not of type 'object'")))?;
        let url = match object.get("url") {
            Some(Value::String(url)) => url.clone(),
            Some(other) => return Err(schema_error(format!("{other} is not of type 'string'"))),
            None => return Err(schema_error("'url' is a required property")),
        };
        let validation = match object.get("validation_data") {
            None | Some(Value::Null) => None,
            Some(Value::Object(data)) => validation_data(data)?,
            Some(other) => return Err(schema_error(format!("{other} is not of type 'object'"))),
        };
        Ok(NewLocation { url, validation })
    }
}

/// The `validation_data` object: only the two keys, both or neither, a
/// known algorithm, a hex value of that algorithm's length.
fn validation_data(data: &Map<String, Value>) -> Result<Option<(String, String)>, ApiError> {
    if let Some(extra) = data
        .keys()
        .find(|k| *k != "os_hash_algo" && *k != "os_hash_value")
    {
        return Err(schema_error(format!(
            "Additional properties are not allowed ('{extra}' was unexpected)"
        )));
    }
    let text = |key: &str| match data.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(schema_error(format!("{other} is not of type 'string'"))),
    };
    let (algo, value) = match (text("os_hash_algo")?, text("os_hash_value")?) {
        (None, None) => return Ok(None),
        (Some(_), None) => {
            return Err(schema_error(
                "'os_hash_value' is a dependency of 'os_hash_algo'",
            ));
        }
        (None, Some(_)) => {
            return Err(schema_error(
                "'os_hash_algo' is a dependency of 'os_hash_value'",
            ));
        }
        (Some(algo), Some(value)) => (algo, value),
    };
    if !VALIDATION_ALGOS.contains(&algo.as_str()) {
        return Err(schema_error(format!(
            "'{algo}' is not one of ['sha1', 'sha256', 'sha512', 'md5']"
        )));
    }
    if value.len() > 128 {
        return Err(schema_error(format!("'{value}' is too long")));
    }
    if !is_hex(&value) {
        return Err(ApiError::BadRequest(format!(
            "os_hash_value ({value}) is not a valid hexadecimal value"
        )));
    }
    let want = digest_len(&algo).unwrap_or_default();
    if value.len() / 2 != want {
        return Err(ApiError::BadRequest(format!(
            "os_hash_value: ({value}) is not the correct size for ({algo}) (should be ({want}) bytes)"
        )));
    }
    Ok(Some((algo, value.to_ascii_lowercase())))
}

/// A 400 in upstream's shape for the `location` schema.
fn schema_error(detail: impl std::fmt::Display) -> ApiError {
    ApiError::BadRequest(format!(
        "Provided object does not match schema 'location': {detail}"
    ))
}

/// What reading a location measured.
struct Measured {
    size: u64,
    checksum: Option<String>,
    hash: Option<String>,
}

impl ImageService {
    /// `GET /v2/images/{id}/locations` (services only): the image's
    /// locations as `{url, metadata}`.
    pub async fn locations(&self, ctx: &RequestContext, id: &str) -> Result<Value, ApiError> {
        let image = self.visible(ctx, id).await?;
        self.authorize(ctx, Action::FetchImageLocation, &image)?;
        Ok(Value::Array(
            image
                .locations
                .iter()
                .map(|l| json!({"url": l.url, "metadata": l.metadata}))
                .collect(),
        ))
    }

    /// `POST /v2/images/{id}/locations`: records the location on the queued
    /// image, then (in the background, the caller gets 202) reads it to set
    /// size, checksum and hash, checks `validation_data` and activates the
    /// image; a failure puts the image back to `queued` without the location.
    pub async fn add_location(
        self: &Arc<Self>,
        ctx: &RequestContext,
        id: &str,
        new: NewLocation,
    ) -> Result<(), ApiError> {
        let image = self.visible(ctx, id).await?;
        if image.status != ImageStatus::Queued {
            return Err(ApiError::Conflict(format!(
                "It's not allowed to add locations if image status is {}.",
                image.status.as_str()
            )));
        }
        self.authorize(ctx, Action::AddImageLocation, &image)?;
        let is_service = ctx
            .roles
            .iter()
            .chain(&ctx.service_roles)
            .any(|r| r == "service");
        let http_allowed = new.url.starts_with("http") && self.stores.has_driver("http");
        if !(is_service || http_allowed) {
            return Err(ApiError::Forbidden(
                "http store must be enabled to use location API by normal user.".into(),
            ));
        }
        let Some(entry) = self.stores.for_location(&new.url, None).cloned() else {
            return Err(ApiError::BadRequest(format!(
                "Invalid location: no enabled store handles {}",
                new.url
            )));
        };
        let mut metadata = Map::new();
        if self.stores.is_multi() {
            metadata.insert("store".into(), entry.id.clone().into());
        }
        let location = Location {
            url: new.url.clone(),
            metadata,
        };
        if !self.settings.do_secure_hash {
            return self
                .activate_unread(id, location, &entry, new.validation)
                .await;
        }
        // The image leaves `queued` now, so a second request or an upload
        // conflicts instead of racing this one.
        let importing = ImageChanges {
            expect_status: Some(ImageStatus::Queued),
            status: Some(ImageStatus::Importing),
            locations: Some(vec![location]),
            ..Default::default()
        };
        match self.registry.update_image(id, &importing).await {
            Ok(_) => {}
            Err(RegistryError::StatusMismatch { actual, .. }) => {
                return Err(ApiError::Conflict(format!(
                    "It's not allowed to add locations if image status is {}.",
                    actual.as_str()
                )));
            }
            Err(e) => return Err(e.into()),
        }
        let service = Arc::clone(self);
        let id = id.to_owned();
        tokio::spawn(async move {
            service.import_location(&id, entry, new).await;
        });
        Ok(())
    }

    /// `do_secure_hash = false`: activates at once with the store's size and
    /// the caller's `validation_data` as the hash, reading nothing.
    async fn activate_unread(
        &self,
        id: &str,
        location: Location,
        entry: &StoreEntry,
        validation: Option<(String, String)>,
    ) -> Result<(), ApiError> {
        let size = entry.store.size(&location.url).await?;
        let (algo, hash) = validation.unzip();
        let changes = ImageChanges {
            expect_status: Some(ImageStatus::Queued),
            status: Some(ImageStatus::Active),
            size: Some(Some(size as i64)),
            os_hash_algo: algo.map(Some),
            os_hash_value: hash.map(Some),
            locations: Some(vec![location]),
            ..Default::default()
        };
        match self.registry.update_image(id, &changes).await {
            Ok(_) => Ok(()),
            Err(RegistryError::StatusMismatch { actual, .. }) => Err(ApiError::Conflict(format!(
                "It's not allowed to add locations if image status is {}.",
                actual.as_str()
            ))),
            Err(e) => Err(e.into()),
        }
    }

    /// Reads the new location (retrying `http_retries` times) under the
    /// heartbeat, then activates the image or puts it back to `queued`.
    async fn import_location(&self, id: &str, entry: StoreEntry, new: NewLocation) {
        let algo = new
            .validation
            .as_ref()
            .map_or(self.settings.hashing_algorithm.clone(), |(a, _)| a.clone());
        let reading = self.read_location(id, &entry, &new.url, &algo);
        let outcome = with_heartbeat(
            self.registry.as_ref(),
            id,
            ImageStatus::Importing,
            self.heartbeat,
            reading,
        )
        .await;
        let verdict = outcome.and_then(|m| match &new.validation {
            Some((_, want)) if m.hash.as_deref() != Some(want.as_str()) => Err(format!(
                "os_hash_value: ({want}) not matched with actual os_hash_value: ({})",
                m.hash.as_deref().unwrap_or("")
            )),
            _ => Ok(m),
        });
        let changes = match verdict {
            Ok(m) => ImageChanges {
                expect_status: Some(ImageStatus::Importing),
                status: Some(ImageStatus::Active),
                size: Some(Some(m.size as i64)),
                checksum: Some(m.checksum),
                os_hash_algo: Some(Some(algo)),
                os_hash_value: Some(m.hash),
                ..Default::default()
            },
            Err(e) => {
                tracing::error!("image {id}: location {} refused: {e}", new.url);
                requeue_changes(ImageStatus::Importing)
            }
        };
        match self.registry.update_image(id, &changes).await {
            Ok(image) => tracing::info!(
                "image {id}: location {} imported, status {}",
                new.url,
                image.status.as_str()
            ),
            Err(e) => tracing::error!("image {id}: recording the location import failed: {e}"),
        }
    }

    /// Measures the data at `url`, up to `http_retries` attempts.
    async fn read_location(
        &self,
        id: &str,
        entry: &StoreEntry,
        url: &str,
        algo: &str,
    ) -> Result<Measured, String> {
        let attempts = self.settings.http_retries.max(1);
        let mut outcome = Err(format!("no attempt at reading {url}"));
        for attempt in 1..=attempts {
            outcome = measure(entry, url, algo).await;
            match &outcome {
                Ok(_) => break,
                Err(e) => {
                    tracing::warn!("image {id}: reading {url} (attempt {attempt}): {e}");
                    if attempt < attempts {
                        tokio::time::sleep(RETRY_PAUSE).await;
                    }
                }
            }
        }
        outcome
    }
}

/// Streams the data at `url` once through md5 and `algo`.
async fn measure(entry: &StoreEntry, url: &str, algo: &str) -> Result<Measured, String> {
    let mut body = entry
        .store
        .get(url, None)
        .await
        .map_err(|e| e.to_string())?;
    let md5 = Hasher::spawn(new_digest("md5").ok_or("md5 is not available")?);
    let hash = Hasher::spawn(new_digest(algo).ok_or_else(|| format!("{algo} is not available"))?);
    let mut size = 0u64;
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| e.to_string())?;
        size += chunk.len() as u64;
        tokio::join!(md5.feed(chunk.clone()), hash.feed(chunk));
    }
    Ok(Measured {
        size,
        checksum: md5.finish().await,
        hash: hash.finish().await,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(body: Value) -> Result<NewLocation, String> {
        NewLocation::parse(&body).map_err(|e| e.to_string())
    }

    #[test]
    fn a_url_alone_is_enough() {
        assert_eq!(
            parse(json!({"url": "http://h/x"})).unwrap(),
            NewLocation {
                url: "http://h/x".into(),
                validation: None
            }
        );
    }

    #[test]
    fn schema_violations_are_refused_in_upstreams_words() {
        let cases = [
            (json!({}), "'url' is a required property"),
            (
                json!({"url": "u", "validation_data": {"os_hash_algo": "sha512"}}),
                "'os_hash_value' is a dependency of 'os_hash_algo'",
            ),
            (
                json!({"url": "u", "validation_data": {"os_hash_algo": "crc", "os_hash_value": "00"}}),
                "'crc' is not one of",
            ),
            (
                json!({"url": "u", "validation_data": {"x": 1}}),
                "('x' was unexpected)",
            ),
            (
                json!({"url": "u", "validation_data": {"os_hash_algo": "md5", "os_hash_value": "zz"}}),
                "os_hash_value (zz) is not a valid hexadecimal value",
            ),
            (
                json!({"url": "u", "validation_data": {"os_hash_algo": "md5", "os_hash_value": "00"}}),
                "is not the correct size for (md5) (should be (16) bytes)",
            ),
        ];
        for (body, want) in cases {
            let got = parse(body.clone()).unwrap_err();
            assert!(got.contains(want), "{body}: {got}");
        }
    }

    #[test]
    fn validation_data_is_kept_lowercase() {
        let value = "AB".repeat(16);
        let got = parse(
            json!({"url": "u", "validation_data": {"os_hash_algo": "md5", "os_hash_value": value}}),
        )
        .unwrap();
        assert_eq!(got.validation, Some(("md5".into(), "ab".repeat(16))));
    }
}
