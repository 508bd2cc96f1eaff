//! Sort orders (NULLs first ascending, last descending) and keyset pagination.

use super::{at, create, ids, image, run_query, run_tag, share};
use crate::{Registry, RegistryError};
use glance_types::{
    Image, ImageStatus, ListQuery, MemberStatus, MemberStatusFilter, Scope, SortDir, SortKey,
    Visibility, VisibilityFilter,
};
use std::cmp::Ordering;

/// A sort key's value; `None` orders before any value, as NULLs do ascending.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum KeyValue<'a> {
    Text(Option<&'a str>),
    Int(Option<i64>),
}

fn key_value(img: &Image, key: SortKey) -> KeyValue<'_> {
    match key {
        SortKey::Name => KeyValue::Text(img.name.as_deref()),
        SortKey::Status => KeyValue::Text(Some(img.status.as_str())),
        SortKey::ContainerFormat => KeyValue::Text(img.container_format.as_deref()),
        SortKey::DiskFormat => KeyValue::Text(img.disk_format.as_deref()),
        SortKey::Size => KeyValue::Int(img.size),
        SortKey::Id => KeyValue::Text(Some(&img.id)),
        SortKey::CreatedAt => KeyValue::Int(Some(img.created_at.timestamp_micros())),
        SortKey::UpdatedAt => KeyValue::Int(Some(img.updated_at.timestamp_micros())),
    }
}

/// The order the registry must return `images` in for `query` (byte-wise
/// string comparison; the suite uses ASCII values that collate the same everywhere).
fn expected_order(images: &[Image], query: &ListQuery) -> Vec<String> {
    let sort = query.effective_sort();
    let mut sorted: Vec<&Image> = images.iter().collect();
    sorted.sort_by(|a, b| {
        sort.iter().fold(Ordering::Equal, |acc, (key, dir)| {
            acc.then_with(|| {
                let ord = key_value(a, *key).cmp(&key_value(b, *key));
                if *dir == SortDir::Desc {
                    ord.reverse()
                } else {
                    ord
                }
            })
        })
    });
    sorted.into_iter().map(|i| i.id.clone()).collect()
}

/// Images with NULLs, ties and distinct values in every sortable column.
async fn sample(reg: &dyn Registry, run: &str, equal_created: bool) -> Vec<Image> {
    let names = [
        None,
        Some("delta"),
        Some("alpha"),
        None,
        Some("charlie"),
        Some("alpha"),
        Some("bravo"),
        None,
        Some("echo"),
        Some("delta"),
        Some("alpha"),
        Some("foxtrot"),
        None,
    ];
    let statuses = [
        ImageStatus::Queued,
        ImageStatus::Active,
        ImageStatus::Saving,
    ];
    let formats = [None, Some("bare"), Some("ovf"), Some("bare")];
    let disks = [Some("raw"), None, Some("qcow2")];
    let sizes = [None, Some(30), Some(10), Some(20), Some(10)];
    let mut out = Vec::new();
    for (i, name) in names.into_iter().enumerate() {
        let mut img = image(Some("sorter"), run);
        img.name = name.map(str::to_string);
        img.status = statuses[i % statuses.len()];
        img.container_format = formats[i % formats.len()].map(str::to_string);
        img.disk_format = disks[i % disks.len()].map(str::to_string);
        img.size = sizes[i % sizes.len()];
        let i = i as i64;
        img.created_at = if equal_created { at(i / 4) } else { at(i) };
        img.updated_at = at(100 - (i * 7) % 13);
        out.push(create(reg, &img).await);
    }
    out
}

fn sorted_query(run: &str, sort: &[(SortKey, SortDir)], limit: u32) -> ListQuery {
    let mut q = run_query(Scope::Admin(None), run, limit);
    q.sort = sort.to_vec();
    q
}

/// Every sort key in both directions, alone and combined, orders as
/// specified, NULLs first ascending and last descending.
pub async fn sort_every_key(reg: &dyn Registry) {
    let run = run_tag();
    let images = sample(reg, &run, false).await;
    let mut sorts: Vec<Vec<(SortKey, SortDir)>> = Vec::new();
    for key in SortKey::ALL {
        for dir in [SortDir::Asc, SortDir::Desc] {
            sorts.push(vec![(key, dir)]);
        }
    }
    sorts.push(vec![
        (SortKey::Status, SortDir::Asc),
        (SortKey::Name, SortDir::Desc),
    ]);
    sorts.push(vec![
        (SortKey::Size, SortDir::Desc),
        (SortKey::DiskFormat, SortDir::Asc),
    ]);
    sorts.push(vec![]);
    for sort in sorts {
        let q = sorted_query(&run, &sort, 100);
        let got = ids(&reg.list_images(&q).await.expect("list"));
        assert_eq!(got, expected_order(&images, &q), "sort {sort:?}");
    }
}

