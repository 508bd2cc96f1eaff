//! Lingering on unread request bodies.
//!
//! A request refused before its body is read (an upload to an active image,
//! an unknown route, a bad token) would otherwise have its connection closed
//! with the client still sending: the client then sees a broken pipe instead
//! of the answer. Like a web server's lingering close, what the handler left
//! unread is read and discarded in the background (bounded in time) while
//! the answer goes out, so the client finishes sending and reads it.

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use http::header;
use http_body::{Frame, SizeHint};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

/// How long a refused body is read at most.
const LINGER_TIME: Duration = Duration::from_secs(30);

/// How long the client may pause sending before lingering stops.
const LINGER_IDLE: Duration = Duration::from_secs(5);

/// The request body, shared between the handler and this middleware.
type Slot = Arc<Mutex<Option<Body>>>;

/// The handler's view of the shared body.
struct SharedBody(Slot);

impl http_body::Body for SharedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let mut slot = self.0.lock().unwrap_or_else(|e| e.into_inner());
        match slot.as_mut() {
            Some(body) => Pin::new(body).poll_frame(cx),
            None => Poll::Ready(None),
        }
    }

    fn is_end_stream(&self) -> bool {
        let slot = self.0.lock().unwrap_or_else(|e| e.into_inner());
        slot.as_ref().is_none_or(http_body::Body::is_end_stream)
    }

    fn size_hint(&self) -> SizeHint {
        let slot = self.0.lock().unwrap_or_else(|e| e.into_inner());
        slot.as_ref()
            .map(http_body::Body::size_hint)
            .unwrap_or_else(|| SizeHint::with_exact(0))
    }
}

/// Whether the request announces a body.
fn has_body(request: &Request) -> bool {
    let headers = request.headers();
    let length = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0);
    length > 0 || headers.contains_key(header::TRANSFER_ENCODING)
}

/// Reads and discards what is left of `body`, within the linger bounds.
async fn drain(mut body: Body) {
    use http_body_util::BodyExt;
    let read_all = async {
        while let Ok(Some(Ok(_))) = tokio::time::timeout(LINGER_IDLE, body.frame()).await {}
    };
    let _ = tokio::time::timeout(LINGER_TIME, read_all).await;
}

/// The middleware: hands the handler a shared body and, once the answer is
/// ready, lingers on whatever the handler left unread (only when nothing
/// else still holds the body).
pub async fn linger(request: Request, next: Next) -> Response {
    if !has_body(&request) {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let slot: Slot = Arc::new(Mutex::new(Some(body)));
    let request = Request::from_parts(parts, Body::new(SharedBody(slot.clone())));
    let response = next.run(request).await;
    if Arc::strong_count(&slot) == 1 {
        let left = slot.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(body) = left.filter(|b| !http_body::Body::is_end_stream(b)) {
            tokio::spawn(drain(body));
        }
    }
    response
}
