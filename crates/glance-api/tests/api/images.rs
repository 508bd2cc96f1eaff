//! Create, show, delete, tags, actions and project scoping.

use crate::common::{TestServer, Who, data};
use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test]
async fn create_with_every_core_field() {
    let s = TestServer::start().await;
    let id = "22222222-2222-3333-4444-555555555555";
    let r = s
        .req(Method::POST, "/v2/images", Who::Admin)
        .json(&json!({
            "id": id, "name": "cirros", "visibility": "public", "protected": false,
            "os_hidden": false, "owner": "p1", "container_format": "bare",
            "disk_format": "qcow2", "min_ram": 64, "min_disk": 1, "tags": ["b", "a"],
            "os_distro": "cirros"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    assert!(
        loc.starts_with("http://") && loc.ends_with(&format!("/v2/images/{id}")),
        "{loc}"
    );
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["id"], id);
    assert_eq!(v["status"], "queued");
    assert_eq!(v["visibility"], "public");
    assert_eq!(v["owner"], "p1");
    assert_eq!(v["min_ram"], 64);
    assert_eq!(v["tags"], json!(["a", "b"]));
    assert_eq!(v["os_distro"], "cirros");
    assert_eq!(v["size"], Value::Null);
    assert_eq!(v["checksum"], Value::Null);
    assert_eq!(v["self"], format!("/v2/images/{id}"));
    assert_eq!(v["file"], format!("/v2/images/{id}/file"));
    assert_eq!(v["schema"], "/v2/schemas/image");
    assert!(v["created_at"].as_str().unwrap().ends_with('Z'));
    // Extra properties come first, as upstream renders them.
    assert_eq!(v.as_object().unwrap().keys().next().unwrap(), "os_distro");
    let r = s
        .req(Method::POST, "/v2/images", Who::Admin)
        .json(&json!({"id": id}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains(&format!("Image ID {id} already exists!"))
    );
}

#[tokio::test]
async fn create_defaults() {
    let s = TestServer::start().await;
    let v = s.create(Who::Project("p1"), json!({})).await;
    assert_eq!(v["visibility"], "shared");
    assert_eq!(v["owner"], "p1");
    assert_eq!(v["name"], Value::Null);
    assert_eq!(v["protected"], false);
    assert_eq!(v["min_disk"], 0);
    let v = s.create(Who::Admin, json!({})).await;
    assert_eq!(v["owner"], Value::Null);
}

#[tokio::test]
async fn create_refuses_bad_input() {
    let s = TestServer::start().await;
    let cases = [
        (
            json!({"status": "active"}),
            403,
            "Attribute 'status' is read-only.",
        ),
        (
            json!({"checksum": "x"}),
            403,
            "Attribute 'checksum' is read-only.",
        ),
        (json!({"self": "x"}), 403, "Attribute 'self' is read-only."),
        (
            json!({"locations": []}),
            403,
            "Attribute 'locations' is reserved.",
        ),
        (
            json!({"deleted": false}),
            403,
            "Attribute 'deleted' is reserved.",
        ),
        (
            json!({"os_glance_foo": "x"}),
            403,
            "Attribute 'os_glance_foo' is reserved.",
        ),
        (json!({"min_ram": "abc"}), 400, "is not of type 'integer'"),
        (json!({"min_disk": -1}), 400, "negative"),
        (json!({"disk_format": "floppy"}), 400, "is not one of"),
        (json!({"visibility": "everyone"}), 400, "is not one of"),
        (json!({"protected": "yes"}), 400, "is not of type 'boolean'"),
        (json!({"id": "notauuid"}), 400, "does not match"),
        (json!({"name": "x".repeat(256)}), 400, "too long"),
        (json!({"foo": 1}), 400, "is not of type 'string'"),
        (json!({"tags": "a"}), 400, "is not of type 'array'"),
        (
            json!({ "k".repeat(256): "v" }),
            400,
            "Custom property should not be greater than 255 characters.",
        ),
    ];
    for (body, code, text) in cases {
        let r = s
            .req(Method::POST, "/v2/images", Who::Admin)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), code, "{body}");
        let t = r.text().await.unwrap();
        assert!(t.contains(text), "{body}: {t}");
    }
    let r = s
        .req(Method::POST, "/v2/images", Who::Admin)
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Malformed JSON in request body.")
    );
    let r = s
        .req(Method::POST, "/v2/images", Who::Admin)
        .body("3")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // A project may not publish, nor create for another project.
    let r = s
        .req(Method::POST, "/v2/images", Who::Project("p1"))
        .json(&json!({"visibility": "public"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("publicize_image"));
    let r = s
        .req(Method::POST, "/v2/images", Who::Project("p1"))
        .json(&json!({"owner": "p9"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("You are not permitted to create images owned by 'p9'.")
    );
    // Quotas.
    let mut many = serde_json::Map::new();
    for i in 0..129 {
        many.insert(format!("k{i}"), json!("v"));
    }
    let r = s
        .req(Method::POST, "/v2/images", Who::Admin)
        .json(&Value::Object(many))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let tags: Vec<String> = (0..129).map(|i| format!("t{i}")).collect();
    let r = s
        .req(Method::POST, "/v2/images", Who::Admin)
        .json(&json!({"tags": tags}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
}

#[tokio::test]
async fn project_scoping() {
    let s = TestServer::start().await;
    let private = s
        .create(Who::Project("p1"), json!({"visibility": "private"}))
        .await;
    let shared = s.create(Who::Project("p1"), json!({})).await;
    let public = s
        .create(Who::Admin, json!({"visibility": "public", "owner": "p1"}))
        .await;
    let community = s
        .create(Who::Project("p1"), json!({"visibility": "community"}))
        .await;
    let id = |v: &Value| v["id"].as_str().unwrap().to_string();
    for (img, code) in [
        (&private, 404),
        (&shared, 404),
        (&public, 200),
        (&community, 200),
    ] {
        assert_eq!(s.show(Who::Project("p2"), &id(img)).await.status(), code);
        assert_eq!(s.show(Who::Project("p1"), &id(img)).await.status(), 200);
        assert_eq!(s.show(Who::Admin, &id(img)).await.status(), 200);
    }
    // Visible but not theirs: 403 on changes; invisible: 404.
    let patch = json!([{"op": "replace", "path": "/name", "value": "x"}]);
    let r = s
        .req(
            Method::PATCH,
            &format!("/v2/images/{}", id(&public)),
            Who::Project("p2"),
        )
        .header(
            "Content-Type",
            "application/openstack-images-v2.1-json-patch",
        )
        .json(&patch)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = s
        .req(
            Method::PATCH,
            &format!("/v2/images/{}", id(&private)),
            Who::Project("p2"),
        )
        .header(
            "Content-Type",
            "application/openstack-images-v2.1-json-patch",
        )
        .json(&patch)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    for img in [&public, &community] {
        let r = s
            .req(
                Method::DELETE,
                &format!("/v2/images/{}", id(img)),
                Who::Project("p2"),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        let r = s.upload(Who::Project("p2"), &id(img), data(10)).await;
        assert_eq!(r.status(), 403);
    }
    let r = s
        .req(
            Method::DELETE,
            &format!("/v2/images/{}", id(&private)),
            Who::Project("p2"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // Lists: p2 sees only the public image by default, the community one when asked.
    let ids = |v: Value| -> Vec<String> {
        v["images"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_string())
            .collect()
    };
    let l: Value = s
        .req(Method::GET, "/v2/images", Who::Project("p2"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ids(l), vec![id(&public)]);
    let l: Value = s
        .req(
            Method::GET,
            "/v2/images?visibility=community",
            Who::Project("p2"),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ids(l), vec![id(&community)]);
    let l: Value = s
        .req(Method::GET, "/v2/images", Who::Project("p1"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ids(l).len(), 4);
}

#[tokio::test]
async fn delete_and_protected() {
    let s = TestServer::start().await;
    let id = s.create_basic(Who::Admin).await;
    assert_eq!(s.upload(Who::Admin, &id, data(1000)).await.status(), 204);
    assert_eq!(s.stored_files(), vec![id.clone()]);
    let patch = json!([{"op": "replace", "path": "/protected", "value": true}]);
    let r = s
        .req(Method::PATCH, &format!("/v2/images/{id}"), Who::Admin)
        .header(
            "Content-Type",
            "application/openstack-images-v2.1-json-patch",
        )
        .json(&patch)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = s
        .req(Method::DELETE, &format!("/v2/images/{id}"), Who::Admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains(&format!("Image {id} is protected and cannot be deleted."))
    );
    let patch = json!([{"op": "replace", "path": "/protected", "value": false}]);
    s.req(Method::PATCH, &format!("/v2/images/{id}"), Who::Admin)
        .header(
            "Content-Type",
            "application/openstack-images-v2.1-json-patch",
        )
        .json(&patch)
        .send()
        .await
        .unwrap();
    let r = s
        .req(Method::DELETE, &format!("/v2/images/{id}"), Who::Admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert!(s.stored_files().is_empty());
    assert_eq!(s.show(Who::Admin, &id).await.status(), 404);
    let r = s
        .req(Method::DELETE, &format!("/v2/images/{id}"), Who::Admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // Deleted ids are never reused.
    let r = s
        .req(Method::POST, "/v2/images", Who::Admin)
        .json(&json!({"id": id}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
}

#[tokio::test]
async fn tags() {
    let s = TestServer::start().await;
    let id = s.create_basic(Who::Project("p1")).await;
    for tag in ["web", "db", "web"] {
        let r = s
            .req(
                Method::PUT,
                &format!("/v2/images/{id}/tags/{tag}"),
                Who::Project("p1"),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204);
    }
    assert_eq!(s.show_json(&id).await["tags"], json!(["db", "web"]));
    let r = s
        .req(
            Method::DELETE,
            &format!("/v2/images/{id}/tags/db"),
            Who::Project("p1"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let r = s
        .req(
            Method::DELETE,
            &format!("/v2/images/{id}/tags/db"),
            Who::Project("p1"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let long = "x".repeat(256);
    let r = s
        .req(
            Method::PUT,
            &format!("/v2/images/{id}/tags/{long}"),
            Who::Project("p1"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = s
        .req(
            Method::PUT,
            &format!("/v2/images/{id}/tags/x"),
            Who::Project("p2"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn deactivate_and_reactivate() {
    let s = TestServer::start().await;
    let id = s.create_basic(Who::Project("p1")).await;
    let act = |a: &str| {
        s.req(
            Method::POST,
            &format!("/v2/images/{id}/actions/{a}"),
            Who::Project("p1"),
        )
        .send()
    };
    let r = act("deactivate").await.unwrap();
    assert_eq!(r.status(), 403);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Not allowed to deactivate image in status 'queued'")
    );
    assert_eq!(
        s.upload(Who::Project("p1"), &id, data(100)).await.status(),
        204
    );
    assert_eq!(act("deactivate").await.unwrap().status(), 204);
    assert_eq!(act("deactivate").await.unwrap().status(), 204);
    assert_eq!(s.show_json(&id).await["status"], "deactivated");
    let r = s
        .req(
            Method::GET,
            &format!("/v2/images/{id}/file"),
            Who::Project("p1"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(
        r.text().await.unwrap().contains(
            "The requested image has been deactivated. Image data download is forbidden."
        )
    );
    let r = s
        .req(Method::GET, &format!("/v2/images/{id}/file"), Who::Admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(act("reactivate").await.unwrap().status(), 204);
    assert_eq!(act("reactivate").await.unwrap().status(), 204);
    assert_eq!(s.show_json(&id).await["status"], "active");
    let r = s
        .req(
            Method::POST,
            &format!("/v2/images/{id}/actions/deactivate"),
            Who::Project("p2"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}
