//! The gridfs store against a real MongoDB-protocol server
//! (`GLANCE_TEST_MONGODB_URI`, default `mongodb://127.0.0.1:27018/`): the
//! conformance suite plus what is specific to GridFS (no chunks left by
//! failed uploads, ranged reads touching only the needed chunks, upstream's
//! file layout, an unreachable server). Each fixture works in a fresh
//! random database and drops it afterwards; an unreachable server fails
//! the tests.

use bytes::Bytes;
use futures::{SinkExt, StreamExt, TryStreamExt, stream};
use glance_config::ConfigFile;
use glance_store::conformance::{chunked, new_id, pattern};
use glance_store::{ByteRange, Store, StoreError};
use glance_store_gridfs::GridFsStore;
use mongodb::bson::{Binary, Bson, DateTime, Document, doc, spec::BinarySubtype};
use mongodb::{Client, Collection, Database};
use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The server the tests use unless `GLANCE_TEST_MONGODB_URI` names another.
const DEFAULT_URI: &str = "mongodb://127.0.0.1:27018/";

/// The chunk size the store writes (the GridFS default).
const CHUNK: usize = 255 * 1024;

fn server_uri() -> String {
    std::env::var("GLANCE_TEST_MONGODB_URI").unwrap_or_else(|_| DEFAULT_URI.to_owned())
}

/// A store on a fresh database, dropped with the fixture.
struct Fixture {
    store: GridFsStore,
    db: Database,
}

impl std::ops::Deref for Fixture {
    type Target = GridFsStore;
    fn deref(&self) -> &GridFsStore {
        &self.store
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let db = self.db.clone();
        tokio::task::block_in_place(|| {
            tokio::runtime::Handle::current().block_on(async move {
                if let Err(e) = db.drop().await {
                    eprintln!("could not drop test database {}: {e}", db.name());
                }
            })
        });
    }
}

impl Fixture {
    fn chunks(&self) -> Collection<Document> {
        self.db.collection("fs.chunks")
    }

    fn files(&self) -> Collection<Document> {
        self.db.collection("fs.files")
    }

    /// How many chunks belong to the file `id`.
    async fn chunk_count(&self, id: &str) -> u64 {
        self.chunks()
            .count_documents(doc! { "files_id": id })
            .await
            .unwrap()
    }

