//! The conformance suite every [`Registry`] must pass.
//!
//! Each check is a `pub async fn` taking the registry and panicking on the
//! first violation, in the style of `object_store`'s integration suite. Checks tag every image they
//! create with a tag unique to the run and filter lists by it, so they can
//! share a database; each backend's test file runs them all.

mod concurrency;
mod crud;
mod filters;
mod members;
mod sorting;
mod strings;
mod tags;
mod visibility;

pub use concurrency::{cas_race, concurrent_property_updates};
pub use crud::{
    create_and_get, delete_image, duplicate_ids, get_missing, health, update_every_field,
    update_expect_status, update_expect_updated_before,
};
pub use filters::{list_filters, list_hides_unlisted};
pub use members::{members_create_and_list, members_delete, members_duplicate, members_update};
pub use sorting::{marker_errors, pagination_walk, sort_every_key};
pub use strings::exact_strings;
pub use tags::tags;
pub use visibility::{
    visibility_admin, visibility_member_status, visibility_no_project, visibility_project,
};

use crate::Registry;
use glance_types::{Filter, Image, ListQuery, MemberStatus, Scope, Timestamp};

/// Makes `member` a member of an image with `status`, panicking on failure.
async fn share(reg: &dyn Registry, image_id: &str, member: &str, status: MemberStatus) {
    reg.create_member(image_id, member)
        .await
        .expect("create_member");
    if status != MemberStatus::Pending {
        reg.update_member(image_id, member, status)
            .await
            .expect("update_member");
    }
}

/// A tag unique to one check run.
fn run_tag() -> String {
    format!("run-{}", uuid::Uuid::new_v4())
}

/// A queued image with a fresh id, owned by `owner`, tagged with `run`.
fn image(owner: Option<&str>, run: &str) -> Image {
    let mut img = Image::new(
        uuid::Uuid::new_v4().to_string(),
        owner.map(str::to_string),
        glance_types::now(),
    );
    img.tags = vec![run.to_string()];
    img
}

/// A fixed base time with a non-zero microsecond part.
fn base_time() -> Timestamp {
    chrono::DateTime::from_timestamp_micros(1_700_000_000_123_456).unwrap_or_default()
}

/// `base_time()` plus `secs` seconds.
fn at(secs: i64) -> Timestamp {
    base_time() + chrono::Duration::seconds(secs)
}

/// A query listing only the run's images (hidden ones included).
fn run_query(scope: Scope, run: &str, limit: u32) -> ListQuery {
    let mut q = ListQuery::new(scope, limit);
    q.filters = vec![Filter::Tag(run.to_string())];
    q
}

/// Stores an image, panicking on failure.
async fn create(reg: &dyn Registry, img: &Image) -> Image {
    reg.create_image(img).await.expect("create_image")
}

/// The ids of a page, in order.
fn ids(images: &[Image]) -> Vec<String> {
    images.iter().map(|i| i.id.clone()).collect()
}

/// Lists and returns the ids, sorted (for set comparisons).
async fn list_set(reg: &dyn Registry, q: &ListQuery) -> Vec<String> {
    let mut got = ids(&reg.list_images(q).await.expect("list_images"));
    got.sort();
    got
}

/// Sorted copies of the ids of `images`.
fn id_set(images: &[&Image]) -> Vec<String> {
    let mut v: Vec<String> = images.iter().map(|i| i.id.clone()).collect();
    v.sort();
    v
}

/// Calls `$m!(check, check, ...)` with the name of every conformance check, so
/// each backend's test file generates one test per check from this single list.
#[macro_export]
macro_rules! for_each_conformance_check {
    ($m:ident) => {
        $m!(
            create_and_get,
            duplicate_ids,
            get_missing,
            update_every_field,
            update_expect_status,
            update_expect_updated_before,
            delete_image,
            health,
            cas_race,
            concurrent_property_updates,
            tags,
            list_filters,
            list_hides_unlisted,
            sort_every_key,
            pagination_walk,
            marker_errors,
            exact_strings,
            visibility_admin,
            visibility_project,
            visibility_member_status,
            visibility_no_project,
            members_create_and_list,
            members_duplicate,
            members_update,
            members_delete,
        );
    };
}
