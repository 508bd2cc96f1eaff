//! The image sweep: abandoned `saving` images back to `queued`, orphaned
//! data and temp files removed, live uploads and needed data left alone;
//! through the library, the start-up sweep, `glance-manage image-sweep`,
//! and beside a live upload kept fresh by its heartbeat.

use glance_api::service::ImageService;
use glance_api::settings::Settings;
use glance_api::stores::{StoreEntry, StoreMap};
use glance_api::sweep::{Finding, OrphanReason, SweepOptions, startup_sweep, sweep};
use glance_api::{AppState, router};
use glance_auth::Policy;
use glance_registry::{Registry, SqlRegistry};
use glance_store::FileStore;
use glance_types::{Image, ImageStatus, Location};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

const MINUTE: Duration = Duration::from_secs(60);

/// A SQLite registry and a file store in a temporary directory.
struct Fixture {
    dir: tempfile::TempDir,
    registry: Arc<SqlRegistry>,
    store: FileStore,
}

impl Fixture {
    async fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let registry = glance_registry::connect(&format!(
            "sqlite:///{}",
            dir.path().join("glance.sqlite").display()
        ))
        .await
        .unwrap();
        registry.migrate().await.unwrap();
        let store = FileStore::new(dir.path().join("images")).unwrap();
        Self {
            dir,
            registry: Arc::new(registry),
            store,
        }
    }

    /// Stores an image with this status, last updated `ago`.
    async fn image(&self, status: ImageStatus, ago: Duration) -> Image {
        let mut image = Image::new(
            uuid::Uuid::new_v4().to_string(),
            Some("p1".into()),
            glance_types::now() - chrono::Duration::from_std(ago).unwrap(),
        );
        image.status = status;
        image.disk_format = Some("raw".into());
        image.container_format = Some("bare".into());
        if status != ImageStatus::Queued {
            // What a node that died mid-activation might have left.
            image.size = Some(4);
            image.checksum = Some("c".into());
            image.os_hash_algo = Some("sha512".into());
            image.os_hash_value = Some("h".into());
        }
        if matches!(status, ImageStatus::Active | ImageStatus::Deactivated) {
            image.locations = vec![Location {
                url: self.url(&image.id),
                metadata: Default::default(),
            }];
        }
        self.registry.create_image(&image).await.unwrap()
    }

    fn path(&self, name: &str) -> PathBuf {
        self.store.datadir().join(name)
    }

    fn url(&self, id: &str) -> String {
        format!("file://{}", self.path(id).display())
    }

    /// Writes a file in the store directory, last modified `ago`.
    fn file(&self, name: &str, ago: Duration) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, b"data").unwrap();
        age(&path, ago);
        path
    }

    async fn status(&self, id: &str) -> ImageStatus {
        self.registry.get_image(id).await.unwrap().status
    }

    async fn sweep(&self, older_than: Duration, dry_run: bool) -> Vec<Finding> {
        let options = SweepOptions {
            older_than,
            dry_run,
        };
        let stores = [self.store.clone()];
        sweep(self.registry.as_ref(), &stores, &options)
            .await
            .unwrap()
            .findings
    }
}

/// Sets a file's modification time to `ago` in the past.
fn age(path: &Path, ago: Duration) {
    let file = std::fs::File::options().write(true).open(path).unwrap();
    file.set_modified(SystemTime::now() - ago).unwrap();
}

#[tokio::test]
async fn stale_saving_returns_to_queued_and_fresh_saving_is_untouched() {
    let f = Fixture::new().await;
    let stale = f.image(ImageStatus::Saving, 20 * MINUTE).await;
    let fresh = f.image(ImageStatus::Saving, Duration::ZERO).await;
    let queued = f.image(ImageStatus::Queued, 20 * MINUTE).await;

    let findings = f.sweep(10 * MINUTE, false).await;
    assert_eq!(
        findings,
        vec![Finding::StaleUpload {
            image_id: stale.id.clone(),
            updated_at: stale.updated_at
        }]
    );
    let requeued = f.registry.get_image(&stale.id).await.unwrap();
    assert_eq!(requeued.status, ImageStatus::Queued);
    assert_eq!(requeued.size, None);
    assert_eq!(requeued.checksum, None);
    assert_eq!(requeued.os_hash_algo, None);
    assert_eq!(requeued.os_hash_value, None);
    assert!(requeued.locations.is_empty());
    assert!(requeued.updated_at > stale.updated_at);
    assert_eq!(f.status(&fresh.id).await, ImageStatus::Saving);
    assert_eq!(f.status(&queued.id).await, ImageStatus::Queued);
    // A second sweep finds nothing left to do.
    assert!(f.sweep(10 * MINUTE, false).await.is_empty());
}

