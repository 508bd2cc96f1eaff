//! Concurrent updates of one image.

use super::{create, image, run_tag};
use crate::{Registry, RegistryError};
use glance_types::{ImageChanges, ImageStatus};

/// How many images each race runs on.
const ROUNDS: usize = 5;

/// Two concurrent compare-and-set updates from `queued` to `saving`: exactly
/// one wins, the other sees `saving`.
pub async fn cas_race(reg: &dyn Registry) {
    let run = run_tag();
    for _ in 0..ROUNDS {
        let img = create(reg, &image(None, &run)).await;
        let change = |name: &str| ImageChanges {
            expect_status: Some(ImageStatus::Queued),
            status: Some(ImageStatus::Saving),
            name: Some(Some(name.to_string())),
            ..Default::default()
        };
        let (a, b) = (change("a"), change("b"));
        let (ra, rb) = tokio::join!(reg.update_image(&img.id, &a), reg.update_image(&img.id, &b));
        let (winner, loser) = match (ra, rb) {
            (Ok(w), Err(l)) | (Err(l), Ok(w)) => (w, l),
            (ra, rb) => panic!("exactly one CAS must win: {ra:?} / {rb:?}"),
        };
        assert!(
            matches!(
                loser,
                RegistryError::StatusMismatch {
                    expected: ImageStatus::Queued,
                    actual: ImageStatus::Saving
                }
            ),
            "{loser:?}"
        );
        let got = reg.get_image(&img.id).await.expect("get");
        assert_eq!(got, winner, "the winner's changes are stored");
    }
}

/// Two concurrent updates of different properties (and the same one) both
/// survive: properties are upserted by name, never rewritten wholesale.
pub async fn concurrent_property_updates(reg: &dyn Registry) {
    let run = run_tag();
    for _ in 0..ROUNDS {
        let mut img = image(None, &run);
        img.properties = [("base".to_string(), "0".to_string())].into();
        let img = create(reg, &img).await;
        let set = |k: &str| ImageChanges {
            set_properties: [(k.to_string(), k.to_string())].into(),
            ..Default::default()
        };
        let (a, b) = (set("first"), set("second"));
        let (ra, rb) = tokio::join!(reg.update_image(&img.id, &a), reg.update_image(&img.id, &b));
        ra.expect("first update");
        rb.expect("second update");
        let got = reg.get_image(&img.id).await.expect("get");
        assert_eq!(
            got.properties.keys().collect::<Vec<_>>(),
            ["base", "first", "second"],
            "both concurrent property updates survive"
        );
    }
}
