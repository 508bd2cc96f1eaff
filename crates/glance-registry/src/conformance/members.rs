//! Memberships: create, list, get, answer, soft-delete, count.

use super::{create, image, run_tag};
use crate::{Registry, RegistryError};
use glance_types::{Image, MemberStatus, Visibility};

/// A stored shared image owned by `owner`.
async fn shared_image(reg: &dyn Registry) -> Image {
    let mut img = image(Some("owner"), &run_tag());
    img.visibility = Visibility::Shared;
    create(reg, &img).await
}

fn is_member_not_found(err: &RegistryError) -> bool {
    matches!(err, RegistryError::MemberNotFound { .. })
}

/// New memberships are pending; `get_member`, `list_members` and
/// `count_members` see them; unknown and deleted images have no members.
pub async fn members_create_and_list(reg: &dyn Registry) {
    let img = shared_image(reg).await;
    assert!(reg.list_members(&img.id).await.expect("list").is_empty());
    assert_eq!(reg.count_members(&img.id).await.expect("count"), 0);

    let p2 = reg.create_member(&img.id, "p2").await.expect("create p2");
    assert_eq!(p2.image_id, img.id);
    assert_eq!(p2.member_id, "p2");
    assert_eq!(p2.status, MemberStatus::Pending);
    assert_eq!(p2.created_at, p2.updated_at);
    let p3 = reg.create_member(&img.id, "p3").await.expect("create p3");

    let got = reg.get_member(&img.id, "p2").await.expect("get");
    assert_eq!(got.as_ref(), Some(&p2), "get returns what create returned");
    assert_eq!(reg.get_member(&img.id, "p4").await.expect("get"), None);
    let listed = reg.list_members(&img.id).await.expect("list");
    assert_eq!(listed, [p2, p3], "oldest first");
    assert_eq!(reg.count_members(&img.id).await.expect("count"), 2);

    let unknown = uuid::Uuid::new_v4().to_string();
    let err = reg
        .create_member(&unknown, "p2")
        .await
        .expect_err("unknown");
    assert!(matches!(err, RegistryError::NotFound(_)), "{err:?}");
    let err = reg.list_members(&unknown).await.expect_err("unknown");
    assert!(matches!(err, RegistryError::NotFound(_)), "{err:?}");
    assert_eq!(reg.get_member(&unknown, "p2").await.expect("get"), None);
    assert_eq!(reg.count_members(&unknown).await.expect("count"), 0);

    reg.delete_image(&img.id).await.expect("delete image");
    let err = reg.create_member(&img.id, "p4").await.expect_err("deleted");
    assert!(matches!(err, RegistryError::NotFound(_)), "{err:?}");
    let err = reg.list_members(&img.id).await.expect_err("deleted");
    assert!(matches!(err, RegistryError::NotFound(_)), "{err:?}");
}

/// A second membership of the same project is a duplicate; once deleted it
/// can be created again, pending and with fresh timestamps.
pub async fn members_duplicate(reg: &dyn Registry) {
    let img = shared_image(reg).await;
    let first = reg.create_member(&img.id, "p2").await.expect("create");
    reg.update_member(&img.id, "p2", MemberStatus::Accepted)
        .await
        .expect("accept");
    let err = reg.create_member(&img.id, "p2").await.expect_err("dup");
    assert!(
        matches!(&err, RegistryError::MemberDuplicate { image_id, member }
            if *image_id == img.id && member == "p2"),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!("Member p2 is duplicated for image {}", img.id)
    );

    reg.delete_member(&img.id, "p2").await.expect("delete");
    let again = reg.create_member(&img.id, "p2").await.expect("re-create");
    assert_eq!(again.status, MemberStatus::Pending, "revived as pending");
    assert!(again.created_at >= first.created_at);
    assert_eq!(reg.list_members(&img.id).await.expect("list"), [again]);
    assert_eq!(reg.count_members(&img.id).await.expect("count"), 1);
}

/// `update_member` sets the status and bumps `updated_at`; unknown
/// memberships are MemberNotFound, unknown images NotFound.
pub async fn members_update(reg: &dyn Registry) {
    let img = shared_image(reg).await;
    let created = reg.create_member(&img.id, "p2").await.expect("create");
    let mut last = created.clone();
    for status in [
        MemberStatus::Accepted,
        MemberStatus::Rejected,
        MemberStatus::Pending,
        MemberStatus::Accepted,
    ] {
        let updated = reg
            .update_member(&img.id, "p2", status)
            .await
            .expect("update");
        assert_eq!(updated.status, status);
        assert_eq!(updated.created_at, created.created_at);
        assert!(updated.updated_at >= last.updated_at, "updated_at moves on");
        let got = reg.get_member(&img.id, "p2").await.expect("get");
        assert_eq!(got.as_ref(), Some(&updated));
        last = updated;
    }

    let err = reg
        .update_member(&img.id, "p3", MemberStatus::Accepted)
        .await
        .expect_err("not a member");
    assert!(is_member_not_found(&err), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!("p3 not found in the member list of the image {}.", img.id)
    );
    let unknown = uuid::Uuid::new_v4().to_string();
    let err = reg
        .update_member(&unknown, "p2", MemberStatus::Accepted)
        .await
        .expect_err("unknown image");
    assert!(matches!(err, RegistryError::NotFound(_)), "{err:?}");
}

/// `delete_member` soft-deletes: the membership disappears from get, list
/// and count, cannot be updated or deleted again, and other members stay.
pub async fn members_delete(reg: &dyn Registry) {
    let img = shared_image(reg).await;
    reg.create_member(&img.id, "p2").await.expect("create p2");
    let p3 = reg.create_member(&img.id, "p3").await.expect("create p3");

    reg.delete_member(&img.id, "p2").await.expect("delete");
    assert_eq!(reg.get_member(&img.id, "p2").await.expect("get"), None);
    assert_eq!(reg.list_members(&img.id).await.expect("list"), [p3]);
    assert_eq!(reg.count_members(&img.id).await.expect("count"), 1);

    let err = reg.delete_member(&img.id, "p2").await.expect_err("again");
    assert!(is_member_not_found(&err), "{err:?}");
    let err = reg
        .update_member(&img.id, "p2", MemberStatus::Accepted)
        .await
        .expect_err("deleted membership");
    assert!(is_member_not_found(&err), "{err:?}");
    let unknown = uuid::Uuid::new_v4().to_string();
    let err = reg
        .delete_member(&unknown, "p2")
        .await
        .expect_err("unknown");
    assert!(matches!(err, RegistryError::NotFound(_)), "{err:?}");
}
