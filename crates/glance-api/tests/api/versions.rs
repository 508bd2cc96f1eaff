//! Version discovery, request ids, error rendering, routing edges.

use crate::common::{TestServer, Who};
use reqwest::Method;
use serde_json::Value;

#[tokio::test]
async fn root_is_300_and_versions_200() {
    let s = TestServer::start().await;
    let r = s.req(Method::GET, "/", Who::Admin).send().await.unwrap();
    assert_eq!(r.status(), 300);
    assert!(r.headers().get("x-openstack-request-id").is_none());
    let v: Value = r.json().await.unwrap();
    let current: Vec<&Value> = v["versions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["status"] == "CURRENT")
        .collect();
    assert_eq!(current[0]["id"], "v2.17");
    assert!(
        current[0]["links"][0]["href"]
            .as_str()
            .unwrap()
            .ends_with("/v2/")
    );
    let r = s
        .req(Method::GET, "/versions", Who::Admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = s
        .req(Method::GET, "/v1/images", Who::Admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 300);
    let r = s
        .req(Method::GET, "/v2.99/images", Who::Admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 300);
}

#[tokio::test]
async fn minor_version_prefixes_reach_v2() {
    let s = TestServer::start().await;
    for p in ["/v2.9/images", "/v2.0/images", "/v2/images?limit=1"] {
        let r = s.req(Method::GET, p, Who::Admin).send().await.unwrap();
        assert_eq!(r.status(), 200, "{p}");
    }
}

#[tokio::test]
async fn healthcheck() {
    let s = TestServer::start().await;
    let r = s
        .req(Method::GET, "/healthcheck", Who::Admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), "OK");
}

#[tokio::test]
async fn request_ids() {
    let s = TestServer::start().await;
    let r = s
        .req(Method::GET, "/v2/images", Who::Admin)
        .send()
        .await
        .unwrap();
    let id = r.headers()["x-openstack-request-id"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(id.starts_with("req-") && id.len() == 40, "{id}");
    let r = s
        .req(Method::GET, "/v2/images/nope", Who::Admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.headers().contains_key("x-openstack-request-id"));
    let r = s
        .req(Method::GET, "/v2/images", Who::Admin)
        .header("X-Openstack-Request-ID", "abc")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-openstack-request-id"], "req-abc");
    let r = s
        .req(Method::GET, "/v2/images", Who::Admin)
        .header("X-Openstack-Request-ID", "x".repeat(65))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 431);
}

#[tokio::test]
async fn errors_are_negotiated() {
    let s = TestServer::start().await;
    let path = "/v2/images/00000000-0000-0000-0000-000000000000";
    let r = s.req(Method::GET, path, Who::Admin).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.headers()["content-type"], "text/html; charset=UTF-8");
    let body = r.text().await.unwrap();
    assert!(body.contains("<title>404 Not Found</title>"));
    assert!(body.contains("No image found with ID 00000000-0000-0000-0000-000000000000"));
    let r = s
        .req(Method::GET, path, Who::Admin)
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "application/json");
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["code"], "404 Not Found");
    assert_eq!(v["title"], "Not Found");
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .starts_with("No image found with ID")
    );
    let r = s
        .req(Method::GET, path, Who::Admin)
        .header("Accept", "text/plain")
        .send()
        .await
        .unwrap();
    assert!(r.text().await.unwrap().starts_with("404 Not Found\n\n"));
}

#[tokio::test]
async fn routing_edges() {
    let s = TestServer::start().await;
    let r = s
        .req(Method::PUT, "/v2/images", Who::Admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    let allow = r.headers()["allow"].to_str().unwrap().to_string();
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
    let r = s
        .req(Method::GET, "/v2/nothing", Who::Admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = s
        .req(Method::GET, "/v2/images", Who::Admin)
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("A body is not expected with this request.")
    );
}

#[tokio::test]
async fn schemas() {
    let s = TestServer::start().await;
    for name in ["image", "images", "member", "members"] {
        let r = s
            .req(Method::GET, &format!("/v2/schemas/{name}"), Who::Admin)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["name"], name);
    }
    let v: Value = s
        .req(Method::GET, "/v2/schemas/image", Who::Admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["additionalProperties"]["type"], "string");
    assert!(
        v["properties"]["disk_format"]["enum"]
            .as_array()
            .unwrap()
            .contains(&Value::from("qcow2"))
    );
    let r = s
        .req(Method::GET, "/v2/info/stores", Who::Admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}
