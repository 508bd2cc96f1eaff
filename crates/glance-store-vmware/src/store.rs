//! [`VmwareStore`]: the [`Store`] implementation, and what its parts share
//! (the session, datastore transfers with the session cookie, deleting a
//! datastore file).

use crate::config::{self, VmwareConfig};
use crate::datastore::{self, Datastore};
use crate::fetch::{BodyStream, Fetcher};
use crate::location::Location;
use crate::soap::{self, Soap, SoapError};
use crate::xml::MoRef;
use crate::{download, upload};
use async_trait::async_trait;
use glance_config::ConfigFile;
use glance_store::{ByteRange, ByteStream, Store, StoreError, StoredObject};
use reqwest::header::{COOKIE, HeaderValue};
use reqwest::{Client, Response, StatusCode, redirect};
use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use url::Url;

/// How long to wait for a TCP (and TLS) connection to the server.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// Faults that mean the server refused our credentials or session.
const ACCESS_FAULTS: [&str; 3] = ["InvalidLogin", "NotAuthenticated", "NoPermission"];

/// Keeps each image as a file `<image_dir>/<image_id>` on a vSphere
/// datastore, written and read over the server's `/folder` HTTP interface
/// and deleted through the vSphere API, located by
/// `vsphere://<host>/folder/<image_dir>/<image_id>?dcPath=<dc>&dsName=<ds>`.
#[derive(Debug, Clone)]
pub struct VmwareStore {
    inner: Arc<Inner>,
}

/// The store's state, shared with cleanups that outlive a dropped `put`.
#[derive(Debug)]
pub(crate) struct Inner {
    /// The logged-in session.
    pub(crate) soap: Soap,
    /// Opens the connections of downloads.
    pub(crate) fetcher: Fetcher,
    /// The server, as a URL authority.
    pub(crate) host: String,
    /// The directory for new images, as path segments.
    pub(crate) image_dir: Vec<String>,
    /// How often a task is polled.
    pub(crate) task_poll_interval: Duration,
    /// Where new images may go.
    pub(crate) datastores: Vec<Datastore>,
    /// Datacenters already looked up, by inventory path.
    datacenters: Mutex<HashMap<String, MoRef>>,
}

impl VmwareStore {
    /// Reads upstream's options from `[section]` (`glance_store` in
    /// single-store mode, the backend id in multi-store mode), logs in to
    /// `https://<vmware_server_host>/sdk` and finds the datastores of
    /// `vmware_datastores`. Bad or missing options, and datastores that do
    /// not exist, are [`StoreError::Config`]; a server that cannot be
    /// reached or refuses the login is [`StoreError::Unavailable`].
    pub async fn from_config(
        config: &ConfigFile,
        section: &str,
    ) -> Result<VmwareStore, StoreError> {
        let options = config::read(config, section)?;
        let tls = tls_connector(section, &options).await?;
        let http = Client::builder()
            .tls_backend_preconfigured(tls.clone())
            .redirect(redirect::Policy::none())
            .connect_timeout(CONNECT_TIMEOUT)
            .build()
            .map_err(|e| {
                StoreError::Config(format!("[{section}] cannot set up the HTTP client: {e}"))
            })?;
        let sdk = Url::parse(&format!("https://{}/sdk", options.host))
            .map_err(|e| StoreError::Config(format!("[{section}] vmware_server_host: {e}")))?;
        let soap = Soap::connect(
            http,
            sdk,
            options.username,
            options.password,
            options.api_retry_count,
        )
        .await
        .map_err(soap_error)?;
        let datastores = datastore::resolve(&soap, section, &options.datastores).await?;
        Ok(VmwareStore {
            inner: Arc::new(Inner {
                soap,
                fetcher: Fetcher::new(tls, CONNECT_TIMEOUT),
                host: options.host,
                image_dir: options.image_dir,
                task_poll_interval: options.task_poll_interval,
                datastores,
                datacenters: Mutex::default(),
            }),
        })
    }

    /// The parsed location, or [`StoreError::UnknownLocation`].
    fn located(&self, url: &str) -> Result<Location, StoreError> {
        Location::parse(url, &self.inner.host)
            .ok_or_else(|| StoreError::UnknownLocation(url.to_owned()))
    }
}

#[async_trait]
impl Store for VmwareStore {
    fn driver(&self) -> &'static str {
        "vmware"
    }

    fn handles(&self, url: &str) -> bool {
        Location::parse(url, &self.inner.host).is_some()
    }

    async fn put(
        &self,
        image_id: &str,
        data: ByteStream,
        size_hint: Option<u64>,
    ) -> Result<StoredObject, StoreError> {
        upload::put(&self.inner, image_id, data, size_hint).await
    }

    async fn get(&self, url: &str, range: Option<ByteRange>) -> Result<ByteStream, StoreError> {
        download::get(&self.inner, &self.located(url)?, range).await
    }

    /// A `HEAD` on the file's `/folder` URL: its `Content-Length`.
    async fn size(&self, url: &str) -> Result<u64, StoreError> {
        download::size(&self.inner, &self.located(url)?).await
    }

    async fn delete(&self, url: &str) -> Result<(), StoreError> {
        self.inner.delete_file(&self.located(url)?).await
    }
}

impl Inner {
    /// A `HEAD` of a datastore file URL with the session cookie; on a 401
    /// it logs in again and repeats the request once.
    pub(crate) async fn head(&self, url: &Url) -> Result<Response, StoreError> {
        let send = |cookie| self.send_head(url, cookie);
        self.with_session(send, Response::status).await
    }