/// Walks every page of `q` (with `limit`) and returns the concatenated ids.
async fn walk(reg: &dyn Registry, q: &ListQuery, limit: u32, total: usize) -> Vec<String> {
    let mut q = q.clone();
    q.limit = limit;
    q.marker = None;
    let mut all = Vec::new();
    loop {
        let page = reg.list_images(&q).await.expect("page");
        assert!(page.len() <= limit as usize, "page larger than limit");
        all.extend(ids(&page));
        assert!(
            all.len() <= total,
            "pagination returned duplicates: {all:?}"
        );
        match page.last() {
            Some(last) if page.len() == limit as usize => q.marker = Some(last.id.clone()),
            _ => return all,
        }
    }
}

/// Walking all pages (markers = last id) equals one big page, without
/// duplicates or gaps, with NULL names and equal `created_at` values.
pub async fn pagination_walk(reg: &dyn Registry) {
    let run = run_tag();
    let images = sample(reg, &run, true).await;
    let sorts = [
        vec![],
        vec![(SortKey::Name, SortDir::Asc)],
        vec![(SortKey::Name, SortDir::Desc)],
        vec![
            (SortKey::Size, SortDir::Asc),
            (SortKey::Name, SortDir::Desc),
        ],
        vec![
            (SortKey::ContainerFormat, SortDir::Desc),
            (SortKey::Status, SortDir::Asc),
        ],
        vec![(SortKey::DiskFormat, SortDir::Asc)],
        vec![(SortKey::CreatedAt, SortDir::Asc)],
        vec![(SortKey::UpdatedAt, SortDir::Desc)],
        vec![(SortKey::Id, SortDir::Desc)],
    ];
    for sort in sorts {
        let q = sorted_query(&run, &sort, 1000);
        let big = ids(&reg.list_images(&q).await.expect("list"));
        assert_eq!(big, expected_order(&images, &q), "sort {sort:?}");
        for limit in [1, 2, 5] {
            let walked = walk(reg, &q, limit, images.len()).await;
            assert_eq!(walked, big, "sort {sort:?} limit {limit}");
        }
    }
    // A page of 0 is empty.
    let q = sorted_query(&run, &[], 0);
    assert!(reg.list_images(&q).await.expect("list").is_empty());
}

/// Unknown, deleted and invisible markers fail with MarkerNotFound; visible ones work.
pub async fn marker_errors(reg: &dyn Registry) {
    let run = run_tag();
    let with = |owner: &str, v: Visibility| {
        let mut img = image(Some(owner), &run);
        img.visibility = v;
        img
    };
    let private = create(reg, &with("o2", Visibility::Private)).await;
    let community = create(reg, &with("o2", Visibility::Community)).await;
    let pending = create(reg, &with("o2", Visibility::Shared)).await;
    share(reg, &pending.id, "o1", MemberStatus::Pending).await;
    let deleted = create(reg, &with("o1", Visibility::Public)).await;
    reg.delete_image(&deleted.id).await.expect("delete");

    let query = |scope: Scope, marker: &str| {
        let mut q = run_query(scope, &run, 10);
        q.marker = Some(marker.to_string());
        q
    };
    let o1 = || Scope::Project(Some("o1".into()));
    let unknown = uuid::Uuid::new_v4().to_string();
    for (q, what) in [
        (query(Scope::Admin(None), &unknown), "unknown"),
        (query(Scope::Admin(None), &deleted.id), "deleted"),
        (query(o1(), &private.id), "private of another project"),
        (query(o1(), &community.id), "community not asked for"),
        (query(o1(), &pending.id), "pending membership"),
    ] {
        let err = reg.list_images(&q).await.expect_err(what);
        let marker = q.marker.clone().unwrap_or_default();
        assert!(
            matches!(&err, RegistryError::MarkerNotFound(m) if *m == marker),
            "{what}: {err:?}"
        );
    }
    reg.list_images(&query(Scope::Admin(None), &private.id))
        .await
        .expect("admin sees every marker");
    let mut q = query(o1(), &community.id);
    q.visibility = Some(VisibilityFilter::All);
    reg.list_images(&q)
        .await
        .expect("community marker when asked");
    let mut q = query(o1(), &pending.id);
    q.member_status = MemberStatusFilter::Pending;
    reg.list_images(&q)
        .await
        .expect("pending marker with member_status");
}
