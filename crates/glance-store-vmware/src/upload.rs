//! Writing a new image: a datastore is chosen, the file must not exist yet
//! (`HEAD`), then the data is streamed in one chunked `PUT`.
//!
//! Whatever goes wrong after the `PUT` starts, or if the `put` future is
//! dropped, the partial file is deleted. When the source fails, the body is
//! ended cleanly instead of breaking the connection, so the server has
//! finished with the request (and the file) before it is deleted: a server
//! that reads a broken request late could otherwise create the file after
//! the delete. That is why no `Content-Length` is sent even when the size
//! is known.
//!
//! For the same reason the `PUT` runs in a task of its own: when the `put`
//! future is dropped, dropping the request would leave its fate to the
//! connection (the server may still write the file after the delete).
//! Instead the body is ended cleanly there too and the cleanup waits for
//! the task, so the server has answered before the file is deleted.

use crate::datastore;
use crate::download;
use crate::location::Location;
use crate::soap;
use crate::store::{Inner, status_error};
use bytes::Bytes;
use futures::channel::oneshot;
use futures::{Stream, StreamExt, future, stream};
use glance_store::{ByteStream, StoreError, StoredObject};
use reqwest::StatusCode;
use reqwest::header::COOKIE;
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::task::JoinHandle;

/// Streams `data` into a new file for `image_id`.
pub(crate) async fn put(
    inner: &Arc<Inner>,
    image_id: &str,
    data: ByteStream,
    size_hint: Option<u64>,
) -> Result<StoredObject, StoreError> {
    if image_id.is_empty() || image_id == "." || image_id == ".." || image_id.contains(['/', '\0'])
    {
        return Err(StoreError::invalid_image_id(image_id));
    }
    let target = datastore::select(&inner.soap, &inner.datastores, size_hint.unwrap_or(0)).await?;
    let location = Location::new(
        &inner.host,
        &inner.image_dir,
        image_id,
        &target.spec.dc_path,
        &target.spec.name,
    )
    .ok_or_else(|| StoreError::invalid_image_id(image_id))?;
    if download::exists(inner, &location).await? {
        return Err(StoreError::Duplicate(location.url));
    }

    let tally = Arc::new(Tally::default());
    let (stop, stopped) = oneshot::channel::<()>();
    let data = counted(data, size_hint, tally.clone()).take_until(stopped);
    let mut request = inner
        .soap
        .http()
        .put(location.https.clone())
        .body(reqwest::Body::wrap_stream(data));
    if let Some(cookie) = inner.soap.cookie().0 {
        request = request.header(COOKIE, cookie);
    }
    let (answered, answer) = oneshot::channel();
    let cleanup = Cleanup {
        armed: Some((inner.clone(), location.clone())),
        request: Some(tokio::spawn(async move {
            let _ = answered.send(request.send().await);
        })),
        stop: Some(stop),
    };
    let Ok(sent) = answer.await else {
        cleanup.run().await;
        return Err(StoreError::Io(io::Error::other(
            "the upload request ended without an answer",
        )));
    };
    if let Some(error) = tally.take_error() {
        cleanup.run().await;
        return Err(StoreError::SourceFailed(error));
    }
    let response = match sent {
        Ok(response) => response,
        Err(e) => {
            cleanup.run().await;
            return Err(StoreError::Unavailable(soap::unreachable(
                &location.https,
                e,
            )));
        }
    };
    match response.status() {
        StatusCode::OK | StatusCode::CREATED => {
            cleanup.disarm();
            Ok(StoredObject {
                url: location.url,
                size: tally.bytes.load(Ordering::Relaxed),
            })
        }
        StatusCode::CONFLICT => {
            cleanup.disarm();
            Err(StoreError::Duplicate(location.url))
        }
        status => {
            cleanup.run().await;
            Err(status_error(status, &location.https))
        }
    }
}

/// Bytes passed to the server, and the source's error if it failed.
#[derive(Debug, Default)]
struct Tally {
    bytes: AtomicU64,
    error: Mutex<Option<io::Error>>,
}

impl Tally {
    /// Keeps the first source error.
    fn fail(&self, error: io::Error) {
        let mut kept = self.error.lock().unwrap_or_else(|e| e.into_inner());
        kept.get_or_insert(error);
    }

    /// The source error, if there was one.
    fn take_error(&self) -> Option<io::Error> {
        self.error.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
}

/// `data`, counted into `tally`. A source error, or a length other than
/// `expected`, is recorded in `tally` and ends the stream early (cleanly).
fn counted(
    data: ByteStream,
    expected: Option<u64>,
    tally: Arc<Tally>,
) -> impl Stream<Item = io::Result<Bytes>> + Send + 'static {
    let at_end = tally.clone();
    let chunks = data.scan(tally, move |tally, item| {
        let chunk = match item {
            Ok(chunk) => chunk,
            Err(e) => {
                tally.fail(e);
                return future::ready(None);
            }
        };
        let len = chunk.len() as u64;
        let total = tally.bytes.fetch_add(len, Ordering::Relaxed) + len;
        if let Some(size) = expected
            && total > size
        {
            tally.fail(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("the data is longer than the {size} bytes announced"),
            ));
            return future::ready(None);
        }
        future::ready(Some(Ok(chunk)))
    });
    let end = stream::once(async move {
        let total = at_end.bytes.load(Ordering::Relaxed);
        if let Some(size) = expected
            && total < size
        {
            at_end.fail(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("the data ended after {total} of the {size} bytes announced"),
            ));
        }
    })
    .filter_map(|()| future::ready(None::<io::Result<Bytes>>));
    chunks.chain(end)
}

/// Deletes a partial file unless disarmed: awaited on failures, spawned if
/// the `put` future is dropped midway, after the `PUT` has ended.
struct Cleanup {
    armed: Option<(Arc<Inner>, Location)>,
    /// The task sending the `PUT`.
    request: Option<JoinHandle<()>>,
    /// Dropping it ends the request body (cleanly).
    stop: Option<oneshot::Sender<()>>,
}

impl Cleanup {
    /// The upload succeeded (or wrote nothing): keep the file.
    fn disarm(mut self) {
        self.armed = None;
    }

    /// Deletes the partial file now.
    async fn run(mut self) {
        if let Some((inner, location)) = &self.armed {
            remove(inner, location).await;
        }
        self.armed = None;
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        // Ends the body, so the request (if still under way) ends too.
        self.stop = None;
        let Some((inner, location)) = self.armed.take() else {
            return;
        };
        let request = self.request.take();
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move {
                    if let Some(request) = request {
                        let _ = request.await;
                    }
                    remove(&inner, &location).await;
                });
            }
            Err(_) => tracing::warn!(
                "upload of {} abandoned outside a runtime; the partial file is left behind",
                location.url
            ),
        }
    }
}

/// Deletes a partial file; one that is not there is fine.
async fn remove(inner: &Inner, location: &Location) {
    match inner.delete_file(location).await {
        Ok(()) | Err(StoreError::NotFound(_)) => {}
        Err(e) => tracing::warn!("could not delete the partial upload {}: {e}", location.url),
    }
}
