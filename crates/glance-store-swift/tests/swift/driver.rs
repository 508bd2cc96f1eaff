//! Swift-specific behaviour against the SAIO: SLO layout, cleanup after
//! failed or dropped uploads, seeded containers, upstream-written objects,
//! locations and failure mapping.

use crate::common::{Fixture, Saio, credentials, scratch_container, store_from, tempauth_config};
use bytes::Bytes;
use futures::{SinkExt, StreamExt};
use glance_store::conformance::{chunked, failing, get_all, new_id, pattern};
use glance_store::{ByteStream, Store, StoreError};
use std::io;
use std::sync::Arc;

/// Upstream's "MB" (1000 × 1024 bytes), the unit of the large-object options.
const MB: usize = 1000 * 1024;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_image_is_an_slo_of_upstream_named_segments() {
    let f = Fixture::new("").await;
    let id = new_id();
    let image = pattern(1, 2 * MB + 5000);
    let stored = f
        .put(&id, chunked(&image), Some(image.len() as u64))
        .await
        .unwrap();
    assert_eq!(stored.size, image.len() as u64);
    let mut names = f.saio.list(&f.container).await;
    names.sort();
    let segments: Vec<String> = (1..=3).map(|n| format!("{id}-{n:05}")).collect();
    let mut want = vec![id.clone()];
    want.extend(segments.iter().cloned());
    assert_eq!(names, want);
    let head = f.saio.head(&format!("{}/{id}", f.container)).await;
    assert_eq!(head.headers()["X-Static-Large-Object"], "True");
    assert_eq!(get_all(&*f, &stored.url, None).await, image);
    assert_eq!(f.size(&stored.url).await.unwrap(), image.len() as u64);

    f.delete(&stored.url).await.unwrap();
    assert_eq!(f.saio.list(&f.container).await, Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_segments_of_unknown_size_keep_their_order() {
    // Segments overlap in flight; the manifest still lists them in order,
    // with Swift's etags and sizes (Swift checks both).
    let f = Fixture::new("").await;
    let id = new_id();
    let image = pattern(6, 7 * MB + 1);
    let stored = f.put(&id, chunked(&image), None).await.unwrap();
    assert_eq!(stored.size, image.len() as u64);
    let mut names = f.saio.list(&f.container).await;
    names.sort();
    let mut want = vec![id.clone()];
    want.extend((1..=8).map(|n| format!("{id}-{n:05}")));
    assert_eq!(names, want);
    assert_eq!(get_all(&*f, &stored.url, None).await, image);
    f.delete(&stored.url).await.unwrap();
    assert_eq!(f.saio.list(&f.container).await, Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn small_image_with_known_size_is_one_plain_object() {
    let f = Fixture::new("").await;
    let id = new_id();
    let image = pattern(2, MB - 1);
    let stored = f
        .put(&id, chunked(&image), Some(image.len() as u64))
        .await
        .unwrap();
    assert_eq!(f.saio.list(&f.container).await, vec![id.clone()]);
    let head = f.saio.head(&format!("{}/{id}", f.container)).await;
    assert!(head.headers().get("X-Static-Large-Object").is_none());
    assert_eq!(
        head.headers()["Content-Length"],
        image.len().to_string().as_str()
    );
    f.delete(&stored.url).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_slo_upload_leaves_no_segments_and_no_manifest() {
    let f = Fixture::new("").await;
    let image = pattern(3, 4 * MB);
    let cases: [(&str, ByteStream, Option<u64>); 3] = [
        ("source error", failing(&image[..3 * MB + 100]), None),
        (
            "shorter than announced",
            chunked(&image[..3 * MB]),
            Some(image.len() as u64),
        ),
        (
            "longer than announced",
            chunked(&image),
            Some(3 * MB as u64),
        ),
    ];
    for (case, stream, size) in cases {
        let id = new_id();
        let result = f.put(&id, stream, size).await;
        assert!(
            matches!(result, Err(StoreError::SourceFailed(_))),
            "{case}: {result:?}"
        );
        assert_eq!(
            f.saio.list(&f.container).await,
            Vec::<String>::new(),
            "{case}: objects left behind"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_plain_upload_leaves_nothing() {
    let f = Fixture::new("").await;
    let image = pattern(4, MB / 2);
    let result = f
        .put(&new_id(), chunked(&image[..1000]), Some(image.len() as u64))
        .await;
    assert!(
        matches!(result, Err(StoreError::SourceFailed(_))),
        "{result:?}"
    );
    let result = f.put(&new_id(), chunked(&image), Some(1000)).await;
    assert!(
        matches!(result, Err(StoreError::SourceFailed(_))),
        "{result:?}"
    );
    assert_eq!(f.saio.list(&f.container).await, Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_put_leaves_nothing() {
    let f = Arc::new(Fixture::new("").await);
    let (mut tx, rx) = futures::channel::mpsc::channel::<io::Result<Bytes>>(0);
    let task = tokio::spawn({
        let f = f.clone();
        async move { f.put(&new_id(), rx.boxed(), None).await }
    });
    let chunk = Bytes::from(pattern(5, 64 * 1024));
    // 2.5 "MB": two segments complete, a third in flight.
    for _ in 0..(5 * MB / 2).div_ceil(chunk.len()) {
        tx.send(Ok(chunk.clone())).await.unwrap();
    }
    let during = f
        .saio
        .wait_for(&f.container, |names| names.len() >= 2)
        .await;
    assert!(during.len() >= 2, "segments while uploading: {during:?}");
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    let after = f.saio.wait_for(&f.container, <[String]>::is_empty).await;
    assert_eq!(after, Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seeded_containers_hold_the_images() {
    let (prefix, _purge) = scratch_container();
    let ini = tempauth_config(&format!(
        "swift_store_container = {prefix}\nswift_store_create_container_on_put = true\n\
         swift_store_multiple_containers_seed = 3\n"
    ));
    let store = store_from(&ini, "glance_store").await;
    let saio = Saio::login().await;
    let id = new_id();
    let derived = format!("{prefix}_{}", &id[..3]);
    let _purge_derived = glance_test_support::swift::purge_on_drop(vec![derived.clone()]);
    let image = pattern(6, 1000);
    let stored = store.put(&id, chunked(&image), None).await.unwrap();
    assert!(
        stored.url.ends_with(&format!("/{derived}/{id}")),
        "{}",
        stored.url
    );
    let listed = saio.list(&derived).await;
    assert!(listed.contains(&id), "{derived} holds {listed:?}");
    assert_eq!(
        saio.list(&prefix).await,
        Vec::<String>::new(),
        "base container used"
    );
    assert_eq!(get_all(&store, &stored.url, None).await, image);
    store.delete(&stored.url).await.unwrap();
    assert_eq!(saio.list(&derived).await, Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upstream_dynamic_large_object_is_read_and_deleted_with_segments() {
    let f = Fixture::new("").await;
    let id = new_id();
    let c = &f.container;
    f.saio.put(c, b"", &[]).await;
    f.saio.put(&format!("{c}/{id}-00001"), b"first-", &[]).await;
    f.saio.put(&format!("{c}/{id}-00002"), b"second", &[]).await;
    let manifest = format!("{c}/{id}-");
    f.saio
        .put(
            &format!("{c}/{id}"),
            b"",
            &[("X-Object-Manifest", &manifest)],
        )
        .await;
    let (auth, user, key) = credentials();
    let url = format!(
        "swift+http://{}:{key}@{}/{c}/{id}",
        user.replace(':', "%3A"),
        auth.trim_start_matches("http://")
    );
    assert_eq!(get_all(&*f, &url, None).await, b"first-second");
    assert_eq!(f.size(&url).await.unwrap(), 12);
    f.delete(&url).await.unwrap();
    assert_eq!(f.saio.list(c).await, Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn locations_are_upstream_single_tenant_urls() {
    let f = Fixture::new("").await;
    let id = new_id();
    let stored = f.put(&id, chunked(b"hello"), Some(5)).await.unwrap();
    let (auth, _, key) = credentials();
    let address = auth.trim_start_matches("http://");
    assert_eq!(
        stored.url,
        format!(
            "swift+http://glance%3Aglance:{key}@{address}/{}/{id}",
            f.container
        )
    );
    // Any container of our account is ours; other accounts or protocols are not.
    let other_container = format!("swift+http://glance%3Aglance:x@{address}/other/{id}");
    assert!(f.handles(&other_container));
    for url in [
        format!(
            "swift+https://glance%3Aglance:{key}@{address}/{}/{id}",
            f.container
        ),
        format!(
            "swift://glance%3Aglance:{key}@{address}/{}/{id}",
            f.container
        ),
        format!(
            "swift+http://other%3Auser:{key}@{address}/{}/{id}",
            f.container
        ),
        format!(
            "swift+http://glance%3Aglance:{key}@elsewhere:8080/auth/v1.0/{}/{id}",
            f.container
        ),
        format!("swift+config://ref1/{}/{id}", f.container),
        format!("s3://glance%3Aglance:{key}@{address}/{}/{id}", f.container),
    ] {
        assert!(!f.handles(&url), "{url} must not be handled");
        let got = f.get(&url, None).await;
        assert!(
            matches!(got, Err(StoreError::UnknownLocation(_))),
            "get {url}"
        );
        let size = f.size(&url).await;
        assert!(
            matches!(size, Err(StoreError::UnknownLocation(_))),
            "size {url}: {size:?}"
        );
    }
    f.delete(&stored.url).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_file_reference_writes_swift_config_locations() {
    let (auth, user, key) = credentials();
    let path = std::env::temp_dir().join(format!("glance-swift-{}.conf", new_id()));
    std::fs::write(
        &path,
        format!("[ref2]\nuser = {user}\nkey = {key}\nauth_address = {auth}\nauth_version = 1\n"),
    )
    .unwrap();
    let (container, _purge) = scratch_container();
    let ini = format!(
        "[swift2]\nswift_store_config_file = {}\ndefault_swift_reference = ref2\n\
         swift_store_container = {container}\nswift_store_create_container_on_put = true\n",
        path.display()
    );
    let store = store_from(&ini, "swift2").await;
    std::fs::remove_file(&path).unwrap();
    let id = new_id();
    let stored = store
        .put(&id, chunked(b"by reference"), None)
        .await
        .unwrap();
    assert_eq!(stored.url, format!("swift+config://ref2/{container}/{id}"));
    assert!(!store.handles(&format!("swift+config://ref1/{container}/{id}")));
    assert_eq!(get_all(&store, &stored.url, None).await, b"by reference");
    store.delete(&stored.url).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_key_is_unavailable() {
    let (auth, user, _) = credentials();
    let ini = format!(
        "[glance_store]\nswift_store_auth_version = 1\nswift_store_auth_address = {auth}\n\
         swift_store_user = {user}\nswift_store_key = not-the-key\n"
    );
    let store = store_from(&ini, "glance_store").await;
    let result = store.put(&new_id(), chunked(b"x"), None).await;
    match result {
        Err(StoreError::Unavailable(message)) => {
            assert!(message.contains("401"), "{message}")
        }
        other => panic!("expected Unavailable, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_server_is_unavailable() {
    let ini = "[glance_store]\nswift_store_auth_version = 1\n\
               swift_store_auth_address = http://127.0.0.1:1/auth/v1.0\n\
               swift_store_user = a:b\nswift_store_key = c\n";
    let store = store_from(ini, "glance_store").await;
    let url = "swift+http://a%3Ab:c@127.0.0.1:1/auth/v1.0/glance/x";
    match store.get(url, None).await {
        Err(StoreError::Unavailable(message)) => {
            assert!(message.contains("127.0.0.1:1"), "{message}")
        }
        Err(e) => panic!("expected Unavailable, got {e:?}"),
        Ok(_) => panic!("expected Unavailable, got a stream"),
    }
    let size = store.size(url).await;
    assert!(matches!(size, Err(StoreError::Unavailable(_))), "{size:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_container_is_not_created_unless_allowed() {
    let (container, _purge) = scratch_container();
    let store = store_from(
        &tempauth_config(&format!("swift_store_container = {container}\n")),
        "glance_store",
    )
    .await;
    let result = store.put(&new_id(), chunked(b"x"), None).await;
    match result {
        Err(StoreError::Unavailable(message)) => assert!(
            message.contains(&container) && message.contains("swift_store_create_container_on_put"),
            "{message}"
        ),
        other => panic!("expected Unavailable, got {other:?}"),
    }
    let saio = Saio::login().await;
    assert_eq!(
        saio.head(&container).await.status(),
        reqwest::StatusCode::NOT_FOUND
    );
}
