//! Writing an image: one streaming `PUT` when the size is known and below
//! the large-object size; otherwise a static large object (SLO) of segments
//! `<object>-00001`, `<object>-00002`, ... (upstream's names), each at most
//! the chunk size and streamed, then the manifest
//! (`?multipart-manifest=put`). Whatever a failed or dropped upload wrote
//! is deleted again.
//!
//! Deleting must not race a `PUT` still under way, or the object it
//! creates afterwards stays behind (Swift orders the two by when its proxy
//! got each, so a `PUT` that reaches it late, after the `DELETE`, wins).
//! So every `PUT` runs in a task of its own, which ends on its own terms
//! even when the upload future is dropped, and the cleanup first waits for
//! all of them. Such a request ends soon: its body, cut off, ends with an
//! error (see [`body_channel`]), so the client breaks the connection
//! instead of completing the body, and Swift stores nothing of a request
//! whose body did not arrive whole (neither a short `Content-Length` body
//! nor a chunked one without its last chunk). A request whose body was
//! complete is answered, and what it created is then deleted with the
//! rest.

use crate::auth::Session;
use crate::client::Swift;
use crate::error::{status, transport};
use crate::source::Source;
use bytes::Bytes;
use futures::channel::{mpsc, oneshot};
use futures::future::{self, Either};
use futures::{SinkExt, StreamExt, stream};
use glance_store::{ByteStream, StoreError};
use reqwest::header::{CONTENT_LENGTH, ETAG, IF_NONE_MATCH};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde::Serialize;
use std::collections::VecDeque;
use std::io;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use tokio::task::JoinHandle;

/// Chunks queued between the source and a request body.
const QUEUE: usize = 1;

/// Where an upload goes.
pub(crate) struct Target<'a> {
    /// The container.
    pub container: &'a str,
    /// The object name (the image id).
    pub object: &'a str,
    /// The location URL, reported in [`StoreError::Duplicate`].
    pub url: &'a str,
}

/// When and how to segment, in bytes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Segmenting {
    /// Known sizes from here up are segmented.
    pub large_object_size: u64,
    /// The segment size.
    pub chunk_size: u64,
}

/// One SLO manifest entry.
#[derive(Debug, Serialize)]
struct SegmentRef {
    path: String,
    etag: Option<String>,
    size_bytes: u64,
}

/// Streams `data` into `target` and returns the bytes stored. On any
/// failure, and if this future is dropped, what was written is removed.
pub(crate) async fn upload(
    swift: &Arc<Swift>,
    target: &Target<'_>,
    segmenting: Segmenting,
    data: ByteStream,
    size_hint: Option<u64>,
) -> Result<u64, StoreError> {
    let mut source = Source::new(data, size_hint);
    let mut written = Written {
        swift: swift.clone(),
        container: target.container.to_owned(),
        names: Vec::new(),
        requests: Vec::new(),
    };
    let result = match size_hint {
        Some(size) if size < segmenting.large_object_size => {
            put_whole(swift, target, &mut source, size, &mut written).await
        }
        _ => {
            put_segmented(
                swift,
                target,
                &mut source,
                segmenting.chunk_size,
                &mut written,
            )
            .await
        }
    };
    match result {
        Ok(size) => {
            written.keep();
            Ok(size)
        }
        Err(e) => {
            written.remove().await;
            Err(e)
        }
    }
}

/// One `PUT` of exactly `size` bytes, refused if the object exists.
async fn put_whole(
    swift: &Swift,
    target: &Target<'_>,
    source: &mut Source,
    size: u64,
    written: &mut Written,
) -> Result<u64, StoreError> {
    let session = swift.session().await?;
    let what = format!("uploading {}/{}", target.container, target.object);
    written.add(target.object);
    let piece = Piece {
        session: &session,
        container: target.container,
        name: target.object,
        limit: size,
        length: Some(size),
        last: true,
    };
    let (response, sent) = piece
        .send(swift, source, &what, written, |r| {
            r.header(IF_NONE_MATCH, "*")
        })
        .await?;
    created(response, target, &what, written).await?;
    Ok(sent)
}

