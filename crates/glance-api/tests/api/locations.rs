//! Store management and locations on two file backends: `/v2/info/stores/detail`,
//! `DELETE /v2/stores/{store}/{image}`, the legacy location PATCH ops and the
//! location API (`POST/GET /v2/images/{id}/locations`).

use crate::common::{data, md5_hex, sha512_hex};
use glance_config::ApiConfig;
use reqwest::{Client, Method, RequestBuilder};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::Duration;

/// A server with backends `fast` (default) and `bulk`, locations shown.
struct Site {
    base: String,
    dir: tempfile::TempDir,
    c: Client,
}

/// Who calls.
#[derive(Clone, Copy)]
enum As {
    Admin,
    /// A member of project `p1`.
    Member,
    /// A member of `p1` that also has the `service` role (as Nova's and
    /// Cinder's service users do).
    Service,
}

impl Site {
    async fn start(extra: &str) -> Site {
        let dir = tempfile::tempdir().unwrap();
        let conf = dir.path().join("glance-api.conf");
        let root = dir.path().display();
        std::fs::write(
            &conf,
            format!(
                "[DEFAULT]\nauth_strategy = noauth\nstate_path = {root}/state\nenabled_backends = fast:file, bulk:file, spare:file\nshow_multiple_locations = true\n{extra}\n\
                 [database]\nconnection = sqlite:///{root}/meta.sqlite\n\
                 [glance_store]\ndefault_backend = fast\n\
                 [fast]\nfilesystem_store_datadir = {root}/fast\nweight = 10\n\
                 [bulk]\nfilesystem_store_datadir = {root}/bulk\nstore_description = Big disks\n\
                 [spare]\nfilesystem_store_datadir = {root}/spare\n"
            ),
        )
        .unwrap();
        let config = ApiConfig::load(&[conf], Vec::<(String, String)>::new()).unwrap();
        let base = crate::common::serve_config(&config).await;
        Site {
            base,
            dir,
            c: Client::new(),
        }
    }

    fn req(&self, method: Method, path: &str, who: As) -> RequestBuilder {
        let rb = self.c.request(method, format!("{}{path}", self.base));
        let member = |rb: RequestBuilder, roles: &str| {
            rb.header("X-Project-Id", "p1")
                .header("X-User-Id", "u1")
                .header("X-Roles", roles)
        };
        match who {
            As::Admin => rb,
            As::Member => member(rb, "member,reader"),
            As::Service => member(rb, "member,reader,service"),
        }
    }

    fn dir(&self, store: &str) -> PathBuf {
        self.dir.path().join(store)
    }

