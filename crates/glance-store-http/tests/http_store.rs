//! The http store against real HTTP over loopback: an in-process axum server
//! serving files from a temp dir (with `Range` support), plus routes that
//! redirect, ignore `Range`, or fail. The read-only part of the conformance
//! suite is mirrored here, since `put` is refused.

use futures::StreamExt;
use glance_store::conformance::{CHUNK, get_all, pattern, show};
use glance_store::{ByteRange, Store, StoreError};
use glance_store_http::HttpStore;
use support::{Server, store};

/// Helpers: the test server and stores built from INI text.
pub mod support {
    use axum::Router;
    use axum::body::Body;
    use axum::extract::{Path, State};
    use axum::http::{Method, StatusCode, header};
    use axum::response::{IntoResponse, Response};
    use axum::routing::get;
    use bytes::Bytes;
    use glance_config::ConfigFile;
    use glance_store::StoreError;
    use glance_store_http::HttpStore;
    use glance_test_support::tls::{TestCa, TlsListener};
    use std::path::PathBuf;
    use std::sync::Arc;
    use tempfile::TempDir;
    use tokio::net::TcpListener;
    use tower_http::services::ServeDir;

    /// A store from `[test]` options given as INI lines.
    pub async fn store(options: &str) -> Result<HttpStore, StoreError> {
        let config = ConfigFile::parse(&format!("[test]\n{options}\n"), "test").unwrap();
        HttpStore::from_config(&config, "test").await
    }

    /// A test web server over a temp dir. Routes:
    /// - `/files/<name>`: the file, with `Range`, `HEAD` and 404 (tower-http);
    /// - `/norange/<name>`: the whole file with a `Content-Length`, whatever
    ///   the `Range` header says;
    /// - `/chunked/<name>`: the same, chunked (no `Content-Length`);
    /// - `/redirect/<hops>/<name>`: `302` chains of `hops` redirects ending
    ///   at `/files/<name>`;
    /// - `/bare416/<name>`: `HEAD` as `/norange`, every `GET` a `416`
    ///   without a `Content-Range`;
    /// - `/status/<code>`: an empty answer with that status.
    pub struct Server {
        /// The directory served.
        pub dir: TempDir,
        /// `http://127.0.0.1:<port>` or `https://...`.
        pub base: String,
        /// For an https server, the CA file that verifies it.
        pub ca_file: Option<PathBuf>,
    }

    impl Server {
        /// An http server on a free loopback port.
        pub async fn start() -> Server {
            let dir = TempDir::new().unwrap();
            let tcp = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let base = format!("http://{}", tcp.local_addr().unwrap());
            let app = router(dir.path().to_owned());
            tokio::spawn(async move { axum::serve(tcp, app).await.unwrap() });
            Server {
                dir,
                base,
                ca_file: None,
            }
        }

        /// An https server whose certificate (for 127.0.0.1 and localhost)
        /// is signed by a CA made for the test, written to [`Server::ca_file`].
        pub async fn start_tls() -> Server {
            let dir = TempDir::new().unwrap();
            let ca = TestCa::new();
            let listener = TlsListener::bind(ca.loopback_acceptor()).await;
            let base = format!("https://{}", listener.addr());
            listener.spawn(router(dir.path().join("files")));
            let ca_file = ca.write_pem(dir.path());
            std::fs::create_dir(dir.path().join("files")).unwrap();
            Server {
                dir,
                base,
                ca_file: Some(ca_file),
            }
        }

        /// Writes `data` as the file `name` and returns its `/files` URL.
        pub fn put(&self, name: &str, data: &[u8]) -> String {
            let root = match self.ca_file {
                Some(_) => self.dir.path().join("files"),
                None => self.dir.path().to_owned(),
            };
            std::fs::write(root.join(name), data).unwrap();
            self.url("files", name)
        }

        /// `<base>/<route>/<name>`.
        pub fn url(&self, route: &str, name: &str) -> String {
            format!("{}/{route}/{name}", self.base)
        }
    }

    /// The routes described on [`Server`], serving files from `root`.
    fn router(root: PathBuf) -> Router {
        let root = Arc::new(root);
        Router::new()
            .nest_service("/files", ServeDir::new(root.as_ref()))
            .route("/norange/{name}", get(whole))
            .route("/chunked/{name}", get(chunked))
            .route("/redirect/{hops}/{name}", get(redirect))
            .route("/bare416/{name}", get(bare_416))
            .route("/status/{code}", get(status))
            .with_state(root)
    }

    async fn whole(State(root): State<Arc<PathBuf>>, Path(name): Path<String>) -> Response {
        match std::fs::read(root.join(name)) {
            Ok(data) => data.into_response(),
            Err(_) => StatusCode::NOT_FOUND.into_response(),
        }
    }

