//! The glance-types values cross the wire losslessly in their derived serde
//! forms: every field, every enum variant, `null` apart from absent in image
//! changes, timestamps to the microsecond.

use glance_types::{
    Filter, FilterValue, INT_FILTER_COLUMNS, Image, ImageChanges, ImageStatus, ListQuery, Location,
    Member, MemberStatus, MemberStatusFilter, STRING_FILTER_COLUMNS, Scope, SortDir, SortKey,
    TimeOp, Visibility, VisibilityFilter,
};
use serde::{Deserialize, Serialize};

/// Through JSON text and back.
fn round_trip<T: Serialize + for<'de> Deserialize<'de>>(value: &T) -> T {
    serde_json::from_str(&serde_json::to_string(value).unwrap()).unwrap()
}

fn full_image() -> Image {
    let t = chrono::DateTime::from_timestamp_micros(1_700_000_000_123_456).unwrap();
    let mut metadata = serde_json::Map::new();
    metadata.insert("store".into(), "fast".into());
    Image {
        name: Some("n".into()),
        status: ImageStatus::PendingDelete,
        visibility: Visibility::Community,
        protected: true,
        os_hidden: true,
        checksum: Some("c".into()),
        os_hash_algo: Some("sha512".into()),
        os_hash_value: Some("v".into()),
        size: Some(1 << 40),
        virtual_size: Some(-1),
        container_format: Some("bare".into()),
        disk_format: Some("qcow2".into()),
        min_ram: 512,
        min_disk: 20,
        tags: vec!["a".into(), "..".into()],
        properties: [("k".to_string(), "v\u{1F600}".to_string())].into(),
        locations: vec![Location {
            url: "file:///x".into(),
            metadata,
        }],
        updated_at: t + chrono::Duration::microseconds(1),
        ..Image::new("id".into(), Some("owner".into()), t)
    }
}

#[test]
fn images_round_trip() {
    for image in [
        full_image(),
        Image::new("i".into(), None, glance_types::now()),
    ] {
        assert_eq!(round_trip(&image), image);
    }
}

#[test]
fn changes_keep_absent_null_and_value_apart() {
    let changes = [
        ImageChanges::default(),
        ImageChanges {
            expect_status: Some(ImageStatus::Saving),
            expect_updated_before: Some(full_image().updated_at),
            name: Some(None),
            status: Some(ImageStatus::Active),
            visibility: Some(Visibility::Private),
            protected: Some(false),
            os_hidden: Some(true),
            checksum: Some(Some("c".into())),
            os_hash_algo: Some(None),
            os_hash_value: Some(Some("v".into())),
            owner: Some(None),
            size: Some(Some(0)),
            virtual_size: Some(None),
            container_format: Some(Some("ovf".into())),
            disk_format: Some(None),
            min_ram: Some(0),
            min_disk: Some(7),
            set_properties: [("a".to_string(), String::new())].into(),
            remove_properties: vec!["b".into()],
            tags: Some(Vec::new()),
            locations: Some(full_image().locations),
        },
        ImageChanges {
            name: Some(Some("x".into())),
            tags: Some(vec!["t".into()]),
            ..Default::default()
        },
    ];
    for c in changes {
        assert_eq!(round_trip(&c), c);
    }
    let json = serde_json::to_value(ImageChanges {
        name: Some(None),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(json, serde_json::json!({"name": null}));
    let empty: ImageChanges = serde_json::from_str("{}").unwrap();
    assert_eq!(empty, ImageChanges::default());
}

#[test]
fn members_round_trip() {
    for status in MemberStatus::ALL {
        let member = Member {
            image_id: "i".into(),
            member_id: "p".into(),
            status,
            created_at: glance_types::now(),
            updated_at: glance_types::now(),
        };
        assert_eq!(round_trip(&member), member);
        assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
    }
}

#[test]
fn every_query_variant_round_trips() {
    let t = glance_types::now();
    let ops = [
        TimeOp::Gt,
        TimeOp::Gte,
        TimeOp::Lt,
        TimeOp::Lte,
        TimeOp::Eq,
        TimeOp::Neq,
    ];
    let mut filters: Vec<Filter> = STRING_FILTER_COLUMNS
        .iter()
        .map(|c| Filter::Column(c, FilterValue::Eq(format!("{c}-v"))))
        .collect();
    filters.extend(INT_FILTER_COLUMNS.iter().map(|c| Filter::IntColumn(c, -3)));
    filters.extend(ops.iter().map(|&op| Filter::CreatedAt(op, t)));
    filters.extend(ops.iter().map(|&op| Filter::UpdatedAt(op, t)));
    filters.extend([
        Filter::Column("name", FilterValue::In(vec!["a".into(), "b,c".into()])),
        Filter::SizeMin(1),
        Filter::SizeMax(i64::MAX),
        Filter::Protected(true),
        Filter::Hidden(false),
        Filter::Tag("..".into()),
        Filter::Property("os_distro".into(), FilterValue::In(Vec::new())),
    ]);
    let scopes = [
        Scope::Admin(None),
        Scope::Admin(Some("p".into())),
        Scope::Project(None),
        Scope::Project(Some("p".into())),
    ];
    let visibilities = [None, Some(VisibilityFilter::All)]
        .into_iter()
        .chain(Visibility::ALL.map(|v| Some(VisibilityFilter::Only(v))));
    let member_statuses = [
        MemberStatusFilter::Accepted,
        MemberStatusFilter::Pending,
        MemberStatusFilter::Rejected,
        MemberStatusFilter::All,
    ];
    for (i, visibility) in visibilities.enumerate() {
        let q = ListQuery {
            scope: scopes[i % scopes.len()].clone(),
            visibility,
            member_status: member_statuses[i % member_statuses.len()],
            filters: filters.clone(),
            sort: SortKey::ALL
                .iter()
                .enumerate()
                .map(|(j, &k)| {
                    (
                        k,
                        if (i + j) % 2 == 0 {
                            SortDir::Asc
                        } else {
                            SortDir::Desc
                        },
                    )
                })
                .collect(),
            marker: (i % 2 == 0).then(|| format!("m{i}")),
            limit: i as u32,
        };
        assert_eq!(round_trip(&q), q);
    }
    for key in SortKey::ALL {
        assert_eq!(serde_json::to_value(key).unwrap(), key.column());
    }
}

#[test]
fn unknown_columns_are_refused() {
    for (kind, value) in [
        ("column", serde_json::json!({"eq": "x"})),
        ("int_column", 1.into()),
    ] {
        let err = serde_json::from_value::<ListQuery>(serde_json::json!({
            "scope": {"admin": null},
            "visibility": null,
            "member_status": "accepted",
            "filters": [{kind: ["name; drop", value]}],
            "sort": [],
            "marker": null,
            "limit": 1
        }))
        .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("unknown filter column 'name; drop'"),
            "{err}"
        );
    }
}
