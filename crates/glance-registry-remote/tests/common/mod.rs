//! A daemon router served in-process on an ephemeral loopback port, over a
//! fresh SQLite file in a temporary directory.

#![allow(dead_code)]

use glance_config::Secret;
use glance_registry::{Registry, SqlRegistry};
use glance_registry_remote::{Guard, RemoteRegistry, router};
use std::sync::Arc;
use std::time::Duration;
use tempfile::TempDir;

/// The secret the in-process daemons require.
pub const SECRET: &str = "test-secret";

/// A client's call timeout in tests.
pub const TIMEOUT: Duration = Duration::from_secs(60);

/// A migrated SQLite registry in a new temporary directory.
pub async fn sqlite() -> (TempDir, SqlRegistry) {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite:///{}", dir.path().join("glance.sqlite").display());
    let reg = glance_registry::connect(&url).await.expect("connect");
    reg.migrate().await.expect("migrate");
    (dir, reg)
}

/// Serves `registry` behind `guard`; returns the base URL.
pub async fn serve(registry: Arc<dyn Registry>, guard: Guard) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let app = router(registry, guard);
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    base
}

/// Serves `registry` behind [`SECRET`]; returns the base URL and a client.
pub async fn remote(registry: Arc<dyn Registry>) -> (String, RemoteRegistry) {
    let base = serve(registry, Guard::SharedSecret(Secret::new(SECRET))).await;
    let client = RemoteRegistry::new(&base, &Secret::new(SECRET), TIMEOUT).expect("client");
    (base, client)
}
