//! A configuration file with two file backends, wired by the composition root.

use crate::common::data;
use glance_config::ApiConfig;
use reqwest::Client;
use serde_json::{Value, json};

#[tokio::test]
async fn two_backends_from_a_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("glance-api.conf");
    let root = dir.path().display();
    std::fs::write(
        &conf,
        format!(
            "[DEFAULT]\n# upstream-style file\nauth_strategy = noauth\nstate_path = {root}/state\nenabled_backends = fast:file, bulk:file\nshow_image_direct_url = true\n\
             [database]\nconnection = sqlite:///{root}/meta.sqlite\n\
             [glance_store]\ndefault_backend = fast\n\
             [fast]\nfilesystem_store_datadir = {root}/fast\nstore_description = Fast disks\nweight = 10\n\
             [bulk]\nfilesystem_store_datadir = {root}/bulk\n"
        ),
    )
    .unwrap();
    let config = ApiConfig::load(&[conf], Vec::<(String, String)>::new()).unwrap();
    let base = crate::common::serve_config(&config).await;
    let c = Client::new();

    let stores: Value = c
        .get(format!("{base}/v2/info/stores"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        stores,
        json!({"stores": [{"id": "fast", "description": "Fast disks", "default": "true"}, {"id": "bulk"}]})
    );
    let r = c
        .post(format!("{base}/v2/images"))
        .json(&json!({"disk_format": "raw", "container_format": "bare"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["openstack-image-store-ids"], "fast,bulk");
    let id = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let put = |store: &str| {
        c.put(format!("{base}/v2/images/{id}/file"))
            .header("Content-Type", "application/octet-stream")
            .header("X-Image-Meta-Store", store.to_string())
            .body(data(5000))
            .send()
    };
    assert_eq!(put("nowhere").await.unwrap().status(), 400);
    assert_eq!(put("bulk").await.unwrap().status(), 204);
    assert!(dir.path().join("bulk").join(&id).exists());
    assert!(!dir.path().join("fast").join(&id).exists());
    let v: Value = c
        .get(format!("{base}/v2/images/{id}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["stores"], "bulk");
    assert!(v["direct_url"].as_str().unwrap().starts_with("file://"));
    let r = c
        .get(format!("{base}/v2/images/{id}/file"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.bytes().await.unwrap().as_ref(), data(5000).as_slice());
    // The versions document advertises the multi-store versions.
    let v: Value = c
        .get(format!("{base}/versions"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        v["versions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["id"] == "v2.8")
    );
    let r = c
        .delete(format!("{base}/v2/images/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert!(!dir.path().join("bulk").join(&id).exists());
}