/// Segments of at most `chunk_size`, then the SLO manifest. Data that ends
/// up empty is stored as a plain empty object.
///
/// The source is read in order, one segment body at a time, but while
/// segment N+1 streams, segment N's `PUT` may still be waiting for Swift's
/// answer: at most [`IN_FLIGHT`] segment requests are open at once, and
/// nothing is buffered beyond each body's small queue.
async fn put_segmented(
    swift: &Swift,
    target: &Target<'_>,
    source: &mut Source,
    chunk_size: u64,
    written: &mut Written,
) -> Result<u64, StoreError> {
    let mut segments = Segments::default();
    let total = put_segments(swift, target, source, chunk_size, written, &mut segments).await?;
    let segments = segments.done;
    if segments.is_empty() {
        return put_whole(swift, target, source, 0, written).await;
    }
    let what = format!(
        "writing the manifest {}/{}",
        target.container, target.object
    );
    let manifest = serde_json::to_vec(&segments).map_err(io::Error::other)?;
    let session = swift.session().await?;
    written.add(target.object);
    let request = swift
        .http()
        .put(session.url(target.container, Some(target.object)))
        .query(&[("multipart-manifest", "put")])
        .header("X-Auth-Token", &session.token)
        .header(IF_NONE_MATCH, "*")
        .body(manifest)
        .send();
    let failed = what.clone();
    let response = written
        .run(async move { request.await.map_err(|e| transport(&failed, &e)) })
        .await?;
    created(response, target, &what, written).await?;
    Ok(total)
}

/// Segment requests open at once.
const IN_FLIGHT: usize = 2;

/// Streams every segment; returns the bytes sent, with every segment
/// answered and listed in `segments.done`.
async fn put_segments(
    swift: &Swift,
    target: &Target<'_>,
    source: &mut Source,
    chunk_size: u64,
    written: &mut Written,
    segments: &mut Segments,
) -> Result<u64, StoreError> {
    let mut total = 0;
    let mut count = 0;
    loop {
        let at_end = async { source.at_end().await.map_err(StoreError::SourceFailed) };
        if segments.alongside(at_end).await? {
            break;
        }
        // A slot must be free before the next request opens.
        segments.settle(IN_FLIGHT - 1).await?;
        count += 1;
        let name = format!("{}-{count:05}", target.object);
        let what = format!("uploading segment {}/{name}", target.container);
        // Refreshed before each segment, so a long upload never streams
        // with a token about to expire.
        let session = segments.alongside(swift.session()).await?;
        let length = source.remaining().map(|left| left.min(chunk_size));
        written.add(&name);
        let (tx, body) = body_channel();
        let mut request = swift
            .http()
            .put(session.url(target.container, Some(&name)))
            .header("X-Auth-Token", &session.token)
            .body(body);
        if let Some(length) = length {
            request = request.header(CONTENT_LENGTH, length);
        }
        let answer = written.run(async move {
            let response = request.send().await.map_err(|e| transport(&what, &e))?;
            if response.status() != StatusCode::CREATED {
                return Err(status(&what, response).await);
            }
            Ok(etag(&response))
        });
        segments.in_flight.push_back(InFlight {
            path: format!("/{}/{name}", target.container),
            size: None,
            etag: None,
            answer: Some(Box::pin(answer)),
        });
        let sent = segments
            .alongside(feed(source, tx, chunk_size, false))
            .await?;
        if let Some(current) = segments.in_flight.back_mut() {
            current.size = Some(sent);
        }
        total += sent;
    }
    segments.settle(0).await?;
    Ok(total)
}

/// A segment's answer: its unquoted `ETag`.
type Answer = Pin<Box<dyn Future<Output = Result<Option<String>, StoreError>> + Send>>;

/// A segment whose `PUT` is open.
struct InFlight {
    path: String,
    /// The bytes sent, once its body is complete.
    size: Option<u64>,
    /// Swift's `ETag`, once it answered.
    etag: Option<Option<String>>,
    /// The answer, until it came.
    answer: Option<Answer>,
}

/// The segments of an upload: answered (in order) and still open.
#[derive(Default)]
struct Segments {
    done: Vec<SegmentRef>,
    in_flight: VecDeque<InFlight>,
}

impl Segments {
    /// Polls every open answer, moving finished segments (in order) to
    /// `done`; the first failure is returned.
    fn poll_answers(&mut self, cx: &mut Context<'_>) -> Result<(), StoreError> {
        for segment in &mut self.in_flight {
            let Some(answer) = &mut segment.answer else {
                continue;
            };
            if let Poll::Ready(answer) = answer.as_mut().poll(cx) {
                segment.answer = None;
                segment.etag = Some(answer?);
            }
        }
        while let Some(segment) = self.in_flight.front() {
            let (Some(size), Some(_)) = (segment.size, &segment.etag) else {
                break;
            };
            let segment = self.in_flight.pop_front().expect("a front segment");
            self.done.push(SegmentRef {
                path: segment.path,
                etag: segment.etag.flatten(),
                size_bytes: size,
            });
        }
        Ok(())
    }

