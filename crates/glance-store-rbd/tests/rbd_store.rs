//! The rbd store against the shared Ceph cluster: the conformance suite,
//! then what is specific to RBD (layering and the protected snapshot,
//! clones blocking deletes, no partial images left behind, thin
//! provisioning, legacy locations, connection failures).
//!
//! The cluster comes from `GLANCE_TEST_CEPH_CONF`, `GLANCE_TEST_RBD_USER`
//! and `GLANCE_TEST_RBD_POOL`; the tests fail if it cannot be reached. The
//! `rbd` and `ceph` CLIs check the cluster side.

use bytes::Bytes;
use futures::{SinkExt, StreamExt};
use glance_config::ConfigFile;
use glance_store::conformance::{chunked, failing, get_all, new_id, pattern};
use glance_store::{Store, StoreError};
use glance_store_rbd::RbdStore;
use std::io;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

/// One MiB, the chunk size the tests use so images resize often.
const MIB: usize = 1 << 20;

/// The config section the store reads (a multi-store backend id).
const SECTION: &str = "ceph";

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

fn ceph_conf() -> String {
    env_or(
        "GLANCE_TEST_CEPH_CONF",
        "/tmp/glance-backends/ceph/ceph.conf",
    )
}

fn user() -> String {
    env_or("GLANCE_TEST_RBD_USER", "glance")
}

fn pool() -> String {
    env_or("GLANCE_TEST_RBD_POOL", "images")
}

/// The store's section for the test cluster plus `extra` options (a
/// repeated key overrides).
fn config(extra: &str) -> ConfigFile {
    let text = format!(
        "[{SECTION}]\nrbd_store_ceph_conf = {}\nrbd_store_user = {}\nrbd_store_pool = {}\n\
         rbd_store_chunk_size = 1\nrados_connect_timeout = 20\n{extra}\n",
        ceph_conf(),
        user(),
        pool()
    );
    ConfigFile::parse(&text, "test").unwrap()
}

/// A store on the test cluster; panics if it cannot connect.
async fn connect(extra: &str) -> RbdStore {
    match RbdStore::from_config(&config(extra), SECTION).await {
        Ok(store) => store,
        Err(e) => panic!(
            "cannot use the Ceph cluster of {} (is it running?): {e}",
            ceph_conf()
        ),
    }
}

async fn fixture() -> Box<RbdStore> {
    Box::new(connect("").await)
}

glance_store::conformance_tests!(super::fixture);

/// A Ceph CLI command as the test client.
fn command(program: &str, args: &[&str]) -> Command {
    let mut command = Command::new(program);
    command
        .args(["-c", &ceph_conf(), "--id", &user()])
        .args(args);
    command
}

