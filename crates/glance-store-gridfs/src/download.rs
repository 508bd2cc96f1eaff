//! Streaming a GridFS file, or a byte range of it, chunk by chunk.
//!
//! Only the chunks the range touches are queried (`files_id` plus `n`
//! between the first and last needed chunk, sorted by `n`), in small
//! cursor batches, and each is trimmed to the range as it arrives.

use crate::error::store_error;
use bytes::Bytes;
use futures::{StreamExt, TryStreamExt, stream};
use glance_store::{ByteRange, ByteStream, StoreError};
use mongodb::bson::{Binary, doc};
use mongodb::{Collection, Cursor};
use serde::Deserialize;
use std::io;

/// Roughly how many bytes one cursor batch may carry.
const BATCH_BYTES: u64 = 4 * 1024 * 1024;

/// The fields of a `<bucket>.chunks` document a read needs.
#[derive(Debug, Deserialize)]
pub(crate) struct ChunkDoc {
    /// The chunk's position in the file, from 0.
    n: i64,
    /// The chunk's bytes.
    data: Binary,
}

/// The shape of a stored file, from its `<bucket>.files` document.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FileShape {
    /// The file size in bytes.
    pub(crate) length: u64,
    /// The size of every chunk but the last.
    pub(crate) chunk_size: u64,
}

impl FileShape {
    /// How many bytes chunk `n` must hold.
    fn chunk_len(self, n: u64) -> u64 {
        self.chunk_size.min(self.length - n * self.chunk_size)
    }
}

/// Streams bytes `range.start..=range.end` (already fitted to the file) of
/// the file `file_id`, whose chunks are in `chunks`.
pub(crate) async fn stream_range(
    chunks: &Collection<ChunkDoc>,
    file_id: &str,
    shape: FileShape,
    range: ByteRange,
) -> Result<ByteStream, StoreError> {
    if shape.chunk_size == 0 {
        return Err(StoreError::Io(corrupt("its chunkSize is 0".into())));
    }
    let first = range.start / shape.chunk_size;
    let last = range.end / shape.chunk_size;
    let batch = (BATCH_BYTES / shape.chunk_size).clamp(1, 1024) as u32;
    let cursor = chunks
        .find(doc! { "files_id": file_id, "n": { "$gte": first as i64, "$lte": last as i64 } })
        .sort(doc! { "n": 1 })
        .projection(doc! { "_id": 0, "n": 1, "data": 1 })
        .batch_size(batch)
        .await
        .map_err(store_error)?;
    let reader = Reader {
        cursor,
        shape,
        range,
        next: first,
        last,
    };
    Ok(stream::try_unfold(reader, Reader::next_piece).boxed())
}

/// The state of one ranged read.
struct Reader {
    /// The chunks `first..=last`, in order.
    cursor: Cursor<ChunkDoc>,
    /// The file's size and chunk size.
    shape: FileShape,
    /// The bytes to return.
    range: ByteRange,
    /// The chunk number expected next.
    next: u64,
    /// The last chunk number needed.
    last: u64,
}

impl Reader {
    /// The next chunk trimmed to the range, or the end of the stream; a
    /// missing, repeated or wrongly sized chunk is an error.
    async fn next_piece(mut self) -> io::Result<Option<(Bytes, Reader)>> {
        let Some(chunk) = self.cursor.try_next().await.map_err(io::Error::other)? else {
            if self.next <= self.last {
                return Err(corrupt(format!("chunk {} is missing", self.next)));
            }
            return Ok(None);
        };
        let n = self.next;
        if u64::try_from(chunk.n).ok() != Some(n) {
            return Err(corrupt(format!(
                "expected chunk {n}, found chunk {}",
                chunk.n
            )));
        }
        let data = chunk.data.bytes;
        if data.len() as u64 != self.shape.chunk_len(n) {
            return Err(corrupt(format!(
                "chunk {n} holds {} bytes instead of {}",
                data.len(),
                self.shape.chunk_len(n)
            )));
        }
        let chunk_start = n * self.shape.chunk_size;
        let from = self.range.start.saturating_sub(chunk_start) as usize;
        let to = (self.range.end - chunk_start + 1).min(data.len() as u64) as usize;
        self.next += 1;
        Ok(Some((Bytes::from(data).slice(from..to), self)))
    }
}

/// An error for a file whose chunks do not match its files document.
fn corrupt(reason: String) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("GridFS file is corrupt: {reason}"),
    )
}