    /// A `GET` of a datastore file URL (with a `Range` header for `range`)
    /// on a connection of its own, sent like [`Self::head`].
    pub(crate) async fn fetch(
        &self,
        url: &Url,
        range: Option<ByteRange>,
    ) -> Result<hyper::Response<BodyStream>, StoreError> {
        let send = |cookie| self.fetcher.get(url, cookie, range);
        self.with_session(send, hyper::Response::status).await
    }

    /// Sends with the session cookie; on a 401 logs in again and sends once
    /// more with the new cookie.
    async fn with_session<R, F>(
        &self,
        send: impl Fn(Option<HeaderValue>) -> F,
        status: fn(&R) -> StatusCode,
    ) -> Result<R, StoreError>
    where
        F: Future<Output = Result<R, StoreError>>,
    {
        let (cookie, generation) = self.soap.cookie();
        let response = send(cookie).await?;
        if status(&response) != StatusCode::UNAUTHORIZED {
            return Ok(response);
        }
        self.soap.renew(generation).await.map_err(soap_error)?;
        send(self.soap.cookie().0).await
    }

    /// One request for [`Self::head`].
    async fn send_head(
        &self,
        url: &Url,
        cookie: Option<HeaderValue>,
    ) -> Result<Response, StoreError> {
        let mut request = self.soap.http().head(url.clone());
        if let Some(cookie) = cookie {
            request = request.header(COOKIE, cookie);
        }
        request
            .send()
            .await
            .map_err(|e| StoreError::Unavailable(soap::unreachable(url, e)))
    }

    /// Deletes the file of `location` with `DeleteDatastoreFile_Task` and
    /// waits for the task; a missing file (or datacenter) is
    /// [`StoreError::NotFound`]. A location without `dcPath` uses the
    /// datacenter of the configured datastore of that name, if any (vCenter
    /// needs one; an ESXi host does not).
    pub(crate) async fn delete_file(&self, location: &Location) -> Result<(), StoreError> {
        let not_found = || StoreError::NotFound(location.url.clone());
        let datacenter = match &location.dc_path {
            Some(path) => Some(self.datacenter(path).await?.ok_or_else(not_found)?),
            None => self
                .datastores
                .iter()
                .find(|ds| ds.spec.name == location.ds_name)
                .map(|ds| ds.datacenter.clone()),
        };
        let deleted = async {
            let task = self
                .soap
                .delete_datastore_file(&location.datastore_path(), datacenter.as_ref())
                .await?;
            self.soap
                .wait_for_task(&task, self.task_poll_interval)
                .await
        };
        match deleted.await {
            Ok(()) => Ok(()),
            Err(e) if e.is_fault("FileNotFound") => Err(not_found()),
            Err(e) => Err(soap_error(e)),
        }
    }

    /// The datacenter at inventory path `path`, if there is one.
    async fn datacenter(&self, path: &str) -> Result<Option<MoRef>, StoreError> {
        let known = self
            .datastores
            .iter()
            .find(|ds| ds.spec.dc_path == path)
            .map(|ds| ds.datacenter.clone())
            .or_else(|| self.cached_datacenters().get(path).cloned());
        if known.is_some() {
            return Ok(known);
        }
        let found = self
            .soap
            .find_by_inventory_path(path)
            .await
            .map_err(soap_error)?
            .filter(|dc| dc.kind == "Datacenter");
        if let Some(dc) = &found {
            self.cached_datacenters()
                .insert(path.to_owned(), dc.clone());
        }
        Ok(found)
    }

    /// The datacenter cache.
    fn cached_datacenters(&self) -> std::sync::MutexGuard<'_, HashMap<String, MoRef>> {
        self.datacenters.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The TLS settings for `options`: only the certificates of
/// `vmware_ca_file` are trusted if it is set, else the system's, or none
/// with `vmware_insecure`.
async fn tls_connector(
    section: &str,
    options: &VmwareConfig,
) -> Result<native_tls::TlsConnector, StoreError> {
    let mut builder = native_tls::TlsConnector::builder();
    match &options.ca_file {
        Some(path) => {
            let bad = |reason: String| {
                StoreError::Config(format!("[{section}] vmware_ca_file {path:?}: {reason}"))
            };
            let pem = tokio::fs::read(path)
                .await
                .map_err(|e| bad(format!("cannot read it: {e}")))?;
            let certs =
                native_tls::Certificate::stack_from_pem(&pem).map_err(|e| bad(e.to_string()))?;
            if certs.is_empty() {
                return Err(bad("no PEM certificate in it".to_owned()));
            }
            builder.disable_built_in_roots(true);
            for cert in certs {
                builder.add_root_certificate(cert);
            }
        }
        None => {
            builder.danger_accept_invalid_certs(options.insecure);
        }
    }
    builder
        .build()
        .map_err(|e| StoreError::Config(format!("[{section}] cannot set up TLS: {e}")))
}

/// Maps a SOAP failure: an unreachable server, refused credentials or a
/// garbled answer are [`StoreError::Unavailable`]; other faults are I/O errors.
pub(crate) fn soap_error(error: SoapError) -> StoreError {
    match error {
        SoapError::Unreachable(message) | SoapError::Protocol(message) => {
            StoreError::Unavailable(message)
        }
        SoapError::Fault(fault) if ACCESS_FAULTS.contains(&fault.kind.as_str()) => {
            StoreError::Unavailable(format!(
                "the vSphere server refused access: {}: {}",
                fault.kind, fault.message
            ))
        }
        fault => StoreError::Io(io::Error::other(fault.to_string())),
    }
}

/// Maps an unexpected status of a datastore transfer.
pub(crate) fn status_error(status: StatusCode, url: &Url) -> StoreError {
    let message = format!("{url} answered {status}");
    if status.is_server_error()
        || matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN)
    {
        StoreError::Unavailable(message)
    } else {
        StoreError::Io(io::Error::other(message))
    }
}