    async fn chunked(State(root): State<Arc<PathBuf>>, Path(name): Path<String>) -> Response {
        let Ok(data) = std::fs::read(root.join(name)) else {
            return StatusCode::NOT_FOUND.into_response();
        };
        let data = Bytes::from(data);
        let pieces: Vec<Result<Bytes, std::io::Error>> = (0..data.len())
            .step_by(1000)
            .map(|at| Ok(data.slice(at..data.len().min(at + 1000))))
            .collect();
        Body::from_stream(futures::stream::iter(pieces)).into_response()
    }

    async fn bare_416(
        method: Method,
        State(root): State<Arc<PathBuf>>,
        Path(name): Path<String>,
    ) -> Response {
        match method {
            Method::HEAD => whole(State(root), Path(name)).await,
            _ => StatusCode::RANGE_NOT_SATISFIABLE.into_response(),
        }
    }

    async fn redirect(Path((hops, name)): Path<(u32, String)>) -> Response {
        let next = match hops {
            0 => format!("/files/{name}"),
            _ => format!("/redirect/{}/{name}", hops - 1),
        };
        (StatusCode::FOUND, [(header::LOCATION, next)]).into_response()
    }

    async fn status(Path(code): Path<u16>) -> StatusCode {
        StatusCode::from_u16(code).unwrap()
    }
}

/// A store with default options.
async fn default_store() -> HttpStore {
    store("").await.unwrap()
}

#[tokio::test]
async fn full_get_streams_a_multi_mib_object() {
    let server = Server::start().await;
    let store = default_store().await;
    let data = pattern(1, 5 * 1024 * 1024 + 123);
    let url = server.put("big", &data);
    assert!(store.handles(&url));
    assert_eq!(get_all(&store, &url, None).await, data);
    for route in ["norange", "chunked"] {
        assert_eq!(get_all(&store, &server.url(route, "big"), None).await, data);
    }
}

/// The cases of `conformance::ranged_get`, on a server that honours
/// `Range` (206), one that ignores it (200 with a length) and one that
/// ignores it and sends no length (chunked 200).
#[tokio::test]
async fn ranged_gets_on_servers_with_and_without_range_support() {
    let server = Server::start().await;
    let store = default_store().await;
    let size = 3 * CHUNK + 17;
    let data = pattern(2, size);
    server.put("obj", &data);
    let last = size as u64 - 1;
    for route in ["files", "norange", "chunked"] {
        let url = server.url(route, "obj");
        for (start, end) in [
            (0, 0),
            (1000, 2 * CHUNK as u64 + 5),
            (last, last),
            (0, last),
            (last - 9, last + 1000),
        ] {
            let got = get_all(&store, &url, Some(ByteRange { start, end })).await;
            let end = end.min(last);
            assert_eq!(
                got,
                data[start as usize..=end as usize],
                "{route}: wrong bytes for range {start}-{end}"
            );
        }
        for (start, end) in [
            (size as u64, size as u64 + 10),
            (last + 100, last + 200),
            (10, 9),
        ] {
            if route == "chunked" && start > end {
                // Neither ranges nor a length: the size cannot be known
                // without reading the whole object, which the driver does not do.
                let got = store.get(&url, Some(ByteRange { start, end })).await;
                assert!(
                    matches!(&got, Err(StoreError::Io(e)) if e.kind() == std::io::ErrorKind::InvalidData),
                    "{}",
                    show(&got)
                );
                continue;
            }
            match store.get(&url, Some(ByteRange { start, end })).await {
                Err(StoreError::RangeNotSatisfiable { size: reported }) => {
                    assert_eq!(reported, size as u64, "{route}: 416 must carry the size")
                }
                other => panic!(
                    "{route}: range {start}-{end}: expected RangeNotSatisfiable, got {}",
                    show(&other)
                ),
            }
        }
    }
}

#[tokio::test]
async fn a_416_without_content_range_takes_the_size_from_a_head() {
    let server = Server::start().await;
    let store = default_store().await;
    server.put("sized", &pattern(5, 4321));
    let got = store
        .get(
            &server.url("bare416", "sized"),
            Some(ByteRange {
                start: 5000,
                end: 6000,
            }),
        )
        .await;
    assert!(
        matches!(got, Err(StoreError::RangeNotSatisfiable { size: 4321 })),
        "{}",
        show(&got)
    );
}

