//! The conformance suite every [`Store`] driver must pass.
//!
//! Each check takes a store, exercises one part of the contract with fresh
//! random image ids, cleans up after itself and panics (like a test
//! assertion) on the first violation. A driver's test file instantiates all
//! of them with [`conformance_tests!`](crate::conformance_tests).
//!
//! The test data and stream helpers the checks use ([`pattern`],
//! [`chunked`], [`failing`], [`get_all`], ...) are public too, for the
//! drivers' own tests.

use crate::{ByteRange, ByteStream, Store, StoreError, StoredObject};
use bytes::Bytes;
use futures::{StreamExt, stream};
use std::io;

/// Chunk size the checks feed to `put` ([`chunked`]'s pieces).
pub const CHUNK: usize = 64 * 1024;

/// Size of the multi-chunk objects: several MiB and not chunk-aligned.
const LARGE: usize = 5 * 1024 * 1024 + 123;

/// Put then get returns the same bytes, in full, for a multi-MiB object
/// sent in many chunks; the reported size and location are consistent.
pub async fn put_get_roundtrip(store: &dyn Store) {
    let data = pattern(1, LARGE);
    let stored = put_ok(store, &new_id(), &data).await;
    assert_eq!(stored.size, LARGE as u64, "put reported the wrong size");
    assert!(
        store.handles(&stored.url),
        "store does not handle its own location {}",
        stored.url
    );
    assert_eq!(
        get_all(store, &stored.url, None).await,
        data,
        "data changed in the store"
    );
    delete_ok(store, &stored.url).await;
}

/// A put that is told the size up front (a `Content-Length`) stores the
/// same bytes as one that is not.
pub async fn put_with_size_hint(store: &dyn Store) {
    let data = pattern(9, LARGE);
    let stored = match store
        .put(&new_id(), chunked(&data), Some(LARGE as u64))
        .await
    {
        Ok(stored) => stored,
        Err(e) => panic!("put with a size hint failed: {e}"),
    };
    assert_eq!(stored.size, LARGE as u64, "put reported the wrong size");
    assert_eq!(
        get_all(store, &stored.url, None).await,
        data,
        "data changed in the store"
    );
    delete_ok(store, &stored.url).await;
}

/// Ranged gets: first byte, a middle span, last byte, whole object, an end
/// past the object (clamped), and a start past it (not satisfiable).
pub async fn ranged_get(store: &dyn Store) {
    let size = 3 * CHUNK + 17;
    let data = pattern(2, size);
    let stored = put_ok(store, &new_id(), &data).await;
    let last = size as u64 - 1;
    let cases = [
        (0, 0),
        (1000, 2 * CHUNK as u64 + 5),
        (last, last),
        (0, last),
        (last - 9, last + 1000),
    ];
    for (start, end) in cases {
        let got = get_all(store, &stored.url, Some(ByteRange { start, end })).await;
        let end = end.min(last);
        assert_eq!(
            got,
            data[start as usize..=end as usize],
            "wrong bytes for range {start}-{end}"
        );
    }
    for (start, end) in [
        (size as u64, size as u64 + 10),
        (last + 100, last + 200),
        (10, 9),
    ] {
        match store.get(&stored.url, Some(ByteRange { start, end })).await {
            Err(StoreError::RangeNotSatisfiable { size: reported }) => {
                assert_eq!(reported, size as u64, "416 must carry the object size")
            }
            other => panic!(
                "range {start}-{end}: expected RangeNotSatisfiable, got {}",
                show(&other)
            ),
        }
    }
    delete_ok(store, &stored.url).await;
}

/// After a delete, getting the object is [`StoreError::NotFound`].
pub async fn delete_removes_object(store: &dyn Store) {
    let stored = put_ok(store, &new_id(), &pattern(3, 1000)).await;
    delete_ok(store, &stored.url).await;
    let got = store.get(&stored.url, None).await;
    assert!(
        matches!(got, Err(StoreError::NotFound(_))),
        "get after delete: {}",
        show(&got)
    );
}