    /// Waits (up to 10 s) until `ready` holds for the chunk count of `id`,
    /// and returns the count.
    async fn wait_for_chunks(&self, id: &str, ready: impl Fn(u64) -> bool) -> u64 {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let count = self.chunk_count(id).await;
            if ready(count) || Instant::now() > deadline {
                return count;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// A store built through `from_config` on a new random database of the
/// test server; fails (never skips) when the server cannot be reached.
async fn fixture() -> Fixture {
    let uri = server_uri();
    let name = format!("glance_test_{}", uuid::Uuid::new_v4().simple());
    let ini = format!("[gridfs]\nmongodb_store_uri = {uri}\nmongodb_store_db = {name}\n");
    let config = ConfigFile::parse(&ini, "test").unwrap();
    let store = GridFsStore::from_config(&config, "gridfs").await.unwrap();
    let db = Client::with_uri_str(&uri).await.unwrap().database(&name);
    if let Err(e) = db.run_command(doc! { "ping": 1 }).await {
        panic!("MongoDB test server {uri} is unreachable (set GLANCE_TEST_MONGODB_URI): {e}");
    }
    Fixture { store, db }
}

glance_store::conformance_tests!(super::fixture);

/// Reads a whole (ranged) object.
async fn read(store: &GridFsStore, url: &str, range: Option<ByteRange>) -> io::Result<Vec<u8>> {
    let body = match store.get(url, range).await {
        Ok(body) => body,
        Err(e) => panic!("get {url} {range:?}: {e}"),
    };
    let pieces: Vec<Bytes> = body.try_collect().await?;
    Ok(pieces.concat())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_are_stored_under_the_image_id_in_the_fs_bucket() {
    let fx = fixture().await;
    let id = new_id();
    let data = pattern(1, 2 * CHUNK + 10);
    let stored = fx.put(&id, chunked(&data), None).await.unwrap();
    assert_eq!(stored.url, format!("gridfs://{id}"));
    assert_eq!(stored.size, data.len() as u64);

    let file = fx.files().find_one(doc! { "_id": &id }).await.unwrap();
    let file = file.expect("no fs.files document with the image id as _id");
    assert_eq!(file.get_str("_id").unwrap(), id);
    assert_eq!(file.get_i64("length").unwrap(), data.len() as i64);
    assert_eq!(file.get_i32("chunkSize").unwrap(), CHUNK as i32);
    assert_eq!(fx.chunk_count(&id).await, 3);

    fx.delete(&stored.url).await.unwrap();
    assert_eq!(fx.chunk_count(&id).await, 0);
    assert_eq!(fx.files().count_documents(doc! {}).await.unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_source_leaves_no_chunks() {
    let fx = fixture().await;
    let id = new_id();
    // Three chunks' worth of data, then (once chunks are on the server) an error.
    let fx_ref = &fx;
    let id_ref = id.as_str();
    let failure = stream::once(async move {
        let written = fx_ref.wait_for_chunks(id_ref, |n| n > 0).await;
        assert!(written > 0, "no chunk reached the server before the error");
        Err(io::Error::other("client went away"))
    });
    let body = chunked(&pattern(2, 3 * CHUNK)).chain(failure);
    // The store needs a 'static stream: run the put in this task via a channel.
    let (mut tx, rx) = futures::channel::mpsc::channel::<io::Result<Bytes>>(1);
    let feed = async move {
        let mut body = body.boxed_local();
        while let Some(item) = body.next().await {
            if tx.send(item).await.is_err() {
                break;
            }
        }
    };
    let (result, ()) = tokio::join!(fx.put(&id, rx.boxed(), None), feed);
    match result {
        Err(StoreError::SourceFailed(e)) => assert_eq!(e.to_string(), "client went away"),
        other => panic!("expected SourceFailed, got {other:?}"),
    }
    assert_eq!(fx.chunk_count(&id).await, 0, "chunks left after abort");
    assert_eq!(
        fx.files()
            .count_documents(doc! { "_id": &id })
            .await
            .unwrap(),
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_put_leaves_no_chunks() {
    let fx = fixture().await;
    let store = Arc::new(fx.store.clone());
    let id = new_id();
    let (mut tx, rx) = futures::channel::mpsc::channel::<io::Result<Bytes>>(0);
    let task = tokio::spawn({
        let (store, id) = (store.clone(), id.clone());
        async move { store.put(&id, rx.boxed(), None).await }
    });
    for piece in pattern(3, 3 * CHUNK).chunks(64 * 1024) {
        tx.send(Ok(Bytes::copy_from_slice(piece))).await.unwrap();
    }
    assert!(
        fx.wait_for_chunks(&id, |n| n >= 2).await >= 2,
        "chunks were not written while uploading"
    );
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    assert_eq!(
        fx.wait_for_chunks(&id, |n| n == 0).await,
        0,
        "chunks left after drop"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        fx.chunk_count(&id).await,
        0,
        "a chunk landed after the clean-up"
    );
    assert_eq!(
        fx.files()
            .count_documents(doc! { "_id": &id })
            .await
            .unwrap(),
        0
    );
    // The id is free again.
    let stored = fx.put(&id, chunked(b"again"), None).await.unwrap();
    assert_eq!(read(&fx, &stored.url, None).await.unwrap(), b"again");
    fx.delete(&stored.url).await.unwrap();
}

/// Replaces the data of chunks `ns` of file `id` with a string, so any read
/// that fetches them fails.
async fn poison(fx: &Fixture, id: &str, ns: &[i32]) {
    let result = fx
        .chunks()
        .update_many(
            doc! { "files_id": id, "n": { "$in": ns } },
            doc! { "$set": { "data": "poisoned" } },
        )
        .await
        .unwrap();
    assert_eq!(result.modified_count, ns.len() as u64, "poisoned chunks");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ranged_gets_fetch_only_the_chunks_they_need() {
    let fx = fixture().await;
    let id = new_id();
    let data = pattern(4, 5 * CHUNK + 100);
    let len = data.len() as u64;
    let stored = fx.put(&id, chunked(&data), None).await.unwrap();
    assert_eq!(fx.chunk_count(&id).await, 6);

    poison(&fx, &id, &[0, 4]).await;
    assert!(
        read(&fx, &stored.url, None).await.is_err(),
        "a full read must trip over the poisoned chunks"
    );
    let middle = (CHUNK as u64 + 10, 3 * CHUNK as u64 + 20);
    let got = read(
        &fx,
        &stored.url,
        Some(ByteRange {
            start: middle.0,
            end: middle.1,
        }),
    )
    .await;
    assert_eq!(got.unwrap(), data[middle.0 as usize..=middle.1 as usize]);

    poison(&fx, &id, &[1, 2, 3]).await;
    for (start, end) in [
        (len - 50, len + 10),
        (5 * CHUNK as u64, len - 1),
        (len - 1, len - 1),
    ] {
        let got = read(&fx, &stored.url, Some(ByteRange { start, end })).await;
        let end = end.min(len - 1);
        assert_eq!(
            got.unwrap(),
            data[start as usize..=end as usize],
            "{start}-{end}"
        );
    }
    fx.delete(&stored.url).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_written_by_other_gridfs_clients_are_read() {
    let fx = fixture().await;
    let id = new_id();
    // An upstream-era file: legacy fields, int32 `n`, a 1000-byte chunk size.
    let data = pattern(5, 3500);
    fx.files()
        .insert_one(doc! {
            "_id": &id, "length": 3500_i64, "chunkSize": 1000_i32,
            "uploadDate": DateTime::now(), "md5": "ignored",
        })
        .await
        .unwrap();
    let chunks: Vec<Document> = data
        .chunks(1000)
        .enumerate()
        .rev()
        .map(|(n, bytes)| {
            let data = Binary {
                subtype: BinarySubtype::Generic,
                bytes: bytes.to_vec(),
            };
            doc! { "files_id": &id, "n": n as i32, "data": Bson::Binary(data) }
        })
        .collect();
    fx.chunks().insert_many(chunks).await.unwrap();

    let url = format!("gridfs://{id}");
    assert!(fx.handles(&url));
    assert_eq!(read(&fx, &url, None).await.unwrap(), data);
    assert_eq!(fx.size(&url).await.unwrap(), 3500);
    let got = read(
        &fx,
        &url,
        Some(ByteRange {
            start: 999,
            end: 2000,
        }),
    )
    .await;
    assert_eq!(got.unwrap(), data[999..=2000]);
    assert!(matches!(
        fx.put(&id, chunked(b"x"), None).await,
        Err(StoreError::Duplicate(dup)) if dup == url
    ));
    fx.delete(&url).await.unwrap();
    assert_eq!(fx.chunk_count(&id).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_with_a_missing_chunk_is_an_error_not_short_data() {
    let fx = fixture().await;
    let id = new_id();
    let stored = fx
        .put(&id, chunked(&pattern(6, 3 * CHUNK)), None)
        .await
        .unwrap();
    fx.chunks()
        .delete_one(doc! { "files_id": &id, "n": 1 })
        .await
        .unwrap();
    let err = read(&fx, &stored.url, None).await.unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidData, "{err}");
    fx.delete(&stored.url).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn foreign_locations_and_bad_ids_are_refused() {
    let fx = fixture().await;
    for url in [
        "file:///etc/passwd",
        "gridfs://a/b",
        "gridfs://",
        "swift://x/y",
    ] {
        assert!(!fx.handles(url), "{url}");
        assert!(
            matches!(fx.get(url, None).await, Err(StoreError::UnknownLocation(_))),
            "{url}"
        );
        assert!(
            matches!(fx.delete(url).await, Err(StoreError::UnknownLocation(_))),
            "{url}"
        );
        assert!(
            matches!(fx.size(url).await, Err(StoreError::UnknownLocation(_))),
            "{url}"
        );
    }
    for id in ["", "a/b", "a?b"] {
        let result = fx.put(id, chunked(b"data"), None).await;
        assert!(
            matches!(&result, Err(StoreError::Io(e)) if e.kind() == io::ErrorKind::InvalidInput),
            "{id:?}: {result:?}"
        );
    }
    assert_eq!(fx.files().count_documents(doc! {}).await.unwrap(), 0);
    assert_eq!(fx.driver(), "gridfs");
    assert!(fx.properties().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_server_is_unavailable_quickly() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let ini = format!(
        "[glance_store]\nmongodb_store_uri = mongodb://127.0.0.1:{port}/glance?serverSelectionTimeoutMS=2000&connectTimeoutMS=1000\n"
    );
    let config = ConfigFile::parse(&ini, "test").unwrap();
    let store = GridFsStore::from_config(&config, "glance_store")
        .await
        .unwrap();
    let url = format!("gridfs://{}", new_id());
    let started = Instant::now();
    let results = [
        store
            .put(&new_id(), chunked(b"data"), None)
            .await
            .map(|_| ()),
        store.get(&url, None).await.map(|_| ()),
        store.size(&url).await.map(|_| ()),
        store.delete(&url).await,
    ];
    for result in results {
        match result {
            Err(StoreError::Unavailable(message)) => assert!(!message.is_empty()),
            other => panic!("expected Unavailable, got {other:?}"),
        }
    }
    let took = started.elapsed();
    assert!(took < Duration::from_secs(15), "took {took:?}");
}

/// Starts a put of `id` fed through a channel, sends `len` bytes and waits
/// until at least two chunks are on the server.
async fn start_put(
    fx: &Fixture,
    id: &str,
    len: usize,
) -> (
    futures::channel::mpsc::Sender<io::Result<Bytes>>,
    tokio::task::JoinHandle<Result<glance_store::StoredObject, StoreError>>,
) {
    let (mut tx, rx) = futures::channel::mpsc::channel::<io::Result<Bytes>>(0);
    let task = tokio::spawn({
        let (store, id) = (fx.store.clone(), id.to_owned());
        async move { store.put(&id, rx.boxed(), None).await }
    });
    for piece in pattern(7, len).chunks(64 * 1024) {
        tx.send(Ok(Bytes::copy_from_slice(piece))).await.unwrap();
    }
    assert!(
        fx.wait_for_chunks(id, |n| n >= 2).await >= 2,
        "no chunks written"
    );
    (tx, task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chunks_left_by_an_interrupted_upload_do_not_corrupt_a_retry() {
    let fx = fixture().await;
    let id = new_id();
    let stale: Vec<Document> = (0..3)
        .map(|n| {
            let data = Binary {
                subtype: BinarySubtype::Generic,
                bytes: vec![0xEE; CHUNK],
            };
            doc! { "files_id": &id, "n": n, "data": Bson::Binary(data) }
        })
        .collect();
    fx.chunks().insert_many(stale).await.unwrap();
    let data = pattern(8, 2 * CHUNK + 7);
    let stored = fx.put(&id, chunked(&data), None).await.unwrap();
    assert_eq!(fx.chunk_count(&id).await, 3);
    assert_eq!(read(&fx, &stored.url, None).await.unwrap(), data);
    fx.delete(&stored.url).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_appearing_mid_upload_is_duplicate_and_kept() {
    let fx = fixture().await;
    let id = new_id();
    let (tx, task) = start_put(&fx, &id, 3 * CHUNK).await;
    // Another writer's file document lands first (the unique `_id` decides).
    let theirs = doc! {
        "_id": &id, "length": 0_i64, "chunkSize": CHUNK as i32, "uploadDate": DateTime::now(),
    };
    fx.files().insert_one(theirs.clone()).await.unwrap();
    drop(tx);
    match task.await.unwrap() {
        Err(StoreError::Duplicate(url)) => assert_eq!(url, format!("gridfs://{id}")),
        other => panic!("expected Duplicate, got {other:?}"),
    }
    let kept = fx.files().find_one(doc! { "_id": &id }).await.unwrap();
    assert_eq!(kept, Some(theirs));
    assert_eq!(fx.chunk_count(&id).await, 0, "the loser's chunks remain");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_put_whose_chunks_were_tampered_with_fails_and_leaves_nothing() {
    let fx = fixture().await;
    let id = new_id();
    let (tx, task) = start_put(&fx, &id, 3 * CHUNK).await;
    // Something else (say, a concurrent clean-up of the same id) removes a chunk.
    fx.chunks()
        .delete_one(doc! { "files_id": &id, "n": 0 })
        .await
        .unwrap();
    drop(tx);
    match task.await.unwrap() {
        Err(StoreError::Io(e)) => assert!(e.to_string().contains("interfered"), "{e}"),
        other => panic!("expected an I/O error, got {other:?}"),
    }
    assert_eq!(fx.chunk_count(&id).await, 0);
    assert_eq!(
        fx.files()
            .count_documents(doc! { "_id": &id })
            .await
            .unwrap(),
        0
    );
}