#[tokio::test]
async fn missing_objects_are_not_found() {
    let server = Server::start().await;
    let store = default_store().await;
    for url in [
        server.url("files", "nothing"),
        server.url("norange", "nothing"),
        server.url("status", "404"),
        server.url("status", "410"),
        server.url("redirect", "2/nothing"),
    ] {
        let got = store.get(&url, None).await;
        assert!(
            matches!(got, Err(StoreError::NotFound(_))),
            "{url}: {}",
            show(&got)
        );
        let size = store.size(&url).await;
        assert!(
            matches!(size, Err(StoreError::NotFound(_))),
            "{url}: {size:?}"
        );
    }
}

#[tokio::test]
async fn empty_object_reads_back_empty_and_has_no_ranges() {
    let server = Server::start().await;
    let store = default_store().await;
    let url = server.put("empty", b"");
    assert_eq!(store.size(&url).await.unwrap(), 0);
    for route in ["files", "norange", "chunked"] {
        let url = server.url(route, "empty");
        assert!(get_all(&store, &url, None).await.is_empty(), "{route}");
        let ranged = store.get(&url, Some(ByteRange { start: 0, end: 0 })).await;
        assert!(
            matches!(ranged, Err(StoreError::RangeNotSatisfiable { size: 0 })),
            "{route}: {}",
            show(&ranged)
        );
    }
}

/// `conformance::size_matches`: the size of a multi-chunk object and of an
/// empty one, asked through `dyn Store` (as glance-api does) and on every
/// route that sends a length; once the file is gone it is `NotFound`.
#[tokio::test]
async fn size_matches() {
    let server = Server::start().await;
    let store: &dyn Store = &default_store().await;
    let large = 5 * 1024 * 1024 + 123;
    server.put("large", &pattern(10, large));
    server.put("empty", b"");
    for (name, len) in [("large", large), ("empty", 0)] {
        for url in [
            server.url("files", name),
            server.url("norange", name),
            server.url("redirect", &format!("2/{name}")),
        ] {
            assert_eq!(store.size(&url).await.unwrap(), len as u64, "{url}");
        }
        std::fs::remove_file(server.dir.path().join(name)).unwrap();
        let url = server.url("files", name);
        let size = store.size(&url).await;
        assert!(
            matches!(size, Err(StoreError::NotFound(_))),
            "{url}: {size:?}"
        );
    }
}

#[tokio::test]
async fn concurrent_gets_all_read_intact() {
    let server = Server::start().await;
    let store = default_store().await;
    let objects: Vec<(String, Vec<u8>)> = (0..6)
        .map(|seed| {
            let data = pattern(100 + seed, 4 * CHUNK + seed as usize * 1001);
            (server.put(&format!("obj-{seed}"), &data), data)
        })
        .collect();
    let reads = objects.iter().map(|(url, _)| get_all(&store, url, None));
    let got = futures::future::join_all(reads).await;
    for (read, (url, data)) in got.iter().zip(&objects) {
        assert_eq!(read, data, "{url}");
    }
}

#[tokio::test]
async fn writes_are_refused() {
    let server = Server::start().await;
    let store = default_store().await;
    let url = server.put("kept", b"data");
    assert_eq!(store.driver(), "http");
    assert!(store.read_only());
    assert!(store.properties().is_empty());
    let put = store
        .put("id", futures::stream::empty().boxed(), Some(0))
        .await;
    assert!(matches!(put, Err(StoreError::ReadOnly("http"))), "{put:?}");
    let deleted = store.delete(&url).await;
    assert!(
        matches!(deleted, Err(StoreError::ReadOnly("http"))),
        "{deleted:?}"
    );
    assert_eq!(get_all(&store, &url, None).await, b"data");
}

#[tokio::test]
async fn only_http_and_https_urls_are_handled() {
    let store = default_store().await;
    for url in [
        "http://example.com/image",
        "https://user:pass@example.com:8443/a/b?x=1",
        "http://[::1]/image",
    ] {
        assert!(store.handles(url), "{url}");
    }
    for url in [
        "file:///etc/passwd",
        "ftp://example.com/image",
        "swift+https://example.com/c/o",
        "http:/image",
        "http:///image",
        "image",
        "",
    ] {
        assert!(!store.handles(url), "{url}");
        let got = store.get(url, None).await;
        assert!(
            matches!(got, Err(StoreError::UnknownLocation(_))),
            "{url}: {}",
            show(&got)
        );
        let size = store.size(url).await;
        assert!(
            matches!(size, Err(StoreError::UnknownLocation(_))),
            "{url}: {size:?}"
        );
    }
}

