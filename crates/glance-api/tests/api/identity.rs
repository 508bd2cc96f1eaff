//! The default mode: the built-in identity issues tokens, every /v2 call needs one.

use glance_config::ApiConfig;
use reqwest::Client;
use serde_json::{Value, json};

fn openrc_password(path: &std::path::Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let line = text.lines().find(|l| l.contains("OS_PASSWORD=")).unwrap();
    line.split_once('=')
        .unwrap()
        .1
        .trim_matches('\'')
        .to_string()
}

#[tokio::test]
async fn tokens_are_required_and_scoped() {
    let dir = tempfile::tempdir().unwrap();
    let env = vec![(
        "GLANCE_DATA_DIR".to_string(),
        dir.path().display().to_string(),
    )];
    let config = ApiConfig::load(&[], env).unwrap();
    let state = glance_api::startup::build(&config).await.unwrap();
    let openrc = dir.path().join("admin-openrc");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&openrc).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let base = crate::common::serve(state).await;
    let c = Client::new();

    // No token, a garbage token: 401 as keystonemiddleware answers.
    for token in [None, Some("garbage")] {
        let mut rb = c.get(format!("{base}/v2/images"));
        if let Some(t) = token {
            rb = rb.header("X-Auth-Token", t);
        }
        let r = rb.send().await.unwrap();
        assert_eq!(r.status(), 401);
        let www = r.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .to_string();
        assert_eq!(www, format!("Keystone uri=\"{base}/identity\""));
        assert!(r.headers().contains_key("x-openstack-request-id"));
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["error"]["code"], 401);
    }
    // Discovery and health need no token.
    assert_eq!(
        c.get(format!("{base}/")).send().await.unwrap().status(),
        300
    );
    assert_eq!(
        c.get(format!("{base}/healthcheck"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    // A password token scoped to the admin project works.
    let auth = json!({"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": "admin", "domain": {"name": "Default"}, "password": openrc_password(&openrc)}}},
        "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}}}});
    let r = c
        .post(format!("{base}/identity/v3/auth/tokens"))
        .json(&auth)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let token = r.headers()["x-subject-token"].to_str().unwrap().to_string();
    let body: Value = r.json().await.unwrap();
    let project = body["token"]["project"]["id"].as_str().unwrap().to_string();
    let r = c
        .post(format!("{base}/v2/images"))
        .header("X-Auth-Token", &token)
        .json(&json!({"name": "mine"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let image: Value = r.json().await.unwrap();
    assert_eq!(image["owner"], project.as_str());
    let r = c
        .get(format!("{base}/v2/images"))
        .header("X-Auth-Token", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Identity headers are ignored in this mode: they cannot make a caller admin.
    let r = c
        .get(format!("{base}/v2/images"))
        .header("X-Roles", "admin")
        .header("X-Project-Id", "p1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}
