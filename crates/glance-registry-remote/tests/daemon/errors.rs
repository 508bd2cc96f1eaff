//! Every registry error crosses the wire as the same variant with the same
//! fields: the same failing call, embedded and through the daemon, gives
//! equal errors.

use crate::common;
use glance_registry::{Registry, RegistryError};
use glance_types::{Image, ImageChanges, ImageStatus, ListQuery, MemberStatus, Scope};
use std::sync::Arc;

/// Runs `$call` with `$r` bound to each registry; both must fail alike.
macro_rules! same_error {
    ($embedded:expr, $remote:expr, |$r:ident| $call:expr) => {{
        let embedded = {
            let $r: &dyn Registry = $embedded;
            $call.await.expect_err("embedded call fails")
        };
        let remote = {
            let $r: &dyn Registry = $remote;
            $call.await.expect_err("remote call fails")
        };
        assert_eq!(format!("{remote:?}"), format!("{embedded:?}"));
        remote
    }};
}

#[tokio::test]
async fn registry_errors_round_trip() {
    let (_dir, sql) = common::sqlite().await;
    let sql = Arc::new(sql);
    let (_base, remote) = common::remote(sql.clone()).await;
    let (sql, remote): (&dyn Registry, &dyn Registry) = (sql.as_ref(), &remote);

    let image = Image::new(
        uuid::Uuid::new_v4().to_string(),
        Some("p".into()),
        glance_types::now(),
    );
    remote.create_image(&image).await.unwrap();
    remote.create_member(&image.id, "m").await.unwrap();

    let e = same_error!(sql, remote, |r| r.get_image("missing"));
    assert!(matches!(e, RegistryError::NotFound(id) if id == "missing"));
    let e = same_error!(sql, remote, |r| r.create_image(&image));
    assert!(matches!(e, RegistryError::Duplicate(id) if id == image.id));
    let e = same_error!(sql, remote, |r| r.create_member(&image.id, "m"));
    assert!(matches!(e, RegistryError::MemberDuplicate { .. }));
    let e = same_error!(sql, remote, |r| r.update_member(
        &image.id,
        "stranger",
        MemberStatus::Accepted
    ));
    assert!(matches!(e, RegistryError::MemberNotFound { member, .. } if member == "stranger"));
    let e = same_error!(sql, remote, |r| r.delete_member(&image.id, "stranger"));
    assert!(matches!(e, RegistryError::MemberNotFound { .. }));
    let cas = ImageChanges {
        expect_status: Some(ImageStatus::Saving),
        status: Some(ImageStatus::Active),
        ..Default::default()
    };
    let e = same_error!(sql, remote, |r| r.update_image(&image.id, &cas));
    assert!(matches!(
        e,
        RegistryError::StatusMismatch {
            expected: ImageStatus::Saving,
            actual: ImageStatus::Queued
        }
    ));
    let mut query = ListQuery::new(Scope::Admin(None), 5);
    query.marker = Some("no-such-marker".into());
    let e = same_error!(sql, remote, |r| r.list_images(&query));
    assert!(matches!(e, RegistryError::MarkerNotFound(m) if m == "no-such-marker"));
    same_error!(sql, remote, |r| r.add_tag("missing", "t"));
    same_error!(sql, remote, |r| r.remove_tag("missing", "t"));
    same_error!(sql, remote, |r| r.list_members("missing"));
    same_error!(sql, remote, |r| r.create_member("missing", "m"));
    same_error!(sql, remote, |r| r.delete_image("missing"));
    same_error!(sql, remote, |r| r
        .update_image("missing", &ImageChanges::default()));
}

#[tokio::test]
async fn ids_that_are_no_path_segment_behave_as_embedded() {
    let (_dir, sql) = common::sqlite().await;
    let sql = Arc::new(sql);
    let (_base, remote) = common::remote(sql.clone()).await;
    let (sql, remote): (&dyn Registry, &dyn Registry) = (sql.as_ref(), &remote);
    for id in ["", ".", "..", "a/../b", "?", "%2e%2e"] {
        same_error!(sql, remote, |r| r.get_image(id));
        same_error!(sql, remote, |r| r.add_tag(id, "t"));
        assert_eq!(
            remote.count_members(id).await.unwrap(),
            sql.count_members(id).await.unwrap()
        );
        let image = Image::new(id.to_owned(), None, glance_types::now());
        remote.create_image(&image).await.unwrap();
        assert_eq!(sql.get_image(id).await.unwrap(), image);
        assert_eq!(remote.get_image(id).await.unwrap(), image);
        remote.add_tag(id, "t").await.unwrap();
        remote.create_member(id, "m").await.unwrap();
        assert_eq!(remote.count_members(id).await.unwrap(), 1);
        remote.delete_image(id).await.unwrap();
        same_error!(sql, remote, |r| r.get_image(id));
    }
}