#[tokio::test]
async fn redirects_are_followed_up_to_four_times() {
    let server = Server::start().await;
    let store = default_store().await;
    let data = pattern(3, 10_000);
    server.put("moved", &data);
    for hops in 0..4 {
        let url = server.url("redirect", &format!("{hops}/moved"));
        assert_eq!(get_all(&store, &url, None).await, data, "{hops} hops");
        assert_eq!(
            get_all(&store, &url, Some(ByteRange { start: 5, end: 9 })).await,
            data[5..=9],
            "{hops} hops, ranged"
        );
        assert_eq!(store.size(&url).await.unwrap(), 10_000);
    }
    let too_far = server.url("redirect", "4/moved");
    let got = store.get(&too_far, None).await;
    match got {
        Err(StoreError::Unavailable(message)) => {
            assert!(
                message.contains("redirected more than 4 times"),
                "{message}"
            )
        }
        other => panic!("5 redirects: {}", show(&other)),
    }
}

#[tokio::test]
async fn server_errors_and_refused_connections_are_unavailable() {
    let server = Server::start().await;
    let store = default_store().await;
    for code in ["500", "503", "403"] {
        let got = store.get(&server.url("status", code), None).await;
        match got {
            Err(StoreError::Unavailable(message)) => assert!(message.contains(code), "{message}"),
            other => panic!("status {code}: {}", show(&other)),
        }
    }
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/image", closed.local_addr().unwrap());
    drop(closed);
    let got = store.get(&url, None).await;
    match got {
        Err(StoreError::Unavailable(message)) => {
            assert!(
                message.starts_with(&format!("cannot reach {url}")),
                "{message}"
            )
        }
        other => panic!("closed port: {}", show(&other)),
    }
    assert!(matches!(
        store.size(&url).await,
        Err(StoreError::Unavailable(_))
    ));
}

#[tokio::test]
async fn passwords_in_locations_are_masked_in_errors() {
    let server = Server::start().await;
    let store = default_store().await;
    let url = server
        .url("status", "500")
        .replace("http://", "http://glance:s3cret@");
    let got = store.get(&url, None).await;
    match got {
        Err(StoreError::Unavailable(message)) => {
            assert!(!message.contains("s3cret"), "{message}");
            assert!(message.contains("glance:***@"), "{message}");
        }
        other => panic!("{}", show(&other)),
    }
}

#[tokio::test]
async fn https_is_verified_against_the_ca_file() {
    let server = Server::start_tls().await;
    let data = pattern(4, 70_000);
    let url = server.put("secure", &data);

    let strict = store("https_insecure = false").await.unwrap();
    match strict.get(&url, None).await {
        Err(StoreError::Unavailable(message)) => {
            assert!(message.contains("certificate"), "{message}")
        }
        other => panic!("self-signed without a CA file: {}", show(&other)),
    }

    let ca_file = server.ca_file.as_ref().unwrap().display();
    for options in [
        format!("https_ca_certificates_file = {ca_file}"),
        format!("https_ca_certificates_file = {ca_file}\nhttps_insecure = false"),
    ] {
        let trusted = store(&options).await.unwrap();
        assert_eq!(get_all(&trusted, &url, None).await, data, "{options}");
        assert_eq!(trusted.size(&url).await.unwrap(), 70_000);
    }

    let insecure = default_store().await;
    assert_eq!(get_all(&insecure, &url, None).await, data);
}

#[tokio::test]
async fn requests_go_through_the_configured_proxy() {
    let proxy = Server::start().await;
    proxy.put("via-proxy", b"proxied");
    let address = proxy.base.trim_start_matches("http://");
    let store = store(&format!("http_proxy_information = http:{address}"))
        .await
        .unwrap();
    let url = "http://image-host.invalid/files/via-proxy";
    assert_eq!(get_all(&store, url, None).await, b"proxied");
    let direct = default_store().await.get(url, None).await;
    assert!(
        matches!(direct, Err(StoreError::Unavailable(_))),
        "{}",
        show(&direct)
    );
}

#[tokio::test]
async fn bad_options_are_config_errors_naming_section_and_key() {
    for (options, key) in [
        ("https_insecure = maybe", "https_insecure"),
        (
            "https_ca_certificates_file = /nonexistent/ca.pem",
            "https_ca_certificates_file",
        ),
        (
            "http_proxy_information = ftp:10.0.0.1:21",
            "http_proxy_information",
        ),
        ("http_proxy_information = http", "http_proxy_information"),
    ] {
        match store(options).await {
            Err(StoreError::Config(message)) => assert!(
                message.contains(&format!("[test] {key}")),
                "{options}: {message}"
            ),
            other => panic!("{options}: {other:?}"),
        }
    }
    let dir = tempfile::TempDir::new().unwrap();
    let not_pem = dir.path().join("ca.pem");
    std::fs::write(&not_pem, "not a certificate").unwrap();
    let got = store(&format!(
        "https_ca_certificates_file = {}",
        not_pem.display()
    ))
    .await;
    assert!(matches!(got, Err(StoreError::Config(_))), "{got:?}");
}
