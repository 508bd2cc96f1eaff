//! The image sweep: recovery after a node died mid-upload or mid-import.
//!
//! A node that dies while receiving data leaves its image `saving` (its
//! heartbeat, [`crate::service::UPLOAD_HEARTBEAT`], stops refreshing
//! `updated_at`) and maybe bytes in a file store: a hidden temp file
//! (`.upload-*`) or a complete `<datadir>/<image id>` it had not recorded yet.
//! A node that dies while reading a location added through the location API
//! leaves its image `importing`, beside data it did not write.
//! [`sweep`] returns `saving` and `importing` images not updated for
//! `older_than` to `queued`, leaving them as a failed upload or location
//! import does (no location, size or hashes), and removes file-store files
//! that no image needs, never the data at an abandoned import's location.
//! Each requeue is a compare-and-set on the status and on `updated_at` still
//! being older than the threshold, so a heartbeat landing after the sweep
//! listed the image keeps it alive. Only files not written for `older_than`
//! are considered, so data of uploads in flight is never touched:
//! `older_than` must stay well above the heartbeat interval (and above the
//! clock skew between nodes: `updated_at` is each node's clock).
//!
//! The [`glance_store::Store`] trait has no listing, so the sweep reads the
//! file stores' directories itself (names: `<image id>` for data, hidden
//! `.upload-*` for uploads in progress) and deletes data through the trait.

use crate::service::requeue_changes;
use glance_config::ApiConfig;
use glance_registry::{Registry, RegistryError};
use glance_store::{FileStore, Store, StoreError};
use glance_types::{
    Filter, FilterValue, Image, ImageChanges, ImageStatus, ListQuery, MemberStatusFilter, Scope,
    SortDir, SortKey, TimeOp, Timestamp, VisibilityFilter,
};
use std::collections::HashSet;
use std::fmt;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// The threshold `glance-manage image-sweep` uses unless told otherwise.
pub const DEFAULT_OLDER_THAN: Duration = Duration::from_secs(600);

/// The conservative threshold of the start-up sweep.
pub const STARTUP_OLDER_THAN: Duration = Duration::from_secs(3600);

/// Name prefix of the file store's upload temp files.
const TEMP_PREFIX: &str = ".upload-";

/// Images fetched per page when listing stale images.
const PAGE: u32 = 500;

/// What to sweep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SweepOptions {
    /// Only `saving` and `importing` images not updated for this long, and
    /// files not written for this long, are considered.
    pub older_than: Duration,
    /// Report what would be done, change nothing.
    pub dry_run: bool,
}

/// Why a data file is not needed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrphanReason {
    /// No image has this id, or it was deleted.
    NoImage,
    /// The image has no data in this status (`queued`, an abandoned `saving`, ...).
    Status(ImageStatus),
}

/// One thing the sweep did (or, in a dry run, would do).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// An abandoned `saving` image returned to `queued`.
    StaleUpload {
        /// The image.
        image_id: String,
        /// When its upload last showed signs of life.
        updated_at: Timestamp,
    },
    /// An abandoned `importing` image (a location import) returned to
    /// `queued` without its location; the data there is left in place.
    StaleImport {
        /// The image.
        image_id: String,
        /// When its import last showed signs of life.
        updated_at: Timestamp,
        /// The URLs of the locations dropped.
        locations: Vec<String>,
    },
    /// A data file no image needs, removed.
    OrphanData {
        /// Its location URL.
        url: String,
        /// Why it is not needed.
        reason: OrphanReason,
    },
    /// An abandoned upload temp file, removed.
    TempFile {
        /// Its path.
        path: PathBuf,
    },
}

impl Finding {
    /// One line for an operator: what was done, or would be in a dry run.
    pub fn describe(&self, dry_run: bool) -> String {
        let (requeue, remove) = if dry_run {
            ("would return", "would remove")
        } else {
            ("returned", "removed")
        };
        match self {
            Self::StaleUpload {
                image_id,
                updated_at,
            } => format!(
                "{requeue} image {image_id} to queued (saving, no upload activity since {})",
                glance_types::format_timestamp(updated_at)
            ),
            Self::StaleImport {
                image_id,
                updated_at,
                locations,
            } => format!(
                "{requeue} image {image_id} to queued (importing, no location import activity since {}; location {} dropped, its data left in place)",
                glance_types::format_timestamp(updated_at),
                locations.join(", ")
            ),
            Self::OrphanData { url, reason } => {
                let why = match reason {
                    OrphanReason::NoImage => "no such image, or deleted".to_string(),
                    OrphanReason::Status(s) => format!("image is {s}"),
                };
                format!("{remove} orphaned data {url} ({why})")
            }
            Self::TempFile { path } => {
                format!("{remove} abandoned upload temp file {}", path.display())
            }
        }
    }
}

