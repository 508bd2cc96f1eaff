//! The policy engine behind the API: upstream's defaults by persona, and an
//! operator's `[oslo_policy] policy_file` overriding them.

use crate::common::{TestServer, Who, data};
use glance_config::ApiConfig;
use reqwest::{Client, Method};
use serde_json::{Value, json};

#[tokio::test]
async fn personas_follow_the_default_rules() {
    let s = TestServer::start().await;
    let id = s.create_basic(Who::Project("p1")).await;
    let as_roles = |method: Method, path: String, roles: &'static str| {
        s.client
            .request(method, format!("{}{path}", s.base))
            .header("X-Project-Id", "p1")
            .header("X-Roles", roles)
    };
    // A reader of the owning project reads but may not change or upload.
    let r = as_roles(Method::GET, format!("/v2/images/{id}"), "reader")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = as_roles(Method::PUT, format!("/v2/images/{id}/file"), "reader")
        .header("Content-Type", "application/octet-stream")
        .body(data(10))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("upload_image"));
    let r = as_roles(Method::DELETE, format!("/v2/images/{id}"), "reader")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // No role at all: the image looks absent and listing is refused.
    let r = as_roles(Method::GET, format!("/v2/images/{id}"), "")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = as_roles(Method::GET, "/v2/images".into(), "")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("get_images"));
    // Members of the owning project may do it all.
    assert_eq!(
        s.upload(Who::Project("p1"), &id, data(10)).await.status(),
        204
    );
}

#[tokio::test]
async fn an_operator_policy_file_overrides_defaults() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("policy.yaml"),
        "\"delete_image\": \"role:admin or service_roles:service\"\n",
    )
    .unwrap();
    let conf = dir.path().join("glance-api.conf");
    std::fs::write(
        &conf,
        format!(
            "[DEFAULT]\nauth_strategy = noauth\nstate_path = {}\n[oslo_policy]\npolicy_file = policy.yaml\n",
            dir.path().display()
        ),
    )
    .unwrap();
    let config = ApiConfig::load(&[conf], Vec::<(String, String)>::new()).unwrap();
    let base = crate::common::serve_config(&config).await;
    let c = Client::new();
    let member = |rb: reqwest::RequestBuilder| {
        rb.header("X-Project-Id", "p1")
            .header("X-Roles", "member,reader")
    };
    let create = || async {
        let v: Value = member(c.post(format!("{base}/v2/images")))
            .json(&json!({"name": "x"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        v["id"].as_str().unwrap().to_string()
    };
    let id = create().await;
    let r = member(c.delete(format!("{base}/v2/images/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // The service token's roles (X-Service-Roles) are `service_roles`.
    let by_service = create().await;
    let r = member(c.delete(format!("{base}/v2/images/{by_service}")))
        .header("X-Service-Roles", "service")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let r = c
        .delete(format!("{base}/v2/images/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);

    // A broken policy file stops the start with a clear error.
    std::fs::write(
        dir.path().join("policy.yaml"),
        "\"delete_image\": \"rule:nope\"\n",
    )
    .unwrap();
    let err = glance_api::startup::build(&config)
        .await
        .err()
        .expect("must fail");
    assert!(format!("{err:#}").contains("nope"), "{err:#}");
}
