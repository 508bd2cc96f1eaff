//! The store: where images go, their location URLs, and the [`Store`]
//! operations.

use crate::auth::Auth;
use crate::client::Swift;
use crate::config::Options;
use crate::location::{Location, Scheme, authority_of};
use crate::upload::{Segmenting, Target};
use crate::{client, delete, download, error, upload};
use async_trait::async_trait;
use glance_config::ConfigFile;
use glance_store::{ByteRange, ByteStream, Store, StoreError, StoredObject};
use reqwest::{Method, StatusCode};
use std::fmt;
use std::sync::Arc;

/// Keeps each image as object `<image id>` in the configured container (or
/// `<container>_<id prefix>` with `swift_store_multiple_containers_seed`).
pub struct SwiftStore {
    swift: Arc<Swift>,
    container: String,
    create_container_on_put: bool,
    seed: usize,
    segmenting: Segmenting,
    /// The `swift+config` reference locations use, if any.
    reference: Option<String>,
    /// The scheme of credential-carrying locations.
    scheme: Scheme,
    /// The auth address as locations spell it.
    authority: String,
}

impl fmt::Debug for SwiftStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SwiftStore")
            .field("account", self.swift.auth().account())
            .field("container", &self.container)
            .field("seed", &self.seed)
            .field("segmenting", &self.segmenting)
            .field("reference", &self.reference)
            .finish_non_exhaustive()
    }
}

impl SwiftStore {
    /// Builds the store from the options in `section` (`glance_store` in
    /// single-store mode, the backend id in multi-store mode). No request is
    /// made until the store is used.
    pub async fn from_config(config: &ConfigFile, section: &str) -> Result<SwiftStore, StoreError> {
        let options = Options::read(config, section).await?;
        let http =
            client::http_client(options.insecure, options.cacert.as_deref(), section).await?;
        let scheme = Scheme::for_auth_address(&options.account.auth_address);
        let authority = authority_of(&options.account.auth_address).to_owned();
        let auth = Auth::new(
            http.clone(),
            options.account,
            options.catalog,
            options.endpoint,
            options.expire_soon,
        );
        Ok(SwiftStore {
            swift: Arc::new(Swift::new(http, auth)),
            container: options.container,
            create_container_on_put: options.create_container_on_put,
            seed: options.multiple_containers_seed,
            segmenting: Segmenting {
                large_object_size: options.large_object_size,
                chunk_size: options.large_object_chunk_size,
            },
            reference: options.reference,
            scheme,
            authority,
        })
    }

    /// The container for `image_id`: the configured one, or with a seed of
    /// N, `<container>_<first N characters of the lower-cased id>`, where
    /// dashes do not count towards N (upstream's rule).
    fn container_for(&self, image_id: &str) -> String {
        container_name(&self.container, self.seed, image_id)
    }

    /// The location URL of `image_id` in `container`.
    fn location(&self, container: String, image_id: &str) -> Location {
        let account = self.swift.auth().account();
        match &self.reference {
            Some(reference) => Location {
                scheme: Scheme::SwiftConfig,
                credentials: None,
                authority: reference.clone(),
                container,
                object: image_id.to_owned(),
            },
            None => Location {
                scheme: self.scheme,
                credentials: Some((account.user.clone(), account.key.clone())),
                authority: self.authority.clone(),
                container,
                object: image_id.to_owned(),
            },
        }
    }

    /// Whether this store's account holds `location`: our reference, or our
    /// auth address over the same protocol and (if named) as our user.
    fn serves(&self, location: &Location) -> bool {
        let account = self.swift.auth().account();
        match location.scheme {
            Scheme::SwiftConfig => self.reference.as_deref() == Some(location.authority.as_str()),
            scheme => {
                let same_protocol =
                    (scheme == Scheme::SwiftHttp) == (self.scheme == Scheme::SwiftHttp);
                same_protocol
                    && location.authority == self.authority
                    && location
                        .credentials
                        .as_ref()
                        .is_none_or(|(user, _)| *user == account.user)
            }
        }
    }

    /// The location `url` names, if this store serves it.
    fn locate(&self, url: &str) -> Result<Location, StoreError> {
        Location::parse(url)
            .ok()
            .filter(|location| self.serves(location))
            .ok_or_else(|| StoreError::UnknownLocation(url.to_owned()))
    }