    /// A private image of p1, active in `fast` with `bytes`.
    async fn active_image(&self, bytes: &[u8]) -> String {
        let id = self.queued_image().await;
        let r = self
            .req(Method::PUT, &format!("/v2/images/{id}/file"), As::Member)
            .header("Content-Type", "application/octet-stream")
            .body(bytes.to_vec())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204);
        id
    }

    async fn queued_image(&self) -> String {
        let r = self
            .req(Method::POST, "/v2/images", As::Member)
            .json(&json!({"disk_format": "raw", "container_format": "bare"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        r.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn show(&self, id: &str) -> Value {
        self.req(Method::GET, &format!("/v2/images/{id}"), As::Admin)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    async fn patch(&self, id: &str, who: As, ops: Value) -> reqwest::Response {
        self.req(Method::PATCH, &format!("/v2/images/{id}"), who)
            .header(
                "Content-Type",
                "application/openstack-images-v2.1-json-patch",
            )
            .json(&ops)
            .send()
            .await
            .unwrap()
    }

    /// Waits until the image leaves `importing`.
    async fn settled(&self, id: &str) -> Value {
        for _ in 0..200 {
            let image = self.show(id).await;
            if image["status"] != "importing" {
                return image;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("image {id} stayed importing");
    }
}

async fn error_text(r: reqwest::Response) -> String {
    r.text().await.unwrap()
}

#[tokio::test]
async fn stores_detail_shows_drivers_to_admins_only() {
    let site = Site::start("").await;
    let r = site
        .req(Method::GET, "/v2/info/stores/detail", As::Admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    let stores = body["stores"].as_array().unwrap();
    assert_eq!(stores.len(), 3);
    assert_eq!(stores[0]["id"], "fast");
    assert_eq!(stores[0]["default"], "true");
    assert_eq!(stores[0]["type"], "file");
    assert_eq!(stores[0]["weight"], 10);
    let data_dir = stores[0]["properties"]["data_dir"].as_str().unwrap();
    assert!(data_dir.ends_with("/fast"), "{data_dir}");
    assert_eq!(stores[0]["properties"]["thin_provisioning"], false);
    assert_eq!(stores[1]["description"], "Big disks");
    assert_eq!(stores[1]["weight"], 0);
    let r = site
        .req(Method::GET, "/v2/info/stores/detail", As::Member)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(error_text(r).await.contains("stores_info_detail"));
    // A plain member still sees the list, without the details.
    let body: Value = site
        .req(Method::GET, "/v2/info/stores", As::Member)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(body["stores"][0].get("type").is_none());
}

#[tokio::test]
async fn a_second_copy_is_added_by_patch_and_dropped_per_store() {
    let site = Site::start("").await;
    let bytes = data(70_000);
    let id = site.active_image(&bytes).await;
    // Place a copy in `bulk` and record it as a location.
    std::fs::create_dir_all(site.dir("bulk")).unwrap();
    let copy = site.dir("bulk").join(&id);
    std::fs::write(&copy, &bytes).unwrap();
    let url = format!("file://{}", copy.canonicalize().unwrap().display());
    let add = json!([{"op": "add", "path": "/locations/-", "value": {"url": url, "metadata": {}}}]);
    // Adding locations is for admins by default (set_image_location: admin
    // or owner member); here the owner may.
    let r = site.patch(&id, As::Member, add.clone()).await;
    assert_eq!(r.status(), 200, "{}", error_text(r).await);
    let image = site.show(&id).await;
    assert_eq!(image["stores"], "fast,bulk");
    let locations = image["locations"].as_array().unwrap();
    assert_eq!(locations.len(), 2);
    assert_eq!(locations[1]["metadata"]["store"], "bulk");
    // The same URL again is refused.
    let r = site.patch(&id, As::Admin, add).await;
    assert_eq!(r.status(), 400);
    assert!(error_text(r).await.contains("already exists"));

    // Per-store delete: admin only, named store, never the last copy.
    let del = |store: &str, who: As| {
        site.req(Method::DELETE, &format!("/v2/stores/{store}/{id}"), who)
            .send()
    };
    assert_eq!(del("bulk", As::Member).await.unwrap().status(), 403);
    let r = del("nowhere", As::Admin).await.unwrap();
    assert_eq!(r.status(), 409);
    assert!(error_text(r).await.contains("not available on this node"));
    let r = del("spare", As::Admin).await.unwrap();
    assert_eq!(r.status(), 404);
    assert!(error_text(r).await.contains("is not stored in store spare"));
    assert_eq!(del("bulk", As::Admin).await.unwrap().status(), 204);
    assert!(!copy.exists(), "the bulk copy's bytes stay behind");
    let image = site.show(&id).await;
    assert_eq!(image["stores"], "fast");
    let r = del("fast", As::Admin).await.unwrap();
    assert_eq!(r.status(), 403);
    assert!(error_text(r).await.contains("only store containing it"));
    // The remaining copy still downloads.
    let r = site
        .req(Method::GET, &format!("/v2/images/{id}/file"), As::Member)
        .send()
        .await
        .unwrap();
    assert_eq!(r.bytes().await.unwrap().as_ref(), bytes.as_slice());
}

#[tokio::test]
async fn patch_remove_deletes_that_copy_and_never_the_last() {
    let site = Site::start("").await;
    let bytes = data(5000);
    let id = site.active_image(&bytes).await;
    let r = site
        .patch(
            &id,
            As::Admin,
            json!([{"op": "remove", "path": "/locations/0"}]),
        )
        .await;
    assert_eq!(r.status(), 403);
    assert!(error_text(r).await.contains("Cannot remove last location"));
    std::fs::create_dir_all(site.dir("bulk")).unwrap();
    let copy = site.dir("bulk").join(&id);
    std::fs::write(&copy, &bytes).unwrap();
    let url = format!("file://{}", copy.canonicalize().unwrap().display());
    let r = site
        .patch(
            &id,
            As::Admin,
            json!([{"op": "add", "path": "/locations/0", "value": {"url": url, "metadata": {}}}]),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(site.show(&id).await["stores"], "bulk,fast");
    let r = site
        .patch(
            &id,
            As::Member,
            json!([{"op": "remove", "path": "/locations/0"}]),
        )
        .await;
    assert_eq!(r.status(), 403, "delete_image_location is admin-only");
    let r = site
        .patch(
            &id,
            As::Admin,
            json!([{"op": "remove", "path": "/locations/0"}]),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert!(!copy.exists());
    assert_eq!(site.show(&id).await["stores"], "fast");
    let r = site
        .patch(
            &id,
            As::Admin,
            json!([{"op": "replace", "path": "/locations", "value": []}]),
        )
        .await;
    assert_eq!(r.status(), 403);
    assert!(
        error_text(r)
            .await
            .contains("Cannot set locations to empty list.")
    );
}

#[tokio::test]
async fn a_queued_image_becomes_active_from_a_patched_location() {
    let site = Site::start("").await;
    let bytes = data(12_345);
    let id = site.queued_image().await;
    std::fs::create_dir_all(site.dir("bulk")).unwrap();
    let file = site.dir("bulk").join(&id);
    std::fs::write(&file, &bytes).unwrap();
    let url = format!("file://{}", file.canonicalize().unwrap().display());
    let wrong = json!([{"op": "add", "path": "/locations/-", "value": {"url": url, "metadata": {},
        "validation_data": {"checksum": md5_hex(&bytes), "os_hash_algo": "sha256", "os_hash_value": "00"}}}]);
    let r = site.patch(&id, As::Admin, wrong).await;
    assert_eq!(r.status(), 409);
    assert!(
        error_text(r)
            .await
            .contains("os_hash_algo must be sha512, not sha256")
    );
    let good = json!([{"op": "add", "path": "/locations/-", "value": {"url": url, "metadata": {},
        "validation_data": {"checksum": md5_hex(&bytes), "os_hash_algo": "sha512", "os_hash_value": sha512_hex(&bytes)}}}]);
    let r = site.patch(&id, As::Admin, good).await;
    assert_eq!(r.status(), 200);
    let image = site.show(&id).await;
    assert_eq!(image["status"], "active");
    assert_eq!(image["size"], 12_345);
    assert_eq!(image["checksum"], md5_hex(&bytes));
    assert_eq!(image["os_hash_value"], sha512_hex(&bytes));
    let r = site
        .req(Method::GET, &format!("/v2/images/{id}/file"), As::Admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.bytes().await.unwrap().as_ref(), bytes.as_slice());
}

#[tokio::test]
async fn location_api_hashes_the_data_before_activating() {
    let site = Site::start("").await;
    let bytes = data(300_000);
    std::fs::create_dir_all(site.dir("bulk")).unwrap();

    // Good validation data: active with size and hashes computed by glance.
    let id = site.queued_image().await;
    let file = site.dir("bulk").join(&id);
    std::fs::write(&file, &bytes).unwrap();
    let url = format!("file://{}", file.canonicalize().unwrap().display());
    let body = json!({"url": url, "validation_data": {"os_hash_algo": "sha512", "os_hash_value": sha512_hex(&bytes)}});
    let r = site
        .req(
            Method::POST,
            &format!("/v2/images/{id}/locations"),
            As::Service,
        )
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202, "{}", error_text(r).await);
    let image = site.settled(&id).await;
    assert_eq!(image["status"], "active");
    assert_eq!(image["size"], 300_000);
    assert_eq!(image["checksum"], md5_hex(&bytes));
    assert_eq!(image["os_hash_algo"], "sha512");
    assert_eq!(image["os_hash_value"], sha512_hex(&bytes));
    // Only queued images take new locations.
    let r = site
        .req(
            Method::POST,
            &format!("/v2/images/{id}/locations"),
            As::Service,
        )
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    assert!(error_text(r).await.contains("image status is active"));
    // GET /locations is for services.
    let r = site
        .req(
            Method::GET,
            &format!("/v2/images/{id}/locations"),
            As::Member,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let listed: Value = site
        .req(
            Method::GET,
            &format!("/v2/images/{id}/locations"),
            As::Service,
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed, json!([{"url": url, "metadata": {"store": "bulk"}}]));

    // Wrong validation data: back to queued, no location kept.
    let id = site.queued_image().await;
    let file = site.dir("bulk").join(&id);
    std::fs::write(&file, &bytes).unwrap();
    let url = format!("file://{}", file.canonicalize().unwrap().display());
    let r = site
        .req(Method::POST, &format!("/v2/images/{id}/locations"), As::Service)
        .json(&json!({"url": url, "validation_data": {"os_hash_algo": "md5", "os_hash_value": "0".repeat(32)}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    let image = site.settled(&id).await;
    assert_eq!(image["status"], "queued");
    assert_eq!(image["locations"], json!([]));
    assert_eq!(image["size"], Value::Null);
}

#[tokio::test]
async fn location_api_refusals() {
    let site = Site::start("").await;
    let id = site.queued_image().await;
    let post = |body: Value, who: As| {
        site.req(Method::POST, &format!("/v2/images/{id}/locations"), who)
            .json(&body)
            .send()
    };
    // No http store here: plain users may not use the location API.
    let r = post(json!({"url": "http://127.0.0.1:1/x"}), As::Member)
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(error_text(r).await.contains("http store must be enabled"));
    let r = post(json!({}), As::Service).await.unwrap();
    assert_eq!(r.status(), 400);
    assert!(error_text(r).await.contains("'url' is a required property"));
    let r = post(json!({"url": "file:///etc/passwd"}), As::Service)
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "a location outside every store is refused");
    assert_eq!(site.show(&id).await["status"], "queued");
}

#[tokio::test]
async fn prefer_picks_the_store_a_download_reads_first() {
    let site = Site::start("").await;
    let bytes = data(4096);
    let id = site.active_image(&bytes).await;
    // A bulk copy with other bytes of the same length: which one a download
    // returns tells which store served it.
    let other: Vec<u8> = bytes.iter().map(|b| b ^ 0xff).collect();
    std::fs::create_dir_all(site.dir("bulk")).unwrap();
    let copy = site.dir("bulk").join(&id);
    std::fs::write(&copy, &other).unwrap();
    let url = format!("file://{}", copy.canonicalize().unwrap().display());
    let r = site
        .patch(
            &id,
            As::Admin,
            json!([{"op": "add", "path": "/locations/-", "value": {"url": url, "metadata": {}}}]),
        )
        .await;
    assert_eq!(r.status(), 200);
    let get = |query: &'static str| {
        site.req(
            Method::GET,
            &format!("/v2/images/{id}/file{query}"),
            As::Member,
        )
        .send()
    };
    // fast weighs 10: it serves by default.
    let r = get("").await.unwrap();
    assert_eq!(r.bytes().await.unwrap().as_ref(), bytes.as_slice());
    let r = get("?prefer=bulk").await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().as_ref(), other.as_slice());
    let r = get("?prefer=spare,bulk").await.unwrap();
    assert_eq!(r.bytes().await.unwrap().as_ref(), other.as_slice());
    let r = get("?prefer=nowhere").await.unwrap();
    assert_eq!(r.status(), 400);
    assert!(
        error_text(r)
            .await
            .contains("Store 'nowhere' is not configured.")
    );
}