/// Files of every kind the sweep must judge, with what should become of them.
struct Layout {
    kept: Vec<PathBuf>,
    removed: Vec<PathBuf>,
    stale: String,
}

async fn layout(f: &Fixture) -> Layout {
    let old = 20 * MINUTE;
    let active = f.image(ImageStatus::Active, old).await;
    let deactivated = f.image(ImageStatus::Deactivated, old).await;
    let live = f.image(ImageStatus::Saving, Duration::ZERO).await;
    let stale = f.image(ImageStatus::Saving, old).await;
    let queued = f.image(ImageStatus::Queued, old).await;
    let just_written = f.image(ImageStatus::Queued, old).await;
    let deleted = f.image(ImageStatus::Active, old).await;
    f.registry.delete_image(&deleted.id).await.unwrap();
    let unknown = uuid::Uuid::new_v4().to_string();
    Layout {
        kept: vec![
            f.file(&active.id, old),
            f.file(&deactivated.id, old),
            // A live upload (heartbeat fresh) about to record its data.
            f.file(&live.id, old),
            // Written just now: whatever it is, an upload may be finishing.
            f.file(&just_written.id, Duration::ZERO),
            f.file(".upload-fresh", Duration::ZERO),
            // Not an image file: never touched.
            f.file("README", old),
            f.file(".hidden", old),
        ],
        removed: vec![
            f.file(&stale.id, old),
            f.file(&queued.id, old),
            f.file(&deleted.id, old),
            f.file(&unknown, old),
            f.file(".upload-abandoned", old),
        ],
        stale: stale.id,
    }
}

#[tokio::test]
async fn orphaned_data_and_abandoned_temp_files_are_removed() {
    let f = Fixture::new().await;
    let l = layout(&f).await;
    let findings = f.sweep(10 * MINUTE, false).await;
    for path in &l.kept {
        assert!(path.exists(), "{} must be kept", path.display());
    }
    for path in &l.removed {
        assert!(!path.exists(), "{} must be removed", path.display());
    }
    assert_eq!(f.status(&l.stale).await, ImageStatus::Queued);
    assert_eq!(findings.len(), 1 + l.removed.len(), "{findings:?}");
    assert!(findings.contains(&Finding::OrphanData {
        url: f.url(&l.stale),
        reason: OrphanReason::Status(ImageStatus::Queued)
    }));
    assert!(findings.contains(&Finding::TempFile {
        path: f.path(".upload-abandoned")
    }));
    let unknown = l.removed[3].file_name().unwrap().to_str().unwrap();
    assert!(findings.contains(&Finding::OrphanData {
        url: f.url(unknown),
        reason: OrphanReason::NoImage
    }));
}

