//! Image sharing: members between an owner (p1), a member (p2) and a stranger (p3).

use crate::common::{TestServer, Who, data};
use glance_api::settings::Settings;
use reqwest::Method;
use serde_json::{Value, json};

const P1: Who = Who::Project("p1");
const P2: Who = Who::Project("p2");
const P3: Who = Who::Project("p3");

/// Sends a request with an optional JSON body; returns the status and the
/// body (JSON when it parses, else the text).
async fn call(
    s: &TestServer,
    method: Method,
    path: &str,
    who: Who<'_>,
    body: Option<Value>,
) -> (u16, Value) {
    let mut rb = s.req(method, path, who);
    if let Some(body) = body {
        rb = rb.json(&body);
    }
    let r = rb.send().await.unwrap();
    let code = r.status().as_u16();
    let text = r.text().await.unwrap();
    (
        code,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// Creates an image with `visibility` owned by p1 and returns its id.
async fn image(s: &TestServer, visibility: &str) -> String {
    let v = s
        .create(
            P1,
            json!({"name": "img", "disk_format": "raw", "container_format": "bare",
                   "visibility": visibility}),
        )
        .await;
    v["id"].as_str().unwrap().to_string()
}

async fn add_member(s: &TestServer, who: Who<'_>, id: &str, member: &str) -> (u16, Value) {
    let path = format!("/v2/images/{id}/members");
    call(s, Method::POST, &path, who, Some(json!({"member": member}))).await
}

async fn set_status(s: &TestServer, who: Who<'_>, id: &str, status: &str) -> (u16, Value) {
    let path = format!("/v2/images/{id}/members/p2");
    call(s, Method::PUT, &path, who, Some(json!({"status": status}))).await
}

/// The ids in `who`'s image list with query `q`.
async fn listed(s: &TestServer, who: Who<'_>, q: &str) -> Vec<String> {
    let (code, v) = call(s, Method::GET, &format!("/v2/images{q}"), who, None).await;
    assert_eq!(code, 200, "{v}");
    v["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect()
}

fn assert_message(v: &Value, expected: &str) {
    assert!(v.to_string().contains(expected), "{v} lacks {expected:?}");
}

fn is_timestamp(v: &Value) -> bool {
    let s = v.as_str().unwrap_or_default();
    s.len() == 20 && s.ends_with('Z') && chrono::DateTime::parse_from_rfc3339(s).is_ok()
}

#[tokio::test]
async fn sharing_flow() {
    let s = TestServer::start().await;
    let id = image(&s, "shared").await;
    let bytes = data(4096);
    assert_eq!(s.upload(P1, &id, bytes.clone()).await.status(), 204);
    let members = format!("/v2/images/{id}/members");
    let p2_entry = format!("{members}/p2");
    let file = format!("/v2/images/{id}/file");

    // Before being added, p2 cannot see the image.
    assert_eq!(s.show(P2, &id).await.status(), 404);
    assert!(!listed(&s, P2, "?member_status=all").await.contains(&id));

    // p1 adds p2: 200 (not 201), pending.
    let (code, m) = add_member(&s, P1, &id, "p2").await;
    assert_eq!(code, 200, "{m}");
    assert_eq!(m["member_id"], "p2");
    assert_eq!(m["image_id"], id.as_str());
    assert_eq!(m["status"], "pending");
    assert_eq!(m["schema"], "/v2/schemas/member");
    assert!(
        is_timestamp(&m["created_at"]) && is_timestamp(&m["updated_at"]),
        "{m}"
    );

    // Pending: p2 can GET and download it, but it is not in its default list.
    assert_eq!(s.show(P2, &id).await.status(), 200);
    let r = s.req(Method::GET, &file, P2).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().as_ref(), bytes.as_slice());
    assert!(!listed(&s, P2, "").await.contains(&id));
    assert!(listed(&s, P2, "?member_status=pending").await.contains(&id));
    assert!(listed(&s, P2, "?member_status=all").await.contains(&id));
    assert!(
        !listed(&s, P2, "?member_status=accepted")
            .await
            .contains(&id)
    );

    // Who sees which member entries.
    let (code, v) = add_member(&s, P1, &id, "p4").await;
    assert_eq!(code, 200, "{v}");
    let (code, v) = call(&s, Method::GET, &members, P1, None).await;
    assert_eq!(code, 200, "{v}");
    assert_eq!(v["schema"], "/v2/schemas/members");
    let ids: Vec<&str> = v["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["member_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["p2", "p4"], "the owner sees every member");
    let (code, v) = call(&s, Method::GET, &members, P2, None).await;
    assert_eq!(code, 200, "{v}");
    assert_eq!(v["members"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v["members"][0]["member_id"], "p2");
    let (code, v) = call(&s, Method::GET, &p2_entry, P2, None).await;
    assert_eq!((code, &v["status"]), (200, &json!("pending")), "{v}");
    let (code, _) = call(&s, Method::GET, &format!("{members}/p4"), P2, None).await;
    assert_eq!(code, 404, "a member cannot look at other members");
    let (code, v) = call(&s, Method::GET, &format!("{members}/p9"), P1, None).await;
    assert_eq!(code, 404);
    assert_message(
        &v,
        &format!("p9 not found in the member list of the image {id}."),
    );

    // p2 accepts: now in its default list.
    let (code, v) = set_status(&s, P2, &id, "accepted").await;
    assert_eq!((code, &v["status"]), (200, &json!("accepted")), "{v}");
    assert!(listed(&s, P2, "").await.contains(&id));
    assert!(!listed(&s, P2, "?member_status=pending").await.contains(&id));

    // p2 rejects: gone from the default list again, still readable by id.
    let (code, v) = set_status(&s, P2, &id, "rejected").await;
    assert_eq!((code, &v["status"]), (200, &json!("rejected")), "{v}");
    assert!(!listed(&s, P2, "").await.contains(&id));
    assert!(
        listed(&s, P2, "?member_status=rejected")
            .await
            .contains(&id)
    );
    assert_eq!(s.show(P2, &id).await.status(), 200);

    // The owner cannot answer for p2; bad statuses are refused.
    let (code, v) = set_status(&s, P1, &id, "accepted").await;
    assert_eq!(code, 403, "{v}");
    assert_message(
        &v,
        &format!("Not allowed to update members for image {id}."),
    );
    let (code, v) = set_status(&s, P2, &id, "maybe").await;
    assert_eq!(code, 400, "{v}");
    assert_message(
        &v,
        r#"Incorrect request: Status must be \"pending\", \"accepted\" or \"rejected\"."#,
    );

    // A stranger sees nothing.
    assert_eq!(s.show(P3, &id).await.status(), 404);
    for (method, path, body) in [
        (Method::GET, members.clone(), None),
        (Method::POST, members.clone(), Some(json!({"member": "p3"}))),
        (Method::GET, p2_entry.clone(), None),
        (
            Method::PUT,
            p2_entry.clone(),
            Some(json!({"status": "accepted"})),
        ),
        (Method::DELETE, p2_entry.clone(), None),
    ] {
        let (code, v) = call(&s, method.clone(), &path, P3, body).await;
        assert_eq!(code, 404, "{method} {path}: {v}");
    }

    // Members cannot add or remove members.
    let (code, v) = add_member(&s, P2, &id, "p3").await;
    assert_eq!(code, 403, "{v}");
    assert_message(
        &v,
        &format!("Not allowed to create members for image {id}."),
    );
    let (code, v) = call(&s, Method::DELETE, &p2_entry, P2, None).await;
    assert_eq!(code, 403, "{v}");
    assert_message(
        &v,
        &format!("Not allowed to delete members for image {id}."),
    );

    // The owner removes p2: 204, and p2 loses sight of the image.
    let r = s.req(Method::DELETE, &p2_entry, P1).send().await.unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(s.show(P2, &id).await.status(), 404);
    let (code, _) = call(&s, Method::GET, &p2_entry, P1, None).await;
    assert_eq!(code, 404);
    let (code, _) = call(&s, Method::DELETE, &p2_entry, P1, None).await;
    assert_eq!(code, 404, "deleting twice");
    // Re-adding starts over as pending.
    let (code, v) = add_member(&s, P1, &id, "p2").await;
    assert_eq!((code, &v["status"]), (200, &json!("pending")), "{v}");
}

#[tokio::test]
async fn only_shared_images_have_members() {
    let s = TestServer::start().await;
    for visibility in ["private", "community"] {
        let id = image(&s, visibility).await;
        let (code, v) = add_member(&s, P1, &id, "p2").await;
        assert_eq!(code, 403, "{visibility}: {v}");
        assert_message(
            &v,
            &format!("Not allowed to create members for image {id}."),
        );
        let (code, v) = add_member(&s, Who::Admin, &id, "p2").await;
        assert_eq!(code, 403, "{visibility} as admin: {v}");
        let path = format!("/v2/images/{id}/members");
        let (code, _) = call(&s, Method::GET, &path, P1, None).await;
        assert_eq!(code, 403, "{visibility}");
        let (code, _) = call(&s, Method::GET, &format!("{path}/p2"), P1, None).await;
        assert_eq!(code, 404, "{visibility}");
    }
    let missing = uuid::Uuid::new_v4();
    let (code, _) = add_member(&s, P1, &missing.to_string(), "p2").await;
    assert_eq!(code, 404);
}

#[tokio::test]
async fn create_validates_the_body_and_duplicates() {
    let s = TestServer::start().await;
    let id = image(&s, "shared").await;
    let path = format!("/v2/images/{id}/members");
    for (body, message) in [
        (json!({"member": ""}), "Member can't be empty"),
        (json!({"other": "p2"}), "Member to be added not specified"),
        (json!(["p2"]), r#"Expected a member in the form"#),
    ] {
        let (code, v) = call(&s, Method::POST, &path, P1, Some(body.clone())).await;
        assert_eq!(code, 400, "{body}: {v}");
        assert_message(&v, message);
    }
    let (code, v) = call(&s, Method::PUT, &format!("{path}/p2"), P1, Some(json!({}))).await;
    assert_eq!(code, 400, "{v}");
    assert_message(&v, "Status not specified");

    assert_eq!(add_member(&s, P1, &id, "p2").await.0, 200);
    let (code, v) = add_member(&s, P1, &id, "p2").await;
    assert_eq!(code, 409, "{v}");
    assert_message(&v, &format!("Member p2 is duplicated for image {id}"));

    // An admin may add members and answer for them.
    let (code, v) = add_member(&s, Who::Admin, &id, "p3").await;
    assert_eq!(code, 200, "{v}");
    let (code, v) = call(
        &s,
        Method::PUT,
        &format!("{path}/p3"),
        Who::Admin,
        Some(json!({"status": "accepted"})),
    )
    .await;
    assert_eq!((code, &v["status"]), (200, &json!("accepted")), "{v}");
    let (code, v) = call(&s, Method::GET, &path, Who::Admin, None).await;
    assert_eq!(code, 200);
    assert_eq!(v["members"].as_array().unwrap().len(), 2, "{v}");
}

#[tokio::test]
async fn member_quota_is_enforced() {
    let s = TestServer::start_with(Settings {
        image_member_quota: 2,
        ..Settings::default()
    })
    .await;
    let id = image(&s, "shared").await;
    assert_eq!(add_member(&s, P1, &id, "p2").await.0, 200);
    assert_eq!(add_member(&s, P1, &id, "p3").await.0, 200);
    let (code, v) = add_member(&s, P1, &id, "p4").await;
    assert_eq!(code, 413, "{v}");
    assert_message(&v, &format!("Image member limit exceeded for image {id}"));
    // Removing a member makes room again.
    let r = s
        .req(Method::DELETE, &format!("/v2/images/{id}/members/p2"), P1)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(add_member(&s, P1, &id, "p4").await.0, 200);
}
