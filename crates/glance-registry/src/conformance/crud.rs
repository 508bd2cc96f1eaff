//! Create, get, update and delete of single images.

use super::{at, create, image, run_query, run_tag};
use crate::{Registry, RegistryError};
use glance_types::{Filter, FilterValue, ImageChanges, ImageStatus, Location, Scope, Visibility};

fn location(url: &str, store: Option<&str>) -> Location {
    let mut metadata = serde_json::Map::new();
    if let Some(s) = store {
        metadata.insert("store".into(), s.into());
        metadata.insert("nested".into(), serde_json::json!({"a": [1, 2]}));
    }
    Location {
        url: url.to_string(),
        metadata,
    }
}

/// Every field round-trips through create and get: tags come back sorted and
/// deduplicated, locations in order, timestamps to the microsecond.
pub async fn create_and_get(reg: &dyn Registry) {
    let run = run_tag();
    let mut img = image(Some("owner-1"), &run);
    img.name = Some("full image".into());
    img.status = ImageStatus::Active;
    img.visibility = Visibility::Public;
    img.protected = true;
    img.os_hidden = true;
    img.checksum = Some("0123456789abcdef0123456789abcdef".into());
    img.os_hash_algo = Some("sha512".into());
    img.os_hash_value = Some("f".repeat(128));
    img.size = Some(1 << 40);
    img.virtual_size = Some(3 << 40);
    img.container_format = Some("bare".into());
    img.disk_format = Some("qcow2".into());
    img.min_ram = 512;
    img.min_disk = 20;
    img.tags = vec!["zeta".into(), run.clone(), "alpha".into(), "zeta".into()];
    img.properties = [
        ("os_distro".to_string(), "ubuntu".to_string()),
        ("long".to_string(), "x".repeat(5000)),
        ("empty".to_string(), String::new()),
    ]
    .into();
    img.locations = vec![
        location("file:///b", Some("fast")),
        location("file:///a", None),
        location("file:///c", Some("slow")),
    ];
    img.created_at = at(0);
    img.updated_at = at(7);

    let mut expected = img.clone();
    expected.tags.sort();
    expected.tags.dedup();
    let created = create(reg, &img).await;
    assert_eq!(created, expected, "create_image returns the stored image");
    let got = reg.get_image(&img.id).await.expect("get_image");
    assert_eq!(got, expected, "get_image returns what was stored");
    assert_eq!(got.created_at.timestamp_subsec_micros(), 123_456);

    let minimal = glance_types::Image::new(uuid::Uuid::new_v4().to_string(), None, at(1));
    assert_eq!(create(reg, &minimal).await, minimal);
    assert_eq!(reg.get_image(&minimal.id).await.expect("get"), minimal);
}

/// Ids are never reused, not even those of deleted images.
pub async fn duplicate_ids(reg: &dyn Registry) {
    let img = image(None, &run_tag());
    create(reg, &img).await;
    let err = reg.create_image(&img).await.expect_err("duplicate id");
    assert!(
        matches!(&err, RegistryError::Duplicate(id) if *id == img.id),
        "{err:?}"
    );
    reg.delete_image(&img.id).await.expect("delete");
    let err = reg.create_image(&img).await.expect_err("deleted id reused");
    assert!(
        matches!(&err, RegistryError::Duplicate(id) if *id == img.id),
        "{err:?}"
    );
    let err = reg.get_image(&img.id).await.expect_err("still deleted");
    assert!(matches!(err, RegistryError::NotFound(_)), "{err:?}");
}

/// Unknown and deleted images are not found.
pub async fn get_missing(reg: &dyn Registry) {
    let unknown = uuid::Uuid::new_v4().to_string();
    let err = reg.get_image(&unknown).await.expect_err("unknown");
    assert!(
        matches!(&err, RegistryError::NotFound(id) if *id == unknown),
        "{err:?}"
    );
    let img = create(reg, &image(None, &run_tag())).await;
    reg.delete_image(&img.id).await.expect("delete");
    let err = reg.get_image(&img.id).await.expect_err("deleted");
    assert!(
        matches!(&err, RegistryError::NotFound(id) if *id == img.id),
        "{err:?}"
    );
}

