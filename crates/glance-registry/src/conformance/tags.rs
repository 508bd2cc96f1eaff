//! Adding and removing single tags.

use super::{create, image, run_tag};
use crate::{Registry, RegistryError};

/// `add_tag` is idempotent, `remove_tag` reports whether the tag was there,
/// both bump `updated_at` and fail with NotFound on unknown or deleted images.
pub async fn tags(reg: &dyn Registry) {
    let run = run_tag();
    let mut img = image(None, &run);
    img.updated_at = super::at(0);
    let img = create(reg, &img).await;

    reg.add_tag(&img.id, "a-tag").await.expect("add");
    let got = reg.get_image(&img.id).await.expect("get");
    assert_eq!(got.tags, ["a-tag", run.as_str()]);
    assert!(got.updated_at > img.updated_at, "add_tag bumps updated_at");

    reg.add_tag(&img.id, "a-tag").await.expect("add again");
    let again = reg.get_image(&img.id).await.expect("get");
    assert_eq!(again.tags, got.tags, "add_tag is idempotent");

    assert!(reg.remove_tag(&img.id, "a-tag").await.expect("remove"));
    let removed = reg.get_image(&img.id).await.expect("get");
    assert_eq!(removed.tags, [run.as_str()]);
    assert!(
        removed.updated_at >= got.updated_at,
        "remove_tag bumps updated_at"
    );
    assert!(
        !reg.remove_tag(&img.id, "a-tag")
            .await
            .expect("remove absent")
    );

    let unknown = uuid::Uuid::new_v4().to_string();
    let err = reg.add_tag(&unknown, "x").await.expect_err("unknown");
    assert!(matches!(err, RegistryError::NotFound(_)), "{err:?}");
    let err = reg.remove_tag(&unknown, "x").await.expect_err("unknown");
    assert!(matches!(err, RegistryError::NotFound(_)), "{err:?}");
    reg.delete_image(&img.id).await.expect("delete");
    let err = reg.add_tag(&img.id, "x").await.expect_err("deleted");
    assert!(matches!(err, RegistryError::NotFound(_)), "{err:?}");
    let err = reg.remove_tag(&img.id, &run).await.expect_err("deleted");
    assert!(matches!(err, RegistryError::NotFound(_)), "{err:?}");
}
