//! Serves `/identity` on an ephemeral loopback port for the integration tests.

use std::time::Duration;

use axum::Router;
use glance_identity::Identity;
use tempfile::TempDir;

/// A running server and what the tests need to talk to it.
pub struct Server {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// The identity behind the server.
    pub identity: Identity,
    /// The admin password set by bootstrap.
    pub admin_password: String,
    _dir: TempDir,
}

/// Bootstraps a fresh identity and serves it at `/identity`.
pub async fn serve() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let identity = Identity::open(dir.path(), Duration::from_secs(3600)).unwrap();
    let admin_password = identity.bootstrap(None).unwrap().password.unwrap();
    let app = Router::new().nest("/identity", identity.router(None));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Server {
        base,
        identity,
        admin_password,
        _dir: dir,
    }
}
