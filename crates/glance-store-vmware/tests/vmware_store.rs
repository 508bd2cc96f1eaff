//! The vmware store against a vCenter simulator (govmomi's vcsim): the
//! conformance suite plus what is specific to datastores. The server comes
//! from `GLANCE_TEST_VCSIM_HOST` (default `127.0.0.1:8989`),
//! `GLANCE_TEST_VCSIM_USER` (`glance`) and `GLANCE_TEST_VCSIM_PASSWORD`
//! (`glancepass`), with datacenter `DC0` and datastore `LocalDS_0`; each
//! fixture works in its own random image directory and removes it after.

use bytes::Bytes;
use futures::{SinkExt, StreamExt};
use glance_store::conformance::{self, chunked, failing, get_all, new_id};
use glance_store::{Store, StoreError};
use reqwest::StatusCode;
use std::io;
use std::sync::Arc;
use std::time::Duration;
use support::{DATACENTER, DATASTORE, Replay, fixture, host, options, password, store, user};

/// Helpers: the simulator's coordinates, stores built from INI text, a
/// fixture that cleans up, raw datastore requests, and a replaying server.
pub mod support {
    use axum::Router;
    use axum::http::{StatusCode, header};
    use axum::response::{IntoResponse, Response};
    use axum::routing::post;
    use glance_config::ConfigFile;
    use glance_store::{Store, StoreError};
    use glance_store_vmware::VmwareStore;
    use glance_test_support::tls::{TestCa, TlsListener};
    use std::path::PathBuf;

    /// The datacenter the simulator has.
    pub const DATACENTER: &str = "DC0";
    /// The datastore the simulator has.
    pub const DATASTORE: &str = "LocalDS_0";

    /// The simulator's `host:port`.
    pub fn host() -> String {
        std::env::var("GLANCE_TEST_VCSIM_HOST").unwrap_or_else(|_| "127.0.0.1:8989".into())
    }

    /// The simulator's user.
    pub fn user() -> String {
        std::env::var("GLANCE_TEST_VCSIM_USER").unwrap_or_else(|_| "glance".into())
    }

    /// The simulator's password.
    pub fn password() -> String {
        std::env::var("GLANCE_TEST_VCSIM_PASSWORD").unwrap_or_else(|_| "glancepass".into())
    }

    /// A fresh image directory name.
    pub fn random_dir() -> String {
        format!("glance-rs-test-{}", uuid::Uuid::new_v4())
    }

    /// Options for the simulator with image directory `dir`, then `extra` lines.
    pub fn options(dir: &str, extra: &str) -> String {
        format!(
            "vmware_server_host = {}\nvmware_server_username = {}\nvmware_server_password = {}\n\
             vmware_insecure = true\nvmware_task_poll_interval = 1\n\
             vmware_store_image_dir = /{dir}\nvmware_datastores = {DATACENTER}:{DATASTORE}\n{extra}",
            host(),
            user(),
            password()
        )
    }

    /// A store from `[test_vmware]` options given as INI lines.
    pub async fn store(options: &str) -> Result<VmwareStore, StoreError> {
        let text = format!("[test_vmware]\n{options}\n");
        let config = ConfigFile::parse(&text, "test").unwrap();
        VmwareStore::from_config(&config, "test_vmware").await
    }

    /// A store on the simulator in its own image directory, which is
    /// deleted (with anything left in it) when the fixture is dropped.
    /// Needs a multi-threaded runtime.
    pub struct Fixture {
        /// The store.
        pub store: VmwareStore,
        /// Its image directory.
        pub dir: String,
    }

    impl std::ops::Deref for Fixture {
        type Target = VmwareStore;
        fn deref(&self) -> &VmwareStore {
            &self.store
        }
    }

    impl Drop for Fixture {
        fn drop(&mut self) {
            let url = format!(
                "vsphere://{}/folder/{}?dcPath={DATACENTER}&dsName={DATASTORE}",
                host(),
                self.dir
            );
            let handle = tokio::runtime::Handle::current();
            let removed = tokio::task::block_in_place(|| handle.block_on(self.store.delete(&url)));
            match removed {
                Ok(()) | Err(StoreError::NotFound(_)) => {}
                Err(e) => eprintln!("could not remove test directory {}: {e}", self.dir),
            }
        }
    }

