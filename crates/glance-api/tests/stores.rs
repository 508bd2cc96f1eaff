//! glance-api over every store driver at once, against the real servers that
//! `scripts/backends/up` starts (their addresses come from the same
//! `GLANCE_TEST_*` variables the driver crates' tests read): an image
//! uploaded to each store downloads intact, whole and ranged; multi-store
//! listing; a second copy dropped per store; download falling back to the
//! next location; the location API over the read-only http store.

use axum::Router;
use glance_config::{ApiConfig, ConfigFile};
use glance_store::Store;
use glance_store::conformance::pattern;
use glance_test_support::cleanup::OnDrop;
use glance_test_support::http::{json, serve};
use glance_test_support::{mongo, s3, swift};
use reqwest::{Client, Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

fn env(key: &str, default: &str) -> String {
    std::env::var(key).unwrap_or_else(|_| default.to_owned())
}

/// A short random suffix for buckets, containers, databases and dirs.
fn unique() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..12].to_owned()
}

/// The writable backends and their `[<id>]` sections.
fn backend_sections(tag: &str) -> Vec<(&'static str, &'static str, String)> {
    let s3 = |url: String| {
        format!(
            "s3_store_host = {url}\ns3_store_access_key = {}\ns3_store_secret_key = {}\n\
             s3_store_bucket = glance-api-{tag}\ns3_store_create_bucket_on_put = true\n\
             s3_store_large_object_size = 5\ns3_store_large_object_chunk_size = 5\n",
            env("GLANCE_TEST_S3_ACCESS_KEY", "glance"),
            env("GLANCE_TEST_S3_SECRET_KEY", "glancesecret"),
        )
    };
    let mut backends = vec![
        (
            "rgw",
            "s3",
            s3(env("GLANCE_TEST_S3_RGW_URL", "http://127.0.0.1:7480")),
        ),
        (
            "s3s",
            "s3",
            s3(env("GLANCE_TEST_S3S_URL", "http://127.0.0.1:8014")),
        ),
        (
            "objects",
            "swift",
            format!(
                "swift_store_auth_address = {}\nswift_store_user = {}\nswift_store_key = {}\n\
                 swift_store_auth_version = 1\nswift_store_container = glance-api-{tag}\n\
                 swift_store_create_container_on_put = true\n\
                 swift_store_large_object_size = 2\nswift_store_large_object_chunk_size = 1\n",
                env(
                    "GLANCE_TEST_SWIFT_AUTH_URL",
                    "http://127.0.0.1:8080/auth/v1.0"
                ),
                env("GLANCE_TEST_SWIFT_USER", "glance:glance"),
                env("GLANCE_TEST_SWIFT_KEY", "glancepass"),
            ),
        ),
        (
            "mongo",
            "gridfs",
            format!(
                "mongodb_store_uri = {}\nmongodb_store_db = glance_api_{tag}\n",
                env("GLANCE_TEST_MONGODB_URI", "mongodb://127.0.0.1:27018/")
            ),
        ),
        (
            "vsphere",
            "vmware",
            format!(
                "vmware_server_host = {}\nvmware_server_username = {}\nvmware_server_password = {}\n\
                 vmware_insecure = true\nvmware_datastores = DC0:LocalDS_0\n\
                 vmware_store_image_dir = /glance-api-{tag}\n",
                env("GLANCE_TEST_VCSIM_HOST", "127.0.0.1:8989"),
                env("GLANCE_TEST_VCSIM_USER", "glance"),
                env("GLANCE_TEST_VCSIM_PASSWORD", "glancepass"),
            ),
        ),
    ];
    if cfg!(feature = "rbd") {
        backends.push((
            "ceph",
            "rbd",
            format!(
                "rbd_store_ceph_conf = {}\nrbd_store_user = {}\nrbd_store_pool = {}\nrbd_store_chunk_size = 1\n",
                env(
                    "GLANCE_TEST_CEPH_CONF",
                    "/tmp/glance-backends/ceph/ceph.conf"
                ),
                env("GLANCE_TEST_RBD_USER", "glance"),
                env("GLANCE_TEST_RBD_POOL", "images"),
            ),
        ));
    }
    backends
}

