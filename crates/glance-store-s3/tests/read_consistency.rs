//! Reads against both servers: an object replaced while it is read in
//! ranges ends the stream with an error rather than mixing two objects'
//! bytes, and a get starts with a ranged `GET`, never a `HEAD`.

mod common;

use common::{Fixture, Server, rgw, s3s};
use futures::StreamExt;
use glance_store::Store;
use glance_store::conformance::{chunked, get_all, new_id, pattern};
use rusty_s3::actions::PutObject;
use rusty_s3::{Bucket, Credentials, S3Action, UrlStyle};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const MIB: usize = 1 << 20;

/// The smallest chunks the config allows (5 MiB), four ranges in flight;
/// objects up to 100 MiB go up in one `PUT`.
const SMALL_CHUNKS: &str = "s3_store_large_object_chunk_size = 5\ns3_store_thread_pools = 4";

/// Replaces object `key` of `bucket` on `server` with `data` in one `PUT`.
async fn overwrite(server: &Server, bucket: &str, key: &str, data: Vec<u8>) {
    let bucket = Bucket::new(
        server.url.parse().unwrap(),
        UrlStyle::Path,
        bucket.to_owned(),
        "us-east-1",
    )
    .unwrap();
    let creds = Credentials::new(&server.access_key, &server.secret_key);
    let url = PutObject::new(&bucket, Some(&creds), key).sign(Duration::from_secs(600));
    let status = reqwest::Client::new()
        .put(url)
        .body(data)
        .send()
        .await
        .unwrap()
        .status();
    assert!(status.is_success(), "overwriting {key}: {status}");
}

#[tokio::test]
async fn object_replaced_while_read_in_ranges_ends_the_stream_with_an_error() {
    for server in [rgw(), s3s()] {
        let fixture = Fixture::new(&server, SMALL_CHUNKS).await;
        let id = new_id();
        // Nine full chunks and a bit: more than the four ranges in flight.
        let original = pattern(11, 9 * 5 * MIB + 77);
        let stored = fixture
            .put(&id, chunked(&original), Some(original.len() as u64))
            .await
            .unwrap();
        let mut stream = fixture.get(&stored.url, None).await.unwrap();
        let mut read = stream.next().await.unwrap().unwrap().to_vec();
        overwrite(&server, &fixture.bucket, &id, pattern(12, original.len())).await;
        let error = loop {
            match stream.next().await {
                Some(Ok(bytes)) => read.extend_from_slice(&bytes),
                Some(Err(e)) => break e,
                None => panic!("{}: the stream ended without an error", server.url),
            }
        };
        assert!(
            error.to_string().contains("changed while being read"),
            "{}: {error}",
            server.url
        );
        assert!(
            read.len() < original.len() && read == original[..read.len()],
            "{}: the {} bytes read before the error are not the original's",
            server.url,
            read.len()
        );
    }
}

/// A TCP proxy to `upstream` that keeps what clients send, so a test can
/// count the requests.
struct RecordingProxy {
    /// `http://127.0.0.1:<port>`.
    url: String,
    sent: Arc<Mutex<Vec<u8>>>,
}

impl RecordingProxy {
    async fn start(upstream: &str) -> RecordingProxy {
        let upstream = upstream.trim_start_matches("http://").to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let sent = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&sent);
        tokio::spawn(async move {
            loop {
                let (client, _) = listener.accept().await.unwrap();
                let server = TcpStream::connect(&upstream).await.unwrap();
                tokio::spawn(relay(client, server, Arc::clone(&log)));
            }
        });
        RecordingProxy { url, sent }
    }

    /// Forgets what was sent so far.
    fn clear(&self) {
        self.sent.lock().unwrap().clear();
    }

    /// How many requests with `method` were sent since the last
    /// [`Self::clear`] (requests without bodies only: a body could hold
    /// the same text).
    fn count(&self, method: &str) -> usize {
        let sent = self.sent.lock().unwrap();
        let needle = format!("{method} /");
        sent.windows(needle.len())
            .filter(|window| *window == needle.as_bytes())
            .count()
    }
}

/// Copies bytes both ways, recording what the client sends.
async fn relay(client: TcpStream, server: TcpStream, log: Arc<Mutex<Vec<u8>>>) {
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let answers = tokio::spawn(async move {
        let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
    });
    let mut buf = vec![0; 64 * 1024];
    while let Ok(n) = client_read.read(&mut buf).await {
        if n == 0 || server_write.write_all(&buf[..n]).await.is_err() {
            break;
        }
        log.lock().unwrap().extend_from_slice(&buf[..n]);
    }
    let _ = server_write.shutdown().await;
    let _ = answers.await;
}

#[tokio::test]
async fn gets_ask_for_ranges_without_a_head() {
    for server in [rgw(), s3s()] {
        // The fixture (direct) cleans up; the store under test goes through
        // the proxy to the same bucket.
        let fixture = Fixture::new(&server, "").await;
        let proxy = RecordingProxy::start(&server.url).await;
        let proxied = Server {
            url: proxy.url.clone(),
            ..server.clone()
        };
        let store = proxied
            .store(
                &fixture.bucket,
                &format!("s3_store_create_bucket_on_put = true\n{SMALL_CHUNKS}"),
            )
            .await;
        let small = pattern(13, 1000);
        let large = pattern(14, 2 * 5 * MIB + 5);
        let small_url = store
            .put(&new_id(), chunked(&small), None)
            .await
            .unwrap()
            .url;
        let large_url = store
            .put(&new_id(), chunked(&large), None)
            .await
            .unwrap()
            .url;
        for (url, data, gets) in [(&small_url, &small, 1), (&large_url, &large, 3)] {
            proxy.clear();
            assert!(get_all(&store, url, None).await == *data, "{}", server.url);
            assert_eq!(proxy.count("HEAD"), 0, "{}: HEAD sent", server.url);
            assert_eq!(proxy.count("GET"), gets, "{}: GETs", server.url);
        }
    }
}