/// What a sweep found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SweepReport {
    /// Whether nothing was changed.
    pub dry_run: bool,
    /// Everything found, in the order handled.
    pub findings: Vec<Finding>,
}

impl fmt::Display for SweepReport {
    /// One line per finding, then a summary line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (mut images, mut imports, mut data, mut temps) = (0, 0, 0, 0);
        for finding in &self.findings {
            writeln!(f, "{}", finding.describe(self.dry_run))?;
            match finding {
                Finding::StaleUpload { .. } => images += 1,
                Finding::StaleImport { .. } => {
                    images += 1;
                    imports += 1;
                }
                Finding::OrphanData { .. } => data += 1,
                Finding::TempFile { .. } => temps += 1,
            }
        }
        let prefix = if self.dry_run {
            "Dry run, nothing changed: would return"
        } else {
            "Returned"
        };
        let verb = if self.dry_run { "remove" } else { "removed" };
        let of_which = if imports > 0 {
            format!(" ({imports} abandoned location import(s), their data left in place)")
        } else {
            String::new()
        };
        write!(
            f,
            "{prefix} {images} image(s) to queued{of_which}; {verb} {data} orphaned data file(s) and {temps} temp file(s)."
        )
    }
}

/// Why a sweep stopped.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// The registry failed (nothing is removed without an answer from it).
    #[error("image registry: {0}")]
    Registry(#[from] RegistryError),
    /// A store directory could not be opened or read.
    #[error("store directory {dir}: {source}")]
    Directory {
        /// The directory.
        dir: PathBuf,
        /// The failure.
        #[source]
        source: io::Error,
    },
    /// A file store could not be opened.
    #[error("file store in {dir}: {source}")]
    OpenStore {
        /// The data directory.
        dir: PathBuf,
        /// The failure.
        #[source]
        source: StoreError,
    },
    /// A file could not be removed.
    #[error("cannot remove {path}: {source}")]
    Remove {
        /// The file.
        path: String,
        /// The failure.
        #[source]
        source: StoreError,
    },
}

/// The file stores the configuration enables (`[glance_store]` with the
/// `file` driver, or every `file` backend of `enabled_backends`) whose data
/// directories exist; missing directories hold nothing to sweep.
pub fn file_stores(config: &ApiConfig) -> Result<Vec<FileStore>, SweepError> {
    let dirs: Vec<&Path> = if config.backends.is_empty() {
        let gs = &config.glance_store;
        is_file_driver(&gs.default_store)
            .then_some(gs.filesystem_store_datadir.as_path())
            .into_iter()
            .collect()
    } else {
        config
            .backends
            .iter()
            .filter(|b| is_file_driver(&b.driver))
            .map(|b| b.filesystem_store_datadir.as_path())
            .collect()
    };
    dirs.into_iter()
        .filter(|dir| dir.is_dir())
        .map(|dir| {
            FileStore::new(dir).map_err(|source| SweepError::OpenStore {
                dir: dir.to_path_buf(),
                source,
            })
        })
        .collect()
}

/// Whether a store driver name is the file store.
fn is_file_driver(name: &str) -> bool {
    matches!(name, "file" | "filesystem")
}

/// Sweeps abandoned uploads and location imports: see the module
/// documentation. Stale images are handled first, so the leftover data of
/// uploads counts as orphaned in the same run.
pub async fn sweep(
    registry: &dyn Registry,
    stores: &[FileStore],
    options: &SweepOptions,
) -> Result<SweepReport, SweepError> {
    let older = chrono::Duration::from_std(options.older_than).unwrap_or(chrono::Duration::MAX);
    let cutoff = glance_types::now()
        .checked_sub_signed(older)
        .unwrap_or(chrono::DateTime::<chrono::Utc>::MIN_UTC);
    let file_cutoff = SystemTime::now()
        .checked_sub(options.older_than)
        .unwrap_or(SystemTime::UNIX_EPOCH);
    let mut findings = Vec::new();
    // Files at the locations of abandoned imports: not ours to remove.
    let mut foreign = HashSet::new();
    for status in [ImageStatus::Saving, ImageStatus::Importing] {
        for image in stale_images(registry, status, cutoff).await? {
            let locations: Vec<String> = image.locations.iter().map(|l| l.url.clone()).collect();
            if status == ImageStatus::Importing {
                foreign.extend(locations.iter().filter_map(|url| file_path(url)));
            }
            if !options.dry_run && !requeue(registry, &image, status, cutoff).await? {
                continue;
            }
            findings.push(match status {
                ImageStatus::Importing => Finding::StaleImport {
                    image_id: image.id,
                    updated_at: image.updated_at,
                    locations,
                },
                _ => Finding::StaleUpload {
                    image_id: image.id,
                    updated_at: image.updated_at,
                },
            });
        }
    }
    let judge = Judge {
        registry,
        cutoff,
        file_cutoff,
        foreign: &foreign,
        dry_run: options.dry_run,
    };
    for store in stores {
        sweep_store(&judge, store, &mut findings).await?;
    }
    Ok(SweepReport {
        dry_run: options.dry_run,
        findings,
    })
}

