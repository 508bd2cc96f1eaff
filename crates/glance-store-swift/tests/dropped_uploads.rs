//! Uploads dropped while a `PUT` is under way (the client went away) leave
//! nothing in the container: the cleanup waits for the request in flight
//! before deleting, so no object is created after its delete, even when
//! the `PUT` reaches Swift late.

#[path = "swift/common.rs"]
#[allow(dead_code)]
mod common;

use bytes::Bytes;
use common::{Fixture, Saio};
use futures::{SinkExt, StreamExt};
use glance_store::Store;
use glance_store::conformance::{new_id, pattern};
use std::io;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;

/// Upstream's "MB": the fixture's segment size.
const MB: usize = 1000 * 1024;

/// The objects of image `id` that exist: its name and its first segment
/// names, plus any name of it the listing shows, each confirmed by a
/// `HEAD` (a listing may lag behind on a loaded SAIO, in both directions).
async fn stored(f: &Fixture, id: &str) -> Vec<String> {
    let mut names: Vec<String> = std::iter::once(id.to_owned())
        .chain((1..=5).map(|n| format!("{id}-{n:05}")))
        .collect();
    for name in f.saio.list(&f.container).await {
        if name.starts_with(id) && !names.contains(&name) {
            names.push(name);
        }
    }
    let mut found = Vec::new();
    for name in names {
        let path = format!("{}/{name}", f.container);
        if f.saio.head(&path).await.status().is_success() {
            found.push(name);
        }
    }
    found
}

/// Polls [`stored`] (for up to 10 s) until `done` holds; returns the last
/// answer.
async fn wait_stored(f: &Fixture, id: &str, done: impl Fn(usize) -> bool) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let names = stored(f, id).await;
        if done(names.len()) || Instant::now() > deadline {
            return names;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Starts a put of `id` announcing `size_hint`, feeds it `bytes` (each
/// chunk taken by the upload before the next is offered), then drops the
/// put while its data is still open, and checks that nothing with the
/// image id remains once the cleanup ran, and a while later.
async fn drop_midway(f: &Arc<Fixture>, size_hint: Option<u64>, bytes: usize, wait_for: usize) {
    let id = new_id();
    let (mut tx, rx) = futures::channel::mpsc::channel::<io::Result<Bytes>>(0);
    let task = tokio::spawn({
        let f = f.clone();
        let id = id.clone();
        async move { f.put(&id, rx.boxed(), size_hint).await }
    });
    let chunk = Bytes::from(pattern(7, 64 * 1024));
    for _ in 0..bytes.div_ceil(chunk.len()) {
        tx.send(Ok(chunk.clone())).await.unwrap();
    }
    let during = wait_stored(f, &id, |n| n >= wait_for).await;
    assert!(
        during.len() >= wait_for,
        "objects while uploading: {during:?}"
    );
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    let after = wait_stored(f, &id, |n| n == 0).await;
    assert!(after.is_empty(), "{size_hint:?}: left behind: {after:?}");
    tokio::time::sleep(Duration::from_secs(1)).await;
    let later = stored(f, &id).await;
    assert!(later.is_empty(), "{size_hint:?}: created later: {later:?}");
    drop(tx);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_dropped_with_a_put_in_flight_leaves_nothing() {
    let f = Arc::new(Fixture::new("").await);
    for _ in 0..3 {
        // A plain object of known size, its body half sent.
        drop_midway(&f, Some(MB as u64 / 2), MB / 4, 0).await;
        // Segments of unknown size (chunked): one stored, the second cut.
        drop_midway(&f, None, MB + MB / 2, 1).await;
        // Segments of known size: one stored, the second cut.
        drop_midway(&f, Some(3 * MB as u64), MB + MB / 2, 1).await;
    }
}

/// How late the slow proxy hands `PUT` requests to Swift.
const PUT_DELAY: Duration = Duration::from_millis(1500);

/// Starts a TCP proxy to `upstream` (`host:port`) that passes each request
/// on at once, except `PUT` requests, whose bytes reach the server
/// [`PUT_DELAY`] after the client sent them; returns its `host:port`.
async fn slow_put_proxy(upstream: String) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    tokio::spawn(async move {
        loop {
            let (client, _) = listener.accept().await.unwrap();
            let server = TcpStream::connect(&upstream).await.unwrap();
            tokio::spawn(relay(client, server));
        }
    });
    address
}

/// Copies bytes both ways, delaying what the client sends for a `PUT`.
/// (Each request head starts a read: a client sends the next request only
/// after the answer to the previous one.)
async fn relay(client: TcpStream, server: TcpStream) {
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    tokio::spawn(async move {
        let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
    });
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(Instant, Vec<u8>)>();
    tokio::spawn(async move {
        while let Some((due, bytes)) = rx.recv().await {
            tokio::time::sleep_until(due).await;
            if server_write.write_all(&bytes).await.is_err() {
                return;
            }
        }
        let _ = server_write.shutdown().await;
    });
    let mut buf = vec![0; 64 * 1024];
    let mut delay = Duration::ZERO;
    while let Ok(n) = client_read.read(&mut buf).await {
        if n == 0 {
            break;
        }
        let bytes = &buf[..n];
        for method in ["GET ", "HEAD ", "POST ", "DELETE ", "PUT "] {
            if bytes.starts_with(method.as_bytes()) {
                delay = if method == "PUT " {
                    PUT_DELAY
                } else {
                    Duration::ZERO
                };
            }
        }
        if tx.send((Instant::now() + delay, bytes.to_vec())).is_err() {
            break;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_dropped_while_a_complete_segment_awaits_its_answer_leaves_nothing() {
    let saio = Saio::login().await;
    let storage = url::Url::parse(&saio.storage_url).unwrap();
    let upstream = format!(
        "{}:{}",
        storage.host_str().unwrap(),
        storage.port().unwrap()
    );
    let proxy = slow_put_proxy(upstream).await;
    let mut endpoint = storage.clone();
    endpoint
        .set_port(Some(proxy.rsplit_once(':').unwrap().1.parse().unwrap()))
        .unwrap();
    let f = Arc::new(Fixture::new(&format!("swift_store_endpoint = {endpoint}")).await);
    let id = new_id();
    let (mut tx, rx) = futures::channel::mpsc::channel::<io::Result<Bytes>>(0);
    let task = tokio::spawn({
        let f = f.clone();
        let id = id.clone();
        async move { f.put(&id, rx.boxed(), None).await }
    });
    // One whole segment (its body complete, its answer delayed by the
    // proxy) and the start of the next.
    let chunk = Bytes::from(pattern(8, 64 * 1024));
    for _ in 0..MB.div_ceil(chunk.len()) {
        tx.send(Ok(chunk.clone())).await.unwrap();
    }
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    tokio::time::sleep(PUT_DELAY + Duration::from_secs(2)).await;
    let after = wait_stored(&f, &id, |n| n == 0).await;
    assert!(after.is_empty(), "left behind: {after:?}");
    drop(tx);
}
