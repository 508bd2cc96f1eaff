//! A daemon that cannot be reached, or does not answer, is Unavailable.

use glance_config::Secret;
use glance_registry::{Registry, RegistryError};
use glance_registry_remote::RemoteRegistry;
use std::time::{Duration, Instant};

#[tokio::test]
async fn a_daemon_that_is_not_running_is_unavailable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let client = RemoteRegistry::new(
        &format!("http://{addr}"),
        &Secret::new("s"),
        Duration::from_secs(5),
    )
    .unwrap();
    let started = Instant::now();
    let err = client.get_image("x").await.unwrap_err();
    assert!(
        matches!(&err, RegistryError::Unavailable(m) if m.contains("cannot be reached")),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(2), "fails fast");
    assert!(matches!(
        client.health().await,
        Err(RegistryError::Unavailable(_))
    ));
}

#[tokio::test]
async fn a_daemon_that_never_answers_times_out_as_unavailable() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // Accepts connections and holds them without a word.
    let silent = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let client = RemoteRegistry::new(
        &format!("http://{addr}"),
        &Secret::new("s"),
        Duration::from_secs(1),
    )
    .unwrap();
    let err = client.get_image("x").await.unwrap_err();
    assert!(
        matches!(&err, RegistryError::Unavailable(m) if m.contains("timed out")),
        "{err:?}"
    );
    silent.abort();
}

#[tokio::test]
async fn something_else_on_the_port_is_a_database_error() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app =
        axum::Router::new().fallback(|| async { (axum::http::StatusCode::NOT_FOUND, "nope") });
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let client = RemoteRegistry::new(
        &format!("http://{addr}"),
        &Secret::new("s"),
        Duration::from_secs(5),
    )
    .unwrap();
    let err = client.get_image("x").await.unwrap_err();
    assert!(
        matches!(&err, RegistryError::Database(m) if m.contains("404") && m.contains("nope")),
        "{err:?}"
    );
}

#[test]
fn bad_urls_and_secrets_are_refused_up_front() {
    let secret = Secret::new("s");
    for url in ["127.0.0.1:9191", "ftp://h/", "mailto:x@y"] {
        assert!(
            RemoteRegistry::new(url, &secret, Duration::ZERO).is_err(),
            "{url}"
        );
    }
    assert!(RemoteRegistry::new("http://h:1", &Secret::new("é\n"), Duration::ZERO).is_err());
    let with_prefix = RemoteRegistry::new("http://h:1/registry/", &secret, Duration::ZERO).unwrap();
    assert_eq!(with_prefix.base_url(), "http://h:1/registry/");
}