    /// Runs `work` while the open requests go on; a failed request ends it.
    async fn alongside<T>(
        &mut self,
        work: impl Future<Output = Result<T, StoreError>>,
    ) -> Result<T, StoreError> {
        let mut work = pin!(work);
        future::poll_fn(|cx| {
            if let Err(e) = self.poll_answers(cx) {
                return Poll::Ready(Err(e));
            }
            work.as_mut().poll(cx)
        })
        .await
    }

    /// Waits until at most `open` requests are open.
    async fn settle(&mut self, open: usize) -> Result<(), StoreError> {
        future::poll_fn(|cx| {
            self.poll_answers(cx)?;
            if self.in_flight.len() <= open {
                Poll::Ready(Ok(()))
            } else {
                Poll::Pending
            }
        })
        .await
    }
}

/// Checks the answer to a `PUT` of the object itself: `201`, or `412`
/// (the object exists: not ours to remove) as [`StoreError::Duplicate`].
async fn created(
    response: Response,
    target: &Target<'_>,
    what: &str,
    written: &mut Written,
) -> Result<(), StoreError> {
    match response.status() {
        StatusCode::CREATED => Ok(()),
        StatusCode::PRECONDITION_FAILED => {
            written.forget(target.object);
            Err(StoreError::Duplicate(target.url.to_owned()))
        }
        _ => Err(status(what, response).await),
    }
}

/// The `ETag` Swift computed for a segment, unquoted.
fn etag(response: &Response) -> Option<String> {
    response
        .headers()
        .get(ETAG)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim_matches('"').to_owned())
}

/// One object `PUT` whose body is the next part of the source.
struct Piece<'a> {
    session: &'a Session,
    container: &'a str,
    name: &'a str,
    /// At most this many bytes go in.
    limit: u64,
    /// The `Content-Length`, when known; else the body is chunked.
    length: Option<u64>,
    /// Whether the source must end with this piece.
    last: bool,
}

impl Piece<'_> {
    /// Sends the request (a task tracked by `written`) while feeding it
    /// from `source`; returns the answer and the bytes sent. A source
    /// failure breaks the request mid-body, so Swift never stores a partial
    /// object.
    async fn send(
        self,
        swift: &Swift,
        source: &mut Source,
        what: &str,
        written: &mut Written,
        customize: impl FnOnce(RequestBuilder) -> RequestBuilder,
    ) -> Result<(Response, u64), StoreError> {
        let (tx, body) = body_channel();
        let mut request = swift
            .http()
            .request(
                Method::PUT,
                self.session.url(self.container, Some(self.name)),
            )
            .header("X-Auth-Token", &self.session.token)
            .body(body);
        if let Some(length) = self.length {
            request = request.header(CONTENT_LENGTH, length);
        }
        let request = customize(request).send();
        let owned_what = what.to_owned();
        let request =
            pin!(written.run(async move { request.await.map_err(|e| transport(&owned_what, &e)) }));
        let feeding = pin!(feed(source, tx, self.limit, self.last));
        match future::select(request, feeding).await {
            Either::Left((response, feeding)) => {
                let response = response?;
                if !response.status().is_success() {
                    return Ok((response, 0));
                }
                // Swift has the whole body; the feeder only has to return.
                let sent = feeding.await?;
                Ok((response, sent))
            }
            Either::Right((sent, request)) => {
                let sent = sent?;
                let response = request.await?;
                Ok((response, sent))
            }
        }
    }
}

/// The feeding end of a request body, from [`body_channel`].
struct BodySender {
    tx: mpsc::Sender<io::Result<Bytes>>,
    /// Set when the body is complete.
    complete: Arc<AtomicBool>,
}

impl BodySender {
    /// Ends the body cleanly: everything was fed.
    fn finish(self) {
        self.complete.store(true, Ordering::Release);
    }
}

