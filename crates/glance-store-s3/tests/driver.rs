//! What is specific to the S3 driver: multipart uploads that fail or are
//! dropped leave nothing behind, bucket handling, credentials, location
//! URLs, properties.

mod common;

use bytes::Bytes;
use common::{Fixture, Server, rgw, s3s};
use futures::{SinkExt, StreamExt};
use glance_config::ConfigFile;
use glance_store::conformance::{chunked, failing, get_all, new_id, pattern};
use glance_store::{ByteRange, Store, StoreError, StoredObject};
use glance_store_s3::S3Store;
use std::io;
use std::sync::Arc;

const MIB: usize = 1 << 20;

/// Multipart from 5 MiB, 5 MiB parts, two in flight.
const SMALL_PARTS: &str = "s3_store_large_object_size = 5\n\
    s3_store_large_object_chunk_size = 5\ns3_store_thread_pools = 2";

/// Asserts that the put of `id` failed at its source and left neither a
/// multipart upload nor an object.
async fn assert_source_failed_leaving_nothing(
    fixture: &Fixture,
    id: &str,
    result: Result<StoredObject, StoreError>,
) {
    assert!(
        matches!(result, Err(StoreError::SourceFailed(_))),
        "{result:?}"
    );
    assert_eq!(fixture.admin.multipart_uploads().await, []);
    assert!(!fixture.admin.object_exists(id).await);
}

#[tokio::test]
async fn multipart_failing_midway_leaves_no_upload_and_no_object() {
    let fixture = Fixture::new(&rgw(), SMALL_PARTS).await;
    let id = new_id();
    // Three full parts (more than the two in flight), then the error.
    let result = fixture
        .put(&id, failing(&pattern(1, 15 * MIB + 10)), None)
        .await;
    assert_source_failed_leaving_nothing(&fixture, &id, result).await;
}

#[tokio::test]
async fn multipart_of_known_size_cut_short_leaves_nothing() {
    let fixture = Fixture::new(&rgw(), SMALL_PARTS).await;
    let id = new_id();
    let sent = pattern(2, 12 * MIB);
    let result = fixture
        .put(&id, chunked(&sent), Some(20 * MIB as u64))
        .await;
    assert_source_failed_leaving_nothing(&fixture, &id, result).await;
}

#[tokio::test]
async fn dropped_multipart_put_is_aborted() {
    let fixture = Fixture::new(&rgw(), SMALL_PARTS).await;
    let store = Arc::clone(&fixture.store);
    let id = new_id();
    let (mut tx, rx) = futures::channel::mpsc::channel::<io::Result<Bytes>>(0);
    let put = tokio::spawn({
        let store = Arc::clone(&store);
        let id = id.clone();
        async move { store.put(&id, rx.boxed(), None).await }
    });
    // Part 1 (80 chunks of 64 KiB) and three more: the 81st makes the put
    // start the multipart upload. The channel buffers one chunk, so the
    // last send returns only once the put has taken the 82nd, which it does
    // after the start, cutting part 2 while part 1 goes up.
    for chunk in chunked(&pattern(3, 5 * MIB + 3 * 64 * 1024))
        .collect::<Vec<_>>()
        .await
    {
        tx.send(chunk).await.unwrap();
    }
    let started = fixture
        .admin
        .wait_for(async |admin| admin.multipart_uploads().await.len() == 1)
        .await;
    assert!(started, "no multipart upload in progress");
    put.abort();
    assert!(put.await.unwrap_err().is_cancelled());
    let aborted = fixture
        .admin
        .wait_for(async |admin| admin.multipart_uploads().await.is_empty())
        .await;
    assert!(
        aborted,
        "multipart upload left: {:?}",
        fixture.admin.multipart_uploads().await
    );
    assert!(!fixture.admin.object_exists(&id).await);
}

#[tokio::test]
async fn multipart_with_more_parts_than_threads_round_trips() {
    for server in [rgw(), s3s()] {
        let fixture = Fixture::new(&server, SMALL_PARTS).await;
        let sent = pattern(4, 17 * MIB + 5);
        for size_hint in [None, Some(sent.len() as u64)] {
            let id = new_id();
            let stored = fixture.put(&id, chunked(&sent), size_hint).await.unwrap();
            assert_eq!(stored.size, sent.len() as u64);
            assert!(
                get_all(&*fixture, &stored.url, None).await == sent,
                "{} corrupt",
                server.url
            );
            // A multipart object's ETag counts its parts: 3 × 5 MiB + 2 MiB + 5.
            let etag = fixture.admin.etag(&id).await.unwrap();
            assert!(
                etag.trim_matches('"').ends_with("-4"),
                "{}: ETag {etag}",
                server.url
            );
            fixture.delete(&stored.url).await.unwrap();
        }
    }
}