#[tokio::test]
async fn odd_tags_and_members_travel_intact() {
    let (_dir, sql) = common::sqlite().await;
    let (_base, remote) = common::remote(Arc::new(sql)).await;
    let image = Image::new(uuid::Uuid::new_v4().to_string(), None, glance_types::now());
    remote.create_image(&image).await.unwrap();
    let odd = ["..", ".", "a/b", "?x=1&y", "%2E%2E", "+ #", "ünï"];
    for s in odd {
        remote.add_tag(&image.id, s).await.unwrap();
        remote.create_member(&image.id, s).await.unwrap();
        let m = remote.get_member(&image.id, s).await.unwrap().expect(s);
        assert_eq!(m.member_id, s);
    }
    let mut tags = remote.get_image(&image.id).await.unwrap().tags;
    let mut want: Vec<String> = odd.iter().map(|s| s.to_string()).collect();
    tags.sort();
    want.sort();
    assert_eq!(tags, want);
    for s in odd {
        assert!(remote.remove_tag(&image.id, s).await.unwrap(), "{s}");
        remote.delete_member(&image.id, s).await.unwrap();
    }
    assert_eq!(remote.count_members(&image.id).await.unwrap(), 0);
}

#[tokio::test]
async fn database_errors_cross_as_database() {
    // A database never migrated: every query fails with "no such table".
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:///{}", dir.path().join("bare.sqlite").display());
    let sql = Arc::new(glance_registry::connect(&url).await.unwrap());
    let (_base, remote) = common::remote(sql.clone()).await;
    let (sql, remote): (&dyn Registry, &dyn Registry) = (sql.as_ref(), &remote);
    let e = same_error!(sql, remote, |r| r.get_image("x"));
    assert!(matches!(e, RegistryError::Database(_)), "{e:?}");
}

#[tokio::test]
async fn an_unavailable_database_crosses_as_unavailable() {
    let (_dir, sql) = common::sqlite().await;
    let sql = Arc::new(sql);
    let (base, remote) = common::remote(sql.clone()).await;
    sql.close().await;
    let (embedded, remote): (&dyn Registry, &dyn Registry) = (sql.as_ref(), &remote);
    let e = same_error!(embedded, remote, |r| r.get_image("x"));
    assert!(matches!(e, RegistryError::Unavailable(_)), "{e:?}");
    same_error!(embedded, remote, |r| r.health());
    let response = reqwest::Client::new()
        .get(format!("{base}/v1/image?id=x"))
        .header(glance_registry_remote::SECRET_HEADER, common::SECRET)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
}

#[tokio::test]
async fn malformed_requests_are_typed_400s() {
    let (_dir, sql) = common::sqlite().await;
    let (base, _) = common::remote(Arc::new(sql)).await;
    let client = reqwest::Client::new();
    let send = |request: reqwest::RequestBuilder| async move {
        let response = request
            .header(glance_registry_remote::SECRET_HEADER, common::SECRET)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let body: serde_json::Value = response.json().await.unwrap();
        (status, body["error"]["kind"].as_str().unwrap().to_owned())
    };
    let bad_json = client
        .post(format!("{base}/v1/images"))
        .header("content-type", "application/json")
        .body("{");
    assert_eq!(send(bad_json).await, (400, "bad_request".into()));
    let no_tag = client.put(format!("{base}/v1/image/tags?id=x"));
    assert_eq!(send(no_tag).await, (400, "bad_request".into()));
    let bad_column = client
        .post(format!("{base}/v1/images/list"))
        .json(&serde_json::json!({
            "scope": {"admin": null}, "visibility": null, "member_status": "all",
            "filters": [{"int_column": ["size; --", 1]}],
            "sort": [], "marker": null, "limit": 1
        }));
    assert_eq!(send(bad_column).await, (400, "bad_request".into()));
    let unknown = client.get(format!("{base}/v2/images"));
    assert_eq!(send(unknown).await, (400, "bad_request".into()));
}
