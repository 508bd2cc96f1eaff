//! Streaming a stored object: a blocking reader thread reads ahead in large
//! chunks into a two-slot queue, so disk reads overlap with the network send
//! and no async worker ever waits on the disk. Memory stays at a few chunks.

use crate::ByteStream;
use bytes::BytesMut;
use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use tokio::sync::mpsc;

/// Bytes read per call.
const CHUNK: usize = 1 << 20;

/// Chunks read ahead of the consumer.
const AHEAD: usize = 2;

/// Streams `len` bytes of `file` from `start`.
pub(super) fn stream(file: File, start: u64, len: u64) -> ByteStream {
    let (tx, mut rx) = mpsc::channel(AHEAD);
    tokio::task::spawn_blocking(move || {
        let mut offset = start;
        let end = start + len;
        while offset < end {
            let want = (end - offset).min(CHUNK as u64) as usize;
            let mut buf = BytesMut::zeroed(want);
            let result = match file.read_at(&mut buf, offset) {
                Ok(0) => Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "image file ended early",
                )),
                Ok(n) => {
                    buf.truncate(n);
                    offset += n as u64;
                    Ok(buf.freeze())
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => Err(e),
            };
            let failed = result.is_err();
            if tx.blocking_send(result).is_err() || failed {
                return;
            }
        }
    });
    Box::pin(futures::stream::poll_fn(move |cx| rx.poll_recv(cx)))
}