/// Every field of [`ImageChanges`] applies, `updated_at` moves on every update,
/// `created_at` never does; unknown and deleted images are not found.
pub async fn update_every_field(reg: &dyn Registry) {
    let run = run_tag();
    let mut img = image(Some("p1"), &run);
    img.properties = [
        ("keep".to_string(), "1".to_string()),
        ("drop".to_string(), "2".to_string()),
        ("over".to_string(), "3".to_string()),
    ]
    .into();
    img.locations = vec![location("file:///old", None)];
    img.created_at = at(0);
    img.updated_at = at(0);
    let before = create(reg, &img).await;

    let changes = ImageChanges {
        expect_status: None,
        expect_updated_before: None,
        name: Some(Some("renamed".into())),
        status: Some(ImageStatus::Active),
        visibility: Some(Visibility::Community),
        protected: Some(true),
        os_hidden: Some(true),
        checksum: Some(Some("c".repeat(32))),
        os_hash_algo: Some(Some("sha512".into())),
        os_hash_value: Some(Some("d".repeat(128))),
        owner: Some(Some("p2".into())),
        size: Some(Some(42)),
        virtual_size: Some(Some(4242)),
        container_format: Some(Some("ovf".into())),
        disk_format: Some(Some("raw".into())),
        min_ram: Some(1024),
        min_disk: Some(10),
        set_properties: [
            ("over".to_string(), "33".to_string()),
            ("new".to_string(), "4".to_string()),
        ]
        .into(),
        remove_properties: vec!["drop".into(), "never-there".into()],
        tags: Some(vec!["b".into(), run.clone(), "a".into(), "b".into()]),
        locations: Some(vec![
            location("file:///n2", Some("s")),
            location("file:///n1", None),
        ]),
    };
    let after = reg.update_image(&img.id, &changes).await.expect("update");
    let mut expected = before.clone();
    changes.apply_to(&mut expected);
    assert!(after.updated_at > before.updated_at, "updated_at moves");
    expected.updated_at = after.updated_at;
    assert_eq!(after, expected);
    assert_eq!(reg.get_image(&img.id).await.expect("get"), expected);

    // Nullable fields back to NULL, tags and locations emptied.
    let clear = ImageChanges {
        name: Some(None),
        checksum: Some(None),
        os_hash_algo: Some(None),
        os_hash_value: Some(None),
        owner: Some(None),
        size: Some(None),
        virtual_size: Some(None),
        container_format: Some(None),
        disk_format: Some(None),
        tags: Some(Vec::new()),
        locations: Some(Vec::new()),
        ..Default::default()
    };
    let cleared = reg.update_image(&img.id, &clear).await.expect("clear");
    let mut expected = after.clone();
    clear.apply_to(&mut expected);
    expected.updated_at = cleared.updated_at;
    assert_eq!(cleared, expected);
    assert_eq!(cleared.created_at, before.created_at);

    // An empty change set still bumps updated_at.
    let bumped = reg
        .update_image(&img.id, &ImageChanges::default())
        .await
        .expect("empty update");
    assert!(bumped.updated_at >= cleared.updated_at);
    assert!(bumped.updated_at > before.updated_at);

    let unknown = uuid::Uuid::new_v4().to_string();
    let err = reg
        .update_image(&unknown, &clear)
        .await
        .expect_err("unknown");
    assert!(matches!(err, RegistryError::NotFound(_)), "{err:?}");
    reg.delete_image(&img.id).await.expect("delete");
    let err = reg
        .update_image(&img.id, &clear)
        .await
        .expect_err("deleted");
    assert!(matches!(err, RegistryError::NotFound(_)), "{err:?}");
}

/// `expect_status` makes an update conditional: a mismatch changes nothing
/// and reports the actual status.
pub async fn update_expect_status(reg: &dyn Registry) {
    let img = create(reg, &image(None, &run_tag())).await;
    let to_saving = ImageChanges {
        expect_status: Some(ImageStatus::Queued),
        status: Some(ImageStatus::Saving),
        name: Some(Some("first".into())),
        ..Default::default()
    };
    let saved = reg.update_image(&img.id, &to_saving).await.expect("cas");
    assert_eq!(saved.status, ImageStatus::Saving);
    let again = ImageChanges {
        name: Some(Some("second".into())),
        set_properties: [("p".to_string(), "v".to_string())].into(),
        ..to_saving.clone()
    };
    let err = reg
        .update_image(&img.id, &again)
        .await
        .expect_err("mismatch");
    assert!(
        matches!(
            err,
            RegistryError::StatusMismatch {
                expected: ImageStatus::Queued,
                actual: ImageStatus::Saving
            }
        ),
        "{err:?}"
    );
    let got = reg.get_image(&img.id).await.expect("get");
    assert_eq!(got, saved, "a failed conditional update changes nothing");
    let unknown = uuid::Uuid::new_v4().to_string();
    let err = reg
        .update_image(&unknown, &to_saving)
        .await
        .expect_err("unknown");
    assert!(matches!(err, RegistryError::NotFound(_)), "{err:?}");
}

