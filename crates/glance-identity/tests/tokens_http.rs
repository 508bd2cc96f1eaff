//! The Keystone v3 HTTP surface spoken over real HTTP.

mod common;

use glance_identity::Role;
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};

fn password_auth(user: &str, password: &str, project: Option<&str>) -> Value {
    let mut body = json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": user, "domain": {"name": "Default"}, "password": password}}}}});
    if let Some(project) = project {
        body["auth"]["scope"] = json!({"project": {"name": project, "domain": {"id": "default"}}});
    }
    body
}

async fn post_tokens(base: &str, body: &Value) -> Response {
    Client::new()
        .post(format!("{base}/identity/v3/auth/tokens"))
        .json(body)
        .send()
        .await
        .unwrap()
}

fn subject(response: &Response) -> String {
    response.headers()["x-subject-token"]
        .to_str()
        .unwrap()
        .to_owned()
}

fn role_names(token: &Value) -> Vec<&str> {
    let mut roles: Vec<&str> = token["token"]["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    roles.sort();
    roles
}

async fn assert_unauthorized(response: Response) {
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], 401);
    assert_eq!(body["error"]["title"], "Unauthorized");
    assert_eq!(
        body["error"]["message"],
        "The request you have made requires authentication."
    );
}

#[tokio::test]
async fn discovery_documents() {
    let server = common::serve().await;
    let root = reqwest::get(format!("{}/identity", server.base))
        .await
        .unwrap();
    assert_eq!(root.status(), StatusCode::MULTIPLE_CHOICES);
    let root: Value = root.json().await.unwrap();
    let v3 = &root["versions"]["values"][0];
    assert_eq!(v3["id"], "v3.14");
    assert_eq!(v3["status"], "stable");
    assert_eq!(
        v3["links"][0]["href"],
        format!("{}/identity/v3/", server.base)
    );
    for path in ["/identity/v3", "/identity/v3/"] {
        let doc = reqwest::get(format!("{}{path}", server.base))
            .await
            .unwrap();
        assert_eq!(doc.status(), StatusCode::OK);
        let doc: Value = doc.json().await.unwrap();
        assert_eq!(doc["version"]["id"], "v3.14");
        assert_eq!(
            doc["version"]["media-types"][0]["type"],
            "application/vnd.openstack.identity-v3+json"
        );
    }
}

#[tokio::test]
async fn password_auth_scoped_to_admin() {
    let server = common::serve().await;
    let response = post_tokens(
        &server.base,
        &password_auth("admin", &server.admin_password, Some("admin")),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let token = subject(&response);
    let body: Value = response.json().await.unwrap();
    let t = &body["token"];
    assert_eq!(t["methods"], json!(["password"]));
    assert_eq!(t["user"]["name"], "admin");
    assert_eq!(
        t["user"]["domain"],
        json!({"id": "default", "name": "Default"})
    );
    assert_eq!(t["project"]["name"], "admin");
    assert_eq!(t["is_domain"], false);
    assert_eq!(role_names(&body), ["admin", "member", "reader"]);
    let expires = t["expires_at"].as_str().unwrap();
    assert_eq!(expires.len(), "2024-01-02T03:04:05.000000Z".len());
    assert!(expires.ends_with('Z'));
    let catalog = t["catalog"].as_array().unwrap();
    let image = catalog.iter().find(|s| s["type"] == "image").unwrap();
    assert_eq!(image["name"], "glance");
    let interfaces: Vec<&str> = image["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert_eq!(e["url"], server.base.as_str());
            assert_eq!(e["region_id"], "RegionOne");
            e["interface"].as_str().unwrap()
        })
        .collect();
    assert_eq!(interfaces, ["public", "internal", "admin"]);
    let keystone = catalog.iter().find(|s| s["type"] == "identity").unwrap();
    assert_eq!(
        keystone["endpoints"][0]["url"],
        format!("{}/identity", server.base)
    );
    let info = server.identity.validate(&token).unwrap();
    assert_eq!(info.project_name.as_deref(), Some("admin"));

    let bare = Client::new()
        .post(format!("{}/identity/v3/auth/tokens?nocatalog", server.base))
        .json(&password_auth(
            "admin",
            &server.admin_password,
            Some("admin"),
        ))
        .send()
        .await
        .unwrap();
    let bare: Value = bare.json().await.unwrap();
    assert!(bare["token"].get("catalog").is_none());
}