#[tokio::test]
async fn single_put_size_mismatch_is_a_source_failure() {
    for server in [rgw(), s3s()] {
        let fixture = Fixture::new(&server, "").await;
        for (len, announced) in [(1000, 2000), (1000, 999), (1000, 0)] {
            let id = new_id();
            let result = fixture
                .put(&id, chunked(&pattern(5, len)), Some(announced))
                .await;
            assert!(
                matches!(&result, Err(StoreError::SourceFailed(e)) if e.to_string().contains("announced")),
                "{}: {len} bytes announced as {announced}: {result:?}",
                server.url
            );
            assert!(!fixture.admin.object_exists(&id).await);
        }
    }
}

#[tokio::test]
async fn missing_bucket_without_create_bucket_on_put_is_a_clear_error() {
    for server in [rgw(), s3s()] {
        let bucket = common::random_bucket();
        let store = server.store(&bucket, "").await;
        let result = store.put(&new_id(), chunked(b"data"), Some(4)).await;
        match result {
            Err(StoreError::Config(message)) => assert!(
                message.contains(&bucket)
                    && message.contains("[test] s3_store_bucket")
                    && message.contains("s3_store_create_bucket_on_put"),
                "{message}"
            ),
            other => panic!("{}: expected a config error, got {other:?}", server.url),
        }
        assert!(!server.admin(&bucket).exists().await);
    }
}

#[tokio::test]
async fn wrong_secret_key_is_unavailable() {
    for server in [rgw(), s3s()] {
        let fixture = Fixture::new(&server, "").await;
        let stored = fixture
            .put(&new_id(), chunked(b"data"), None)
            .await
            .unwrap();
        let wrong = Server {
            secret_key: "not-the-secret".into(),
            ..server.clone()
        };
        let store = wrong.store(&fixture.bucket, "").await;
        let put = store.put(&new_id(), chunked(b"data"), None).await;
        assert!(
            matches!(&put, Err(StoreError::Unavailable(m)) if m.contains("s3_store_secret_key")),
            "{}: {put:?}",
            server.url
        );
        // The location carries the right credentials, as upstream's do: the
        // object is still readable through the misconfigured store.
        assert_eq!(get_all(&store, &stored.url, None).await, b"data");
        assert_eq!(store.size(&stored.url).await.unwrap(), 4);
        let wrong_url = stored.url.replace(&server.secret_key, "not-the-secret");
        let got = store.get(&wrong_url, None).await.map(drop);
        assert!(matches!(got, Err(StoreError::Unavailable(_))), "{got:?}");
        let size = store.size(&wrong_url).await;
        assert!(matches!(size, Err(StoreError::Unavailable(_))), "{size:?}");
        let deleted = store.delete(&wrong_url).await;
        assert!(
            matches!(deleted, Err(StoreError::Unavailable(_))),
            "{deleted:?}"
        );
        fixture.delete(&stored.url).await.unwrap();
    }
}

#[tokio::test]
async fn unreachable_server_is_unavailable() {
    let nobody = Server {
        url: "http://127.0.0.1:9".into(),
        ..rgw()
    };
    let store = nobody.store("images", "").await;
    let put = store.put(&new_id(), chunked(b"data"), None).await;
    assert!(
        matches!(&put, Err(StoreError::Unavailable(m)) if m.contains("cannot reach S3 at http://127.0.0.1:9")),
        "{put:?}"
    );
    let url = format!("s3://glance:glancesecret@127.0.0.1:9/images/{}", new_id());
    let got = store.get(&url, None).await.map(drop);
    assert!(matches!(got, Err(StoreError::Unavailable(_))), "{got:?}");
    let size = store.size(&url).await;
    assert!(matches!(size, Err(StoreError::Unavailable(_))), "{size:?}");
}

#[tokio::test]
async fn locations_take_upstreams_form() {
    let server = rgw();
    let fixture = Fixture::new(&server, "").await;
    let id = new_id();
    let stored = fixture.put(&id, chunked(b"hello"), None).await.unwrap();
    let (key, secret, service) = (&server.access_key, &server.secret_key, server.service());
    let bucket = &fixture.bucket;
    assert_eq!(
        stored.url,
        format!("s3://{key}:{secret}@{service}/{bucket}/{id}")
    );
    assert_eq!(fixture.driver(), "s3");

    // What upstream Glance may have recorded for the same object.
    for alias in [
        format!("s3+http://{key}:{secret}@{service}/{bucket}/{id}"),
        format!("s3://{service}/{bucket}/{id}"),
        format!("s3://{key}:{secret}@{service}/{bucket}/{id}/"),
    ] {
        assert!(fixture.handles(&alias), "{alias}");
        assert_eq!(get_all(&*fixture, &alias, None).await, b"hello", "{alias}");
        assert_eq!(fixture.size(&alias).await.unwrap(), 5, "{alias}");
    }
    for foreign in [
        format!("s3+https://{key}:{secret}@{service}/{bucket}/{id}"),
        format!("s3://{key}:{secret}@{service}/other-bucket/{id}"),
        format!("s3://{key}:{secret}@s3.example.com/{bucket}/{id}"),
        format!("s3://{key}:{secret}@https://{service}/{bucket}/{id}"),
        format!("swift://{key}:{secret}@{service}/{bucket}/{id}"),
    ] {
        assert!(!fixture.handles(&foreign), "{foreign}");
        let got = fixture.get(&foreign, None).await.map(drop);
        assert!(
            matches!(got, Err(StoreError::UnknownLocation(_))),
            "{foreign}: {got:?}"
        );
        let deleted = fixture.delete(&foreign).await;
        assert!(
            matches!(deleted, Err(StoreError::UnknownLocation(_))),
            "{foreign}"
        );
        let size = fixture.size(&foreign).await;
        assert!(
            matches!(size, Err(StoreError::UnknownLocation(_))),
            "{foreign}: {size:?}"
        );
    }
    fixture
        .delete(&format!("s3://{service}/{bucket}/{id}"))
        .await
        .unwrap();
    assert!(!fixture.admin.object_exists(&id).await);
}