/// A request body fed through the returned sender. It ends cleanly only
/// after [`BodySender::finish`]; a sender dropped before (a failed source,
/// a dropped upload) makes the body end with an error, so the client breaks
/// the request off rather than completing it (a chunked body would
/// otherwise get its last chunk, and Swift would store the partial data).
fn body_channel() -> (BodySender, reqwest::Body) {
    let (tx, rx) = mpsc::channel::<io::Result<Bytes>>(QUEUE);
    let complete = Arc::new(AtomicBool::new(false));
    let finished = complete.clone();
    let end = stream::once(async move {
        (!finished.load(Ordering::Acquire))
            .then(|| Err(io::Error::other("the upload was abandoned")))
    })
    .filter_map(future::ready);
    let body = reqwest::Body::wrap_stream(rx.chain(end));
    (BodySender { tx, complete }, body)
}

/// Moves up to `limit` bytes from `source` into a request body, then ends
/// the body. With `last`, first checks that the source has nothing more.
async fn feed(
    source: &mut Source,
    mut body: BodySender,
    limit: u64,
    last: bool,
) -> Result<u64, StoreError> {
    let mut sent = 0;
    while sent < limit {
        let Some(chunk) = source
            .next(limit - sent)
            .await
            .map_err(StoreError::SourceFailed)?
        else {
            break;
        };
        sent += chunk.len() as u64;
        if body.tx.send(Ok(chunk)).await.is_err() {
            // The request ended early; its answer says why.
            return Ok(sent);
        }
    }
    if last {
        source.finish().await.map_err(StoreError::SourceFailed)?;
    }
    body.finish();
    Ok(sent)
}

/// Objects an upload in progress may have created; removed unless the
/// upload succeeds (in a background task if the upload is dropped), once
/// every request of the upload has ended.
struct Written {
    swift: Arc<Swift>,
    container: String,
    names: Vec<String>,
    /// The tasks running the upload's requests (finished ones pruned).
    requests: Vec<JoinHandle<()>>,
}

impl Written {
    /// Runs `request` in a task of its own, so that it goes on to its end
    /// even if the upload is dropped meanwhile; returns its outcome.
    fn run<T: Send + 'static>(
        &mut self,
        request: impl Future<Output = Result<T, StoreError>> + Send + 'static,
    ) -> impl Future<Output = Result<T, StoreError>> + Send + 'static {
        let (tx, rx) = oneshot::channel();
        self.requests.retain(|task| !task.is_finished());
        self.requests.push(tokio::spawn(async move {
            let _ = tx.send(request.await);
        }));
        async move {
            rx.await.unwrap_or_else(|_| {
                Err(StoreError::Io(io::Error::other(
                    "a swift request task ended without an answer",
                )))
            })
        }
    }

    fn add(&mut self, name: &str) {
        self.names.push(name.to_owned());
    }

    fn forget(&mut self, name: &str) {
        self.names.retain(|n| n != name);
    }

    /// The upload succeeded: keep everything.
    fn keep(mut self) {
        self.names.clear();
    }

    /// The upload failed: remove everything now (once its requests ended).
    async fn remove(mut self) {
        let names = std::mem::take(&mut self.names);
        let requests = std::mem::take(&mut self.requests);
        remove_all(&self.swift, &self.container, names, requests).await;
    }
}

impl Drop for Written {
    fn drop(&mut self) {
        if self.names.is_empty() {
            return;
        }
        let names = std::mem::take(&mut self.names);
        let requests = std::mem::take(&mut self.requests);
        let swift = self.swift.clone();
        let container = std::mem::take(&mut self.container);
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move { remove_all(&swift, &container, names, requests).await });
            }
            Err(_) => tracing::warn!(
                container,
                ?names,
                "an upload to swift was dropped outside a runtime; its objects stay behind"
            ),
        }
    }
}

/// Waits for `requests` to end, then deletes `names` (newest first, so a
/// manifest goes before its segments); what is already gone is fine, other
/// failures are logged.
async fn remove_all(
    swift: &Swift,
    container: &str,
    names: Vec<String>,
    requests: Vec<JoinHandle<()>>,
) {
    future::join_all(requests).await;
    for name in names.iter().rev() {
        let what = format!("removing {container}/{name} after a failed upload");
        match swift
            .send(Method::DELETE, container, Some(name), &what, |r| r)
            .await
        {
            Ok(response)
                if response.status().is_success() || response.status() == StatusCode::NOT_FOUND => {
            }
            Ok(response) => tracing::warn!("{}", status(&what, response).await),
            Err(e) => tracing::warn!("{e}"),
        }
    }
}
