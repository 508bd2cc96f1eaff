//! Streaming a stored object: a blocking reader thread reads ahead into a
//! two-slot queue, so disk reads overlap with the network send and no async
//! worker ever waits on the disk. Like the writer, it reads with `O_DIRECT`
//! where the file system allows (aligned blocks, no page-cache churn for
//! multi-GiB images), falling back to ordinary reads. Memory stays at a few
//! chunks whatever the object size.

use crate::ByteStream;
use bytes::Bytes;
use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::Path;
use tokio::sync::mpsc;

/// Alignment `O_DIRECT` needs for buffer address, offset and length.
const ALIGN: u64 = 4096;

/// Bytes read per call (a multiple of [`ALIGN`]).
pub(super) const CHUNK: usize = 2 << 20;

/// Chunks read ahead of the consumer.
const AHEAD: usize = 2;

/// Streams `len` bytes of the file at `path` (already opened as `file`) from `start`.
pub(super) fn stream(file: File, path: &Path, start: u64, len: u64) -> ByteStream {
    let direct = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_DIRECT)
        .open(path)
        .ok();
    let (tx, mut rx) = mpsc::channel(AHEAD);
    tokio::task::spawn_blocking(move || {
        let mut reader = Reader {
            buffered: file,
            direct,
            scratch: vec![0u8; CHUNK + ALIGN as usize],
        };
        let mut offset = start;
        let end = start + len;
        while offset < end {
            let result = reader.read(offset, end);
            if let Ok(chunk) = &result {
                offset += chunk.len() as u64;
            }
            let failed = result.is_err();
            if tx.blocking_send(result).is_err() || failed {
                return;
            }
        }
    });
    Box::pin(futures::stream::poll_fn(move |cx| rx.poll_recv(cx)))
}

/// Reads chunks, directly while that works.
struct Reader {
    buffered: File,
    direct: Option<File>,
    scratch: Vec<u8>,
}

impl Reader {
    /// Reads the next chunk starting at `offset` (never past `end`).
    fn read(&mut self, offset: u64, end: u64) -> io::Result<Bytes> {
        loop {
            match self.try_read(offset, end) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if self.direct.is_some() && e.raw_os_error() == Some(libc::EINVAL) => {
                    self.direct = None;
                }
                Ok(chunk) if chunk.is_empty() => {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "image file ended early",
                    ));
                }
                other => return other,
            }
        }
    }

    fn try_read(&mut self, offset: u64, end: u64) -> io::Result<Bytes> {
        let want = (end - offset).min(CHUNK as u64) as usize;
        match &self.direct {
            Some(direct) => {
                let aligned = offset - offset % ALIGN;
                let skip = (offset - aligned) as usize;
                let base = self.scratch.as_ptr().align_offset(ALIGN as usize);
                let buf = &mut self.scratch[base..base + CHUNK];
                let n = direct.read_at(buf, aligned)?;
                let available = n.saturating_sub(skip).min(want);
                Ok(Bytes::copy_from_slice(&buf[skip..skip + available]))
            }
            None => {
                let buf = &mut self.scratch[..want];
                let n = self.buffered.read_at(buf, offset)?;
                Ok(Bytes::copy_from_slice(&buf[..n]))
            }
        }
    }
}
