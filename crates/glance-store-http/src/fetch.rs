//! One request to a location: redirects followed as upstream does, and
//! failure statuses mapped to [`StoreError`]s.

use glance_store::{ByteRange, StoreError, error_chain};
use reqwest::header::{LOCATION, RANGE};
use reqwest::{Client, Method, Response, StatusCode};
use url::Url;

/// Requests made for one fetch, as upstream's `MAX_REDIRECTS`: a location
/// may redirect at most four times.
const MAX_REQUESTS: usize = 5;

/// The location `url` if this driver can serve it: a URL starting with
/// `http://` or `https://` (as upstream checks), with a host.
pub(crate) fn location(url: &str) -> Option<Url> {
    let authority = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))?;
    if authority.starts_with('/') {
        return None;
    }
    let parsed = Url::parse(url).ok()?;
    parsed
        .host_str()
        .is_some_and(|host| !host.is_empty())
        .then_some(parsed)
}

/// Sends `method` for `url` (with a `Range` header for `range`), following
/// `301`, `302`, `303`, `307` and `308` redirects. The answer is returned
/// if it is a success or a `416`; any other status becomes an error.
pub(crate) async fn fetch(
    client: &Client,
    method: Method,
    url: &Url,
    range: Option<ByteRange>,
) -> Result<Response, StoreError> {
    let mut target = url.clone();
    for _ in 0..MAX_REQUESTS {
        let mut request = client.request(method.clone(), target.clone());
        if let Some(range) = range {
            request = request.header(RANGE, format!("bytes={}-{}", range.start, range.end));
        }
        let response = request.send().await.map_err(|e| unreachable(url, e))?;
        let status = response.status();
        if !is_redirect(status) {
            return checked(response, url);
        }
        let next = response
            .headers()
            .get(LOCATION)
            .and_then(|value| value.to_str().ok())
            .ok_or_else(|| {
                StoreError::Unavailable(format!(
                    "{} answered {status} without a Location header",
                    redacted(&target)
                ))
            })?;
        target = target.join(next).map_err(|e| {
            StoreError::Unavailable(format!(
                "{} redirected to an invalid URL {next:?}: {e}",
                redacted(&target)
            ))
        })?;
    }
    Err(StoreError::Unavailable(format!(
        "{} redirected more than {} times",
        redacted(url),
        MAX_REQUESTS - 1
    )))
}

/// The statuses that send a client to the `Location` header.
fn is_redirect(status: StatusCode) -> bool {
    matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308)
}

/// `response` if it is a success or a `416`, else the matching error.
fn checked(response: Response, url: &Url) -> Result<Response, StoreError> {
    let status = response.status();
    if status.is_success() || status == StatusCode::RANGE_NOT_SATISFIABLE {
        return Ok(response);
    }
    Err(match status {
        StatusCode::NOT_FOUND | StatusCode::GONE => StoreError::NotFound(redacted(url)),
        _ => StoreError::Unavailable(format!("{} answered {status}", redacted(url))),
    })
}

/// The server of `url` could not be reached (or the transfer broke).
fn unreachable(url: &Url, error: reqwest::Error) -> StoreError {
    let error = error.without_url();
    StoreError::Unavailable(format!(
        "cannot reach {}: {}",
        redacted(url),
        error_chain(&error)
    ))
}

/// `url` with any password in it masked, for messages.
pub(crate) fn redacted(url: &Url) -> String {
    let mut shown = url.clone();
    if shown.password().is_some() {
        // A URL with a password has a host, so this cannot fail.
        let _ = shown.set_password(Some("***"));
    }
    shown.to_string()
}
