//! Upload and download: hashes, statuses, ranges, failures that leave nothing behind.

use crate::common::{TestServer, Who, data, md5_hex, sha512_hex};
use futures::StreamExt;
use glance_api::settings::Settings;
use reqwest::{Body, Method};
use serde_json::Value;
use tokio::io::AsyncWriteExt;

#[tokio::test]
async fn upload_then_download() {
    let s = TestServer::start().await;
    let id = s.create_basic(Who::Project("p1")).await;
    let r = s
        .req(
            Method::GET,
            &format!("/v2/images/{id}/file"),
            Who::Project("p1"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let bytes = data(3 * 1024 * 1024 + 17);
    let r = s.upload(Who::Project("p1"), &id, bytes.clone()).await;
    assert_eq!(r.status(), 204);
    assert!(r.headers().contains_key("x-openstack-request-id"));
    let v = s.show_json(&id).await;
    assert_eq!(v["status"], "active");
    assert_eq!(v["size"], bytes.len());
    assert_eq!(v["checksum"], md5_hex(&bytes));
    assert_eq!(v["os_hash_algo"], "sha512");
    assert_eq!(v["os_hash_value"], sha512_hex(&bytes));
    assert!(v.get("direct_url").is_none() && v.get("locations").is_none());
    let r = s
        .req(
            Method::GET,
            &format!("/v2/images/{id}/file"),
            Who::Project("p1"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/octet-stream");
    assert_eq!(
        r.headers()["content-length"],
        bytes.len().to_string().as_str()
    );
    assert_eq!(r.headers()["content-md5"], md5_hex(&bytes).as_str());
    assert_eq!(r.bytes().await.unwrap().as_ref(), bytes.as_slice());
    // An active image refuses another upload.
    let r = s.upload(Who::Project("p1"), &id, data(5)).await;
    assert_eq!(r.status(), 409);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Image status transition from active to saving is not allowed")
    );
}

#[tokio::test]
async fn chunked_upload_with_declared_size() {
    let s = TestServer::start().await;
    let id = s.create_basic(Who::Admin).await;
    let bytes = data(2_500_000);
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        bytes.chunks(65536).map(|c| Ok(c.to_vec())).collect();
    let r = s
        .req(Method::PUT, &format!("/v2/images/{id}/file"), Who::Admin)
        .header("Content-Type", "application/octet-stream")
        .header("x-openstack-image-size", bytes.len().to_string())
        .body(Body::wrap_stream(futures::stream::iter(chunks)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(s.show_json(&id).await["os_hash_value"], sha512_hex(&bytes));
}

#[tokio::test]
async fn ranges() {
    let s = TestServer::start().await;
    let id = s.create_basic(Who::Admin).await;
    let bytes = data(1000);
    s.upload(Who::Admin, &id, bytes.clone()).await;
    let get = |range: &str| {
        s.req(Method::GET, &format!("/v2/images/{id}/file"), Who::Admin)
            .header("Range", range.to_string())
            .send()
    };
    let r = get("bytes=0-9").await.unwrap();
    assert_eq!(r.status(), 206);
    assert_eq!(r.headers()["content-range"], "bytes 0-9/1000");
    assert_eq!(r.headers()["content-length"], "10");
    assert_eq!(r.bytes().await.unwrap().as_ref(), &bytes[0..10]);
    let r = get("bytes=-5").await.unwrap();
    assert_eq!(r.status(), 206);
    assert_eq!(r.headers()["content-range"], "bytes 995-999/1000");
    assert_eq!(r.bytes().await.unwrap().as_ref(), &bytes[995..]);
    let r = get("bytes=990-").await.unwrap();
    assert_eq!(r.bytes().await.unwrap().as_ref(), &bytes[990..]);
    let r = get("bytes=500-5000").await.unwrap();
    assert_eq!(r.headers()["content-range"], "bytes 500-999/1000");
    let r = get("bytes=1000-").await.unwrap();
    assert_eq!(r.status(), 416);
    assert_eq!(r.headers()["content-range"], "bytes */1000");
    assert_eq!(get("bytes=abc").await.unwrap().status(), 416);
    let r = get("bytes=0-1,5-6").await.unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("multiple ranges"));
    let r = s
        .req(Method::GET, &format!("/v2/images/{id}/file"), Who::Admin)
        .header("Content-Range", "bytes 2-3/*")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 206);
    assert_eq!(r.bytes().await.unwrap().as_ref(), &bytes[2..4]);
}

#[tokio::test]
async fn upload_refusals() {
    let s = TestServer::start().await;
    let id = s.create_basic(Who::Admin).await;
    let r = s
        .req(Method::PUT, &format!("/v2/images/{id}/file"), Who::Admin)
        .header("Content-Type", "application/json")
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    let r = s
        .req(Method::PUT, &format!("/v2/images/{id}/file"), Who::Admin)
        .header("Content-Type", "application/octet-stream")
        .header("x-openstack-image-size", "lots")
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let bare = s
        .create(Who::Admin, serde_json::json!({"name": "noformats"}))
        .await;
    let r = s
        .upload(Who::Admin, bare["id"].as_str().unwrap(), data(10))
        .await;
    assert_eq!(r.status(), 400);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Properties disk_format, container_format must be set prior to saving data.")
    );
    let r = s
        .upload(Who::Admin, "00000000-0000-0000-0000-000000000000", data(10))
        .await;
    assert_eq!(r.status(), 404);
    // Declared size differs from the data: 400, image back to queued, nothing stored.
    let r = s
        .req(Method::PUT, &format!("/v2/images/{id}/file"), Who::Admin)
        .header("Content-Type", "application/octet-stream")
        .header("x-openstack-image-size", "5")
        .body(data(65536))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Size exceeds: expected 5 bytes")
    );
    assert_queued_and_empty(&s, &id).await;
}

async fn assert_queued_and_empty(s: &TestServer, id: &str) {
    let v: Value = s.show_json(id).await;
    assert_eq!(v["status"], "queued");
    assert_eq!(v["size"], Value::Null);
    assert_eq!(v["checksum"], Value::Null);
    assert_eq!(v["os_hash_value"], Value::Null);
    assert!(
        s.stored_files().is_empty(),
        "left behind: {:?}",
        s.stored_files()
    );
}

#[tokio::test]
async fn size_cap_is_enforced_mid_stream() {
    let settings = Settings {
        image_size_cap: 1_000_000,
        ..Settings::default()
    };
    let s = TestServer::start_with(settings).await;
    let id = s.create_basic(Who::Admin).await;
    // Declared too large: refused before reading.
    let r = s.upload(Who::Admin, &id, data(1_000_001)).await;
    assert_eq!(r.status(), 413);
    assert_queued_and_empty(&s, &id).await;
    // Chunked without a size: refused once the cap is crossed.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = (0..40).map(|_| Ok(data(65536))).collect();
    let r = s
        .req(Method::PUT, &format!("/v2/images/{id}/file"), Who::Admin)
        .header("Content-Type", "application/octet-stream")
        .body(Body::wrap_stream(futures::stream::iter(chunks)))
        .send()
        .await;
    if let Ok(r) = r {
        assert_eq!(r.status(), 413);
    }
    assert_queued_and_empty(&s, &id).await;
    // Exactly at the cap works.
    assert_eq!(
        s.upload(Who::Admin, &id, data(1_000_000)).await.status(),
        204
    );
}

#[tokio::test]
async fn client_disconnect_leaves_image_queued() {
    let s = TestServer::start().await;
    let id = s.create_basic(Who::Admin).await;
    let addr = s.base.trim_start_matches("http://").to_string();
    let mut sock = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "PUT /v2/images/{id}/file HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/octet-stream\r\nContent-Length: 10000000\r\n\r\n"
    );
    sock.write_all(head.as_bytes()).await.unwrap();
    sock.write_all(&data(3_000_000)).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(s.show_json(&id).await["status"], "saving");
    drop(sock);
    let mut status = Value::Null;
    for _ in 0..100 {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        status = s.show_json(&id).await["status"].clone();
        if status == "queued" {
            break;
        }
    }
    assert_eq!(status, "queued");
    assert_queued_and_empty(&s, &id).await;
    // And it can be uploaded again.
    assert_eq!(s.upload(Who::Admin, &id, data(10)).await.status(), 204);
}