/// A guard removing S3 bucket `bucket` from the server at `url` when dropped.
fn purge_bucket(url: &str, bucket: &str) -> OnDrop {
    s3::Bucket::new(
        url,
        &env("GLANCE_TEST_S3_ACCESS_KEY", "glance"),
        &env("GLANCE_TEST_S3_SECRET_KEY", "glancesecret"),
        bucket,
    )
    .purge_on_drop()
}

/// Guards removing what the backends of [`backend_sections`]`(tag)` create
/// on the servers (buckets, container, database, image directory) when the
/// test ends, also when it fails; `vsphere` is the vmware backend's section.
fn remove_on_drop(tag: &str, vsphere: &str) -> Vec<OnDrop> {
    let vsphere = format!("[vsphere]\n{vsphere}");
    let vsphere_dir = format!(
        "vsphere://{}/folder/glance-api-{tag}?dcPath=DC0&dsName=LocalDS_0",
        env("GLANCE_TEST_VCSIM_HOST", "127.0.0.1:8989")
    );
    vec![
        purge_bucket(
            &env("GLANCE_TEST_S3_RGW_URL", "http://127.0.0.1:7480"),
            &format!("glance-api-{tag}"),
        ),
        purge_bucket(
            &env("GLANCE_TEST_S3S_URL", "http://127.0.0.1:8014"),
            &format!("glance-api-{tag}"),
        ),
        swift::purge_on_drop(vec![format!("glance-api-{tag}")]),
        mongo::drop_on_drop(
            &env("GLANCE_TEST_MONGODB_URI", "mongodb://127.0.0.1:27018/"),
            &format!("glance_api_{tag}"),
        ),
        // The vmware driver deletes a directory given its folder URL.
        OnDrop::new(move || async move {
            let raw = ConfigFile::parse(&vsphere, "vsphere").unwrap();
            let vsphere = glance_api::drivers::open("vmware", &raw, "vsphere", dir_unused())
                .await
                .unwrap();
            match vsphere.delete(&vsphere_dir).await {
                Ok(()) | Err(glance_store::StoreError::NotFound(_)) => {}
                Err(e) => panic!("could not remove {vsphere_dir}: {e}"),
            }
        }),
    ]
}

/// A glance-api with `fast:file`, `web:http` and every backend above.
struct Site {
    base: String,
    config: ApiConfig,
    _dir: tempfile::TempDir,
    c: Client,
    /// Removes what the backends created on the servers.
    _cleanup: Vec<OnDrop>,
}

impl Site {
    async fn start() -> Site {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().display();
        let tag = unique();
        let backends = backend_sections(&tag);
        let vsphere = backends.iter().find(|(id, _, _)| *id == "vsphere").unwrap();
        let cleanup = remove_on_drop(&tag, &vsphere.2);
        let enabled: Vec<String> = backends
            .iter()
            .map(|(id, driver, _)| format!("{id}:{driver}"))
            .collect();
        let mut text = format!(
            "[DEFAULT]\nauth_strategy = noauth\nstate_path = {root}/state\nshow_multiple_locations = true\n\
             enabled_backends = fast:file, web:http, {}\n\
             [database]\nconnection = sqlite:///{root}/meta.sqlite\n\
             [glance_store]\ndefault_backend = fast\n\
             [fast]\nfilesystem_store_datadir = {root}/fast\n[web]\n",
            enabled.join(", ")
        );
        for (id, _, section) in &backends {
            text.push_str(&format!("[{id}]\nweight = 5\n{section}"));
        }
        Site::with_conf(dir, &text, cleanup).await
    }

    /// A glance-api configured by `text`, written as glance-api.conf in
    /// `dir`, keeping `cleanup` until it is dropped.
    async fn with_conf(dir: tempfile::TempDir, text: &str, cleanup: Vec<OnDrop>) -> Site {
        let conf = dir.path().join("glance-api.conf");
        std::fs::write(&conf, text).unwrap();
        let config = ApiConfig::load(&[conf], Vec::<(String, String)>::new()).unwrap();
        let state = glance_api::startup::build(&config).await.unwrap();
        Site {
            base: serve(glance_api::router(state)).await,
            config,
            _dir: dir,
            c: Client::new(),
            _cleanup: cleanup,
        }
    }

    fn req(&self, method: Method, path: &str) -> RequestBuilder {
        self.c.request(method, format!("{}{path}", self.base))
    }

