//! PATCH with both JSON-patch media types.

use crate::common::{TestServer, Who, data};
use reqwest::{Method, Response};
use serde_json::{Value, json};

const V21: &str = "application/openstack-images-v2.1-json-patch";
const V20: &str = "application/openstack-images-v2.0-json-patch";

async fn patch(s: &TestServer, who: Who<'_>, id: &str, media: &str, body: Value) -> Response {
    s.req(Method::PATCH, &format!("/v2/images/{id}"), who)
        .header("Content-Type", media)
        .body(body.to_string())
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn add_replace_remove() {
    let s = TestServer::start().await;
    let id = s.create_basic(Who::Project("p1")).await;
    let r = patch(
        &s,
        Who::Project("p1"),
        &id,
        V21,
        json!([
            {"op": "replace", "path": "/name", "value": "x"},
            {"op": "add", "path": "/os_distro", "value": "cirros"},
            {"op": "add", "path": "/min_ram", "value": 128},
            {"op": "replace", "path": "/tags", "value": ["a"]},
            {"op": "add", "path": "/a~1b", "value": "slash"},
        ]),
    )
    .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["name"], "x");
    assert_eq!(v["os_distro"], "cirros");
    assert_eq!(v["min_ram"], 128);
    assert_eq!(v["tags"], json!(["a"]));
    assert_eq!(v["a/b"], "slash");
    // The v2.0 flavour.
    let r = patch(
        &s,
        Who::Project("p1"),
        &id,
        V20,
        json!([{"replace": "/os_distro", "value": "ubuntu"}, {"remove": "/a~1b"}]),
    )
    .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["os_distro"], "ubuntu");
    assert!(v.get("a/b").is_none());
    let r = patch(
        &s,
        Who::Project("p1"),
        &id,
        V21,
        json!([{"op": "remove", "path": "/os_distro"}]),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert!(s.show_json(&id).await.get("os_distro").is_none());
}

#[tokio::test]
async fn refusals() {
    let s = TestServer::start().await;
    let id = s.create_basic(Who::Project("p1")).await;
    let p1 = Who::Project("p1");
    let cases = [
        (
            json!([{"op": "replace", "path": "/status", "value": "active"}]),
            403,
            "Attribute 'status' is read-only.",
        ),
        (
            json!([{"op": "replace", "path": "/id", "value": "x"}]),
            403,
            "Attribute 'id' is read-only.",
        ),
        (
            json!([{"op": "add", "path": "/os_glance_x", "value": "x"}]),
            403,
            "Attribute 'os_glance_x' is reserved.",
        ),
        (
            json!([{"op": "replace", "path": "/missing", "value": "x"}]),
            409,
            "Property missing does not exist.",
        ),
        (
            json!([{"op": "remove", "path": "/missing"}]),
            409,
            "Property missing does not exist.",
        ),
        (
            json!([{"op": "remove", "path": "/name"}]),
            403,
            "Property name may not be removed.",
        ),
        (
            json!([{"op": "test", "path": "/name", "value": "x"}]),
            400,
            "Operation objects must contain",
        ),
        (
            json!([{"op": "add", "path": "name", "value": "x"}]),
            400,
            "does not start with",
        ),
        (
            json!([{"op": "add", "path": "/a/b", "value": "x"}]),
            400,
            "Invalid JSON pointer for this resource: '/a/b'",
        ),
        (
            json!([{"op": "add", "path": "/locations/-", "value": {"url": "file:///etc/passwd", "metadata": {}}}]),
            403,
            "locations",
        ),
        (
            json!([{"op": "replace", "path": "/min_ram", "value": "abc"}]),
            400,
            "is not of type 'integer'",
        ),
        (
            json!([{"op": "replace", "path": "/owner", "value": "p2"}]),
            403,
            "Owner can't be updated by non admin.",
        ),
        (
            json!([{"op": "replace", "path": "/visibility", "value": "public"}]),
            403,
            "publicize_image",
        ),
        (json!({"op": "replace"}), 400, ""),
    ];
    for (body, code, text) in cases {
        let r = patch(&s, p1, &id, V21, body.clone()).await;
        assert_eq!(r.status(), code, "{body}");
        let t = r.text().await.unwrap();
        assert!(t.contains(text), "{body}: {t}");
    }
    // Nothing of a failed request is applied, even its valid ops.
    let r = patch(&s, p1, &id, V21, json!([{"op": "replace", "path": "/name", "value": "changed"}, {"op": "replace", "path": "/status", "value": "x"}])).await;
    assert_eq!(r.status(), 403);
    assert_eq!(s.show_json(&id).await["name"], "img");
    // Media types.
    let r = patch(&s, p1, &id, "application/json", json!([])).await;
    assert_eq!(r.status(), 415);
    let ap = r.headers()["accept-patch"].to_str().unwrap().to_string();
    assert!(ap.contains(V20) && ap.contains(V21));
    let r = s
        .req(Method::PATCH, &format!("/v2/images/{id}"), p1)
        .header("Content-Type", V21)
        .body("[{")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // Formats are frozen once data is there; the v2.0 add refuses existing properties.
    assert_eq!(s.upload(p1, &id, data(10)).await.status(), 204);
    let r = patch(
        &s,
        p1,
        &id,
        V21,
        json!([{"op": "replace", "path": "/disk_format", "value": "raw"}]),
    )
    .await;
    assert_eq!(r.status(), 403);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Attribute disk_format can be only replaced for a queued image.")
    );
    patch(
        &s,
        p1,
        &id,
        V21,
        json!([{"op": "add", "path": "/k", "value": "v"}]),
    )
    .await;
    let r = patch(&s, p1, &id, V20, json!([{"add": "/k", "value": "v2"}])).await;
    assert_eq!(r.status(), 409);
    // Admins may change the owner and publish.
    let r = patch(&s, Who::Admin, &id, V21, json!([{"op": "replace", "path": "/owner", "value": "p2"}, {"op": "replace", "path": "/visibility", "value": "public"}])).await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn concurrent_patches_keep_both() {
    let s = TestServer::start().await;
    let id = s.create_basic(Who::Admin).await;
    let mut handles = Vec::new();
    for i in 0..10 {
        let (client, url) = (s.client.clone(), format!("{}/v2/images/{id}", s.base));
        handles.push(tokio::spawn(async move {
            client
                .patch(url)
                .header("Content-Type", V21)
                .body(json!([{"op": "add", "path": format!("/k{i}"), "value": "v"}]).to_string())
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    for h in handles {
        assert_eq!(h.await.unwrap(), 200);
    }
    let v = s.show_json(&id).await;
    for i in 0..10 {
        assert_eq!(v[format!("k{i}")], "v", "k{i} lost");
    }
}
