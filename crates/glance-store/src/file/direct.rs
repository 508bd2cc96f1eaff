//! The upload writer: full, aligned blocks go to disk with `O_DIRECT`,
//! bypassing the page cache (allocating page-cache pages for a new
//! multi-GiB file costs more CPU than hashing it); the unaligned tail, and
//! everything on file systems without `O_DIRECT`, goes through the normal
//! buffered path. Memory is one fixed block buffer whatever the file size.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::Path;

/// Alignment `O_DIRECT` needs for buffer address, offset and length.
const ALIGN: usize = 4096;

/// Bytes gathered before one write.
const BLOCK: usize = 4 << 20;

/// Writes a file sequentially, directly where possible.
pub(super) struct BlockWriter {
    buffered: File,
    direct: Option<File>,
    storage: Vec<u8>,
    start: usize,
    filled: usize,
    offset: u64,
}

impl BlockWriter {
    /// Writes into `file` (whose path is `path`), trying a second, direct handle.
    pub(super) fn new(file: File, path: &Path) -> Self {
        let direct = OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_DIRECT)
            .open(path)
            .ok();
        let storage = vec![0u8; BLOCK + ALIGN];
        let start = storage.as_ptr().align_offset(ALIGN).min(ALIGN);
        Self {
            buffered: file,
            direct,
            storage,
            start,
            filled: 0,
            offset: 0,
        }
    }

    /// Appends data, writing out every full block.
    pub(super) fn write(&mut self, mut data: &[u8]) -> io::Result<()> {
        while !data.is_empty() {
            let n = (BLOCK - self.filled).min(data.len());
            let at = self.start + self.filled;
            self.storage[at..at + n].copy_from_slice(&data[..n]);
            self.filled += n;
            data = &data[n..];
            if self.filled == BLOCK {
                self.flush_block()?;
            }
        }
        Ok(())
    }

    /// Writes the full block buffer at the current offset.
    fn flush_block(&mut self) -> io::Result<()> {
        let block = &self.storage[self.start..self.start + self.filled];
        let direct = match &self.direct {
            Some(d) => d.write_all_at(block, self.offset),
            None => Err(io::Error::from(io::ErrorKind::Unsupported)),
        };
        if let Err(e) = direct {
            if self.direct.is_some() && e.raw_os_error() != Some(libc::EINVAL) {
                return Err(e);
            }
            // No O_DIRECT here: use the page cache from now on.
            self.direct = None;
            self.buffered.write_all_at(block, self.offset)?;
        }
        self.offset += self.filled as u64;
        self.filled = 0;
        Ok(())
    }

    /// Writes the tail and returns the file, ready to be synced.
    pub(super) fn finish(mut self) -> io::Result<File> {
        let tail = &self.storage[self.start..self.start + self.filled];
        self.buffered.write_all_at(tail, self.offset)?;
        self.direct = None;
        Ok(self.buffered)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn writes_blocks_and_tail_in_order() {
        let temp = tempfile::NamedTempFile::new_in(std::env::temp_dir()).unwrap();
        let (file, path) = temp.into_parts();
        let mut w = BlockWriter::new(file, &path);
        let data: Vec<u8> = (0..(BLOCK * 2 + 12345)).map(|i| (i % 251) as u8).collect();
        for piece in data.chunks(100_003) {
            w.write(piece).unwrap();
        }
        w.finish().unwrap().sync_all().unwrap();
        let mut back = Vec::new();
        File::open(&path).unwrap().read_to_end(&mut back).unwrap();
        assert_eq!(back.len(), data.len());
        assert!(back == data);
    }
}
