//! Turning a successful `GET` answer into the bytes that were asked for:
//! a `206` is checked against the request, and a `200` from a server that
//! ignored the `Range` header is trimmed here.

use bytes::Bytes;
use futures::{StreamExt, TryStreamExt, stream};
use glance_store::{ByteRange, ByteStream, ContentRange, StoreError};
use reqwest::header::CONTENT_RANGE;
use reqwest::{Response, StatusCode};
use std::io;

/// The body of `response` as a stream.
pub(crate) fn body(response: Response) -> ByteStream {
    response.bytes_stream().map_err(io::Error::other).boxed()
}

/// The bytes of `range` out of a successful answer to a ranged `GET`.
pub(crate) async fn ranged(response: Response, range: ByteRange) -> Result<ByteStream, StoreError> {
    if response.status() == StatusCode::PARTIAL_CONTENT {
        let sent = content_range(&response);
        let (Some((first, last)), Some(size)) = (sent.span, sent.size) else {
            return Err(StoreError::invalid_data(
                "a 206 answer without a valid Content-Range".to_owned(),
            ));
        };
        let want = range.clamp_to(size)?;
        if (first, last) != (want.start, want.end) {
            return Err(StoreError::invalid_data(format!(
                "asked for bytes {}-{}, the server sent {first}-{last} of {size}",
                want.start, want.end
            )));
        }
        return Ok(body(response));
    }
    if let Some(size) = response.content_length() {
        range.clamp_to(size)?;
    }
    let (head, rest) = skip(body(response), range.start).await?;
    let body = stream::once(async { Ok(head) }).chain(rest).boxed();
    Ok(limit(body, range.length()))
}

/// Reads past the first `start` bytes of `body`: the rest of the chunk
/// holding byte `start`, and the stream after it. A body that ends first is
/// [`StoreError::RangeNotSatisfiable`] with the size it had.
async fn skip(mut body: ByteStream, start: u64) -> Result<(Bytes, ByteStream), StoreError> {
    let mut offset = 0;
    while let Some(chunk) = body.next().await {
        let chunk = chunk?;
        let end = offset + chunk.len() as u64;
        if end > start {
            return Ok((chunk.slice((start - offset) as usize..), body));
        }
        offset = end;
    }
    Err(StoreError::RangeNotSatisfiable { size: offset })
}

/// At most `len` bytes of `body`; once they are through, or after an
/// error, the body is dropped (releasing the connection) without reading on.
fn limit(body: ByteStream, len: u64) -> ByteStream {
    stream::unfold((body, len), |(mut body, left)| async move {
        if left == 0 {
            return None;
        }
        match body.next().await? {
            Ok(mut chunk) => {
                if chunk.len() as u64 > left {
                    chunk.truncate(left as usize);
                }
                let left = left - chunk.len() as u64;
                Some((Ok(chunk), (body, left)))
            }
            Err(e) => Some((Err(e), (body, 0))),
        }
    })
    .boxed()
}

/// The `Content-Range` of `response`; all `None` if absent or malformed.
pub(crate) fn content_range(response: &Response) -> ContentRange {
    let value = response.headers().get(CONTENT_RANGE);
    value
        .and_then(|value| glance_store::content_range(value.to_str().ok()?))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(parts: &[&'static [u8]]) -> ByteStream {
        let items: Vec<io::Result<Bytes>> =
            parts.iter().map(|p| Ok(Bytes::from_static(p))).collect();
        stream::iter(items).boxed()
    }

    async fn collect(body: ByteStream) -> Vec<u8> {
        body.map(|chunk| chunk.unwrap().to_vec()).concat().await
    }

    #[tokio::test]
    async fn skip_and_limit_cut_across_chunks() {
        let (head, rest) = skip(chunks(&[b"abc", b"defg", b"hij"]), 4).await.unwrap();
        assert_eq!(head, "efg");
        let body = stream::once(async { Ok(head) }).chain(rest).boxed();
        assert_eq!(collect(limit(body, 4)).await, b"efgh");

        let (head, rest) = skip(chunks(&[b"abc"]), 0).await.unwrap();
        assert_eq!(head, "abc");
        assert!(collect(rest).await.is_empty());
    }

    #[tokio::test]
    async fn skip_past_the_end_reports_the_size() {
        for start in [7, 8, 100] {
            let result = skip(chunks(&[b"abc", b"defg"]), start).await;
            assert!(
                matches!(result, Err(StoreError::RangeNotSatisfiable { size: 7 })),
                "start {start}"
            );
        }
    }
}