/// Deleting an object that is not there is [`StoreError::NotFound`].
pub async fn delete_missing_is_not_found(store: &dyn Store) {
    let stored = put_ok(store, &new_id(), &pattern(4, 10)).await;
    delete_ok(store, &stored.url).await;
    let again = store.delete(&stored.url).await;
    assert!(
        matches!(again, Err(StoreError::NotFound(_))),
        "second delete: {again:?}"
    );
}

/// A second put for the same image id is [`StoreError::Duplicate`] and
/// leaves the first object untouched.
pub async fn duplicate_put(store: &dyn Store) {
    let id = new_id();
    let data = pattern(5, 2 * CHUNK);
    let stored = put_ok(store, &id, &data).await;
    match store.put(&id, chunked(&pattern(6, 100)), None).await {
        Err(StoreError::Duplicate(url)) => {
            assert_eq!(url, stored.url, "Duplicate names the wrong location")
        }
        other => panic!("second put of {id}: expected Duplicate, got {other:?}"),
    }
    assert_eq!(
        get_all(store, &stored.url, None).await,
        data,
        "duplicate put changed the object"
    );
    delete_ok(store, &stored.url).await;
}

/// A stream that fails midway (a client gone, or the API's size cap cutting
/// an oversize upload off) is [`StoreError::SourceFailed`] and leaves
/// nothing behind: a fresh put of the same id then succeeds.
pub async fn failed_source_leaves_nothing(store: &dyn Store) {
    let id = new_id();
    // Half the announced size arrives, then the error.
    let result = store
        .put(&id, failing(&pattern(7, LARGE / 2)), Some(LARGE as u64))
        .await;
    assert!(
        matches!(result, Err(StoreError::SourceFailed(_))),
        "failing stream: {result:?}"
    );
    let data = pattern(8, 3 * CHUNK);
    let stored = put_ok(store, &id, &data).await;
    assert_eq!(
        get_all(store, &stored.url, None).await,
        data,
        "retried put is corrupt"
    );
    delete_ok(store, &stored.url).await;
}

/// Concurrent puts of different ids all land intact.
pub async fn concurrent_puts(store: &dyn Store) {
    let objects: Vec<(String, Vec<u8>)> = (0..6)
        .map(|seed| {
            (
                new_id(),
                pattern(100 + seed, 4 * CHUNK + seed as usize * 1001),
            )
        })
        .collect();
    let puts = objects.iter().map(|(id, data)| put_ok(store, id, data));
    let stored = futures::future::join_all(puts).await;
    for (object, (_, data)) in stored.iter().zip(&objects) {
        assert_eq!(
            &get_all(store, &object.url, None).await,
            data,
            "concurrent put of {} is corrupt",
            object.url
        );
        delete_ok(store, &object.url).await;
    }
}

/// A 0-byte object can be stored, read back empty, and deleted; any range
/// of it is not satisfiable.
pub async fn empty_object(store: &dyn Store) {
    let stored = match store.put(&new_id(), stream::empty().boxed(), None).await {
        Ok(stored) => stored,
        Err(e) => panic!("empty put failed: {e}"),
    };
    assert_eq!(stored.size, 0);
    assert!(
        get_all(store, &stored.url, None).await.is_empty(),
        "empty object read back bytes"
    );
    let ranged = store
        .get(&stored.url, Some(ByteRange { start: 0, end: 0 }))
        .await;
    assert!(
        matches!(ranged, Err(StoreError::RangeNotSatisfiable { size: 0 })),
        "range of empty object: {}",
        show(&ranged)
    );
    delete_ok(store, &stored.url).await;
}

