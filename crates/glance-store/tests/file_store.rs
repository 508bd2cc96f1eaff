//! The file store: the conformance suite plus what is specific to files
//! (no stray temp files, locations confined to the data directory).

use bytes::Bytes;
use futures::{SinkExt, StreamExt};
use glance_store::{FileStore, Store, StoreError, conformance};
use std::io;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tempfile::TempDir;

fn store() -> (TempDir, FileStore) {
    let dir = TempDir::new().unwrap();
    let store = FileStore::new(dir.path().join("images")).unwrap();
    (dir, store)
}

/// Names of the entries in `dir`, sorted.
fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

/// Waits (up to 5 s) until `dir` holds exactly `want` entries.
async fn wait_for_entries(dir: &Path, want: usize) -> Vec<String> {
    for _ in 0..500 {
        if entries(dir).len() == want {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    entries(dir)
}

/// A file store in a temp dir that lives as long as the store.
struct Fixture {
    _dir: TempDir,
    store: FileStore,
}

impl std::ops::Deref for Fixture {
    type Target = FileStore;
    fn deref(&self) -> &FileStore {
        &self.store
    }
}

async fn fixture() -> Fixture {
    let (_dir, store) = store();
    Fixture { _dir, store }
}

glance_store::conformance_tests!(super::fixture);

#[tokio::test]
async fn all_checks_leave_the_datadir_empty() {
    let (_dir, store) = store();
    conformance::put_get_roundtrip(&store).await;
    conformance::failed_source_leaves_nothing(&store).await;
    conformance::duplicate_put(&store).await;
    conformance::empty_object(&store).await;
    assert_eq!(entries(store.datadir()), Vec::<String>::new());
}

#[tokio::test]
async fn new_creates_an_absolute_datadir() {
    let dir = TempDir::new().unwrap();
    let store = FileStore::new(dir.path().join("a/b/c")).unwrap();
    assert!(store.datadir().is_absolute());
    assert!(store.datadir().is_dir());
    assert_eq!(store.driver(), "file");
}

#[tokio::test]
async fn location_is_a_file_url_to_the_object() {
    let (_dir, store) = store();
    let body = futures::stream::iter([Ok(Bytes::from_static(b"hello"))]).boxed();
    let stored = store.put("abc", body, None).await.unwrap();
    let path = store.datadir().join("abc");
    assert_eq!(stored.url, format!("file://{}", path.display()));
    assert_eq!(stored.size, 5);
    assert_eq!(std::fs::read(&path).unwrap(), b"hello");

    let alias = format!("filesystem://{}", path.display());
    assert!(store.handles(&alias));
    let mut read = store.get(&alias, None).await.unwrap();
    assert_eq!(read.next().await.unwrap().unwrap(), "hello");
}

#[tokio::test]
async fn aborted_put_leaves_no_temp_file() {
    let (_dir, store) = store();
    let body = futures::stream::iter([
        Ok(Bytes::from(vec![1u8; 100_000])),
        Err(io::Error::other("boom")),
    ])
    .boxed();
    let result = store.put("abc", body, None).await;
    assert!(
        matches!(result, Err(StoreError::SourceFailed(_))),
        "{result:?}"
    );
    assert_eq!(entries(store.datadir()), Vec::<String>::new());
}

#[tokio::test]
async fn dropped_put_leaves_no_temp_file() {
    let (_dir, store) = store();
    let store = Arc::new(store);
    let (mut tx, rx) = futures::channel::mpsc::channel::<io::Result<Bytes>>(0);
    let task = tokio::spawn({
        let store = store.clone();
        async move { store.put("abc", rx.boxed(), None).await }
    });
    for _ in 0..4 {
        tx.send(Ok(Bytes::from(vec![7u8; 64 * 1024])))
            .await
            .unwrap();
    }
    assert_eq!(
        wait_for_entries(store.datadir(), 1).await.len(),
        1,
        "no temp file while uploading"
    );
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    assert_eq!(
        wait_for_entries(store.datadir(), 0).await,
        Vec::<String>::new()
    );
}

#[tokio::test]
async fn object_appearing_mid_upload_is_duplicate_and_not_clobbered() {
    let (_dir, store) = store();
    let store = Arc::new(store);
    let (mut tx, rx) = futures::channel::mpsc::channel::<io::Result<Bytes>>(0);
    let task = tokio::spawn({
        let store = store.clone();
        async move { store.put("abc", rx.boxed(), None).await }
    });
    tx.send(Ok(Bytes::from_static(b"late"))).await.unwrap();
    wait_for_entries(store.datadir(), 1).await;
    std::fs::write(store.datadir().join("abc"), b"first").unwrap();
    drop(tx);
    let result = task.await.unwrap();
    assert!(
        matches!(result, Err(StoreError::Duplicate(_))),
        "{result:?}"
    );
    assert_eq!(entries(store.datadir()), ["abc"]);
    assert_eq!(
        std::fs::read(store.datadir().join("abc")).unwrap(),
        b"first"
    );
}

#[tokio::test]
async fn locations_outside_the_datadir_are_refused() {
    let (_dir, store) = store();
    let datadir = store.datadir().display().to_string();
    for url in [
        "file:///etc/passwd".to_owned(),
        "filesystem:///etc/passwd".to_owned(),
        format!("file://{datadir}/../passwd"),
        format!("file://{datadir}/sub/abc"),
        format!("file://{datadir}"),
        format!("file://{datadir}/.upload-x"),
        format!("http://{datadir}/abc"),
        "file://etc/passwd".to_owned(),
    ] {
        assert!(!store.handles(&url), "{url} must not be handled");
        let got = store.get(&url, None).await;
        assert!(
            matches!(got, Err(StoreError::UnknownLocation(_))),
            "get {url}"
        );
        let deleted = store.delete(&url).await;
        assert!(
            matches!(deleted, Err(StoreError::UnknownLocation(_))),
            "delete {url}"
        );
    }
    assert!(store.handles(&format!("file://{datadir}/abc")));
}

#[tokio::test]
async fn image_ids_that_are_not_plain_names_are_refused() {
    let (_dir, store) = store();
    for id in ["", ".", "..", "../x", "a/b", ".hidden"] {
        let result = store.put(id, futures::stream::empty().boxed(), None).await;
        assert!(
            matches!(result, Err(StoreError::Io(_))),
            "id {id:?}: {result:?}"
        );
    }
    assert_eq!(entries(store.datadir()), Vec::<String>::new());
}