#[tokio::test]
async fn image_ids_that_cannot_be_keys_are_refused() {
    let fixture = Fixture::new(&rgw(), "").await;
    for id in ["", "a/b"] {
        let result = fixture.put(id, chunked(b"x"), None).await;
        assert!(
            matches!(result, Err(StoreError::Io(_))),
            "{id:?}: {result:?}"
        );
    }
    // Refused before any request: not even the bucket was created.
    assert!(!fixture.admin.exists().await);
}

#[tokio::test]
async fn properties_show_the_upload_options_in_bytes() {
    let store = rgw().store("images", SMALL_PARTS).await;
    let props = serde_json::Value::Object(store.properties());
    assert_eq!(
        props,
        serde_json::json!({
            "s3_store_large_object_size": 5 * MIB,
            "s3_store_large_object_chunk_size": 5 * MIB,
            "s3_store_thread_pools": 2,
        })
    );
    let defaults = serde_json::Value::Object(rgw().store("images", "").await.properties());
    assert_eq!(
        defaults,
        serde_json::json!({
            "s3_store_large_object_size": 100 * MIB,
            "s3_store_large_object_chunk_size": 10 * MIB,
            "s3_store_thread_pools": 10,
        })
    );
}

#[tokio::test]
async fn config_errors_name_section_and_key() {
    let error = |text: &str| {
        let config = ConfigFile::parse(text, "test").unwrap();
        async move {
            match S3Store::from_config(&config, "test").await {
                Err(StoreError::Config(message)) => message,
                other => panic!("expected a config error, got {other:?}"),
            }
        }
    };
    let server = rgw();
    let message = error("[test]\ns3_store_bucket = images\n").await;
    assert!(message.contains("[test] s3_store_host"), "{message}");
    let message = error(&server.ini("images", "s3_store_large_object_chunk_size = 1")).await;
    assert!(
        message.contains("[test] s3_store_large_object_chunk_size"),
        "{message}"
    );
    let message = error(&server.ini("images", "s3_store_cacert = /nonexistent/ca.pem")).await;
    assert!(message.contains("[test] s3_store_cacert"), "{message}");
    // Options of another section do not count.
    let message = error(&server.ini("images", "").replace("[test]", "[other]")).await;
    assert!(message.contains("[test] s3_store_host"), "{message}");
}

#[tokio::test]
async fn large_objects_are_read_in_ranges_intact() {
    // 5 MiB chunks, 2 and 4 (10 capped) ranges in flight.
    let settings = [
        SMALL_PARTS.to_owned(),
        "s3_store_large_object_chunk_size = 5\ns3_store_thread_pools = 10".to_owned(),
    ];
    for server in [rgw(), s3s()] {
        for extra in &settings {
            let fixture = Fixture::new(&server, extra).await;
            let sent = pattern(6, 3 * 5 * MIB + 1234);
            let len = sent.len() as u64;
            let stored = fixture
                .put(&new_id(), chunked(&sent), Some(len))
                .await
                .unwrap();
            assert!(
                get_all(&*fixture, &stored.url, None).await == sent,
                "{}: whole object corrupt",
                server.url
            );
            let chunk = 5 * MIB as u64;
            for (start, end) in [
                (0, len - 1),
                (1, len + 100),
                (chunk - 10, 2 * chunk + 10),
                (chunk - 1, 3 * chunk),
                (chunk, 3 * chunk - 1),
                (3, chunk + 2),
                (chunk, chunk),
                (3 * chunk, len - 1),
            ] {
                let range = ByteRange { start, end };
                let got = get_all(&*fixture, &stored.url, Some(range)).await;
                let end = end.min(len - 1) as usize;
                assert!(
                    got == sent[start as usize..=end],
                    "{}: range {start}-{end} corrupt ({} bytes)",
                    server.url,
                    got.len()
                );
            }
            let past_end = fixture
                .get(
                    &stored.url,
                    Some(ByteRange {
                        start: len,
                        end: len + 10,
                    }),
                )
                .await;
            assert!(
                matches!(past_end, Err(StoreError::RangeNotSatisfiable { size }) if size == len),
                "{}: {}",
                server.url,
                glance_store::conformance::show(&past_end)
            );
            fixture.delete(&stored.url).await.unwrap();
            let gone = fixture.get(&stored.url, None).await;
            assert!(
                matches!(gone, Err(StoreError::NotFound(_))),
                "{}",
                server.url
            );
        }
    }
}