/// Returns a stale image in `status` to `queued` as a failed upload or
/// location import leaves it, unless it changed since the sweep listed it:
/// the compare-and-set also requires `updated_at` still before `cutoff`, so
/// a heartbeat that landed meanwhile wins. `false` if the image changed.
async fn requeue(
    registry: &dyn Registry,
    image: &Image,
    status: ImageStatus,
    cutoff: Timestamp,
) -> Result<bool, RegistryError> {
    let changes = ImageChanges {
        expect_updated_before: Some(cutoff),
        ..requeue_changes(status)
    };
    match registry.update_image(&image.id, &changes).await {
        Ok(_) => {}
        // Finished, failed, deleted or alive again meanwhile: nothing to recover.
        Err(
            RegistryError::StatusMismatch { .. }
            | RegistryError::UpdatedSince { .. }
            | RegistryError::NotFound(_),
        ) => return Ok(false),
        Err(e) => return Err(e),
    }
    let what = match status {
        ImageStatus::Importing => "location import",
        _ => "upload",
    };
    tracing::warn!(
        "image {}: {what} abandoned (no heartbeat since {}), returned to queued",
        image.id,
        glance_types::format_timestamp(&image.updated_at)
    );
    Ok(true)
}

/// The file a `file://` or `filesystem://` location URL names, resolved
/// (symbolic links, `..`) so that it compares with the files of a store
/// directory; `None` for other URLs and for files that do not exist.
fn file_path(url: &str) -> Option<PathBuf> {
    std::fs::canonicalize(FileStore::url_path(url)?).ok()
}

/// Every image in `status` (of any project, hidden or not) last updated before `cutoff`.
async fn stale_images(
    registry: &dyn Registry,
    status: ImageStatus,
    cutoff: Timestamp,
) -> Result<Vec<Image>, RegistryError> {
    let mut query = ListQuery::new(Scope::Admin(None), PAGE);
    query.visibility = Some(VisibilityFilter::All);
    query.member_status = MemberStatusFilter::All;
    query.filters = vec![
        Filter::Column("status", FilterValue::Eq(status.as_str().into())),
        Filter::UpdatedAt(TimeOp::Lt, cutoff),
    ];
    query.sort = vec![(SortKey::Id, SortDir::Asc)];
    let mut seen = HashSet::new();
    let mut stale = Vec::new();
    loop {
        let page = match registry.list_images(&query).await {
            Ok(page) => page,
            // The marker image was deleted meanwhile: start over, skipping what we have.
            Err(RegistryError::MarkerNotFound(_)) => {
                query.marker = None;
                continue;
            }
            Err(e) => return Err(e),
        };
        let full = page.len() == PAGE as usize;
        query.marker = page.last().map(|i| i.id.clone());
        stale.extend(page.into_iter().filter(|i| seen.insert(i.id.clone())));
        if !full {
            return Ok(stale);
        }
    }
}

/// What judging a store file needs.
struct Judge<'a> {
    /// The registry.
    registry: &'a dyn Registry,
    /// Images not updated since are abandoned.
    cutoff: Timestamp,
    /// Files not modified since are candidates.
    file_cutoff: SystemTime,
    /// Resolved paths never removed (data at abandoned imports' locations).
    foreign: &'a HashSet<PathBuf>,
    /// Report only.
    dry_run: bool,
}

