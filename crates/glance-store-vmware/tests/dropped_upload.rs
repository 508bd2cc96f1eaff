//! Uploads to the vCenter simulator dropped while the `PUT` is under way
//! (the client went away): the partial file is deleted only after the
//! request ended, so it is gone for good, not created again after its
//! delete. The server comes from `GLANCE_TEST_VCSIM_HOST` (default
//! `127.0.0.1:8989`), `GLANCE_TEST_VCSIM_USER` (`glance`) and
//! `GLANCE_TEST_VCSIM_PASSWORD` (`glancepass`).

use bytes::Bytes;
use futures::{SinkExt, StreamExt};
use glance_config::ConfigFile;
use glance_store::Store;
use glance_store::conformance::new_id;
use glance_store_vmware::VmwareStore;
use reqwest::StatusCode;
use std::io;
use std::sync::Arc;
use std::time::Duration;

fn env(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

fn host() -> String {
    env("GLANCE_TEST_VCSIM_HOST", "127.0.0.1:8989")
}

/// A store on the simulator writing to image directory `dir`.
async fn store(dir: &str) -> VmwareStore {
    let text = format!(
        "[test_vmware]\nvmware_server_host = {}\nvmware_server_username = {}\n\
         vmware_server_password = {}\nvmware_insecure = true\nvmware_task_poll_interval = 1\n\
         vmware_store_image_dir = /{dir}\nvmware_datastores = DC0:LocalDS_0\n",
        host(),
        env("GLANCE_TEST_VCSIM_USER", "glance"),
        env("GLANCE_TEST_VCSIM_PASSWORD", "glancepass"),
    );
    let config = ConfigFile::parse(&text, "test").unwrap();
    VmwareStore::from_config(&config, "test_vmware")
        .await
        .unwrap()
}

/// The status of a `HEAD` of `dir/name` on the simulator's datastore.
async fn head(dir: &str, name: &str) -> StatusCode {
    reqwest::Client::builder()
        .tls_danger_accept_invalid_certs(true)
        .build()
        .unwrap()
        .head(format!(
            "https://{}/folder/{dir}/{name}?dcPath=DC0&dsName=LocalDS_0",
            host()
        ))
        .send()
        .await
        .unwrap()
        .status()
}

/// Polls `HEAD` of `dir/name` (up to 10 s) until it answers `want`.
async fn wait_for(dir: &str, name: &str, want: StatusCode) -> StatusCode {
    let mut status = head(dir, name).await;
    for _ in 0..200 {
        if status == want {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        status = head(dir, name).await;
    }
    status
}

/// Starts a put announcing `size_hint`, feeds it `chunks` of 64 KiB (each
/// taken by the upload before the next is offered), waits for the file to
/// appear if `seen`, then drops the put while its data is still open; the
/// file must be gone once the cleanup ran, and a while later.
async fn drop_midway(
    store: &Arc<VmwareStore>,
    dir: &str,
    size_hint: Option<u64>,
    chunks: usize,
    seen: bool,
) {
    let id = new_id();
    let (mut tx, rx) = futures::channel::mpsc::channel::<io::Result<Bytes>>(0);
    let task = tokio::spawn({
        let store = store.clone();
        let id = id.clone();
        async move { store.put(&id, rx.boxed(), size_hint).await }
    });
    for _ in 0..chunks {
        tx.send(Ok(Bytes::from(vec![7u8; 64 * 1024])))
            .await
            .unwrap();
    }
    if seen {
        assert_eq!(
            wait_for(dir, &id, StatusCode::OK).await,
            StatusCode::OK,
            "no file while uploading"
        );
    }
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    assert_eq!(
        wait_for(dir, &id, StatusCode::NOT_FOUND).await,
        StatusCode::NOT_FOUND,
        "{size_hint:?}: the partial file was left behind"
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        head(dir, &id).await,
        StatusCode::NOT_FOUND,
        "{size_hint:?}: the file came back after its delete"
    );
    drop(tx);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_dropped_with_its_put_in_flight_leaves_no_file() {
    let dir = format!("glance-rs-test-{}", uuid::Uuid::new_v4());
    let store = Arc::new(store(&dir).await);
    for _ in 0..3 {
        drop_midway(&store, &dir, None, 8, true).await;
        drop_midway(&store, &dir, Some(1 << 20), 8, true).await;
        // Dropped as soon as the request is under way.
        drop_midway(&store, &dir, None, 1, false).await;
    }
    let url = format!(
        "vsphere://{}/folder/{dir}?dcPath=DC0&dsName=LocalDS_0",
        host()
    );
    store.delete(&url).await.unwrap();
}
