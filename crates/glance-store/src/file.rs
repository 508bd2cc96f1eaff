//! The filesystem store (`file` driver): one file per image, named by the
//! image id, in a data directory.

mod direct;
mod read;
mod upload;

use crate::{ByteRange, ByteStream, Store, StoreError, StoredObject};
use async_trait::async_trait;
use std::io;
use std::path::{Component, Path, PathBuf};

/// Location URL prefixes this store answers for (`file://` is what it writes).
const SCHEMES: [&str; 2] = ["file://", "filesystem://"];

/// Keeps each image as `<datadir>/<image_id>`, located by
/// `file://<datadir>/<image_id>`. Uploads go to a temp file in the same
/// directory and are renamed into place only when complete.
#[derive(Debug, Clone)]
pub struct FileStore {
    datadir: PathBuf,
}

impl FileStore {
    /// Opens the data directory, creating it if needed. The path is made
    /// absolute (symlinks resolved) and must be valid UTF-8, since it becomes
    /// part of every location URL.
    pub fn new(datadir: impl Into<PathBuf>) -> Result<FileStore, StoreError> {
        let datadir = datadir.into();
        std::fs::create_dir_all(&datadir)?;
        let datadir = datadir.canonicalize()?;
        if datadir.to_str().is_none() {
            return Err(invalid_input(format!(
                "data directory {} is not valid UTF-8",
                datadir.display()
            )));
        }
        Ok(FileStore { datadir })
    }

    /// The absolute data directory holding the objects.
    pub fn datadir(&self) -> &Path {
        &self.datadir
    }

    /// The path a `file://` or `filesystem://` location URL names, wherever
    /// it is; `None` for other URLs.
    pub fn url_path(url: &str) -> Option<&Path> {
        SCHEMES
            .iter()
            .find_map(|s| url.strip_prefix(s))
            .map(Path::new)
    }

    /// The object path a location URL names, if it is one of ours: a
    /// `file://` or `filesystem://` URL naming a file directly inside the
    /// data directory. Anything else (other directories, `..`, hidden temp
    /// files) is refused so a location can never expose other host files.
    fn object_path(&self, url: &str) -> Option<PathBuf> {
        let path = Self::url_path(url)?;
        let mut rest = path.strip_prefix(&self.datadir).ok()?.components();
        match (rest.next(), rest.next()) {
            (Some(Component::Normal(name)), None) if valid_name(name.to_str()?) => {
                Some(self.datadir.join(name))
            }
            _ => None,
        }
    }

    /// [`Self::object_path`], or [`StoreError::UnknownLocation`].
    fn located(&self, url: &str) -> Result<PathBuf, StoreError> {
        self.object_path(url)
            .ok_or_else(|| StoreError::UnknownLocation(url.to_owned()))
    }
}

#[async_trait]
impl Store for FileStore {
    fn driver(&self) -> &'static str {
        "file"
    }

    fn handles(&self, url: &str) -> bool {
        self.object_path(url).is_some()
    }

    fn properties(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut props = serde_json::Map::new();
        props.insert("data_dir".into(), self.datadir.display().to_string().into());
        props.insert("chunk_size".into(), read::CHUNK.into());
        props.insert("thin_provisioning".into(), false.into());
        props
    }

    async fn put(
        &self,
        image_id: &str,
        data: ByteStream,
        _size_hint: Option<u64>,
    ) -> Result<StoredObject, StoreError> {
        if !valid_name(image_id) {
            return Err(StoreError::invalid_image_id(image_id));
        }
        let target = self.datadir.join(image_id);
        let url = format!("file://{}", target.display());
        if tokio::fs::try_exists(&target).await? {
            return Err(StoreError::Duplicate(url));
        }
        let size = upload::upload(&self.datadir, target, &url, data).await?;
        Ok(StoredObject { url, size })
    }

    async fn get(&self, url: &str, range: Option<ByteRange>) -> Result<ByteStream, StoreError> {
        let path = self.located(url)?;
        let opened = path.clone();
        let file = tokio::task::spawn_blocking(move || std::fs::File::open(&opened))
            .await
            .map_err(io::Error::other)?
            .map_err(|e| not_found_or_io(e, url))?;
        let meta = file.metadata()?;
        if !meta.is_file() {
            return Err(StoreError::NotFound(url.to_owned()));
        }
        let (start, len) = match range {
            None => (0, meta.len()),
            Some(range) => {
                let range = range.clamp_to(meta.len())?;
                (range.start, range.length())
            }
        };
        Ok(read::stream(file, &path, start, len))
    }

    async fn delete(&self, url: &str) -> Result<(), StoreError> {
        let path = self.located(url)?;
        tokio::fs::remove_file(&path)
            .await
            .map_err(|e| not_found_or_io(e, url))
    }
}

/// Whether `name` can be an object file name: one non-empty path component
/// that is not hidden (temp files are hidden).
fn valid_name(name: &str) -> bool {
    !name.is_empty() && !name.starts_with('.') && !name.contains(['/', '\0'])
}

/// An [`io::ErrorKind::InvalidInput`] store error.
fn invalid_input(message: String) -> StoreError {
    StoreError::Io(io::Error::new(io::ErrorKind::InvalidInput, message))
}

/// Maps a missing file to [`StoreError::NotFound`] for `url`.
fn not_found_or_io(error: io::Error, url: &str) -> StoreError {
    if error.kind() == io::ErrorKind::NotFound {
        StoreError::NotFound(url.to_owned())
    } else {
        StoreError::Io(error)
    }
}