/// `expect_updated_before` makes an update conditional on the image not
/// having been updated since (strictly before the bound): a refusal changes
/// nothing and reports when the image was updated; a status mismatch is
/// reported first.
pub async fn update_expect_updated_before(reg: &dyn Registry) {
    let mut img = image(None, &run_tag());
    img.status = ImageStatus::Saving;
    img.updated_at = at(0);
    let stale = create(reg, &img).await;
    let requeue = |bound| ImageChanges {
        expect_status: Some(ImageStatus::Saving),
        expect_updated_before: Some(bound),
        status: Some(ImageStatus::Queued),
        locations: Some(Vec::new()),
        ..Default::default()
    };

    // Updated exactly at the bound is not before it.
    let err = reg
        .update_image(&img.id, &requeue(at(0)))
        .await
        .expect_err("not before the bound");
    assert!(
        matches!(err, RegistryError::UpdatedSince { expected_before, updated_at }
            if expected_before == at(0) && updated_at == at(0)),
        "{err:?}"
    );
    assert_eq!(reg.get_image(&img.id).await.expect("get"), stale);

    // A heartbeat (an update changing nothing) moves updated_at past the bound.
    let touch = ImageChanges {
        expect_status: Some(ImageStatus::Saving),
        ..Default::default()
    };
    let touched = reg.update_image(&img.id, &touch).await.expect("touch");
    let err = reg
        .update_image(&img.id, &requeue(at(60)))
        .await
        .expect_err("updated since");
    assert!(
        matches!(err, RegistryError::UpdatedSince { expected_before, updated_at }
            if expected_before == at(60) && updated_at == touched.updated_at),
        "{err:?}"
    );
    assert_eq!(
        reg.get_image(&img.id).await.expect("get"),
        touched,
        "a refused update changes nothing"
    );

    // Alone, and together with a matching status: applies.
    let bound = touched.updated_at + chrono::Duration::microseconds(1);
    let named = ImageChanges {
        expect_updated_before: Some(bound),
        name: Some(Some("named".into())),
        ..Default::default()
    };
    let renamed = reg.update_image(&img.id, &named).await.expect("alone");
    assert_eq!(renamed.name.as_deref(), Some("named"));
    let bound = renamed.updated_at + chrono::Duration::microseconds(1);
    let requeued = reg
        .update_image(&img.id, &requeue(bound))
        .await
        .expect("before the bound");
    assert_eq!(requeued.status, ImageStatus::Queued);

    // Both conditions failing: the status is reported.
    let err = reg
        .update_image(&img.id, &requeue(at(0)))
        .await
        .expect_err("both fail");
    assert!(
        matches!(
            err,
            RegistryError::StatusMismatch {
                expected: ImageStatus::Saving,
                actual: ImageStatus::Queued
            }
        ),
        "{err:?}"
    );
    let unknown = uuid::Uuid::new_v4().to_string();
    let err = reg
        .update_image(&unknown, &requeue(at(60)))
        .await
        .expect_err("unknown");
    assert!(matches!(err, RegistryError::NotFound(_)), "{err:?}");
}

/// Deleting returns the image as it was, hides it from get and list, and
/// cannot be repeated.
pub async fn delete_image(reg: &dyn Registry) {
    let run = run_tag();
    let mut img = image(Some("p1"), &run);
    img.status = ImageStatus::Active;
    img.properties = [("k".to_string(), "v".to_string())].into();
    img.locations = vec![location("file:///x", None)];
    let stored = create(reg, &img).await;
    let deleted = reg.delete_image(&img.id).await.expect("delete");
    assert_eq!(deleted, stored, "delete returns the image as it was");
    let err = reg.get_image(&img.id).await.expect_err("gone");
    assert!(matches!(err, RegistryError::NotFound(_)), "{err:?}");
    let err = reg.delete_image(&img.id).await.expect_err("twice");
    assert!(matches!(err, RegistryError::NotFound(_)), "{err:?}");
    let err = reg
        .delete_image(&uuid::Uuid::new_v4().to_string())
        .await
        .expect_err("unknown");
    assert!(matches!(err, RegistryError::NotFound(_)), "{err:?}");
    let mut q = run_query(Scope::Admin(None), &run, 10);
    assert!(reg.list_images(&q).await.expect("list").is_empty());
    q.filters
        .push(Filter::Column("status", FilterValue::Eq("deleted".into())));
    assert!(reg.list_images(&q).await.expect("list").is_empty());
}

/// The database answers.
pub async fn health(reg: &dyn Registry) {
    reg.health().await.expect("health");
}
