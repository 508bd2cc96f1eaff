//! GET /v2/images: filters, sorting, pagination and links.

use crate::common::{TestServer, Who, data};
use reqwest::Method;
use serde_json::{Value, json};

async fn list(s: &TestServer, who: Who<'_>, q: &str) -> (u16, Value) {
    let r = s
        .req(Method::GET, &format!("/v2/images{q}"), who)
        .send()
        .await
        .unwrap();
    let code = r.status().as_u16();
    let text = r.text().await.unwrap();
    (
        code,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

fn names(v: &Value) -> Vec<String> {
    v["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap_or("<null>").to_string())
        .collect()
}

async fn seed(s: &TestServer) {
    for (name, disk, tags, props) in [
        (
            "alpha",
            "qcow2",
            json!(["a", "b"]),
            json!({"hw_disk_bus": "scsi"}),
        ),
        (
            "beta",
            "raw",
            json!(["a"]),
            json!({"hw_disk_bus": "virtio"}),
        ),
        ("gamma", "iso", json!([]), json!({})),
        ("delta", "qcow2", json!(["b"]), json!({})),
    ] {
        let mut body =
            json!({"name": name, "disk_format": disk, "container_format": "bare", "tags": tags});
        for (k, v) in props.as_object().unwrap() {
            body[k] = v.clone();
        }
        s.create(Who::Admin, body).await;
    }
}

#[tokio::test]
async fn filters() {
    let s = TestServer::start().await;
    seed(&s).await;
    let (_, v) = list(&s, Who::Admin, "?disk_format=qcow2&sort=name:asc").await;
    assert_eq!(names(&v), vec!["alpha", "delta"]);
    let (_, v) = list(&s, Who::Admin, "?name=in:beta,gamma&sort=name:asc").await;
    assert_eq!(names(&v), vec!["beta", "gamma"]);
    let (_, v) = list(&s, Who::Admin, "?tag=a&tag=b").await;
    assert_eq!(names(&v), vec!["alpha"]);
    let (_, v) = list(&s, Who::Admin, "?hw_disk_bus=scsi").await;
    assert_eq!(names(&v), vec!["alpha"]);
    let (_, v) = list(&s, Who::Admin, "?status=queued&sort_key=name&sort_dir=desc").await;
    assert_eq!(names(&v), vec!["gamma", "delta", "beta", "alpha"]);
    let (_, v) = list(&s, Who::Admin, "?created_at=gte:2000-01-01T00:00:00Z").await;
    assert_eq!(names(&v).len(), 4);
    let (_, v) = list(&s, Who::Admin, "?created_at=lt:2000-01-01T00:00:00Z").await;
    assert_eq!(names(&v).len(), 0);
    let id = v["images"].as_array().map(|_| ()).is_some();
    assert!(id);
    // Sizes and hidden images.
    let (_, all) = list(&s, Who::Admin, "?name=alpha").await;
    let alpha = all["images"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(s.upload(Who::Admin, &alpha, data(100)).await.status(), 204);
    let (_, v) = list(&s, Who::Admin, "?size_min=50&size_max=100").await;
    assert_eq!(names(&v), vec!["alpha"]);
    let (_, v) = list(&s, Who::Admin, "?size_min=101").await;
    assert_eq!(names(&v).len(), 0);
    s.create(Who::Admin, json!({"name": "hidden", "os_hidden": true}))
        .await;
    let (_, v) = list(&s, Who::Admin, "").await;
    assert!(!names(&v).contains(&"hidden".to_string()));
    let (_, v) = list(&s, Who::Admin, "?os_hidden=true").await;
    assert_eq!(names(&v), vec!["hidden"]);
}

#[tokio::test]
async fn bad_parameters() {
    let s = TestServer::start().await;
    for (q, text) in [
        ("?limit=abc", "limit param must be an integer"),
        ("?limit=-1", "limit param must be positive"),
        ("?sort_key=bogus", "Invalid sort key: bogus"),
        ("?sort_dir=up", "Invalid sort direction: up"),
        (
            "?sort=name&sort_key=name",
            "Old and new sorting syntax cannot be combined",
        ),
        ("?visibility=everyone", "Invalid visibility value: everyone"),
        ("?member_status=maybe", "Invalid status: maybe"),
        (
            "?size_min=big",
            "Unable to filter on a range with a non-numeric value.",
        ),
        (
            "?os_hidden=True",
            "Invalid value 'True' for 'os_hidden' filter.",
        ),
        (
            "?created_at=gt:yesterday",
            "Bad \"created_at\" query filter format.",
        ),
        ("?name=gt:x", "Unable to filter by unknown operator 'gt'."),
        ("?changes-since=2020-01-01", "changes-since"),
        (
            "?marker=00000000-0000-0000-0000-000000000000",
            "No image found with ID 00000000-0000-0000-0000-000000000000",
        ),
    ] {
        let (code, v) = list(&s, Who::Admin, q).await;
        assert_eq!(code, 400, "{q}");
        assert!(v.as_str().unwrap().contains(text), "{q}: {v}");
    }
}

#[tokio::test]
async fn pages_walk_everything_once() {
    let s = TestServer::start().await;
    for i in 0..23 {
        let name = if i % 5 == 0 {
            Value::Null
        } else {
            json!(format!("n{:02}", i % 7))
        };
        s.create(Who::Admin, json!({"name": name})).await;
    }
    for q in [
        "?limit=4",
        "?limit=4&sort=name:asc",
        "?limit=5&sort_key=name&sort_dir=desc&foo=in:x,y&foo=z",
    ] {
        let mut seen = Vec::new();
        let (_, mut page) = list(&s, Who::Admin, q).await;
        let first = page["first"].as_str().unwrap().to_string();
        assert!(!first.contains("marker"));
        loop {
            for i in page["images"].as_array().unwrap() {
                seen.push(i["id"].as_str().unwrap().to_string());
            }
            let Some(next) = page["next"].as_str() else {
                break;
            };
            assert!(next.starts_with("/v2/images?") && next.contains("marker="));
            if q.contains("foo") {
                assert!(next.contains("foo=in%3Ax%2Cy&foo=z"), "{next}");
                // the filter matches nothing, so the walk is empty
            }
            let r = s.req(Method::GET, next, Who::Admin).send().await.unwrap();
            page = r.json().await.unwrap();
        }
        let expected = if q.contains("foo") { 0 } else { 23 };
        assert_eq!(seen.len(), expected, "{q}");
        let mut dedup = seen.clone();
        dedup.sort();
        dedup.dedup();
        assert_eq!(dedup.len(), seen.len(), "{q}: duplicates");
    }
    let (_, v) = list(&s, Who::Admin, "?limit=2000").await;
    assert_eq!(v["images"].as_array().unwrap().len(), 23);
    let (_, v) = list(&s, Who::Admin, "").await;
    assert_eq!(v["images"].as_array().unwrap().len(), 23);
    assert_eq!(v["first"], "/v2/images");
    assert_eq!(v["schema"], "/v2/schemas/images");
}
