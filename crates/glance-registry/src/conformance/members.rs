//! Membership status lookups.

use super::{MemberFixture, create, image, run_tag};
use crate::{Registry, RegistryError};
use glance_types::Visibility;

/// `member_status` reports the current status of a membership, `None` when
/// there is none; memberships of unknown images cannot be created.
pub async fn member_status(reg: &dyn Registry, members: &dyn MemberFixture) {
    let mut img = image(Some("owner"), &run_tag());
    img.visibility = Visibility::Shared;
    let img = create(reg, &img).await;
    let status = |m: &'static str| reg.member_status(&img.id, m);
    assert_eq!(status("p2").await.expect("status"), None);
    for s in ["pending", "accepted", "rejected", "accepted"] {
        members.set_member(&img.id, "p2", s).await.expect("set");
        assert_eq!(status("p2").await.expect("status").as_deref(), Some(s));
    }
    assert_eq!(status("p3").await.expect("status"), None);
    let unknown = uuid::Uuid::new_v4().to_string();
    assert_eq!(
        reg.member_status(&unknown, "p2").await.expect("status"),
        None
    );
    let err = members
        .set_member(&unknown, "p2", "accepted")
        .await
        .expect_err("unknown image");
    assert!(matches!(err, RegistryError::NotFound(_)), "{err:?}");
}