#[tokio::test]
async fn concurrent_uploads_one_wins() {
    let s = TestServer::start().await;
    let id = s.create_basic(Who::Admin).await;
    let mut handles = Vec::new();
    for _ in 0..4 {
        let (client, url) = (s.client.clone(), format!("{}/v2/images/{id}/file", s.base));
        handles.push(tokio::spawn(async move {
            let chunks = futures::stream::iter(
                (0..20).map(|_| Ok::<_, std::io::Error>(data(65536))),
            )
            .then(|c| async move {
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                c
            });
            client
                .put(url)
                .header("Content-Type", "application/octet-stream")
                .body(Body::wrap_stream(chunks))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    let mut codes = Vec::new();
    for h in handles {
        codes.push(h.await.unwrap());
    }
    codes.sort();
    assert_eq!(codes, vec![204, 409, 409, 409]);
    let v = s.show_json(&id).await;
    assert_eq!(v["status"], "active");
    assert_eq!(v["size"], 20 * 65536);
    assert_eq!(s.stored_files(), vec![id]);
}

#[tokio::test]
async fn delete_during_upload_cleans_up() {
    let s = TestServer::start().await;
    let id = s.create_basic(Who::Admin).await;
    let url = format!("{}/v2/images/{id}/file", s.base);
    let client = s.client.clone();
    let upload = tokio::spawn(async move {
        let chunks = futures::stream::iter((0..30).map(|_| Ok::<_, std::io::Error>(data(65536))))
            .then(|c| async move {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                c
            });
        client
            .put(url)
            .header("Content-Type", "application/octet-stream")
            .body(Body::wrap_stream(chunks))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    });
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let r = s
        .req(Method::DELETE, &format!("/v2/images/{id}"), Who::Admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(upload.await.unwrap(), 410);
    assert!(s.stored_files().is_empty(), "{:?}", s.stored_files());
}

#[tokio::test]
async fn virtual_size_from_the_data() {
    let s = TestServer::start().await;
    let raw = s
        .create(
            Who::Admin,
            serde_json::json!({"disk_format": "raw", "container_format": "bare"}),
        )
        .await;
    let raw = raw["id"].as_str().unwrap();
    s.upload(Who::Admin, raw, data(4096)).await;
    assert_eq!(s.show_json(raw).await["virtual_size"], 4096);
    let qcow = s.create_basic(Who::Admin).await;
    let mut header = data(1024);
    header[..4].copy_from_slice(b"QFI\xfb");
    header[24..32].copy_from_slice(&(1u64 << 30).to_be_bytes());
    s.upload(Who::Admin, &qcow, header).await;
    assert_eq!(s.show_json(&qcow).await["virtual_size"], 1u64 << 30);
    let other = s.create_basic(Who::Admin).await;
    s.upload(Who::Admin, &other, data(1024)).await;
    assert_eq!(s.show_json(&other).await["virtual_size"], Value::Null);
}

/// A refused upload still gets its answer: the server reads and discards
/// the body it did not want (lingering), so a client still streaming it does
/// not hit a closed connection (a broken pipe instead of the status).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_streamed_uploads_get_their_answer() {
    let s = TestServer::start().await;
    let id = s.create_basic(Who::Admin).await;
    assert_eq!(s.upload(Who::Admin, &id, data(1024)).await.status(), 204);
    let streamed = || {
        let chunks = (0..32).map(|_| Ok::<_, std::io::Error>(bytes::Bytes::from(data(1 << 20))));
        Body::wrap_stream(futures::stream::iter(chunks))
    };
    for _ in 0..3 {
        // Active already: 409, decided before the body is read.
        let r = s
            .client
            .put(format!("{}/v2/images/{id}/file", s.base))
            .header("Content-Type", "application/octet-stream")
            .body(streamed())
            .send()
            .await
            .expect("the 409 must arrive, not a broken pipe");
        assert_eq!(r.status(), 409);
        // No such route: 404 from the fallback.
        let r = s
            .client
            .put(format!("{}/v2/images/{id}/stage", s.base))
            .header("Content-Type", "application/octet-stream")
            .body(streamed())
            .send()
            .await
            .expect("the 404 must arrive, not a broken pipe");
        assert_eq!(r.status(), 404);
    }
}
