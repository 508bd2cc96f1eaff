//! Two glance-api nodes on one PostgreSQL schema and one shared file store:
//! many clients race uploads, property updates, tag changes and deletes of
//! the same images through both nodes; afterwards every image is consistent.
//!
//! PostgreSQL: `GLANCE_TEST_POSTGRES_URL`, default
//! `postgresql://postgres@127.0.0.1:5432/test` (unreachable fails the test: CI provides one).

use glance_config::ApiConfig;
use glance_test_support::db::PgSchema;
use md5::Digest as _;
use reqwest::{Client, Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::{Arc, Mutex};
use tokio::sync::Barrier;

/// Concurrent clients.
const CLIENTS: usize = 32;
/// Images they fight over.
const IMAGES: usize = 12;
/// The project owning the images.
const PROJECT: &str = "p1";

/// The configuration of node `n`: no-auth, the shared schema and store.
fn node_config(root: &Path, n: usize, connection: &str, store: &Path) -> ApiConfig {
    let conf = root.join(format!("node{n}.conf"));
    std::fs::write(
        &conf,
        format!(
            "[DEFAULT]\nauth_strategy = noauth\nstate_path = {}\n\
             [database]\nconnection = {connection}\n\
             [glance_store]\nfilesystem_store_datadir = {}\n",
            root.join(format!("node{n}")).display(),
            store.display()
        ),
    )
    .unwrap();
    ApiConfig::load(&[conf], Vec::<(String, String)>::new()).unwrap()
}

/// Builds a node with the composition root and serves it on loopback.
async fn serve(config: ApiConfig) -> String {
    let state = glance_api::startup::build(&config).await.unwrap();
    glance_test_support::http::serve(glance_api::router(state)).await
}

/// Both nodes and a client.
struct Cluster {
    nodes: [String; 2],
    client: Client,
}

impl Cluster {
    /// A request to node `n % 2` as a member of [`PROJECT`].
    fn req(&self, n: usize, method: Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.nodes[n % 2]))
            .header("X-Project-Id", PROJECT)
            .header("X-User-Id", "user-p1")
            .header("X-Roles", "member,reader")
    }

    async fn status(&self, n: usize, method: Method, path: &str) -> StatusCode {
        self.req(n, method, path).send().await.unwrap().status()
    }
}

/// The bytes client `client` uploads to image `image`: distinct per client,
/// so the file on disk tells who won.
fn payload(image: usize, client: usize) -> Vec<u8> {
    let len = 200_000 + client * 1_000 + image;
    (0..len)
        .map(|i| (i.wrapping_mul(31) ^ (image * 7 + client * 13)) as u8)
        .collect()
}

/// Images deleted during the race: every fourth.
fn doomed(image: usize) -> bool {
    image % 4 == 3
}

/// What the clients saw, per image.
#[derive(Default)]
struct Seen {
    /// (client, status) of every upload attempt.
    uploads: Vec<(usize, StatusCode)>,
    /// Clients whose property PATCH succeeded.
    patched: BTreeSet<usize>,
    /// Clients whose tag PUT succeeded.
    tagged: BTreeSet<usize>,
}