    /// A fixture with the default test options.
    pub async fn fixture() -> Fixture {
        fixture_with("").await
    }

    /// A fixture with extra option lines.
    pub async fn fixture_with(extra: &str) -> Fixture {
        let dir = random_dir();
        match store(&options(&dir, extra)).await {
            Ok(store) => Fixture { store, dir },
            Err(e) => panic!("cannot use the vCenter simulator at {}: {e}", host()),
        }
    }

    /// The `/folder` URL of `dir/name` on the simulator.
    pub fn file_url(dir: &str, name: &str) -> String {
        format!(
            "https://{}/folder/{dir}/{name}?dcPath={DATACENTER}&dsName={DATASTORE}",
            host()
        )
    }

    /// The status of a `HEAD` of `dir/name` on the simulator.
    pub async fn head(dir: &str, name: &str) -> StatusCode {
        let client = reqwest::Client::builder()
            .tls_danger_accept_invalid_certs(true)
            .build()
            .unwrap();
        let status = client
            .head(file_url(dir, name))
            .send()
            .await
            .unwrap()
            .status();
        StatusCode::from_u16(status.as_u16()).unwrap()
    }

    /// Polls `HEAD` of `dir/name` (up to 10 s) until it answers `want`.
    pub async fn wait_for_status(dir: &str, name: &str, want: StatusCode) -> StatusCode {
        let mut status = head(dir, name).await;
        for _ in 0..200 {
            if status == want {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            status = head(dir, name).await;
        }
        status
    }

    /// A vSphere stand-in over https with a certificate from the test CA: it
    /// answers `RetrieveServiceContent` and refuses every `Login` with the
    /// fault vcsim sends for bad credentials, so certificate checks can be
    /// tested without touching the shared vcsim's TLS set-up.
    pub struct Replay {
        /// `127.0.0.1:<port>`.
        pub host: String,
        /// The CA that signed its certificate.
        pub ca_file: PathBuf,
        _dir: tempfile::TempDir,
    }

    const SERVICE_CONTENT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><RetrieveServiceContentResponse xmlns="urn:vim25"><returnval><rootFolder type="Folder">group-d1</rootFolder><propertyCollector type="PropertyCollector">propertyCollector</propertyCollector><sessionManager type="SessionManager">SessionManager</sessionManager><searchIndex type="SearchIndex">SearchIndex</searchIndex><fileManager type="FileManager">FileManager</fileManager></returnval></RetrieveServiceContentResponse></soapenv:Body></soapenv:Envelope>"#;

    const LOGIN_FAULT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>Login failure</faultstring><detail><InvalidLoginFault xmlns="urn:vim25" xsi:type="InvalidLogin"></InvalidLoginFault></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>"#;

    async fn sdk(body: String) -> Response {
        let xml = [(header::CONTENT_TYPE, "text/xml; charset=utf-8")];
        if body.contains("RetrieveServiceContent") {
            (xml, SERVICE_CONTENT).into_response()
        } else {
            (StatusCode::INTERNAL_SERVER_ERROR, xml, LOGIN_FAULT).into_response()
        }
    }

    impl Replay {
        /// Starts the stand-in on a free loopback port.
        pub async fn start() -> Replay {
            let dir = tempfile::TempDir::new().unwrap();
            let ca = TestCa::new();
            let listener = TlsListener::bind(ca.loopback_acceptor()).await;
            let host = listener.addr().to_string();
            listener.spawn(Router::new().route("/sdk", post(sdk)));
            let ca_file = ca.write_pem(dir.path());
            Replay {
                host,
                ca_file,
                _dir: dir,
            }
        }
    }
}

glance_store::conformance_tests!(super::fixture);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn locations_have_upstreams_form() {
    let fixture = fixture().await;
    let id = new_id();
    let body = chunked(&[1; 1000]);
    let stored = fixture.put(&id, body, Some(1000)).await.unwrap();
    let host = support::host();
    assert_eq!(
        stored.url,
        format!(
            "vsphere://{host}/folder/{}/{id}?dcPath=DC0&dsName=LocalDS_0",
            fixture.dir
        )
    );
    assert_eq!(stored.size, 1000);
    assert_eq!(fixture.driver(), "vmware");
    assert!(!fixture.read_only());
    assert!(fixture.properties().is_empty());

    let upstream_order = format!(
        "vsphere://{host}/folder/{}/{id}?dsName=LocalDS_0&dcPath=DC0",
        fixture.dir
    );
    assert!(fixture.handles(&upstream_order));
    assert_eq!(get_all(&*fixture, &upstream_order, None).await, [1; 1000]);
    assert_eq!(fixture.size(&upstream_order).await.unwrap(), 1000);

    for foreign in [
        stored.url.replace("vsphere://", "https://"),
        stored.url.replace(&host, "vcenter.example.com"),
        format!("vsphere://{host}/{}/{id}?dsName=LocalDS_0", fixture.dir),
    ] {
        assert!(!fixture.handles(&foreign), "{foreign}");
        let got = fixture.get(&foreign, None).await;
        assert!(
            matches!(got, Err(StoreError::UnknownLocation(_))),
            "{foreign}"
        );
        let deleted = fixture.delete(&foreign).await;
        assert!(
            matches!(deleted, Err(StoreError::UnknownLocation(_))),
            "{foreign}: {deleted:?}"
        );
        let size = fixture.size(&foreign).await;
        assert!(
            matches!(size, Err(StoreError::UnknownLocation(_))),
            "{foreign}: {size:?}"
        );
    }
    fixture.delete(&upstream_order).await.unwrap();
    assert_eq!(
        support::head(&fixture.dir, &id).await,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_missing_file_is_not_found() {
    let fixture = fixture().await;
    let host = support::host();
    for url in [
        format!(
            "vsphere://{host}/folder/{}/never-written?dcPath=DC0&dsName=LocalDS_0",
            fixture.dir
        ),
        format!(
            "vsphere://{host}/folder/{}/never-written?dsName=LocalDS_0",
            fixture.dir
        ),
        format!(
            "vsphere://{host}/folder/{}/x?dcPath=NoSuchDC&dsName=LocalDS_0",
            fixture.dir
        ),
    ] {
        let deleted = fixture.delete(&url).await;
        assert!(
            matches!(&deleted, Err(StoreError::NotFound(u)) if *u == url),
            "{url}: {deleted:?}"
        );
        let got = fixture.get(&url, None).await;
        assert!(matches!(got, Err(StoreError::NotFound(_))), "get {url}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_upload_leaves_no_file() {
    let fixture = fixture().await;
    let id = new_id();
    let result = fixture
        .put(&id, failing(&vec![2; 3 * 1024 * 1024]), None)
        .await;
    match result {
        Err(StoreError::SourceFailed(e)) => assert_eq!(e.to_string(), "client went away"),
        other => panic!("failing source: {other:?}"),
    }
    assert_eq!(
        support::head(&fixture.dir, &id).await,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_not_matching_the_announced_size_is_refused_and_removed() {
    let fixture = fixture().await;
    for (len, hint) in [(1000, 2000), (3000, 2000)] {
        let id = new_id();
        let body = chunked(&vec![3; len]);
        let result = fixture.put(&id, body, Some(hint)).await;
        assert!(
            matches!(&result, Err(StoreError::SourceFailed(e)) if e.kind() != io::ErrorKind::Other),
            "{len} bytes announced as {hint}: {result:?}"
        );
        assert_eq!(
            support::head(&fixture.dir, &id).await,
            StatusCode::NOT_FOUND
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_upload_leaves_no_file() {
    let fixture = Arc::new(fixture().await);
    let id = new_id();
    let (mut tx, rx) = futures::channel::mpsc::channel::<io::Result<Bytes>>(0);
    let task = tokio::spawn({
        let fixture = fixture.clone();
        let id = id.clone();
        async move { fixture.put(&id, rx.boxed(), None).await }
    });
    for _ in 0..8 {
        tx.send(Ok(Bytes::from(vec![4u8; 64 * 1024])))
            .await
            .unwrap();
    }
    assert_eq!(
        support::wait_for_status(&fixture.dir, &id, StatusCode::OK).await,
        StatusCode::OK,
        "no file while uploading"
    );
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    assert_eq!(
        support::wait_for_status(&fixture.dir, &id, StatusCode::NOT_FOUND).await,
        StatusCode::NOT_FOUND,
        "the partial file was left behind"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn all_conformance_checks_leave_the_directory_empty() {
    let fixture = fixture().await;
    conformance::put_get_roundtrip(&*fixture).await;
    conformance::failed_source_leaves_nothing(&*fixture).await;
    let client = reqwest::Client::builder()
        .tls_danger_accept_invalid_certs(true)
        .build()
        .unwrap();
    let listing = client
        .get(format!(
            "https://{}/folder/{}/?dcPath=DC0&dsName=LocalDS_0",
            support::host(),
            fixture.dir
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(listing.status().as_u16(), 200);
    let html = listing.text().await.unwrap();
    assert!(!html.contains("<a href"), "files left: {html}");
}

/// vcsim checks passwords at `Login`; the store logs in when it is built,
/// so a wrong password stops it there with the driver's access error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_is_refused_by_vcsim() {
    let options = format!(
        "vmware_server_host = {}\nvmware_server_username = {}\n\
         vmware_server_password = not-{}\nvmware_insecure = true\n\
         vmware_datastores = {DATACENTER}:{DATASTORE}",
        host(),
        user(),
        password()
    );
    match store(&options).await {
        Err(StoreError::Unavailable(message)) => {
            assert!(
                message.contains("refused access: InvalidLogin"),
                "{message}"
            )
        }
        other => panic!("wrong password: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_certificate_is_verified_unless_insecure() {
    let replay = Replay::start().await;
    let base = format!(
        "vmware_server_host = {}\nvmware_server_username = glance\n\
         vmware_server_password = pw\nvmware_datastores = DC0:LocalDS_0\n",
        replay.host
    );
    match store(&base).await {
        Err(StoreError::Unavailable(message)) => {
            assert!(message.contains("certificate"), "{message}")
        }
        other => panic!("untrusted certificate: {other:?}"),
    }
    for extra in [
        "vmware_insecure = true".to_owned(),
        format!("vmware_ca_file = {}", replay.ca_file.display()),
    ] {
        match store(&format!("{base}{extra}")).await {
            Err(StoreError::Unavailable(message)) => {
                assert!(message.contains("InvalidLogin"), "{extra}: {message}")
            }
            other => panic!("{extra}: {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_server_is_unavailable() {
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let host = closed.local_addr().unwrap().to_string();
    drop(closed);
    let options = format!(
        "vmware_server_host = {host}\nvmware_server_username = u\nvmware_server_password = p\n\
         vmware_api_retry_count = 1\nvmware_datastores = DC0:LocalDS_0"
    );
    let started = std::time::Instant::now();
    match store(&options).await {
        Err(StoreError::Unavailable(message)) => {
            assert!(
                message.starts_with(&format!("cannot reach https://{host}/sdk")),
                "{message}"
            )
        }
        other => panic!("closed port: {other:?}"),
    }
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "no retry was made"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn datastores_that_do_not_exist_are_config_errors() {
    let dir = support::random_dir();
    for (extra, missing) in [
        (
            "vmware_datastores = DC0:NoSuchDS:10",
            "datastore \"NoSuchDS\"",
        ),
        (
            "vmware_datastores = NoSuchDC:LocalDS_0",
            "datacenter \"NoSuchDC\"",
        ),
    ] {
        match store(&options(&dir, extra)).await {
            Err(StoreError::Config(message)) => assert!(
                message.contains("[test_vmware] vmware_datastores") && message.contains(missing),
                "{message}"
            ),
            other => panic!("{extra}: {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn images_go_to_a_datastore_with_room() {
    let fixture = support::fixture_with("vmware_datastores = DC0:LocalDS_0:50").await;
    let id = new_id();
    let stored = fixture.put(&id, chunked(&[5; 10]), Some(10)).await.unwrap();
    assert!(stored.url.ends_with("dsName=LocalDS_0"), "{}", stored.url);
    let huge = fixture
        .put("too-big", futures::stream::empty().boxed(), Some(u64::MAX))
        .await;
    assert!(matches!(huge, Err(StoreError::Full(_))), "{huge:?}");
    assert_eq!(
        support::head(&fixture.dir, "too-big").await,
        StatusCode::NOT_FOUND
    );
}
