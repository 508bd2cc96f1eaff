//! The image sweep: abandoned `saving` and `importing` images back to
//! `queued`, orphaned data and temp files removed, live uploads and imports
//! and needed data left alone; through the library, the start-up sweep,
//! `glance-manage image-sweep`, and beside a live upload or location import
//! kept fresh by its heartbeat.

use async_trait::async_trait;
use bytes::Bytes;
use glance_api::service::ImageService;
use glance_api::settings::Settings;
use glance_api::stores::{StoreEntry, StoreMap};
use glance_api::sweep::{Finding, OrphanReason, SweepOptions, SweepReport, startup_sweep, sweep};
use glance_api::{AppState, router};
use glance_auth::Policy;
use glance_registry::{Registry, RegistryError, SqlRegistry};
use glance_store::{ByteRange, ByteStream, FileStore, Store, StoreError, StoredObject};
use glance_types::{Image, ImageChanges, ImageStatus, ListQuery, Location, Member, MemberStatus};
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
    /// A glance-api.conf for `glance-manage` naming this fixture's database
    /// and file store.
    fn manage_conf(&self) -> std::path::PathBuf {
        let conf = self.dir.path().join("glance-api.conf");
        std::fs::write(
            &conf,
            format!(
                "[database]\nconnection = sqlite:///{}\n[glance_store]\nfilesystem_store_datadir = {}\n",
                self.dir.path().join("glance.sqlite").display(),
                self.store.datadir().display()
            ),
        )
        .unwrap();
        conf
    }

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

    /// Stores an `importing` image, last updated `ago`, whose location (as
    /// the location API records it) is the store file named by its id: the
    /// worst place for data glance did not write.
    async fn importing(&self, ago: Duration) -> Image {
        let mut image = Image::new(
            uuid::Uuid::new_v4().to_string(),
            Some("p1".into()),
            glance_types::now() - chrono::Duration::from_std(ago).unwrap(),
        );
        image.status = ImageStatus::Importing;
        image.disk_format = Some("raw".into());
        image.container_format = Some("bare".into());
        image.locations = vec![Location {
            url: self.url(&image.id),
            metadata: Default::default(),
        }];
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
    let conf = f.manage_conf();
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

/// Serves the API over the fixture's registry with its file store (the
/// default) and a [`SlowSource`], heartbeats every 100 ms; returns the base URL.
async fn serve(f: &Fixture) -> String {
    let entry = |id: &str, store: Arc<dyn Store>| StoreEntry {
        id: id.into(),
        store,
        description: None,
        weight: 0,
    };
    let stores = StoreMap::single(
        vec![
            entry("file", Arc::new(f.store.clone())),
            entry("slow", Arc::new(SlowSource)),
        ],
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
    base
}

/// Watches an image for about 1.8 s while it stays in `status`: each time
/// a sweep taking one second without an update for abandoned must find
/// nothing. Returns the distinct `updated_at` values seen.
async fn watch_heartbeat(
    f: &Fixture,
    id: &str,
    status: ImageStatus,
) -> std::collections::BTreeSet<glance_types::Timestamp> {
    let mut beats = std::collections::BTreeSet::new();
    for _ in 0..12 {
        tokio::time::sleep(Duration::from_millis(150)).await;
        let now = f.registry.get_image(id).await.unwrap();
        if now.status != status {
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
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heartbeat_keeps_a_slow_upload_from_being_swept() {
    let f = Fixture::new().await;
    let base = serve(&f).await;
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
    let watch = watch_heartbeat(&f, &image.id, ImageStatus::Saving);
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

/// A read-only store serving `slow://` locations: 20 chunks of 1000 bytes,
/// one every 100 ms (a location import that outlasts many heartbeats).
struct SlowSource;

#[async_trait]
impl Store for SlowSource {
    fn driver(&self) -> &'static str {
        "slow"
    }

    fn handles(&self, url: &str) -> bool {
        url.starts_with("slow://")
    }

    fn read_only(&self) -> bool {
        true
    }

    async fn put(
        &self,
        _image_id: &str,
        _data: ByteStream,
        _size_hint: Option<u64>,
    ) -> Result<StoredObject, StoreError> {
        Err(StoreError::ReadOnly("slow"))
    }

    async fn get(&self, _url: &str, _range: Option<ByteRange>) -> Result<ByteStream, StoreError> {
        Ok(Box::pin(futures::stream::unfold(0u32, |n| async move {
            if n == 20 {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            Some((Ok(Bytes::from(vec![7u8; 1000])), n + 1))
        })))
    }

    async fn delete(&self, _url: &str) -> Result<(), StoreError> {
        Err(StoreError::ReadOnly("slow"))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heartbeat_keeps_a_slow_location_import_from_being_swept() {
    let f = Fixture::new().await;
    let base = serve(&f).await;
    let image = f.image(ImageStatus::Queued, Duration::ZERO).await;
    let response = reqwest::Client::new()
        .post(format!("{base}/v2/images/{}/locations", image.id))
        .header("X-Project-Id", "p1")
        .header("X-User-Id", "u1")
        .header("X-Roles", "member,reader,service")
        .json(&serde_json::json!({"url": "slow://data"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202, "{}", response.text().await.unwrap());
    let beats = watch_heartbeat(&f, &image.id, ImageStatus::Importing).await;
    assert!(
        beats.len() >= 5,
        "updated_at moved only {} times",
        beats.len()
    );
    let mut done = f.registry.get_image(&image.id).await.unwrap();
    for _ in 0..100 {
        if done.status != ImageStatus::Importing {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        done = f.registry.get_image(&image.id).await.unwrap();
    }
    assert_eq!(done.status, ImageStatus::Active);
    assert_eq!(done.size, Some(20_000));
    assert_eq!(done.locations.len(), 1);
    assert_eq!(done.locations[0].url, "slow://data");
}

#[tokio::test]
async fn stale_importing_returns_to_queued_and_its_data_stays() {
    let f = Fixture::new().await;
    let old = 20 * MINUTE;
    let stale = f.importing(old).await;
    let data = f.file(&stale.id, old);
    let fresh = f.importing(Duration::ZERO).await;
    let fresh_data = f.file(&fresh.id, old);
    let expected = vec![Finding::StaleImport {
        image_id: stale.id.clone(),
        updated_at: stale.updated_at,
        locations: vec![f.url(&stale.id)],
    }];

    let planned = f.sweep(10 * MINUTE, true).await;
    assert_eq!(planned, expected);
    assert_eq!(f.registry.get_image(&stale.id).await.unwrap(), stale);

    let done = f.sweep(10 * MINUTE, false).await;
    assert_eq!(done, expected);
    let requeued = f.registry.get_image(&stale.id).await.unwrap();
    assert_eq!(requeued.status, ImageStatus::Queued);
    assert!(requeued.locations.is_empty());
    assert_eq!(requeued.size, None);
    assert_eq!(requeued.checksum, None);
    assert_eq!(requeued.os_hash_algo, None);
    assert_eq!(requeued.os_hash_value, None);
    assert_eq!(std::fs::read(&data).unwrap(), b"data", "not ours to remove");
    assert_eq!(f.registry.get_image(&fresh.id).await.unwrap(), fresh);
    assert!(fresh_data.exists());

    let report = SweepReport {
        dry_run: false,
        findings: done,
    }
    .to_string();
    assert!(
        report.contains(&format!(
            "returned image {} to queued (importing, no location import activity since",
            stale.id
        )),
        "{report}"
    );
    assert!(
        report.ends_with(
            "Returned 1 image(s) to queued (1 abandoned location import(s), their data left in place); \
             removed 0 orphaned data file(s) and 0 temp file(s)."
        ),
        "{report}"
    );
}

/// A registry on which every image the sweep lists gets a heartbeat right
/// after the listing: an upload or import whose node lost the database for
/// a while and carried on, beating again between the sweep's list and its
/// compare-and-set.
struct BeatAfterList(Arc<SqlRegistry>);

#[async_trait]
impl Registry for BeatAfterList {
    async fn create_image(&self, image: &Image) -> Result<Image, RegistryError> {
        self.0.create_image(image).await
    }

    async fn get_image(&self, id: &str) -> Result<Image, RegistryError> {
        self.0.get_image(id).await
    }

    async fn update_image(&self, id: &str, changes: &ImageChanges) -> Result<Image, RegistryError> {
        self.0.update_image(id, changes).await
    }

    async fn delete_image(&self, id: &str) -> Result<Image, RegistryError> {
        self.0.delete_image(id).await
    }

    async fn list_images(&self, query: &ListQuery) -> Result<Vec<Image>, RegistryError> {
        let page = self.0.list_images(query).await?;
        for image in &page {
            let beat = ImageChanges {
                expect_status: Some(image.status),
                ..Default::default()
            };
            self.0.update_image(&image.id, &beat).await?;
        }
        Ok(page)
    }

    async fn add_tag(&self, id: &str, tag: &str) -> Result<(), RegistryError> {
        self.0.add_tag(id, tag).await
    }

    async fn remove_tag(&self, id: &str, tag: &str) -> Result<bool, RegistryError> {
        self.0.remove_tag(id, tag).await
    }

    async fn create_member(&self, image_id: &str, member: &str) -> Result<Member, RegistryError> {
        self.0.create_member(image_id, member).await
    }

    async fn list_members(&self, image_id: &str) -> Result<Vec<Member>, RegistryError> {
        self.0.list_members(image_id).await
    }

    async fn get_member(
        &self,
        image_id: &str,
        member: &str,
    ) -> Result<Option<Member>, RegistryError> {
        self.0.get_member(image_id, member).await
    }

    async fn update_member(
        &self,
        image_id: &str,
        member: &str,
        status: MemberStatus,
    ) -> Result<Member, RegistryError> {
        self.0.update_member(image_id, member, status).await
    }

    async fn delete_member(&self, image_id: &str, member: &str) -> Result<(), RegistryError> {
        self.0.delete_member(image_id, member).await
    }

    async fn count_members(&self, image_id: &str) -> Result<u64, RegistryError> {
        self.0.count_members(image_id).await
    }

    async fn health(&self) -> Result<(), RegistryError> {
        self.0.health().await
    }
}

#[tokio::test]
async fn a_heartbeat_after_the_listing_wins_over_the_sweep() {
    let f = Fixture::new().await;
    let old = 20 * MINUTE;
    let upload = f.image(ImageStatus::Saving, old).await;
    let upload_data = f.file(&upload.id, old);
    let import = f.importing(old).await;
    let options = SweepOptions {
        older_than: 10 * MINUTE,
        dry_run: false,
    };
    let beating = BeatAfterList(f.registry.clone());
    let report = sweep(&beating, std::slice::from_ref(&f.store), &options)
        .await
        .unwrap();
    assert!(report.findings.is_empty(), "{report}");
    let upload_now = f.registry.get_image(&upload.id).await.unwrap();
    assert_eq!(upload_now.status, ImageStatus::Saving);
    assert_eq!(upload_now.size, upload.size, "nothing requeued");
    assert!(upload_now.updated_at > upload.updated_at, "the beat landed");
    assert!(upload_data.exists(), "a live upload's data stays");
    let import_now = f.registry.get_image(&import.id).await.unwrap();
    assert_eq!(import_now.status, ImageStatus::Importing);
    assert_eq!(import_now.locations, import.locations);
}

#[tokio::test]
async fn glance_manage_reports_abandoned_imports() {
    let f = Fixture::new().await;
    let conf = f.manage_conf();
    let stale = f.importing(20 * MINUTE).await;
    let line = |verb: &str| format!("{verb} image {} to queued (importing, ", stale.id);
    let (ok, text) = manage(&conf, &["image-sweep", "--dry-run"]);
    assert!(ok, "{text}");
    assert!(text.contains(&line("would return")), "{text}");
    assert!(
        text.contains(&format!(
            "location {} dropped, its data left in place)",
            f.url(&stale.id)
        )),
        "{text}"
    );
    assert!(
        text.contains(
            "Dry run, nothing changed: would return 1 image(s) to queued (1 abandoned location import(s)"
        ),
        "{text}"
    );
    assert_eq!(f.status(&stale.id).await, ImageStatus::Importing);

    let (ok, text) = manage(&conf, &["image-sweep"]);
    assert!(ok, "{text}");
    assert!(text.contains(&line("returned")), "{text}");
    assert!(
        text.contains("Returned 1 image(s) to queued (1 abandoned location import(s)"),
        "{text}"
    );
    assert_eq!(f.status(&stale.id).await, ImageStatus::Queued);
}