#[tokio::test]
async fn unscoped_then_rescoped_and_validated() {
    let server = common::serve().await;
    let unscoped = post_tokens(
        &server.base,
        &password_auth("admin", &server.admin_password, None),
    )
    .await;
    assert_eq!(unscoped.status(), StatusCode::CREATED);
    let unscoped_token = subject(&unscoped);
    let body: Value = unscoped.json().await.unwrap();
    assert!(body["token"].get("project").is_none());

    let projects: Value = Client::new()
        .get(format!("{}/identity/v3/auth/projects", server.base))
        .header("X-Auth-Token", &unscoped_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = projects["projects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["admin"]);

    let rescope = json!({"auth": {
        "identity": {"methods": ["token"], "token": {"id": unscoped_token}},
        "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}},
    }});
    let scoped = post_tokens(&server.base, &rescope).await;
    assert_eq!(scoped.status(), StatusCode::CREATED);
    let scoped_token = subject(&scoped);
    let scoped_body: Value = scoped.json().await.unwrap();
    assert_eq!(
        scoped_body["token"]["methods"],
        json!(["token", "password"])
    );
    assert_eq!(
        scoped_body["token"]["expires_at"],
        body["token"]["expires_at"]
    );

    let url = format!("{}/identity/v3/auth/tokens", server.base);
    let shown = Client::new()
        .get(&url)
        .header("X-Auth-Token", &scoped_token)
        .header("X-Subject-Token", &unscoped_token)
        .send()
        .await
        .unwrap();
    assert_eq!(shown.status(), StatusCode::OK);
    assert_eq!(subject(&shown), unscoped_token);
    let shown: Value = shown.json().await.unwrap();
    assert_eq!(shown["token"]["user"]["name"], "admin");

    let head = Client::new()
        .head(&url)
        .header("X-Auth-Token", &scoped_token)
        .header("X-Subject-Token", &scoped_token)
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), StatusCode::OK);

    let missing = Client::new()
        .get(&url)
        .header("X-Auth-Token", &scoped_token)
        .header("X-Subject-Token", format!("{scoped_token}x"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);

    let no_caller = Client::new()
        .get(&url)
        .header("X-Auth-Token", "garbage")
        .header("X-Subject-Token", &scoped_token)
        .send()
        .await
        .unwrap();
    assert_unauthorized(no_caller).await;
}

#[tokio::test]
async fn failures_are_401_or_400() {
    let server = common::serve().await;
    let pw = server.admin_password.clone();
    assert_unauthorized(post_tokens(&server.base, &password_auth("admin", "wrong", None)).await)
        .await;
    assert_unauthorized(post_tokens(&server.base, &password_auth("nobody", &pw, None)).await).await;
    assert_unauthorized(
        post_tokens(&server.base, &password_auth("admin", &pw, Some("nowhere"))).await,
    )
    .await;
    // The admin has no role on the service project.
    assert_unauthorized(
        post_tokens(&server.base, &password_auth("admin", &pw, Some("service"))).await,
    )
    .await;
    let mut other_domain = password_auth("admin", &pw, None);
    other_domain["auth"]["identity"]["password"]["user"]["domain"] = json!({"name": "Other"});
    assert_unauthorized(post_tokens(&server.base, &other_domain).await).await;
    let bad_token = json!({"auth": {"identity": {"methods": ["token"], "token": {"id": "x.y"}}}});
    assert_unauthorized(post_tokens(&server.base, &bad_token).await).await;

    let malformed = Client::new()
        .post(format!("{}/identity/v3/auth/tokens", server.base))
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
    let body: Value = malformed.json().await.unwrap();
    assert_eq!(body["error"]["code"], 400);
    assert_eq!(body["error"]["title"], "Bad Request");
}

#[tokio::test]
async fn member_gets_member_and_reader_only() {
    let server = common::serve().await;
    let id = &server.identity;
    let demo = id.create_project("demo").unwrap();
    id.create_user("alice", "alice-pw").unwrap();
    id.add_role("alice", "demo", Role::Member).unwrap();

    let mut body = password_auth("alice", "alice-pw", None);
    body["auth"]["scope"] = json!({"project": {"id": demo.id}});
    let response = post_tokens(&server.base, &body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let alice_token = subject(&response);
    let token: Value = response.json().await.unwrap();
    assert_eq!(role_names(&token), ["member", "reader"]);
    assert_eq!(token["token"]["project"]["name"], "demo");

    assert_unauthorized(
        post_tokens(
            &server.base,
            &password_auth("alice", "alice-pw", Some("admin")),
        )
        .await,
    )
    .await;

    // Listing all users needs admin.
    let users = Client::new()
        .get(format!("{}/identity/v3/users", server.base))
        .header("X-Auth-Token", &alice_token)
        .send()
        .await
        .unwrap();
    assert_eq!(users.status(), StatusCode::FORBIDDEN);
    let admin = post_tokens(
        &server.base,
        &password_auth("admin", &server.admin_password, Some("admin")),
    )
    .await;
    let admin_token = subject(&admin);
    let users: Value = Client::new()
        .get(format!("{}/identity/v3/users", server.base))
        .header("X-Auth-Token", &admin_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(users["users"].as_array().unwrap().len(), 2);
    let projects: Value = Client::new()
        .get(format!("{}/identity/v3/projects", server.base))
        .header("X-Auth-Token", &admin_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(projects["projects"].as_array().unwrap().len(), 3);

    // A user may validate its own token; another member may not.
    let shown = Client::new()
        .get(format!("{}/identity/v3/auth/tokens", server.base))
        .header("X-Auth-Token", &alice_token)
        .header("X-Subject-Token", &admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(shown.status(), StatusCode::FORBIDDEN);
}