/// Removes one file store's abandoned temp files and orphaned data.
async fn sweep_store(
    judge: &Judge<'_>,
    store: &FileStore,
    findings: &mut Vec<Finding>,
) -> Result<(), SweepError> {
    let dry_run = judge.dry_run;
    let dir = store.datadir();
    let read_error = |source| SweepError::Directory {
        dir: dir.to_path_buf(),
        source,
    };
    let mut entries = tokio::fs::read_dir(dir).await.map_err(read_error)?;
    while let Some(entry) = entries.next_entry().await.map_err(read_error)? {
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        let path = entry.path();
        let Some(meta) = old_file(&path, judge.file_cutoff).await else {
            continue;
        };
        if name.starts_with(TEMP_PREFIX) {
            if !dry_run {
                remove_temp(&path).await?;
            }
            findings.push(Finding::TempFile { path });
            continue;
        }
        if !is_image_id(&name) {
            continue;
        }
        let url = format!("file://{}", path.display());
        if !store.handles(&url) {
            continue;
        }
        if !judge.foreign.is_empty()
            && tokio::fs::canonicalize(&path)
                .await
                .is_ok_and(|p| judge.foreign.contains(&p))
        {
            continue;
        }
        let Some(reason) = orphan_reason(judge.registry, &name, judge.cutoff).await? else {
            continue;
        };
        if !dry_run {
            // Only the very file judged above: an upload may only write
            // here once it is gone, and its file would be a new one.
            let unchanged = tokio::fs::symlink_metadata(&path)
                .await
                .is_ok_and(|now| now.ino() == meta.ino() && now.dev() == meta.dev());
            if !unchanged {
                continue;
            }
            match store.delete(&url).await {
                Ok(()) | Err(StoreError::NotFound(_)) => {}
                Err(source) => return Err(SweepError::Remove { path: url, source }),
            }
            tracing::warn!("removed orphaned image data {url}");
        }
        findings.push(Finding::OrphanData { url, reason });
    }
    Ok(())
}

/// The metadata of a regular file last modified before `cutoff`; `None`
/// for anything else (or anything gone meanwhile).
async fn old_file(path: &Path, cutoff: SystemTime) -> Option<std::fs::Metadata> {
    let meta = tokio::fs::symlink_metadata(path).await.ok()?;
    let modified = meta.modified().ok()?;
    (meta.is_file() && modified < cutoff).then_some(meta)
}

/// Removes an abandoned temp file (gone already is fine).
async fn remove_temp(path: &Path) -> Result<(), SweepError> {
    match tokio::fs::remove_file(path).await {
        Ok(()) => {
            tracing::warn!("removed abandoned upload temp file {}", path.display());
            Ok(())
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(SweepError::Remove {
            path: path.display().to_string(),
            source: StoreError::Io(e),
        }),
    }
}

/// Whether `name` is an image id as the API creates them (a lowercase
/// hyphenated UUID); other files in a store directory are never touched.
fn is_image_id(name: &str) -> bool {
    uuid::Uuid::try_parse(name).is_ok_and(|u| u.hyphenated().to_string() == name)
}

/// Why the data of image `id` is not needed, or `None` if it is: the image
/// has data (`active`, `deactivated`, `pending_delete`) or an upload or
/// import is alive (updated since `cutoff`).
async fn orphan_reason(
    registry: &dyn Registry,
    id: &str,
    cutoff: Timestamp,
) -> Result<Option<OrphanReason>, RegistryError> {
    let image = match registry.get_image(id).await {
        Ok(image) => image,
        Err(RegistryError::NotFound(_)) => return Ok(Some(OrphanReason::NoImage)),
        Err(e) => return Err(e),
    };
    let needed = match image.status {
        ImageStatus::Active | ImageStatus::Deactivated | ImageStatus::PendingDelete => true,
        ImageStatus::Saving | ImageStatus::Uploading | ImageStatus::Importing => {
            image.updated_at >= cutoff
        }
        ImageStatus::Queued | ImageStatus::Killed | ImageStatus::Deleted => false,
    };
    Ok((!needed).then_some(OrphanReason::Status(image.status)))
}

/// The start-up sweep: [`sweep`] with [`STARTUP_OLDER_THAN`], logged.
/// It never stops the service: a failure is logged and the report is
/// `None`. Takes owned arguments so it can run in the background.
pub async fn startup_sweep(
    registry: Arc<dyn Registry>,
    stores: Vec<FileStore>,
) -> Option<SweepReport> {
    let options = SweepOptions {
        older_than: STARTUP_OLDER_THAN,
        dry_run: false,
    };
    match sweep(registry.as_ref(), &stores, &options).await {
        Ok(report) => {
            tracing::info!(
                "start-up image sweep (older than {} s): {} finding(s)",
                STARTUP_OLDER_THAN.as_secs(),
                report.findings.len()
            );
            Some(report)
        }
        Err(e) => {
            tracing::error!(
                "start-up image sweep failed: {e}; run `glance-manage image-sweep` later"
            );
            None
        }
    }
}
