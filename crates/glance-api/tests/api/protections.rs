//! Property protections (`property_protection_file`): who may create, read,
//! update and delete which extra properties.

use glance_config::ApiConfig;
use reqwest::{Client, RequestBuilder, StatusCode};
use serde_json::{Value, json};

const RULES: &str = "\
[^x_secret_]
create = admin
read = admin
update = admin
delete = admin

[^x_billing_]
create = admin,member
read = admin,member,reader
update = admin
delete = Admin

[.*]
create = @
read = @
update = @
delete = @
";

/// A server whose protection file holds `rules`.
async fn start(rules: &str) -> anyhow::Result<(tempfile::TempDir, String)> {
    let dir = tempfile::tempdir()?;
    std::fs::write(dir.path().join("protections.conf"), rules)?;
    let conf = dir.path().join("glance-api.conf");
    std::fs::write(
        &conf,
        format!(
            "[DEFAULT]\nauth_strategy = noauth\nstate_path = {}\n\
             property_protection_file = protections.conf\nproperty_protection_rule_format = roles\n",
            dir.path().display()
        ),
    )?;
    let config = ApiConfig::load(&[conf], Vec::<(String, String)>::new())?;
    let state = glance_api::startup::build(&config).await?;
    let base = crate::common::serve(state).await;
    Ok((dir, base))
}

fn as_roles(rb: RequestBuilder, roles: &str) -> RequestBuilder {
    rb.header("X-Project-Id", "p1").header("X-Roles", roles)
}

async fn patch(c: &Client, base: &str, id: &str, roles: &str, ops: Value) -> reqwest::Response {
    as_roles(c.patch(format!("{base}/v2/images/{id}")), roles)
        .header(
            "Content-Type",
            "application/openstack-images-v2.1-json-patch",
        )
        .body(ops.to_string())
        .send()
        .await
        .unwrap()
}

async fn show(c: &Client, base: &str, id: &str, roles: &str) -> Value {
    as_roles(c.get(format!("{base}/v2/images/{id}")), roles)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn reads_hide_what_the_caller_may_not_read() {
    let (_dir, base) = start(RULES).await.unwrap();
    let c = Client::new();
    let created: Value = as_roles(c.post(format!("{base}/v2/images")), "admin,member")
        .json(&json!({"name": "x", "x_secret_key": "s", "x_billing_code": "b", "os_distro": "d"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap();
    assert_eq!(created["x_secret_key"], "s");
    let member = show(&c, &base, id, "member,reader").await;
    assert!(member.get("x_secret_key").is_none(), "{member}");
    assert_eq!(member["x_billing_code"], "b");
    assert_eq!(member["os_distro"], "d");
    let list: Value = as_roles(c.get(format!("{base}/v2/images")), "member,reader")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(list["images"][0].get("x_secret_key").is_none(), "{list}");
    assert_eq!(list["images"][0]["x_billing_code"], "b");
    // To the member the hidden property does not exist; a PATCH response
    // hides it too, and the stored value survives the member's update.
    let r = patch(
        &c,
        &base,
        id,
        "member,reader",
        json!([{"op": "replace", "path": "/x_secret_key", "value": "t"}]),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let r = patch(
        &c,
        &base,
        id,
        "member,reader",
        json!([{"op": "remove", "path": "/x_secret_key"}]),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let r = patch(
        &c,
        &base,
        id,
        "member,reader",
        json!([{"op": "add", "path": "/os_distro", "value": "e"}]),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    assert!(v.get("x_secret_key").is_none(), "{v}");
    assert_eq!(show(&c, &base, id, "admin").await["x_secret_key"], "s");
}

#[tokio::test]
async fn writes_need_the_operation_role() {
    let (_dir, base) = start(RULES).await.unwrap();
    let c = Client::new();
    // Creating a protected property without the role: 403.
    let r = as_roles(c.post(format!("{base}/v2/images")), "member,reader")
        .json(&json!({"name": "x", "x_secret_key": "s"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Attribute 'x_secret_key' is reserved.")
    );
    let created: Value = as_roles(c.post(format!("{base}/v2/images")), "member,reader")
        .json(&json!({"name": "x", "x_billing_code": "b", "free": "1"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap();
    // Adding one via PATCH is a create.
    let r = patch(
        &c,
        &base,
        id,
        "member,reader",
        json!([{"op": "add", "path": "/x_secret_other", "value": "s"}]),
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Update and delete of x_billing_* need admin.
    for ops in [
        json!([{"op": "replace", "path": "/x_billing_code", "value": "c"}]),
        json!([{"op": "add", "path": "/x_billing_code", "value": "c"}]),
        json!([{"op": "remove", "path": "/x_billing_code"}]),
    ] {
        let r = patch(&c, &base, id, "member,reader", ops.clone()).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{ops}");
    }
    let r = patch(
        &c,
        &base,
        id,
        "admin",
        json!([{"op": "replace", "path": "/x_billing_code", "value": "c"}]),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap()["x_billing_code"], "c");
    let r = patch(
        &c,
        &base,
        id,
        "ADMIN",
        json!([{"op": "remove", "path": "/x_billing_code"}]),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.json::<Value>()
            .await
            .unwrap()
            .get("x_billing_code")
            .is_none()
    );
    // Unprotected properties: anyone with modify_image.
    let r = patch(
        &c,
        &base,
        id,
        "member,reader",
        json!([
            {"op": "replace", "path": "/free", "value": "2"},
            {"op": "add", "path": "/other", "value": "o"},
        ]),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = patch(
        &c,
        &base,
        id,
        "member,reader",
        json!([{"op": "remove", "path": "/free"}]),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_invalid_file_stops_startup() {
    let missing_op = "[^x_]\ncreate = admin\nread = admin\nupdate = admin\n";
    let err = format!("{:#}", start(missing_op).await.unwrap_err());
    assert!(err.contains("protections.conf"), "{err}");
    assert!(err.contains("has no 'delete' setting"), "{err}");
    let bad_regex = "[x_(]\ncreate = @\nread = @\nupdate = @\ndelete = @\n";
    let err = format!("{:#}", start(bad_regex).await.unwrap_err());
    assert!(
        err.contains("malformed property protection rule [x_(]"),
        "{err}"
    );
}
