//! The `/folder` `GET` of a download, on a connection of its own: hyper's
//! HTTP/1 client over a native-tls stream read through [`Greedy`], so that
//! the body arrives in large chunks, with the connection driven by whoever
//! reads the body rather than by a task of its own, which spares a
//! cross-task wake-up per chunk. (reqwest reads one TLS record per body
//! chunk, in a connection task, and takes no other stream type.) Uploads,
//! `HEAD`s and SOAP calls stay on the store's reqwest client, which has the
//! same TLS connector.

use crate::greedy::Greedy;
use bytes::Bytes;
use futures::Stream;
use glance_store::{ByteRange, StoreError};
use http_body_util::Empty;
use hyper::body::{Body as _, Incoming};
use hyper::client::conn::http1;
use hyper::header::{ACCEPT, COOKIE, HOST, HeaderValue, RANGE};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use std::error::Error;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::BufReader;
use tokio::net::TcpStream;
use tokio_native_tls::{TlsConnector, TlsStream};
use url::{Position, Url};

/// How much is read from the socket at once beneath TLS, which asks for
/// each record's header and then for its rest.
const SOCKET_BUFFER: usize = 256 * 1024;

/// The stream a download is read from.
type Io = Greedy<TlsStream<BufReader<TcpStream>>>;

/// The client side of a download's connection.
type Connection = http1::Connection<TokioIo<Io>, Empty<Bytes>>;

/// Opens a connection per download, with the store's TLS settings.
#[derive(Clone)]
pub(crate) struct Fetcher {
    tls: TlsConnector,
    connect_timeout: Duration,
}

impl std::fmt::Debug for Fetcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fetcher")
            .field("connect_timeout", &self.connect_timeout)
            .finish_non_exhaustive()
    }
}

impl Fetcher {
    /// A fetcher connecting with `tls`, giving up on a connection (TCP and
    /// TLS) after `connect_timeout`.
    pub(crate) fn new(tls: native_tls::TlsConnector, connect_timeout: Duration) -> Self {
        Fetcher {
            tls: tls.into(),
            connect_timeout,
        }
    }

    /// Sends a `GET` for `url` with the session `cookie` and, for `range`, a
    /// `Range` header; no redirect is followed. The connection closes once
    /// the body has been read or dropped.
    pub(crate) async fn get(
        &self,
        url: &Url,
        cookie: Option<HeaderValue>,
        range: Option<ByteRange>,
    ) -> Result<Response<BodyStream>, StoreError> {
        let unreachable = |error: &dyn Error| {
            StoreError::Unavailable(format!(
                "cannot reach {url}: {}",
                glance_store::error_chain(error)
            ))
        };
        let stream = tokio::time::timeout(self.connect_timeout, self.connect(url))
            .await
            .map_err(|_| {
                StoreError::Unavailable(format!(
                    "cannot reach {url}: no connection within {} s",
                    self.connect_timeout.as_secs()
                ))
            })?
            .map_err(|e| unreachable(&*e))?;
        let (mut sender, connection) = http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| unreachable(&e))?;
        let mut request = Request::get(&url[Position::BeforePath..Position::AfterQuery])
            .header(HOST, &url[Position::BeforeHost..Position::AfterPort])
            .header(ACCEPT, "*/*");
        if let Some(cookie) = cookie {
            request = request.header(COOKIE, cookie);
        }
        if let Some(range) = range {
            request = request.header(RANGE, format!("bytes={}-{}", range.start, range.end));
        }
        let request = request
            .body(Empty::<Bytes>::new())
            .map_err(|e| unreachable(&e))?;
        let mut connection = Some(connection);
        let mut sent = std::pin::pin!(sender.send_request(request));
        let response = std::future::poll_fn(|cx| {
            drive(&mut connection, cx);
            sent.as_mut().poll(cx)
        })
        .await
        .map_err(|e| unreachable(&e))?;
        Ok(response.map(|body| BodyStream { body, connection }))
    }

    /// A TCP connection to the server of `url` with TLS on it.
    async fn connect(&self, url: &Url) -> Result<Io, Box<dyn Error + Send + Sync>> {
        let host = url
            .host_str()
            .ok_or("the URL has no host")?
            .trim_start_matches('[')
            .trim_end_matches(']');
        let port = url.port_or_known_default().ok_or("the URL has no port")?;
        let tcp = TcpStream::connect((host, port)).await?;
        tcp.set_nodelay(true)?;
        let buffered = BufReader::with_capacity(SOCKET_BUFFER, tcp);
        Ok(Greedy::new(self.tls.connect(host, buffered).await?))
    }
}

/// Polls `connection` unless it has ended; an error ends it (the response
/// or body waiting on it then fails).
fn drive(connection: &mut Option<Connection>, cx: &mut Context<'_>) {
    if let Some(running) = connection
        && let Poll::Ready(result) = Pin::new(running).poll(cx)
    {
        if let Err(e) = result {
            tracing::debug!("a download connection failed: {e}");
        }
        *connection = None;
    }
}

/// The data of a response body, read by driving its connection; dropping
/// it closes the connection.
pub(crate) struct BodyStream {
    body: Incoming,
    connection: Option<Connection>,
}

impl BodyStream {
    /// The next data frame of the body, if one is ready (trailers are skipped).
    fn poll_data(&mut self, cx: &mut Context<'_>) -> Poll<Option<io::Result<Bytes>>> {
        loop {
            return match Pin::new(&mut self.body).poll_frame(cx) {
                Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
                    Ok(data) => Poll::Ready(Some(Ok(data))),
                    Err(_) => continue,
                },
                Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(io::Error::other(e)))),
                Poll::Ready(None) => Poll::Ready(None),
                Poll::Pending => Poll::Pending,
            };
        }
    }
}

impl Stream for BodyStream {
    type Item = io::Result<Bytes>;

    /// Takes a chunk that is ready; otherwise lets the connection read (it
    /// only reads once the body has asked for more) and looks again.
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if let Poll::Ready(item) = this.poll_data(cx) {
            return Poll::Ready(item);
        }
        drive(&mut this.connection, cx);
        this.poll_data(cx)
    }
}
