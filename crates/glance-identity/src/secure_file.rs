//! Writing owner-only (0600) files atomically: temp file in the same
//! directory, fsync, then rename (or hard link when the target must not exist).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use uuid::Uuid;

/// Replaces `path` with `bytes` so that readers see the old or the new
/// content, never a mix; the file ends up with mode 0600.
pub(crate) fn write_replace(path: &Path, bytes: &[u8]) -> io::Result<()> {
    with_temp(path, bytes, |tmp| fs::rename(tmp, path))
}

/// Creates `path` holding `bytes` only if it does not exist yet; returns
/// `ErrorKind::AlreadyExists` otherwise. The file never appears half-written.
pub(crate) fn write_new(path: &Path, bytes: &[u8]) -> io::Result<()> {
    with_temp(path, bytes, |tmp| {
        let linked = fs::hard_link(tmp, path);
        fs::remove_file(tmp)?;
        linked
    })
}

fn with_temp(
    path: &Path,
    bytes: &[u8],
    publish: impl FnOnce(&Path) -> io::Result<()>,
) -> io::Result<()> {
    let dir = parent(path);
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let tmp = dir.join(format!(".{name}.{}.tmp", Uuid::new_v4().simple()));
    let result = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        publish(&tmp)?;
        File::open(&dir)?.sync_all()
    })();
    if result.is_err() {
        // Best effort: the temp file may already be gone.
        let _ = fs::remove_file(&tmp);
    }
    result
}

fn parent(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}