    /// Makes sure `container` exists, creating it when
    /// `swift_store_create_container_on_put` allows.
    async fn ensure_container(&self, container: &str) -> Result<(), StoreError> {
        let what = format!("checking container {container}");
        let response = self
            .swift
            .send(Method::HEAD, container, None, &what, |r| r)
            .await?;
        match response.status() {
            code if code.is_success() => Ok(()),
            StatusCode::NOT_FOUND if self.create_container_on_put => {
                let what = format!("creating container {container}");
                let response = self
                    .swift
                    .send(Method::PUT, container, None, &what, |r| r)
                    .await?;
                if response.status().is_success() {
                    tracing::info!(container, "created swift container");
                    Ok(())
                } else {
                    Err(error::status(&what, response).await)
                }
            }
            StatusCode::NOT_FOUND => Err(StoreError::Unavailable(format!(
                "swift container {container} does not exist; create it or set \
                 swift_store_create_container_on_put"
            ))),
            _ => Err(error::status(&what, response).await),
        }
    }
}

#[async_trait]
impl Store for SwiftStore {
    fn driver(&self) -> &'static str {
        "swift"
    }

    fn handles(&self, url: &str) -> bool {
        self.locate(url).is_ok()
    }

    fn properties(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut props = serde_json::Map::new();
        props.insert("container".into(), self.container.clone().into());
        props.insert(
            "large_object_size".into(),
            self.segmenting.large_object_size.into(),
        );
        props.insert(
            "large_object_chunk_size".into(),
            self.segmenting.chunk_size.into(),
        );
        props
    }

    async fn put(
        &self,
        image_id: &str,
        data: ByteStream,
        size_hint: Option<u64>,
    ) -> Result<StoredObject, StoreError> {
        if image_id.is_empty() || image_id.contains('/') {
            return Err(StoreError::invalid_image_id(image_id));
        }
        let container = self.container_for(image_id);
        self.ensure_container(&container).await?;
        let url = self.location(container.clone(), image_id).to_string();
        let what = format!("checking for {container}/{image_id}");
        let existing = self
            .swift
            .send(Method::HEAD, &container, Some(image_id), &what, |r| r)
            .await?;
        match existing.status() {
            StatusCode::NOT_FOUND => {}
            code if code.is_success() => return Err(StoreError::Duplicate(url)),
            _ => return Err(error::status(&what, existing).await),
        }
        let target = Target {
            container: &container,
            object: image_id,
            url: &url,
        };
        let size = upload::upload(&self.swift, &target, self.segmenting, data, size_hint).await?;
        Ok(StoredObject { url, size })
    }

    async fn get(&self, url: &str, range: Option<ByteRange>) -> Result<ByteStream, StoreError> {
        let location = self.locate(url)?;
        download::get(
            &self.swift,
            &location.container,
            &location.object,
            url,
            range,
        )
        .await
    }

    /// A `HEAD` on the object: its `Content-Length`, which for an SLO or
    /// DLO manifest is the size of the whole image.
    async fn size(&self, url: &str) -> Result<u64, StoreError> {
        let location = self.locate(url)?;
        download::size(&self.swift, &location.container, &location.object, url).await
    }

    async fn delete(&self, url: &str) -> Result<(), StoreError> {
        let location = self.locate(url)?;
        delete::delete(&self.swift, &location.container, &location.object, url).await
    }
}

/// Upstream's container naming for a seed of `seed` characters.
fn container_name(container: &str, seed: usize, image_id: &str) -> String {
    if seed == 0 {
        return container.to_owned();
    }
    let id = image_id.to_lowercase();
    let dashes = id.chars().take(seed).filter(|c| *c == '-').count();
    let suffix: String = id.chars().take(seed + dashes).collect();
    format!("{container}_{suffix}")
}

#[cfg(test)]
mod tests {
    use super::container_name;

    #[test]
    fn seeded_container_names_follow_upstream() {
        let id = "FDAE39A1-bac5-4238-aba4-69bcc726e848";
        assert_eq!(container_name("glance", 0, id), "glance");
        assert_eq!(container_name("glance", 3, id), "glance_fda");
        assert_eq!(container_name("glance", 10, id), "glance_fdae39a1-ba");
        assert_eq!(
            container_name("glance", 32, id),
            "glance_fdae39a1-bac5-4238-aba4-69bcc726e848"
        );
    }
}