#[tokio::test]
async fn dry_run_changes_nothing_and_reports_the_same() {
    let f = Fixture::new().await;
    let l = layout(&f).await;
    let planned = f.sweep(10 * MINUTE, true).await;
    for path in l.kept.iter().chain(&l.removed) {
        assert!(path.exists(), "{} must still exist", path.display());
    }
    assert_eq!(f.status(&l.stale).await, ImageStatus::Saving);
    let done = f.sweep(10 * MINUTE, false).await;
    // The same images and files, except that a dry run sees the stale
    // image's data while the image is still `saving`.
    let normalise = |findings: Vec<Finding>| {
        let mut v: Vec<String> = findings
            .into_iter()
            .map(|f| match f {
                Finding::OrphanData { url, .. } => url,
                other => other.describe(false),
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(normalise(planned), normalise(done));
}

#[tokio::test]
async fn startup_sweep_uses_a_conservative_threshold() {
    let f = Fixture::new().await;
    let recent = f.image(ImageStatus::Saving, 20 * MINUTE).await;
    let ancient = f.image(ImageStatus::Saving, 120 * MINUTE).await;
    let recent_file = f.file(".upload-recent", 20 * MINUTE);
    let ancient_file = f.file(".upload-ancient", 120 * MINUTE);
    let registry: Arc<dyn Registry> = f.registry.clone();
    let report = startup_sweep(registry, vec![f.store.clone()])
        .await
        .expect("sweep runs");
    assert_eq!(report.findings.len(), 2, "{report}");
    assert_eq!(f.status(&recent.id).await, ImageStatus::Saving);
    assert_eq!(f.status(&ancient.id).await, ImageStatus::Queued);
    assert!(recent_file.exists());
    assert!(!ancient_file.exists());
}

/// Runs `glance-manage` with a configuration file.
fn manage(conf: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_glance-manage"))
        .arg("--config-file")
        .arg(conf)
        .args(args)
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

#[tokio::test]
async fn glance_manage_image_sweep() {
    let f = Fixture::new().await;
    let conf = f.dir.path().join("glance-api.conf");
    std::fs::write(
        &conf,
        format!(
            "[database]\nconnection = sqlite:///{}\n[glance_store]\nfilesystem_store_datadir = {}\n",
            f.dir.path().join("glance.sqlite").display(),
            f.store.datadir().display()
        ),
    )
    .unwrap();
    let old = 20 * MINUTE;
    let stale = f.image(ImageStatus::Saving, old).await;
    let data = f.file(&stale.id, old);
    let temp = f.file(".upload-x", old);

    let (ok, text) = manage(&conf, &["image-sweep", "--older-than", "5"]);
    assert!(!ok, "{text}");
    assert!(
        text.contains("--older-than must be at least 60 seconds"),
        "{text}"
    );

    let (ok, text) = manage(&conf, &["image-sweep", "--dry-run"]);
    assert!(ok, "{text}");
    assert!(
        text.contains(&format!("would return image {} to queued", stale.id)),
        "{text}"
    );
    assert!(
        text.contains(&format!("would remove orphaned data {}", f.url(&stale.id))),
        "{text}"
    );
    assert!(text.contains("Dry run, nothing changed"), "{text}");
    assert!(data.exists() && temp.exists());
    assert_eq!(f.status(&stale.id).await, ImageStatus::Saving);

    let (ok, text) = manage(&conf, &["image-sweep", "--older-than", "600"]);
    assert!(ok, "{text}");
    assert!(
        text.contains(&format!("returned image {} to queued", stale.id)),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "removed abandoned upload temp file {}",
            temp.display()
        )),
        "{text}"
    );
    assert!(
        text.contains(
            "Returned 1 image(s) to queued; removed 1 orphaned data file(s) and 1 temp file(s)."
        ),
        "{text}"
    );
    assert!(!data.exists() && !temp.exists());
    assert_eq!(f.status(&stale.id).await, ImageStatus::Queued);

    let (ok, text) = manage(&conf, &["image-sweep"]);
    assert!(ok, "{text}");
    assert!(text.contains("Returned 0 image(s)"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heartbeat_keeps_a_slow_upload_from_being_swept() {
    let f = Fixture::new().await;
    let stores = StoreMap::single(
        vec![StoreEntry {
            id: "file".into(),
            store: Arc::new(f.store.clone()),
            description: None,
            weight: 0,
        }],
        "file".into(),
    );
    let registry: Arc<dyn Registry> = f.registry.clone();
    let service = ImageService::new(registry, stores, Policy::default(), Settings::default())
        .with_upload_heartbeat(Duration::from_millis(100));
    let state = AppState {
        images: Arc::new(service),
        auth: glance_api::auth::Auth::Headers,
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router(state)).await.unwrap() });
    let image = f.image(ImageStatus::Queued, Duration::ZERO).await;

    // A body trickling in for about two seconds.
    let chunks = futures::stream::unfold(0u32, |n| async move {
        if n == 20 {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        Some((Ok::<_, std::io::Error>(vec![7u8; 1000]), n + 1))
    });
    let upload = reqwest::Client::new()
        .put(format!("{base}/v2/images/{}/file", image.id))
        .header("Content-Type", "application/octet-stream")
        .body(reqwest::Body::wrap_stream(chunks))
        .send();
    let watch = async {
        let mut beats = std::collections::BTreeSet::new();
        for _ in 0..12 {
            tokio::time::sleep(Duration::from_millis(150)).await;
            let now = f.registry.get_image(&image.id).await.unwrap();
            if now.status != ImageStatus::Saving {
                break;
            }
            beats.insert(now.updated_at);
            // Older than one second means abandoned: the heartbeat says otherwise.
            let options = SweepOptions {
                older_than: Duration::from_secs(1),
                dry_run: false,
            };
            let report = sweep(f.registry.as_ref(), &[], &options).await.unwrap();
            assert!(report.findings.is_empty(), "{report}");
        }
        beats
    };
    let (response, beats) = tokio::join!(upload, watch);
    assert_eq!(response.unwrap().status(), 204);
    assert!(
        beats.len() >= 5,
        "updated_at moved only {} times",
        beats.len()
    );
    let done = f.registry.get_image(&image.id).await.unwrap();
    assert_eq!(done.status, ImageStatus::Active);
    assert_eq!(done.size, Some(20_000));
}
