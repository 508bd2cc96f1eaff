//! Images, image changes and memberships on the wire.

use glance_types::{
    Image, ImageChanges, ImageStatus, Location, Member, MemberStatus, Timestamp, Visibility,
};
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;

/// An [`Image`], every field as is; timestamps in RFC 3339 with their
/// microseconds.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct ImageBody {
    id: String,
    name: Option<String>,
    status: ImageStatus,
    visibility: Visibility,
    protected: bool,
    os_hidden: bool,
    checksum: Option<String>,
    os_hash_algo: Option<String>,
    os_hash_value: Option<String>,
    owner: Option<String>,
    size: Option<i64>,
    virtual_size: Option<i64>,
    container_format: Option<String>,
    disk_format: Option<String>,
    min_ram: i64,
    min_disk: i64,
    tags: Vec<String>,
    properties: BTreeMap<String, String>,
    locations: Vec<Location>,
    created_at: Timestamp,
    updated_at: Timestamp,
}

impl From<&Image> for ImageBody {
    fn from(image: &Image) -> Self {
        let Image {
            id,
            name,
            status,
            visibility,
            protected,
            os_hidden,
            checksum,
            os_hash_algo,
            os_hash_value,
            owner,
            size,
            virtual_size,
            container_format,
            disk_format,
            min_ram,
            min_disk,
            tags,
            properties,
            locations,
            created_at,
            updated_at,
        } = image.clone();
        Self {
            id,
            name,
            status,
            visibility,
            protected,
            os_hidden,
            checksum,
            os_hash_algo,
            os_hash_value,
            owner,
            size,
            virtual_size,
            container_format,
            disk_format,
            min_ram,
            min_disk,
            tags,
            properties,
            locations,
            created_at,
            updated_at,
        }
    }
}

impl From<ImageBody> for Image {
    fn from(body: ImageBody) -> Self {
        let ImageBody {
            id,
            name,
            status,
            visibility,
            protected,
            os_hidden,
            checksum,
            os_hash_algo,
            os_hash_value,
            owner,
            size,
            virtual_size,
            container_format,
            disk_format,
            min_ram,
            min_disk,
            tags,
            properties,
            locations,
            created_at,
            updated_at,
        } = body;
        Self {
            id,
            name,
            status,
            visibility,
            protected,
            os_hidden,
            checksum,
            os_hash_algo,
            os_hash_value,
            owner,
            size,
            virtual_size,
            container_format,
            disk_format,
            min_ram,
            min_disk,
            tags,
            properties,
            locations,
            created_at,
            updated_at,
        }
    }
}

/// [`ImageChanges`] in JSON merge-patch style: an absent field is left
/// alone, `null` sets a nullable field to NULL, a value sets it.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct ChangesBody {
    #[serde(skip_serializing_if = "Option::is_none")]
    expect_status: Option<ImageStatus>,
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "present")]
    name: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<ImageStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    visibility: Option<Visibility>,
    #[serde(skip_serializing_if = "Option::is_none")]
    protected: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    os_hidden: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "present")]
    checksum: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "present")]
    os_hash_algo: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "present")]
    os_hash_value: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "present")]
    owner: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "present")]
    size: Option<Option<i64>>,
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "present")]
    virtual_size: Option<Option<i64>>,
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "present")]
    container_format: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "present")]
    disk_format: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    min_ram: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    min_disk: Option<i64>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    set_properties: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    remove_properties: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tags: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    locations: Option<Vec<Location>>,
}

/// A field that is present: `null` becomes `Some(None)` (absent fields get
/// the `Default`, `None`).
fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

impl From<&ImageChanges> for ChangesBody {
    fn from(changes: &ImageChanges) -> Self {
        let ImageChanges {
            expect_status,
            name,
            status,
            visibility,
            protected,
            os_hidden,
            checksum,
            os_hash_algo,
            os_hash_value,
            owner,
            size,
            virtual_size,
            container_format,
            disk_format,
            min_ram,
            min_disk,
            set_properties,
            remove_properties,
            tags,
            locations,
        } = changes.clone();
        Self {
            expect_status,
            name,
            status,
            visibility,
            protected,
            os_hidden,
            checksum,
            os_hash_algo,
            os_hash_value,
            owner,
            size,
            virtual_size,
            container_format,
            disk_format,
            min_ram,
            min_disk,
            set_properties,
            remove_properties,
            tags,
            locations,
        }
    }
}

impl From<ChangesBody> for ImageChanges {
    fn from(body: ChangesBody) -> Self {
        let ChangesBody {
            expect_status,
            name,
            status,
            visibility,
            protected,
            os_hidden,
            checksum,
            os_hash_algo,
            os_hash_value,
            owner,
            size,
            virtual_size,
            container_format,
            disk_format,
            min_ram,
            min_disk,
            set_properties,
            remove_properties,
            tags,
            locations,
        } = body;
        Self {
            expect_status,
            name,
            status,
            visibility,
            protected,
            os_hidden,
            checksum,
            os_hash_algo,
            os_hash_value,
            owner,
            size,
            virtual_size,
            container_format,
            disk_format,
            min_ram,
            min_disk,
            set_properties,
            remove_properties,
            tags,
            locations,
        }
    }
}

/// A [`MemberStatus`] by its API name.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum MemberStatusBody {
    Pending,
    Accepted,
    Rejected,
}

impl From<MemberStatus> for MemberStatusBody {
    fn from(status: MemberStatus) -> Self {
        match status {
            MemberStatus::Pending => Self::Pending,
            MemberStatus::Accepted => Self::Accepted,
            MemberStatus::Rejected => Self::Rejected,
        }
    }
}

impl From<MemberStatusBody> for MemberStatus {
    fn from(status: MemberStatusBody) -> Self {
        match status {
            MemberStatusBody::Pending => Self::Pending,
            MemberStatusBody::Accepted => Self::Accepted,
            MemberStatusBody::Rejected => Self::Rejected,
        }
    }
}

/// A [`Member`], every field as is.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct MemberBody {
    image_id: String,
    member_id: String,
    status: MemberStatusBody,
    created_at: Timestamp,
    updated_at: Timestamp,
}

impl From<Member> for MemberBody {
    fn from(member: Member) -> Self {
        let Member {
            image_id,
            member_id,
            status,
            created_at,
            updated_at,
        } = member;
        Self {
            image_id,
            member_id,
            status: status.into(),
            created_at,
            updated_at,
        }
    }
}

impl From<MemberBody> for Member {
    fn from(body: MemberBody) -> Self {
        let MemberBody {
            image_id,
            member_id,
            status,
            created_at,
            updated_at,
        } = body;
        Self {
            image_id,
            member_id,
            status: status.into(),
            created_at,
            updated_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            assert_eq!(Image::from(round_trip(&ImageBody::from(&image))), image);
        }
    }

    #[test]
    fn changes_keep_absent_null_and_value_apart() {
        let changes = [
            ImageChanges::default(),
            ImageChanges {
                expect_status: Some(ImageStatus::Saving),
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
            assert_eq!(ImageChanges::from(round_trip(&ChangesBody::from(&c))), c);
        }
        let json = serde_json::to_value(ChangesBody::from(&ImageChanges {
            name: Some(None),
            ..Default::default()
        }))
        .unwrap();
        assert_eq!(json, serde_json::json!({"name": null}));
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
            assert_eq!(
                Member::from(round_trip(&MemberBody::from(member.clone()))),
                member
            );
        }
    }
}