    /// The driver of backend `id`, opened on its own from the same file.
    async fn driver(&self, id: &str) -> std::sync::Arc<dyn Store> {
        let b = self.config.backends.iter().find(|b| b.id == id).unwrap();
        glance_api::drivers::open(&b.driver, &self.config.raw, id, &b.filesystem_store_datadir)
            .await
            .unwrap()
    }

    async fn create(&self) -> String {
        let r = self
            .req(Method::POST, "/v2/images")
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

    async fn upload(&self, id: &str, store: &str, bytes: &[u8]) {
        let r = self
            .req(Method::PUT, &format!("/v2/images/{id}/file"))
            .header("Content-Type", "application/octet-stream")
            .header("X-Image-Meta-Store", store)
            .body(bytes.to_vec())
            .send()
            .await
            .unwrap();
        let status = r.status();
        assert_eq!(
            status,
            204,
            "upload to {store}: {}",
            r.text().await.unwrap()
        );
    }

    async fn delete(&self, id: &str) {
        let r = self
            .req(Method::DELETE, &format!("/v2/images/{id}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204, "delete of {id}");
    }

    async fn show(&self, id: &str) -> Value {
        json(self.req(Method::GET, &format!("/v2/images/{id}"))).await
    }

    async fn download(&self, id: &str, range: Option<&str>) -> (StatusCode, Vec<u8>) {
        let mut rb = self.req(Method::GET, &format!("/v2/images/{id}/file"));
        if let Some(range) = range {
            rb = rb.header("Range", range);
        }
        let r = rb.send().await.unwrap();
        (r.status(), r.bytes().await.unwrap().to_vec())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_store_takes_an_upload_and_serves_it_back() {
    let site = Site::start().await;
    let listed = json(site.req(Method::GET, "/v2/info/stores")).await;
    let ids: Vec<&str> = listed["stores"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids[..2], ["fast", "web"]);
    assert_eq!(listed["stores"][1]["read-only"], "true");
    for (n, (store, _, _)) in backend_sections("unused").iter().enumerate() {
        // Above the S3 and Swift large-object thresholds set above.
        let data = pattern(n as u64 + 1, 6 * 1024 * 1024 + 4321);
        let id = site.create().await;
        site.upload(&id, store, &data).await;
        let image = site.show(&id).await;
        assert_eq!(image["status"], "active", "{store}");
        assert_eq!(image["stores"], *store);
        assert_eq!(image["size"], data.len());
        let url = image["locations"][0]["url"].as_str().unwrap().to_owned();
        let (status, body) = site.download(&id, None).await;
        assert_eq!(status, 200, "{store}");
        assert!(
            body == data,
            "{store}: the download differs from the upload"
        );
        let (status, body) = site.download(&id, Some("bytes=5000000-5000099")).await;
        assert_eq!(status, 206, "{store}");
        assert_eq!(body, data[5_000_000..5_000_100], "{store}: ranged download");
        site.delete(&id).await;
        let gone = site.driver(store).await.get(&url, None).await;
        assert!(
            matches!(gone, Err(glance_store::StoreError::NotFound(_))),
            "{store}: the data outlived its image"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copy_is_dropped_per_store_and_downloads_fall_back() {
    let site = Site::start().await;
    let data = pattern(77, 3 * 1024 * 1024 + 5);
    let id = site.create().await;
    site.upload(&id, "fast", &data).await;
    // Copy the bytes into the S3 and Swift backends and record both.
    for store in ["rgw", "objects"] {
        let body = futures::stream::iter(
            data.chunks(256 * 1024)
                .map(|c| Ok(bytes::Bytes::copy_from_slice(c)))
                .collect::<Vec<_>>(),
        );
        let stored = site
            .driver(store)
            .await
            .put(&id, Box::pin(body), Some(data.len() as u64))
            .await
            .unwrap();
        let r = site
            .req(Method::PATCH, &format!("/v2/images/{id}"))
            .header(
                "Content-Type",
                "application/openstack-images-v2.1-json-patch",
            )
            .json(&json!([{"op": "add", "path": "/locations/-", "value": {"url": stored.url, "metadata": {}}}]))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    }
    let image = site.show(&id).await;
    assert_eq!(image["stores"], "fast,rgw,objects");
    let rgw_url = image["locations"][1]["url"].as_str().unwrap().to_owned();
    let swift_url = image["locations"][2]["url"].as_str().unwrap().to_owned();

    // rgw and objects weigh more than fast, rgw first: with the S3 object
    // gone behind glance's back the download falls back to Swift.
    site.driver("rgw").await.delete(&rgw_url).await.unwrap();
    let (status, body) = site.download(&id, None).await;
    assert_eq!(status, 200);
    assert!(body == data, "fallback download differs");

    // Drop the Swift copy through the API: its object goes, the image stays.
    let r = site
        .req(Method::DELETE, &format!("/v2/stores/objects/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let gone = site.driver("objects").await.get(&swift_url, None).await;
    assert!(matches!(gone, Err(glance_store::StoreError::NotFound(_))));
    assert_eq!(site.show(&id).await["stores"], "fast,rgw");
    // Both other copies gone: the file store still serves it.
    let (status, body) = site.download(&id, None).await;
    assert_eq!(status, 200);
    assert!(body == data, "second fallback download differs");
    site.delete(&id).await;
}

/// Serves `bytes` at `/image.raw` on a loopback port (a plain web server
/// for the http store).
async fn web_server(bytes: Vec<u8>) -> String {
    let app = Router::new().route(
        "/image.raw",
        axum::routing::get(move || {
            let bytes = bytes.clone();
            async move { bytes }
        }),
    );
    serve(app).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_adds_an_http_location_and_glance_serves_it() {
    let site = Site::start().await;
    let data = pattern(9, 1024 * 1024 + 7);
    let web = web_server(data.clone()).await;
    let id = site.create().await;
    let url = format!("{web}/image.raw");
    let r = site
        .req(Method::POST, &format!("/v2/images/{id}/locations"))
        .header("X-Project-Id", "p1")
        .header("X-Roles", "member,reader")
        .json(&json!({"url": url}))
        .send()
        .await
        .unwrap();
    // The image is the admin's (no owner): a member may not add to it.
    assert_eq!(r.status(), 403);
    let r = site
        .req(Method::POST, &format!("/v2/images/{id}/locations"))
        .json(&json!({"url": url}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202, "{}", r.text().await.unwrap());
    let mut image = site.show(&id).await;
    for _ in 0..200 {
        if image["status"] != "importing" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
        image = site.show(&id).await;
    }
    assert_eq!(image["status"], "active");
    assert_eq!(image["size"], data.len());
    assert_eq!(image["stores"], "web");
    let (status, body) = site.download(&id, Some("bytes=-10")).await;
    assert_eq!(status, 206);
    assert_eq!(body, data[data.len() - 10..]);
    // Deleting the image leaves the web server's file alone (read-only store).
    site.delete(&id).await;
    let still = site.c.get(&url).send().await.unwrap();
    assert_eq!(still.status(), 200);
}

#[tokio::test]
async fn stores_detail_names_each_driver() {
    let site = Site::start().await;
    let detail = json(site.req(Method::GET, "/v2/info/stores/detail")).await;
    let stores = detail["stores"].as_array().unwrap();
    let find = |id: &str| stores.iter().find(|s| s["id"] == id).unwrap().clone();
    assert_eq!(find("web")["type"], "http");
    assert_eq!(find("web")["properties"], json!({}));
    let rgw = find("rgw");
    assert_eq!(rgw["type"], "s3");
    assert_eq!(rgw["weight"], 5);
    assert!(
        rgw["properties"]
            .get("s3_store_large_object_chunk_size")
            .is_some()
    );
    let swift = find("objects");
    assert_eq!(swift["type"], "swift");
    assert!(swift["properties"].get("container").is_some());
}

/// An HTTP proxy in front of an S3 server that answers 500 to every upload
/// of part 2 while `fail` is set, and passes everything else through
/// (headers intact, so the requests' signatures still hold).
async fn faulty_s3_proxy(
    upstream: String,
    fail: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> String {
    use axum::body::Body;
    use axum::extract::Request;
    use axum::response::Response;
    use futures::TryStreamExt;
    use std::sync::atomic::Ordering;
    let client = Client::new();
    let app = Router::new().fallback(move |req: Request| {
        let (client, upstream, fail) = (client.clone(), upstream.clone(), fail.clone());
        async move {
            let query = req.uri().query().unwrap_or_default().to_owned();
            if fail.load(Ordering::SeqCst) && query.split('&').any(|p| p == "partNumber=2") {
                return Response::builder()
                    .status(500)
                    .body(Body::from(
                        "<Error><Code>InternalError</Code><Message>injected</Message></Error>",
                    ))
                    .unwrap();
            }
            let url = format!("{upstream}{}", req.uri());
            let mut forward = client.request(req.method().clone(), url);
            for (name, value) in req.headers() {
                forward = forward.header(name, value);
            }
            let body = reqwest::Body::wrap_stream(
                req.into_body()
                    .into_data_stream()
                    .map_err(std::io::Error::other),
            );
            let answer = forward.body(body).send().await.unwrap();
            let mut response = Response::builder().status(answer.status());
            for (name, value) in answer.headers() {
                response = response.header(name, value);
            }
            response
                .body(Body::from_stream(answer.bytes_stream()))
                .unwrap()
        }
    });
    serve(app).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_s3_store_failing_mid_upload_leaves_the_image_queued_and_nothing_stored() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let rgw = env("GLANCE_TEST_S3_RGW_URL", "http://127.0.0.1:7480");
    let fail = Arc::new(AtomicBool::new(true));
    let proxy = faulty_s3_proxy(rgw.clone(), fail.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().display();
    let bucket = format!("glance-api-fault-{}", unique());
    let (ak, sk) = (
        env("GLANCE_TEST_S3_ACCESS_KEY", "glance"),
        env("GLANCE_TEST_S3_SECRET_KEY", "glancesecret"),
    );
    let text = format!(
        "[DEFAULT]\nauth_strategy = noauth\nstate_path = {root}/state\nshow_multiple_locations = true\n\
             [database]\nconnection = sqlite:///{root}/meta.sqlite\n\
             [glance_store]\nstores = s3\ndefault_store = s3\ns3_store_host = {proxy}\n\
             s3_store_access_key = {ak}\ns3_store_secret_key = {sk}\ns3_store_bucket = {bucket}\n\
             s3_store_create_bucket_on_put = true\ns3_store_large_object_size = 5\n\
             s3_store_large_object_chunk_size = 5\n"
    );
    let site = Site::with_conf(dir, &text, vec![purge_bucket(&rgw, &bucket)]).await;
    let data = pattern(5, 13 * 1024 * 1024);
    let id = site.create().await;
    let r = site
        .req(Method::PUT, &format!("/v2/images/{id}/file"))
        .header("Content-Type", "application/octet-stream")
        .body(data.clone())
        .send()
        .await
        .unwrap();
    assert!(
        r.status().is_server_error(),
        "an upload whose part failed answered {}",
        r.status()
    );
    let image = site.show(&id).await;
    assert_eq!(image["status"], "queued");
    assert_eq!(image["locations"], json!([]));
    assert_eq!(image["size"], Value::Null);
    // Nothing under the image's key on the server itself (asked without the
    // proxy; a probe object gives the location form).
    let direct = glance_config::ConfigFile::parse(
        &format!(
            "[glance_store]\ns3_store_host = {rgw}\ns3_store_access_key = {ak}\n\
             s3_store_secret_key = {sk}\ns3_store_bucket = {bucket}\n"
        ),
        "direct",
    )
    .unwrap();
    let direct = glance_api::drivers::open("s3", &direct, "glance_store", dir_unused())
        .await
        .unwrap();
    let probe = uuid::Uuid::new_v4().to_string();
    let probe_url = direct
        .put(&probe, Box::pin(futures::stream::empty()), Some(0))
        .await
        .unwrap()
        .url;
    let url = probe_url.replace(&probe, &id);
    direct.delete(&probe_url).await.unwrap();
    let left = direct.get(&url, None).await;
    assert!(
        matches!(left, Err(glance_store::StoreError::NotFound(_))),
        "a failed upload left an object behind"
    );
    // With the fault gone the same image uploads (no leftover blocks it).
    fail.store(false, Ordering::SeqCst);
    site.upload(&id, "s3", &data).await;
    let (status, body) = site.download(&id, None).await;
    assert_eq!(status, 200);
    assert!(body == data);
    site.delete(&id).await;
}

/// A file-store directory for drivers that have none.
fn dir_unused() -> &'static std::path::Path {
    std::path::Path::new("/nonexistent")
}
