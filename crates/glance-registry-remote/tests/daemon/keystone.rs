//! `[paste_deploy] flavor = keystone` on the daemon: `X-Auth-Token` must be a
//! Keystone token with the admin or service role. The Keystone here is
//! glance-identity's v3 subset on loopback.

use crate::common;
use glance_config::RegistryConfig;
use glance_identity::{Identity, Lookup, Role};
use glance_registry_remote::startup;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// A Keystone on loopback: its base URL, the identity and admin's password.
async fn keystone(dir: &std::path::Path) -> (String, Identity, String) {
    let identity = Identity::open(dir, Duration::from_secs(3600)).unwrap();
    let password = identity.bootstrap(None).unwrap().password.unwrap();
    let app = axum::Router::new().nest("/identity", identity.router(None));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, identity, password)
}

/// The daemon's configuration for Keystone at `auth_url`.
fn config(dir: &std::path::Path, auth_url: &str, password: &str) -> RegistryConfig {
    let file = dir.join("glance-registry.conf");
    let text = format!(
        "[DEFAULT]\nstate_path = {}\n[paste_deploy]\nflavor = keystone\n\
         [keystone_authtoken]\nauth_url = {auth_url}\nauth_type = password\n\
         username = admin\npassword = {password}\nproject_name = admin\n",
        dir.join("state").display()
    );
    std::fs::write(&file, text).unwrap();
    RegistryConfig::load(&[file], []).unwrap()
}

/// `GET /v1/health` with `token`: the status and the error kind, if any.
async fn health(base: &str, token: Option<&str>) -> (u16, Option<String>) {
    let mut request = reqwest::Client::new().get(format!("{base}/v1/health"));
    if let Some(t) = token {
        request = request.header("X-Auth-Token", t);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let kind = response
        .json::<Value>()
        .await
        .ok()
        .and_then(|b| b["error"]["kind"].as_str().map(str::to_owned));
    (status, kind)
}

#[tokio::test]
async fn admin_and_service_tokens_pass_others_get_401() {
    let dir = tempfile::tempdir().unwrap();
    let (ks, identity, password) = keystone(&dir.path().join("identity")).await;
    let guard =
        startup::build_guard(&config(dir.path(), &format!("{ks}/identity/v3"), &password)).unwrap();
    assert!(
        !dir.path().join("state/registry.secret").exists(),
        "no secret file in Keystone mode"
    );
    let (_db, sql) = common::sqlite().await;
    let base = common::serve(Arc::new(sql), guard).await;

    let admin = token(&identity, "admin", &password, "admin");
    assert_eq!(health(&base, Some(&admin)).await, (204, None));

    identity.create_project("demo").unwrap();
    identity.create_user("glance", "pw").unwrap();
    identity.add_role("glance", "demo", Role::Service).unwrap();
    let service = token(&identity, "glance", "pw", "demo");
    assert_eq!(health(&base, Some(&service)).await, (204, None));

    identity.create_user("alice", "pw").unwrap();
    identity.add_role("alice", "demo", Role::Member).unwrap();
    let member = token(&identity, "alice", "pw", "demo");
    let refused = (401, Some("unauthorized".to_owned()));
    assert_eq!(health(&base, Some(&member)).await, refused);
    assert_eq!(health(&base, Some("garbage")).await, refused);
    assert_eq!(health(&base, None).await, refused);
    // The shared secret means nothing in this mode.
    let response = reqwest::Client::new()
        .get(format!("{base}/v1/health"))
        .header(glance_registry_remote::SECRET_HEADER, common::SECRET)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn keystone_down_is_503_unavailable() {
    let dir = tempfile::tempdir().unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = format!("http://{}/v3", listener.local_addr().unwrap());
    drop(listener);
    let guard = startup::build_guard(&config(dir.path(), &closed, "pw")).unwrap();
    let (_db, sql) = common::sqlite().await;
    let base = common::serve(Arc::new(sql), guard).await;
    assert_eq!(
        health(&base, Some("some-token")).await,
        (503, Some("unavailable".to_owned()))
    );
}

/// A token of `user` (password `password`) scoped to `project`.
fn token(identity: &Identity, user: &str, password: &str, project: &str) -> String {
    let user = identity.authenticate(Lookup::Name(user), password).unwrap();
    identity
        .issue(&user.id, Some(Lookup::Name(project)))
        .unwrap()
        .token
}

/// glance-api's side: `RemoteRegistry` with glance's Keystone service token
/// (its `[keystone_authtoken]` credentials) against a Keystone-guarded
/// daemon; the same credentials with the wrong password are refused.
#[tokio::test]
async fn remote_registry_with_the_service_token() {
    use glance_registry::Registry;
    let dir = tempfile::tempdir().unwrap();
    let (ks, identity, password) = keystone(&dir.path().join("identity")).await;
    let auth_url = format!("{ks}/identity/v3");
    let guard = startup::build_guard(&config(dir.path(), &auth_url, &password)).unwrap();
    let (_db, sql) = common::sqlite().await;
    let base = common::serve(Arc::new(sql), guard).await;

    // The bootstrap made the `service` project already.
    identity.create_user("glance", "glance-pw").unwrap();
    identity
        .add_role("glance", "service", Role::Service)
        .unwrap();
    let validator = |password: &str| {
        let text = format!(
            "[keystone_authtoken]\nauth_url = {auth_url}\nauth_type = password\n\
             username = glance\npassword = {password}\nproject_name = service\n"
        );
        let raw = glance_config::ConfigFile::parse(&text, "glance-api.conf").unwrap();
        Arc::new(
            glance_auth::KeystoneValidator::new(
                glance_auth::KeystoneConfig::from_config(&raw).unwrap(),
            )
            .unwrap(),
        )
    };
    let client = glance_registry_remote::RemoteRegistry::with_keystone(
        &base,
        validator("glance-pw"),
        Duration::from_secs(10),
    )
    .unwrap();
    client
        .health()
        .await
        .expect("the service token is accepted");
    let image =
        glance_types::Image::new(uuid::Uuid::new_v4().to_string(), None, glance_types::now());
    client.create_image(&image).await.unwrap();
    assert_eq!(client.get_image(&image.id).await.unwrap().id, image.id);

    let refused = glance_registry_remote::RemoteRegistry::with_keystone(
        &base,
        validator("wrong"),
        Duration::from_secs(10),
    )
    .unwrap();
    let err = refused.health().await.unwrap_err();
    assert!(
        matches!(err, glance_registry::RegistryError::Unavailable(_)),
        "{err:?}"
    );
}