/// One client: every image once (all start on image 0 together, then each
/// in its own order), through alternating nodes: upload, set its property,
/// add its tag, add and remove a scratch tag; client `i` deletes doomed image `i`.
async fn client(
    c: Arc<Cluster>,
    ids: Arc<Vec<String>>,
    seen: Arc<Mutex<Vec<Seen>>>,
    barrier: Arc<Barrier>,
    me: usize,
) {
    barrier.wait().await;
    for step in 0..IMAGES {
        let image = if step == 0 {
            0
        } else {
            1 + (me + step) % (IMAGES - 1)
        };
        let id = &ids[image];
        let file = format!("/v2/images/{id}/file");
        let response = c
            .req(me + image, Method::PUT, &file)
            .header("Content-Type", "application/octet-stream")
            .body(payload(image, me))
            .send()
            .await
            .unwrap();
        let upload = response.status();
        if upload == StatusCode::CONFLICT {
            // Lost to another upload, whether it saw the image saving or active.
            let body = response.text().await.unwrap();
            assert!(
                body.contains("Image status transition from saving to saving is not allowed")
                    || body
                        .contains("Image status transition from active to saving is not allowed"),
                "{body}"
            );
        }
        let patch = c
            .req(me + image + 1, Method::PATCH, &format!("/v2/images/{id}"))
            .header(
                "Content-Type",
                "application/openstack-images-v2.1-json-patch",
            )
            .json(&json!([{"op": "add", "path": format!("/p{me}"), "value": format!("v{me}-{image}")}]))
            .send()
            .await
            .unwrap()
            .status();
        let tag = c
            .status(me, Method::PUT, &format!("/v2/images/{id}/tags/t{me}"))
            .await;
        let scratch = format!("/v2/images/{id}/tags/x{me}");
        let scratch_added = c.status(me + 1, Method::PUT, &scratch).await;
        let scratch_removed = c.status(me, Method::DELETE, &scratch).await;
        if doomed(image) && me == image {
            let deleted = c
                .status(me, Method::DELETE, &format!("/v2/images/{id}"))
                .await;
            assert_eq!(deleted, StatusCode::NO_CONTENT, "delete {id}");
        }
        if !doomed(image) {
            assert_eq!(patch, StatusCode::OK, "patch {id}");
            assert_eq!(tag, StatusCode::NO_CONTENT, "tag {id}");
            assert_eq!(scratch_added, StatusCode::NO_CONTENT, "scratch tag {id}");
            assert_eq!(
                scratch_removed,
                StatusCode::NO_CONTENT,
                "scratch untag {id}"
            );
        }
        let mut seen = seen.lock().unwrap();
        let s = &mut seen[image];
        s.uploads.push((me, upload));
        if patch == StatusCode::OK {
            s.patched.insert(me);
        }
        if tag == StatusCode::NO_CONTENT {
            s.tagged.insert(me);
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_nodes_race_on_the_same_images() {
    let schema = PgSchema::create("glance_multinode").await;
    let root = tempfile::tempdir().unwrap();
    let store = root.path().join("shared-images");
    let connection = schema.url();
    // One after the other: two nodes migrating a fresh PostgreSQL schema at
    // the same moment can collide on `CREATE TABLE IF NOT EXISTS`.
    let a = serve(node_config(root.path(), 0, connection, &store)).await;
    let b = serve(node_config(root.path(), 1, connection, &store)).await;
    let c = Arc::new(Cluster {
        nodes: [a, b],
        client: Client::new(),
    });

    let mut ids = Vec::new();
    for n in 0..IMAGES {
        let r = c
            .req(n, Method::POST, "/v2/images")
            .json(&json!({"name": format!("img{n}"), "disk_format": "raw", "container_format": "bare"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        ids.push(
            r.json::<Value>().await.unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let ids = Arc::new(ids);
    let seen = Arc::new(Mutex::new(
        (0..IMAGES).map(|_| Seen::default()).collect::<Vec<_>>(),
    ));
    let barrier = Arc::new(Barrier::new(CLIENTS));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|me| {
            tokio::spawn(client(
                c.clone(),
                ids.clone(),
                seen.clone(),
                barrier.clone(),
                me,
            ))
        })
        .collect();
    for task in clients {
        task.await.unwrap();
    }

    let seen = std::mem::take(&mut *seen.lock().unwrap());
    let mut active = BTreeSet::new();
    for (image, id) in ids.iter().enumerate() {
        let s = &seen[image];
        assert_eq!(s.uploads.len(), CLIENTS);
        let won: Vec<usize> = s
            .uploads
            .iter()
            .filter(|(_, st)| *st == StatusCode::NO_CONTENT)
            .map(|(who, _)| *who)
            .collect();
        let path = store.join(id);
        if doomed(image) {
            assert!(won.len() <= 1, "image {id}: uploads won by {won:?}");
            for (_, st) in &s.uploads {
                assert!(
                    [204, 409, 404, 410].contains(&st.as_u16()),
                    "image {id}: upload got {st}"
                );
            }
            for n in 0..2 {
                let st = c.status(n, Method::GET, &format!("/v2/images/{id}")).await;
                assert_eq!(st, StatusCode::NOT_FOUND, "deleted image {id} on node {n}");
            }
            assert!(!path.exists(), "deleted image {id} still has bytes");
            continue;
        }
        // Exactly one upload won; every other one was refused with 409.
        assert_eq!(won.len(), 1, "image {id}: uploads won by {won:?}");
        for (who, st) in &s.uploads {
            assert!(
                *who == won[0] || *st == StatusCode::CONFLICT,
                "image {id}: client {who} got {st}"
            );
        }
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("image {id} bytes: {e}"));
        assert_eq!(
            bytes,
            payload(image, won[0]),
            "image {id}: not the winner's bytes"
        );
        let cluster = &*c;
        let views: Vec<Value> = futures::future::join_all((0..2).map(|n| async move {
            let r = cluster
                .req(n, Method::GET, &format!("/v2/images/{id}"))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::OK);
            r.json::<Value>().await.unwrap()
        }))
        .await;
        assert_eq!(views[0], views[1], "nodes disagree on image {id}");
        let v = &views[0];
        assert_eq!(v["status"], "active", "image {id}");
        assert_eq!(v["size"], bytes.len(), "image {id}");
        assert_eq!(v["checksum"], hex(&md5::Md5::digest(&bytes)), "image {id}");
        assert_eq!(
            v["os_hash_value"],
            hex(&sha2::Sha512::digest(&bytes)),
            "image {id}"
        );
        // No property or tag update was lost.
        assert_eq!(s.patched.len(), CLIENTS, "image {id}");
        assert_eq!(s.tagged.len(), CLIENTS, "image {id}");
        for me in 0..CLIENTS {
            assert_eq!(v[format!("p{me}")], format!("v{me}-{image}"), "image {id}");
        }
        let tags: BTreeSet<String> = v["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap().to_string())
            .collect();
        let expected: BTreeSet<String> = (0..CLIENTS).map(|me| format!("t{me}")).collect();
        assert_eq!(tags, expected, "image {id}");
        active.insert(id.clone());
    }
    // Every file belongs to an active image; no upload left a temp file.
    let files: BTreeSet<String> = std::fs::read_dir(&store)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(files, active);
}