/// Runs a Ceph CLI as the test client.
fn cli(program: &str, args: &[&str]) -> std::process::Output {
    command(program, args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"))
}

/// Runs `rbd` in the test pool and returns its stdout; panics on failure.
fn rbd(args: &[&str]) -> String {
    let out = cli("rbd", &[&["-p", &pool()][..], args].concat());
    assert!(
        out.status.success(),
        "rbd {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// `rbd ... --format json`, parsed.
fn rbd_json(args: &[&str]) -> serde_json::Value {
    serde_json::from_str(&rbd(&[args, &["--format", "json"][..]].concat())).unwrap()
}

/// The images in the test pool.
fn images() -> Vec<String> {
    serde_json::from_value(rbd_json(&["ls"])).unwrap()
}

/// Waits (up to 30 s) until `image` is or is not in the pool.
async fn wait_until_listed(image: &str, listed: bool) -> bool {
    for _ in 0..300 {
        if images().iter().any(|name| name == image) == listed {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

/// Removes the named images (list clones first) left by a test that
/// failed midway.
struct Cleanup(Vec<String>);

impl Drop for Cleanup {
    fn drop(&mut self) {
        // No panics here: this also runs while a failed test unwinds.
        let pool = pool();
        let Ok(listed) = command("rbd", &["-p", &pool, "ls"]).output() else {
            return;
        };
        let left = String::from_utf8_lossy(&listed.stdout);
        for name in self
            .0
            .iter()
            .filter(|name| left.lines().any(|l| l == *name))
        {
            let spec = format!("{name}@snap");
            for args in [
                &["snap", "unprotect", &spec][..],
                &["snap", "purge", name],
                &["rm", name],
            ] {
                let _ = command("rbd", &[&["-p", &pool][..], args].concat()).output();
            }
        }
    }
}

#[tokio::test]
async fn put_makes_a_layered_image_with_a_protected_snapshot() {
    let store = connect("").await;
    let id = new_id();
    let _cleanup = Cleanup(vec![id.clone()]);
    let data = pattern(1, 3 * MIB + 5);
    let stored = store.put(&id, chunked(&data), None).await.unwrap();

    let fsid = String::from_utf8(cli("ceph", &["fsid"]).stdout).unwrap();
    let fsid = fsid.trim();
    assert_eq!(fsid.len(), 36, "ceph fsid: {fsid:?}");
    assert_eq!(stored.url, format!("rbd://{fsid}/{}/{id}/snap", pool()));
    assert_eq!(stored.size, data.len() as u64);

    let info = rbd_json(&["info", &id]);
    assert!(
        info["features"]
            .as_array()
            .unwrap()
            .contains(&"layering".into()),
        "{info}"
    );
    assert_eq!(info["order"], 20, "object order from the 1 MiB chunk size");
    assert_eq!(info["size"], data.len() as u64);
    let snaps = rbd_json(&["snap", "ls", &id]);
    assert_eq!(snaps.as_array().unwrap().len(), 1, "{snaps}");
    assert_eq!(snaps[0]["name"], "snap");
    assert_eq!(snaps[0]["protected"], "true");
    assert_eq!(snaps[0]["size"], data.len() as u64);

    let props = store.properties();
    assert_eq!(props["chunk_size"], MIB);
    assert_eq!(props["pool"], pool());
    assert_eq!(props["thin_provisioning"], false);
    assert_eq!(props["fsid"], fsid);
    assert_eq!(store.driver(), "rbd");

    store.delete(&stored.url).await.unwrap();
    assert!(!images().contains(&id));
}

#[tokio::test]
async fn size_is_the_snapshots_and_the_head_only_for_legacy_locations() {
    let store = connect("").await;
    let id = new_id();
    let _cleanup = Cleanup(vec![id.clone()]);
    let data = pattern(8, MIB + 3);
    let stored = store.put(&id, chunked(&data), None).await.unwrap();
    // The head grows after the snapshot was taken (as if written to).
    rbd(&["resize", "--size", "4M", &id]);
    assert_eq!(store.size(&stored.url).await.unwrap(), data.len() as u64);
    let legacy = format!("rbd://{id}");
    assert_eq!(store.size(&legacy).await.unwrap(), 4 * MIB as u64);
    store.delete(&stored.url).await.unwrap();
}

#[tokio::test]
async fn delete_of_a_cloned_image_is_in_use_until_the_clone_is_gone() {
    let store = connect("").await;
    let id = new_id();
    let clone = format!("clone-{}", new_id());
    let _cleanup = Cleanup(vec![clone.clone(), id.clone()]);
    let data = pattern(2, MIB + 7);
    let stored = store.put(&id, chunked(&data), None).await.unwrap();
    let pool = pool();
    rbd(&[
        "clone",
        &format!("{pool}/{id}@snap"),
        &format!("{pool}/{clone}"),
    ]);

    match store.delete(&stored.url).await {
        Err(StoreError::InUse(url)) => assert_eq!(url, stored.url),
        other => panic!("delete of a cloned image: {other:?}"),
    }
    assert_eq!(get_all(&store, &stored.url, None).await, data);
    assert_eq!(rbd_json(&["snap", "ls", &id])[0]["protected"], "true");

    rbd(&["rm", &clone]);
    store.delete(&stored.url).await.unwrap();
    assert!(matches!(
        store.get(&stored.url, None).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(!images().contains(&id));
}

#[tokio::test]
async fn failed_upload_leaves_no_image() {
    let store = connect("").await;
    let data = pattern(3, 3 * MIB + 11);
    for size_hint in [None, Some(2 * data.len() as u64)] {
        let id = new_id();
        let _cleanup = Cleanup(vec![id.clone()]);
        let result = store.put(&id, failing(&data), size_hint).await;
        match result {
            Err(StoreError::SourceFailed(e)) => assert_eq!(e.to_string(), "client went away"),
            other => panic!("size hint {size_hint:?}: {other:?}"),
        }
        assert!(!images().contains(&id), "size hint {size_hint:?}");
    }
}

#[tokio::test]
async fn dropped_put_leaves_no_image() {
    let store = Arc::new(connect("").await);
    let id = new_id();
    let _cleanup = Cleanup(vec![id.clone()]);
    let (mut tx, rx) = futures::channel::mpsc::channel::<io::Result<Bytes>>(0);
    let task = tokio::spawn({
        let (store, id) = (Arc::clone(&store), id.clone());
        async move { store.put(&id, rx.boxed(), None).await }
    });
    for _ in 0..48 {
        tx.send(Ok(Bytes::from(vec![7u8; 64 * 1024])))
            .await
            .unwrap();
    }
    assert!(
        wait_until_listed(&id, true).await,
        "no image while uploading"
    );
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    assert!(
        wait_until_listed(&id, false).await,
        "the image outlived its dropped put"
    );
}

#[tokio::test]
async fn a_size_hint_that_differs_from_the_data_is_corrected() {
    let store = connect("").await;
    let data = pattern(4, 2 * MIB + 3);
    for size_hint in [data.len() as u64 * 2, data.len() as u64 / 2, 0] {
        let id = new_id();
        let _cleanup = Cleanup(vec![id.clone()]);
        let stored = store
            .put(&id, chunked(&data), Some(size_hint))
            .await
            .unwrap();
        assert_eq!(stored.size, data.len() as u64);
        assert_eq!(rbd_json(&["info", &id])["size"], data.len() as u64);
        assert_eq!(get_all(&store, &stored.url, None).await, data);
        store.delete(&stored.url).await.unwrap();
    }
}

#[tokio::test]
async fn thin_provisioning_skips_zero_chunks() {
    let mut data = pattern(5, MIB);
    data.resize(6 * MIB, 0);
    data.extend(pattern(6, MIB));
    data.resize(8 * MIB, 0);
    for (thin, used) in [(true, 2 * MIB), (false, 8 * MIB)] {
        let store = connect(&format!("rbd_thin_provisioning = {thin}")).await;
        assert_eq!(store.properties()["thin_provisioning"], thin);
        let id = new_id();
        let _cleanup = Cleanup(vec![id.clone()]);
        let stored = store.put(&id, chunked(&data), None).await.unwrap();
        assert_eq!(stored.size, data.len() as u64);
        assert!(
            get_all(&store, &stored.url, None).await == data,
            "thin {thin}"
        );
        let du = rbd_json(&["du", &format!("{id}@snap")]);
        assert_eq!(du["images"][0]["provisioned_size"], data.len(), "{du}");
        assert_eq!(du["images"][0]["used_size"], used, "thin {thin}: {du}");
        store.delete(&stored.url).await.unwrap();
    }
}

#[tokio::test]
async fn legacy_locations_read_the_head_and_foreign_ones_are_refused() {
    let store = connect("").await;
    let id = new_id();
    let _cleanup = Cleanup(vec![id.clone()]);
    let data = pattern(7, 100_000);
    let stored = store.put(&id, chunked(&data), None).await.unwrap();

    let legacy = format!("rbd://{id}");
    assert!(store.handles(&legacy));
    assert_eq!(get_all(&store, &legacy, None).await, data);
    assert_eq!(store.size(&legacy).await.unwrap(), data.len() as u64);
    let missing = format!("rbd://{}", new_id());
    assert!(matches!(
        store.get(&missing, None).await,
        Err(StoreError::NotFound(url)) if url == missing
    ));
    assert!(matches!(
        store.size(&missing).await,
        Err(StoreError::NotFound(url)) if url == missing
    ));

    let fsid = store.properties()["fsid"].as_str().unwrap().to_owned();
    for url in [
        format!(
            "rbd://00000000-0000-0000-0000-000000000000/{}/{id}/snap",
            pool()
        ),
        format!("rbd://{fsid}/other-pool/{id}/snap"),
        format!("rbd://{fsid}/{}/{id}", pool()),
        format!("file:///{id}"),
    ] {
        assert!(!store.handles(&url), "{url}");
        assert!(
            matches!(
                store.get(&url, None).await,
                Err(StoreError::UnknownLocation(_))
            ),
            "get {url}"
        );
        assert!(
            matches!(
                store.delete(&url).await,
                Err(StoreError::UnknownLocation(_))
            ),
            "delete {url}"
        );
        assert!(
            matches!(store.size(&url).await, Err(StoreError::UnknownLocation(_))),
            "size {url}"
        );
    }
    let quoted = stored.url.replace("/snap", "/sn%61p");
    assert!(store.handles(&quoted));
    assert_eq!(get_all(&store, &quoted, None).await, data);
    store.delete(&quoted).await.unwrap();
}

/// Asserts `extra` options make `from_config` fail with `Unavailable`
/// naming `expected`.
async fn assert_unavailable(extra: &str, expected: &str) {
    match RbdStore::from_config(&config(extra), SECTION).await {
        Err(StoreError::Unavailable(message)) => {
            assert!(message.contains(expected), "{message}")
        }
        other => panic!("{extra}: expected Unavailable, got {other:?}"),
    }
}

#[tokio::test]
async fn unknown_user_is_unavailable() {
    let user = format!("nobody-{}", new_id());
    assert_unavailable(
        &format!("rbd_store_user = {user}"),
        &format!("client.{user}"),
    )
    .await;
}

/// A Ceph config with the test cluster's monitors and `keyring` for the
/// test user.
fn conf_with_keyring(dir: &std::path::Path, keyring: &str) -> String {
    let original = std::fs::read_to_string(ceph_conf()).unwrap();
    let mon_host = original
        .lines()
        .find(|line| line.trim_start().starts_with("mon host"))
        .expect("mon host in the test ceph.conf");
    let keyring_path = dir.join("keyring");
    std::fs::write(&keyring_path, keyring).unwrap();
    let conf = dir.join("ceph.conf");
    std::fs::write(
        &conf,
        format!(
            "[global]\n{mon_host}\n[client.{}]\nkeyring = {}\n",
            user(),
            keyring_path.display()
        ),
    )
    .unwrap();
    conf.display().to_string()
}

#[tokio::test]
async fn wrong_key_is_unavailable() {
    let dir = tempfile::tempdir().unwrap();
    let key = Command::new("ceph-authtool")
        .arg("--gen-print-key")
        .output()
        .unwrap();
    assert!(key.status.success());
    let key = String::from_utf8(key.stdout).unwrap();
    let conf = conf_with_keyring(
        dir.path(),
        &format!("[client.{}]\n\tkey = {}\n", user(), key.trim()),
    );
    assert_unavailable(&format!("rbd_store_ceph_conf = {conf}"), "denied").await;
}

#[tokio::test]
async fn unreachable_monitors_are_unavailable_after_the_connect_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("ceph.conf");
    std::fs::write(
        &conf,
        "[global]\nmon host = 127.0.0.1:1\nauth client required = none\n",
    )
    .unwrap();
    let started = std::time::Instant::now();
    assert_unavailable(
        &format!(
            "rbd_store_ceph_conf = {}\nrados_connect_timeout = 2",
            conf.display()
        ),
        "cannot connect",
    )
    .await;
    assert!(started.elapsed() < Duration::from_secs(20));
}

#[tokio::test]
async fn missing_pool_or_ceph_conf_is_a_config_error() {
    for (extra, key) in [
        (
            format!("rbd_store_pool = no-such-pool-{}", new_id()),
            "[ceph] rbd_store_pool",
        ),
        (
            "rbd_store_ceph_conf = /nonexistent/ceph.conf".to_owned(),
            "[ceph] rbd_store_ceph_conf",
        ),
        (
            "rbd_store_chunk_size = 0".to_owned(),
            "[ceph] rbd_store_chunk_size",
        ),
    ] {
        match RbdStore::from_config(&config(&extra), SECTION).await {
            Err(StoreError::Config(message)) => assert!(message.contains(key), "{message}"),
            other => panic!("{extra}: expected a config error, got {other:?}"),
        }
    }
}
