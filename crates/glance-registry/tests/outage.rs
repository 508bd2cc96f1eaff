//! A database that goes away and comes back: calls fail fast with
//! `Unavailable` while it is gone and work again, on the same registry, once
//! it is back. The server is reached through a TCP proxy the test stops
//! (closing the port and every connection) and restarts on the same port.

use glance_registry::{Registry, RegistryError, SqlRegistry, connect};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

/// How long a call may take to fail while the server is gone: the
/// registry's 3 s connect limit plus slack, far below `pool_timeout` (30 s).
const FAIL_WITHIN: Duration = Duration::from_secs(6);

/// Forwards connections from a loopback port to `target` until stopped.
struct Proxy {
    target: SocketAddr,
    addr: SocketAddr,
    task: Option<JoinHandle<()>>,
}

impl Proxy {
    /// Listens on a free loopback port.
    async fn start(target: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("local addr");
        Self {
            target,
            addr,
            task: Some(tokio::spawn(forward(listener, target))),
        }
    }

    /// Closes the port and every forwarded connection.
    async fn stop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
        }
    }

    /// Listens again on the same port.
    async fn resume(&mut self) {
        let listener = TcpListener::bind(self.addr).await.expect("rebind");
        self.task = Some(tokio::spawn(forward(listener, self.target)));
    }
}

/// Accepts connections and pipes each to `target`; aborting the task drops
/// the listener and, with the set, every connection.
async fn forward(listener: TcpListener, target: SocketAddr) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((mut client, _)) = accepted else { continue };
                connections.spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
            }
            Some(_) = connections.join_next() => {}
        }
    }
}

/// Stops the proxy under a working registry for the database at `url`
/// (`default_port` if it names none), checks calls fail fast, then restarts
/// the proxy and checks the same registry works again by itself.
async fn goes_away_and_comes_back(url: &str, default_port: u16) {
    let mut url = url::Url::parse(url).expect("test database URL");
    let host = url.host_str().expect("host").to_string();
    let port = url.port().unwrap_or(default_port);
    let target = tokio::net::lookup_host((host.as_str(), port))
        .await
        .expect("resolve")
        .next()
        .expect("an address");
    let mut proxy = Proxy::start(target).await;
    url.set_host(Some("127.0.0.1")).expect("host");
    url.set_port(Some(proxy.addr.port())).expect("port");
    let reg: SqlRegistry = connect(url.as_str()).await.expect("connect");
    reg.health().await.expect("healthy through the proxy");

    proxy.stop().await;
    for _ in 0..2 {
        let started = Instant::now();
        let err = reg.health().await.expect_err("server gone");
        assert!(matches!(err, RegistryError::Unavailable(_)), "{err:?}");
        assert!(
            started.elapsed() < FAIL_WITHIN,
            "failed after {:?}",
            started.elapsed()
        );
    }

    proxy.resume().await;
    let started = Instant::now();
    reg.health().await.expect("recovered by itself");
    assert!(started.elapsed() < FAIL_WITHIN, "{:?}", started.elapsed());
    reg.schema_version().await.expect("queries work again");
    reg.close().await;
    proxy.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_goes_away_and_comes_back() {
    let url = std::env::var("GLANCE_TEST_MYSQL_URL")
        .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".to_string());
    goes_away_and_comes_back(&url, 3306).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_goes_away_and_comes_back() {
    let url = std::env::var("GLANCE_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgresql://postgres@127.0.0.1:5432/test".to_string());
    goes_away_and_comes_back(&url, 5432).await;
}
