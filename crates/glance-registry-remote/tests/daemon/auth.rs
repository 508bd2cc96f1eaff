//! The shared secret: configured (`[registry] shared_secret`) or generated
//! in the state directory; everything else gets 401 with a JSON error.

use crate::common::{self, SECRET, TIMEOUT};
use glance_config::{ApiConfig, RegistryConfig, Secret};
use glance_registry::{Registry, RegistryError};
use glance_registry_remote::{RemoteRegistry, SECRET_HEADER, startup};
use serde_json::Value;
use std::path::Path;
use std::sync::Arc;

/// A raw GET of `/v1/health` with the given secret header, if any.
async fn get_health(base: &str, secret: Option<&str>) -> (u16, Option<Value>) {
    let mut request = reqwest::Client::new().get(format!("{base}/v1/health"));
    if let Some(s) = secret {
        request = request.header(SECRET_HEADER, s);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.ok())
}

#[tokio::test]
async fn missing_or_wrong_secret_is_401_with_a_json_error() {
    let (_dir, sql) = common::sqlite().await;
    let (base, _) = common::remote(Arc::new(sql)).await;
    for (secret, why) in [
        (None, "no registry secret"),
        (Some("wrong"), "wrong registry secret"),
        (Some(""), "wrong registry secret"),
        (Some("TEST-SECRET"), "wrong registry secret"),
    ] {
        let (status, body) = get_health(&base, secret).await;
        assert_eq!(status, 401, "{secret:?}");
        assert_eq!(
            body,
            Some(serde_json::json!({"error": {"kind": "unauthorized", "message": why}}))
        );
    }
    assert_eq!(get_health(&base, Some(SECRET)).await.0, 204);
    // Every route is guarded, including ones that change data.
    let response = reqwest::Client::new()
        .delete(format!("{base}/v1/image?id=x"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn the_healthcheck_is_open_and_says_nothing_more() {
    let (_dir, sql) = common::sqlite().await;
    let (base, _) = common::remote(Arc::new(sql.clone())).await;
    let response = reqwest::get(format!("{base}/healthcheck")).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "OK");
    sql.close().await;
    let response = reqwest::get(format!("{base}/healthcheck")).await.unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!(response.text().await.unwrap(), "database unavailable");
}

#[tokio::test]
async fn a_client_with_the_wrong_secret_sees_the_registry_unavailable() {
    let (_dir, sql) = common::sqlite().await;
    let (base, _) = common::remote(Arc::new(sql)).await;
    let client = RemoteRegistry::new(&base, &Secret::new("not it"), TIMEOUT).unwrap();
    let err = client.get_image("x").await.unwrap_err();
    assert!(
        matches!(&err, RegistryError::Unavailable(m)
            if m.contains("refused our credentials") && m.contains("shared_secret")),
        "{err:?}"
    );
}

/// The daemon's and glance-api's configuration from `text` with `state_path`.
fn configs(state: &Path, text: &str) -> (RegistryConfig, ApiConfig) {
    let dir = state.parent().unwrap();
    let file = dir.join(format!(
        "{}.conf",
        state.file_name().unwrap().to_string_lossy()
    ));
    let text = format!("[DEFAULT]\nstate_path = {}\n{text}", state.display());
    std::fs::write(&file, text).unwrap();
    (
        RegistryConfig::load(std::slice::from_ref(&file), []).unwrap(),
        ApiConfig::load(&[file], []).unwrap(),
    )
}

#[tokio::test]
async fn one_machine_defaults_share_a_generated_secret_file() {
    let (_dir, sql) = common::sqlite().await;
    let tmp = tempfile::tempdir().unwrap();
    let (daemon, api) = configs(&tmp.path().join("state"), "");
    let guard = startup::build_guard(&daemon).unwrap();
    let file = tmp.path().join("state/registry.secret");
    assert!(file.exists(), "the daemon generated the secret");
    let base = common::serve(Arc::new(sql), guard).await;

    let mut client_config = api.registry.clone();
    let port = base.rsplit(':').next().unwrap();
    client_config.registry_port = port.parse().unwrap();
    let client = RemoteRegistry::from_config(&client_config, None).unwrap();
    client
        .health()
        .await
        .expect("the API side reads the same file");

    // A glance-api with another state directory has another secret.
    let (_, other) = configs(&tmp.path().join("elsewhere"), "");
    let mut other_config = other.registry.clone();
    other_config.registry_port = client_config.registry_port;
    let stranger = RemoteRegistry::from_config(&other_config, None).unwrap();
    assert!(matches!(
        stranger.health().await,
        Err(RegistryError::Unavailable(_))
    ));
}

#[tokio::test]
async fn a_configured_secret_wins_over_the_file() {
    let (_dir, sql) = common::sqlite().await;
    let tmp = tempfile::tempdir().unwrap();
    let (daemon, api) = configs(
        &tmp.path().join("state"),
        "[registry]\nshared_secret = configured\n",
    );
    let guard = startup::build_guard(&daemon).unwrap();
    assert!(!tmp.path().join("state/registry.secret").exists());
    let base = common::serve(Arc::new(sql), guard).await;
    assert_eq!(get_health(&base, Some("configured")).await.0, 204);
    let mut client_config = api.registry.clone();
    client_config.registry_port = base.rsplit(':').next().unwrap().parse().unwrap();
    RemoteRegistry::from_config(&client_config, None)
        .unwrap()
        .health()
        .await
        .unwrap();
}
