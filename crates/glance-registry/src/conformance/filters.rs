//! List filters of every kind, and the statuses lists never return.

use super::{at, create, id_set, image, list_set, run_query, run_tag};
use crate::Registry;
use glance_types::{Filter, FilterValue, Image, ImageStatus, Scope, TimeOp};

fn eq(v: &str) -> FilterValue {
    FilterValue::Eq(v.to_string())
}

fn any(vs: &[&str]) -> FilterValue {
    FilterValue::In(vs.iter().map(|v| v.to_string()).collect())
}

/// Every [`Filter`] kind selects exactly the matching images, and filters combine with AND.
pub async fn list_filters(reg: &dyn Registry) {
    let run = run_tag();
    let mut a = image(Some("o1"), &run);
    a.name = Some("alpha".into());
    a.status = ImageStatus::Active;
    a.disk_format = Some("qcow2".into());
    a.container_format = Some("bare".into());
    a.size = Some(10);
    a.virtual_size = Some(100);
    a.min_ram = 512;
    a.min_disk = 1;
    a.protected = true;
    a.checksum = Some("a".repeat(32));
    a.os_hash_algo = Some("sha512".into());
    a.os_hash_value = Some("a".repeat(128));
    a.properties = [("os_distro".to_string(), "ubuntu".to_string())].into();
    a.tags.extend(["t1".to_string(), "t2".to_string()]);
    (a.created_at, a.updated_at) = (at(0), at(30));

    let mut b = image(Some("o2"), &run);
    b.name = Some("bravo".into());
    b.disk_format = Some("raw".into());
    b.container_format = Some("ovf".into());
    b.size = Some(20);
    b.os_hidden = true;
    b.properties = [
        ("os_distro".to_string(), "fedora".to_string()),
        ("other".to_string(), "ubuntu".to_string()),
    ]
    .into();
    b.tags.push("t1".into());
    (b.created_at, b.updated_at) = (at(10), at(10));

    let mut c = image(Some("o1"), &run);
    c.status = ImageStatus::Saving;
    (c.created_at, c.updated_at) = (at(20), at(20));

    for img in [&a, &b, &c] {
        create(reg, img).await;
    }
    let cases: Vec<(Vec<Filter>, Vec<&Image>)> = vec![
        (vec![], vec![&a, &b, &c]),
        (vec![Filter::Column("name", eq("alpha"))], vec![&a]),
        (
            vec![Filter::Column("name", any(&["alpha", "bravo"]))],
            vec![&a, &b],
        ),
        (vec![Filter::Column("name", any(&[]))], vec![]),
        (vec![Filter::Column("id", eq(&b.id))], vec![&b]),
        (
            vec![Filter::Column("id", any(&[&a.id, &c.id]))],
            vec![&a, &c],
        ),
        (vec![Filter::Column("status", eq("queued"))], vec![&b]),
        (
            vec![Filter::Column("status", any(&["active", "saving"]))],
            vec![&a, &c],
        ),
        (
            vec![Filter::Column("container_format", eq("ovf"))],
            vec![&b],
        ),
        (
            vec![Filter::Column("disk_format", any(&["qcow2", "vmdk"]))],
            vec![&a],
        ),
        (vec![Filter::Column("owner", eq("o1"))], vec![&a, &c]),
        (
            vec![Filter::Column("checksum", eq(&"a".repeat(32)))],
            vec![&a],
        ),
        (
            vec![Filter::Column("os_hash_value", eq(&"a".repeat(128)))],
            vec![&a],
        ),
        (vec![Filter::Column("os_hash_algo", eq("sha512"))], vec![&a]),
        (vec![Filter::IntColumn("min_ram", 512)], vec![&a]),
        (vec![Filter::IntColumn("min_ram", 0)], vec![&b, &c]),
        (vec![Filter::IntColumn("min_disk", 1)], vec![&a]),
        (vec![Filter::IntColumn("size", 20)], vec![&b]),
        (vec![Filter::IntColumn("virtual_size", 100)], vec![&a]),
        (vec![Filter::SizeMin(10)], vec![&a, &b]),
        (vec![Filter::SizeMin(11)], vec![&b]),
        (vec![Filter::SizeMax(10)], vec![&a]),
        (vec![Filter::SizeMax(20)], vec![&a, &b]),
        (vec![Filter::SizeMin(10), Filter::SizeMax(19)], vec![&a]),
        (vec![Filter::Protected(true)], vec![&a]),
        (vec![Filter::Protected(false)], vec![&b, &c]),
        (vec![Filter::Hidden(false)], vec![&a, &c]),
        (vec![Filter::Hidden(true)], vec![&b]),
        (vec![Filter::Tag("t1".into())], vec![&a, &b]),
        (
            vec![Filter::Tag("t1".into()), Filter::Tag("t2".into())],
            vec![&a],
        ),
        (vec![Filter::Tag("none".into())], vec![]),
        (vec![Filter::CreatedAt(TimeOp::Gt, at(0))], vec![&b, &c]),
        (
            vec![Filter::CreatedAt(TimeOp::Gte, at(0))],
            vec![&a, &b, &c],
        ),
        (vec![Filter::CreatedAt(TimeOp::Lt, at(10))], vec![&a]),
        (vec![Filter::CreatedAt(TimeOp::Lte, at(10))], vec![&a, &b]),
        (vec![Filter::CreatedAt(TimeOp::Eq, at(10))], vec![&b]),
        (vec![Filter::CreatedAt(TimeOp::Neq, at(10))], vec![&a, &c]),
        (vec![Filter::UpdatedAt(TimeOp::Gt, at(20))], vec![&a]),
        (vec![Filter::UpdatedAt(TimeOp::Gte, at(20))], vec![&a, &c]),
        (vec![Filter::UpdatedAt(TimeOp::Lt, at(20))], vec![&b]),
        (vec![Filter::UpdatedAt(TimeOp::Lte, at(20))], vec![&b, &c]),
        (vec![Filter::UpdatedAt(TimeOp::Eq, at(30))], vec![&a]),
        (vec![Filter::UpdatedAt(TimeOp::Neq, at(30))], vec![&b, &c]),
        (
            vec![Filter::Property("os_distro".into(), eq("ubuntu"))],
            vec![&a],
        ),
        (
            vec![Filter::Property(
                "os_distro".into(),
                any(&["ubuntu", "fedora"]),
            )],
            vec![&a, &b],
        ),
        (
            vec![Filter::Property("other".into(), eq("ubuntu"))],
            vec![&b],
        ),
        (
            vec![Filter::Property("missing".into(), eq("ubuntu"))],
            vec![],
        ),
        (
            vec![Filter::Column("owner", eq("o1")), Filter::SizeMin(1)],
            vec![&a],
        ),
        (
            vec![
                Filter::Property("os_distro".into(), any(&["ubuntu", "fedora"])),
                Filter::Hidden(false),
            ],
            vec![&a],
        ),
    ];
    for (filters, expected) in cases {
        let mut q = run_query(Scope::Admin(None), &run, 100);
        q.filters.extend(filters.clone());
        assert_eq!(
            list_set(reg, &q).await,
            id_set(&expected),
            "filters {filters:?}"
        );
    }
}

/// Killed, deleted and pending-delete images, and soft-deleted rows, never list.
pub async fn list_hides_unlisted(reg: &dyn Registry) {
    let run = run_tag();
    let mut shown = image(None, &run);
    shown.status = ImageStatus::Active;
    create(reg, &shown).await;
    for status in glance_types::UNLISTED_STATUSES {
        let mut img = image(None, &run);
        img.status = status;
        create(reg, &img).await;
    }
    let gone = create(reg, &image(None, &run)).await;
    reg.delete_image(&gone.id).await.expect("delete");

    let q = run_query(Scope::Admin(None), &run, 100);
    assert_eq!(list_set(reg, &q).await, id_set(&[&shown]));
    for status in ["killed", "deleted", "pending_delete", "queued"] {
        let mut q = run_query(Scope::Admin(None), &run, 100);
        q.filters.push(Filter::Column("status", eq(status)));
        assert!(list_set(reg, &q).await.is_empty(), "status {status}");
    }
}