/// `size` reports the stored length of a multi-chunk object and of an
/// empty one; after a delete it is [`StoreError::NotFound`].
pub async fn size_matches(store: &dyn Store) {
    let large = put_ok(store, &new_id(), &pattern(10, LARGE)).await;
    let empty = put_ok(store, &new_id(), &[]).await;
    for (stored, len) in [(&large, LARGE), (&empty, 0)] {
        match store.size(&stored.url).await {
            Ok(size) => assert_eq!(size, len as u64, "size of {}", stored.url),
            Err(e) => panic!("size of {} failed: {e}", stored.url),
        }
    }
    delete_ok(store, &large.url).await;
    delete_ok(store, &empty.url).await;
    for stored in [&large, &empty] {
        let size = store.size(&stored.url).await;
        assert!(
            matches!(size, Err(StoreError::NotFound(_))),
            "size after delete of {}: {size:?}",
            stored.url
        );
    }
}

/// A fresh image id, as glance assigns them (a random UUID).
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// `len` deterministic pseudo-random bytes (xorshift) for `seed`; the data
/// for a seed is a prefix of any longer data for the same seed.
pub fn pattern(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

/// `data` as a stream of [`CHUNK`]-sized pieces (the last one shorter).
pub fn chunked(data: &[u8]) -> ByteStream {
    let data = Bytes::copy_from_slice(data);
    let chunks: Vec<_> = (0..data.len())
        .step_by(CHUNK)
        .map(|at| Ok(data.slice(at..data.len().min(at + CHUNK))))
        .collect();
    stream::iter(chunks).boxed()
}

/// `data` as [`chunked`] sends it, then the error `client went away` (a
/// client that disconnects midway).
pub fn failing(data: &[u8]) -> ByteStream {
    let broken = stream::once(async { Err(io::Error::other("client went away")) });
    chunked(data).chain(broken).boxed()
}

/// Puts `data` under `id`, panicking on failure.
async fn put_ok(store: &dyn Store, id: &str, data: &[u8]) -> StoredObject {
    match store.put(id, chunked(data), None).await {
        Ok(stored) => stored,
        Err(e) => panic!("put of {id} failed: {e}"),
    }
}

/// Reads a whole object, or `range` of it, panicking on failure.
pub async fn get_all(store: &dyn Store, url: &str, range: Option<ByteRange>) -> Vec<u8> {
    let mut body = match store.get(url, range).await {
        Ok(body) => body,
        Err(e) => panic!("get of {url} ({range:?}) failed: {e}"),
    };
    let mut out = Vec::new();
    while let Some(chunk) = body.next().await {
        match chunk {
            Ok(chunk) => out.extend_from_slice(&chunk),
            Err(e) => panic!("reading {url} failed: {e}"),
        }
    }
    out
}

/// Deletes `url`, panicking on failure.
async fn delete_ok(store: &dyn Store, url: &str) {
    if let Err(e) = store.delete(url).await {
        panic!("delete of {url} failed: {e}");
    }
}

/// Describes a get result for a failure message (streams are not `Debug`).
pub fn show(result: &Result<ByteStream, StoreError>) -> String {
    match result {
        Ok(_) => "Ok(stream)".to_owned(),
        Err(e) => format!("Err({e:?})"),
    }
}

/// Instantiates every conformance check as a `#[tokio::test]` in a module
/// `store_conformance`, each on a fresh fixture from `$make().await`: an async fn
/// returning something that derefs to a concrete [`Store`] (a `Box` of the
/// store, or a struct that also keeps its temp dir or server alive).
#[macro_export]
macro_rules! conformance_tests {
    ($make:path) => {
        mod store_conformance {
            $crate::conformance_tests!(@each $make;
                put_get_roundtrip, put_with_size_hint, ranged_get, delete_removes_object,
                delete_missing_is_not_found, duplicate_put, failed_source_leaves_nothing,
                concurrent_puts, empty_object, size_matches);
        }
    };
    (@each $make:path; $($check:ident),*) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                let fixture = $make().await;
                $crate::conformance::$check(&*fixture).await;
            }
        )*
    };
}
