//! `identity.json` on disk: cached in memory, re-read when another process
//! (e.g. `glance-manage`) replaced it, and updated under an exclusive file lock.

use std::fs::{self, OpenOptions};
use std::io;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::{PoisonError, RwLock};

use crate::IdentityError;
use crate::records::Records;
use crate::secure_file;

/// Identifies one version of the file: a rename gives a new inode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    ino: u64,
    mtime: i64,
    mtime_nsec: i64,
    len: u64,
}

#[derive(Debug)]
struct Cached {
    records: Records,
    stamp: Option<Stamp>,
}

/// The persistent user/project/assignment store.
#[derive(Debug)]
pub(crate) struct Store {
    path: PathBuf,
    lock_path: PathBuf,
    cache: RwLock<Cached>,
}

impl Store {
    /// Opens (without creating) `dir/identity.json`.
    pub(crate) fn open(dir: &Path) -> Result<Store, IdentityError> {
        let path = dir.join("identity.json");
        let (records, stamp) = load(&path)?;
        Ok(Store {
            lock_path: dir.join("identity.lock"),
            path,
            cache: RwLock::new(Cached { records, stamp }),
        })
    }

    /// Runs `f` over the current records, first re-reading the file if it changed.
    pub(crate) fn read<T>(&self, f: impl FnOnce(&Records) -> T) -> Result<T, IdentityError> {
        let current = stamp(&self.path)?;
        {
            let cache = self.cache.read().unwrap_or_else(PoisonError::into_inner);
            if cache.stamp == current {
                return Ok(f(&cache.records));
            }
        }
        let (records, stamp) = load(&self.path)?;
        let mut cache = self.cache.write().unwrap_or_else(PoisonError::into_inner);
        *cache = Cached { records, stamp };
        Ok(f(&cache.records))
    }

    /// Applies `f` to the latest records and saves them, holding an exclusive
    /// lock on `identity.lock` so concurrent processes do not lose updates.
    /// Nothing is written when `f` fails.
    pub(crate) fn update<T>(
        &self,
        f: impl FnOnce(&mut Records) -> Result<T, IdentityError>,
    ) -> Result<T, IdentityError> {
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .open(&self.lock_path)
            .map_err(IdentityError::io(&self.lock_path))?;
        lock.lock().map_err(IdentityError::io(&self.lock_path))?;
        let (mut records, _) = load(&self.path)?;
        let out = f(&mut records)?;
        let json =
            serde_json::to_vec_pretty(&records).map_err(|source| IdentityError::Corrupt {
                path: self.path.clone(),
                source,
            })?;
        secure_file::write_replace(&self.path, &json).map_err(IdentityError::io(&self.path))?;
        let stamp = stamp(&self.path)?;
        *self.cache.write().unwrap_or_else(PoisonError::into_inner) = Cached { records, stamp };
        Ok(out)
    }
}

fn stamp(path: &Path) -> Result<Option<Stamp>, IdentityError> {
    match fs::metadata(path) {
        Ok(m) => Ok(Some(Stamp {
            ino: m.ino(),
            mtime: m.mtime(),
            mtime_nsec: m.mtime_nsec(),
            len: m.len(),
        })),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(IdentityError::io(path)(e)),
    }
}

fn load(path: &Path) -> Result<(Records, Option<Stamp>), IdentityError> {
    let stamp = stamp(path)?;
    if stamp.is_none() {
        return Ok((Records::default(), None));
    }
    let bytes = fs::read(path).map_err(IdentityError::io(path))?;
    let records = serde_json::from_slice(&bytes).map_err(|source| IdentityError::Corrupt {
        path: path.to_path_buf(),
        source,
    })?;
    Ok((records, stamp))
}
