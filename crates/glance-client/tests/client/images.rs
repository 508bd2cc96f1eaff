//! Image calls against a no-auth server.

use crate::common::{Mode, Server, object};
use futures::StreamExt;
use glance_client::Client;
use serde_json::json;

async fn create(client: &Client, name: &str) -> String {
    let image = client
        .create_image(&object(json!({
            "name": name, "disk_format": "raw", "container_format": "bare"})))
        .await
        .unwrap();
    image["id"].as_str().unwrap().to_owned()
}

/// `len` bytes of a simple pattern.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 % 251) as u8).collect()
}

/// `data` as a streamed request body of 64 KiB pieces.
fn streamed(data: &[u8]) -> reqwest::Body {
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        data.chunks(64 << 10).map(|c| Ok(c.to_vec())).collect();
    reqwest::Body::wrap_stream(futures::stream::iter(chunks))
}

#[tokio::test]
async fn create_show_update_delete() {
    let server = Server::start(Mode::NoAuth).await;
    let client = server.anonymous().await;
    assert_eq!(client.token(), None);
    let image = client
        .create_image(&object(json!({
            "name": "cirros", "disk_format": "qcow2", "container_format": "bare",
            "tags": ["a"], "os_distro": "cirros"})))
        .await
        .unwrap();
    let id = image["id"].as_str().unwrap();
    assert_eq!(image["status"], "queued");
    let shown = client.get_image(id).await.unwrap();
    assert_eq!(shown["name"], "cirros");
    assert_eq!(shown["os_distro"], "cirros");

    let updated = client
        .update_image(
            id,
            &[
                json!({"op": "replace", "path": "/name", "value": "cirros-0.6"}),
                json!({"op": "add", "path": "/hw_disk_bus", "value": "scsi"}),
                json!({"op": "remove", "path": "/os_distro"}),
            ],
        )
        .await
        .unwrap();
    assert_eq!(updated["name"], "cirros-0.6");
    assert_eq!(updated["hw_disk_bus"], "scsi");
    assert!(!updated.contains_key("os_distro"));

    client.delete_image(id).await.unwrap();
    let err = client.get_image(id).await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
}

#[tokio::test]
async fn listing_follows_next_links_up_to_the_limit() {
    let server = Server::start(Mode::NoAuth).await;
    let client = server.anonymous().await;
    for name in ["e", "c", "a", "d", "b"] {
        create(&client, name).await;
    }
    let by_name = [
        ("sort_key".to_owned(), "name".to_owned()),
        ("sort_dir".to_owned(), "asc".to_owned()),
        ("sort_key".to_owned(), "id".to_owned()),
    ];
    let names = |images: Vec<glance_client::Object>| -> Vec<String> {
        images
            .iter()
            .map(|i| i["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let all = client.list_images(&by_name, Some(2), None).await.unwrap();
    assert_eq!(names(all), ["a", "b", "c", "d", "e"]);
    let three = client
        .list_images(&by_name, Some(2), Some(3))
        .await
        .unwrap();
    assert_eq!(names(three), ["a", "b", "c"]);
    let one = client.list_images(&by_name, None, Some(1)).await.unwrap();
    assert_eq!(names(one), ["a"]);
    let filtered = [("name".to_owned(), "d".to_owned())];
    assert_eq!(
        names(client.list_images(&filtered, Some(2), None).await.unwrap()),
        ["d"]
    );
}

#[tokio::test]
async fn upload_and_download_stream_the_data() {
    let server = Server::start(Mode::NoAuth).await;
    let client = server.anonymous().await;
    let data = pattern(3 << 20);
    for size in [Some(data.len() as u64), None] {
        let id = create(&client, "data").await;
        client
            .upload_image(&id, streamed(&data), size, None)
            .await
            .unwrap();
        let image = client.get_image(&id).await.unwrap();
        assert_eq!(image["status"], "active");
        assert_eq!(image["size"], data.len());

        let mut download = client.download_image(&id, &[]).await.unwrap().unwrap();
        assert_eq!(download.size, Some(data.len() as u64));
        assert_eq!(download.content_md5.as_deref(), image["checksum"].as_str());
        let mut got = Vec::with_capacity(data.len());
        while let Some(piece) = download.stream.next().await {
            got.extend_from_slice(&piece.unwrap());
        }
        assert!(got == data, "downloaded bytes differ");
    }
}

#[tokio::test]
async fn an_image_without_data_downloads_nothing() {
    let server = Server::start(Mode::NoAuth).await;
    let client = server.anonymous().await;
    let id = create(&client, "empty").await;
    assert!(client.download_image(&id, &[]).await.unwrap().is_none());
}

#[tokio::test]
async fn actions_and_tags() {
    let server = Server::start(Mode::NoAuth).await;
    let client = server.anonymous().await;
    let id = create(&client, "acts").await;
    client
        .upload_image(&id, reqwest::Body::from(pattern(1024)), Some(1024), None)
        .await
        .unwrap();
    client.deactivate_image(&id).await.unwrap();
    assert_eq!(
        client.get_image(&id).await.unwrap()["status"],
        "deactivated"
    );
    client.reactivate_image(&id).await.unwrap();
    assert_eq!(client.get_image(&id).await.unwrap()["status"], "active");

    client.add_tag(&id, "fast").await.unwrap();
    client.add_tag(&id, "with space").await.unwrap();
    let tags = client.get_image(&id).await.unwrap()["tags"].clone();
    let mut tags: Vec<&str> = tags
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    tags.sort();
    assert_eq!(tags, ["fast", "with space"]);
    client.delete_tag(&id, "with space").await.unwrap();
    assert_eq!(
        client.get_image(&id).await.unwrap()["tags"],
        json!(["fast"])
    );
    let tagged = [("tag".to_owned(), "fast".to_owned())];
    assert_eq!(
        client.list_images(&tagged, None, None).await.unwrap().len(),
        1
    );
}

#[tokio::test]
async fn discovery_schemas_and_raw_requests() {
    let server = Server::start(Mode::NoAuth).await;
    let client = server.anonymous().await;
    // Single-store mode, as upstream: no store list.
    let err = client.stores_info(false).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "HTTP 404 Not Found: Multi backend is not supported at this site."
    );
    let schema = client.schema("image").await.unwrap();
    assert_eq!(schema["name"], "image");
    assert!(schema["properties"]["visibility"].is_object());

    let id = create(&client, "raw").await;
    let shown = client
        .request_json(reqwest::Method::GET, &format!("/v2/images/{id}"), None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(shown["name"], "raw");
    let deleted = client
        .request_json(reqwest::Method::DELETE, &format!("v2/images/{id}"), None)
        .await
        .unwrap();
    assert_eq!(deleted, None);
}
