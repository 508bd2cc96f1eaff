//! A validated image list query: filters, visibility scope, sort and page.
//!
//! Serde writes enums by their snake_case names (`"container_format"`,
//! `{"only": "public"}`, `{"column": ["name", {"in": ["a", "b"]}]}`); a
//! filter column that is not in [`STRING_FILTER_COLUMNS`] or
//! [`INT_FILTER_COLUMNS`] does not deserialize.

use crate::{ImageStatus, Timestamp, Visibility};
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};

/// The columns images can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortKey {
    /// `name`
    Name,
    /// `status`
    Status,
    /// `container_format`
    ContainerFormat,
    /// `disk_format`
    DiskFormat,
    /// `size`
    Size,
    /// `id`
    Id,
    /// `created_at`
    CreatedAt,
    /// `updated_at`
    UpdatedAt,
}

impl SortKey {
    /// Every sort key, in declaration order.
    pub const ALL: [SortKey; 8] = [
        Self::Name,
        Self::Status,
        Self::ContainerFormat,
        Self::DiskFormat,
        Self::Size,
        Self::Id,
        Self::CreatedAt,
        Self::UpdatedAt,
    ];

    /// Parses an API sort key name (its column name).
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.column() == s)
    }

    /// The column name.
    pub fn column(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Status => "status",
            Self::ContainerFormat => "container_format",
            Self::DiskFormat => "disk_format",
            Self::Size => "size",
            Self::Id => "id",
            Self::CreatedAt => "created_at",
            Self::UpdatedAt => "updated_at",
        }
    }

    /// Whether the column can hold NULL (NULLs sort first ascending, last descending).
    pub fn nullable(self) -> bool {
        matches!(
            self,
            Self::Name | Self::ContainerFormat | Self::DiskFormat | Self::Size
        )
    }
}

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortDir {
    /// Ascending.
    Asc,
    /// Descending.
    Desc,
}

/// Comparison operator of a time filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeOp {
    /// `gt`
    Gt,
    /// `gte`
    Gte,
    /// `lt`
    Lt,
    /// `lte`
    Lte,
    /// `eq`
    Eq,
    /// `neq`
    Neq,
}

/// A value an exact-match filter accepts: one value, or any of a list (`in:a,b`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FilterValue {
    /// Exactly this value.
    Eq(String),
    /// Any of these values.
    In(Vec<String>),
}

/// One list filter. Every filter in a query must hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Filter {
    /// A string core column (`name`, `id`, `status`, `container_format`,
    /// `disk_format`, `owner`, `checksum`, `os_hash_value`, `os_hash_algo`) matches.
    Column(
        #[serde(deserialize_with = "string_column")] ColumnName,
        FilterValue,
    ),
    /// An integer core column (`min_ram`, `min_disk`, `size`, `virtual_size`) equals.
    IntColumn(#[serde(deserialize_with = "int_column")] ColumnName, i64),
    /// `size >= n`.
    SizeMin(i64),
    /// `size <= n`.
    SizeMax(i64),
    /// `protected` equals.
    Protected(bool),
    /// `os_hidden` equals (the API defaults this to false).
    Hidden(bool),
    /// The image has this tag.
    Tag(String),
    /// `created_at <op> t`.
    CreatedAt(TimeOp, Timestamp),
    /// `updated_at <op> t`.
    UpdatedAt(TimeOp, Timestamp),
    /// An extra property equals the value (string comparison).
    Property(String, FilterValue),
}

/// Which visibilities a list asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VisibilityFilter {
    /// Only images of this visibility (still scoped to what the caller may see).
    Only(Visibility),
    /// `visibility=all`: everything the caller may see, community included.
    All,
}

/// Member status filter for shared images the caller is a member of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberStatusFilter {
    /// Accepted memberships only (default).
    Accepted,
    /// Pending memberships only.
    Pending,
    /// Rejected memberships only.
    Rejected,
    /// Any membership.
    All,
}

impl MemberStatusFilter {
    /// The member status value, or `None` for all.
    pub fn as_status(self) -> Option<&'static str> {
        match self {
            Self::Accepted => Some("accepted"),
            Self::Pending => Some("pending"),
            Self::Rejected => Some("rejected"),
            Self::All => None,
        }
    }
}

/// Whose images a list may return.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// An admin, acting for a project (or none): every image of every
    /// project, except that the default list (no `visibility` asked) leaves
    /// out community images of other projects, as upstream does.
    Admin(Option<String>),
    /// A caller acting for a project (or for none): public images, its own,
    /// the shared images it is a member of, community images when asked.
    Project(Option<String>),
}

/// A validated list query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListQuery {
    /// Who asks.
    pub scope: Scope,
    /// The `visibility` parameter, if given.
    pub visibility: Option<VisibilityFilter>,
    /// The `member_status` parameter.
    pub member_status: MemberStatusFilter,
    /// Filters, all of which must hold.
    pub filters: Vec<Filter>,
    /// Sort keys as requested; the registry appends `created_at` and `id` tie-breakers.
    pub sort: Vec<(SortKey, SortDir)>,
    /// Return images after this one (in the sort order).
    pub marker: Option<String>,
    /// Page size.
    pub limit: u32,
}

impl ListQuery {
    /// A query for everything `scope` may see, default sort, given page size.
    pub fn new(scope: Scope, limit: u32) -> Self {
        Self {
            scope,
            visibility: None,
            member_status: MemberStatusFilter::Accepted,
            filters: vec![Filter::Hidden(false)],
            sort: vec![(SortKey::CreatedAt, SortDir::Desc)],
            marker: None,
            limit,
        }
    }

    /// The full sort order the registry applies: requested keys, then
    /// `created_at` and `id` in the first key's direction (unless already present).
    pub fn effective_sort(&self) -> Vec<(SortKey, SortDir)> {
        let mut sort = self.sort.clone();
        let dir = sort.first().map(|s| s.1).unwrap_or(SortDir::Desc);
        for key in [SortKey::CreatedAt, SortKey::Id] {
            if !sort.iter().any(|(k, _)| *k == key) {
                sort.push((key, dir));
            }
        }
        sort
    }
}

/// Image columns filterable by exact (or `in:`) string match ([`Filter::Column`]).
pub const STRING_FILTER_COLUMNS: [&str; 9] = [
    "name",
    "id",
    "status",
    "container_format",
    "disk_format",
    "owner",
    "checksum",
    "os_hash_value",
    "os_hash_algo",
];

/// Image columns filterable by exact integer match ([`Filter::IntColumn`]).
pub const INT_FILTER_COLUMNS: [&str; 4] = ["min_ram", "min_disk", "size", "virtual_size"];

/// A filter column: one of [`STRING_FILTER_COLUMNS`] or
/// [`INT_FILTER_COLUMNS`]. (Named, not written `&'static str` in [`Filter`],
/// because serde's derive would then borrow it from the input; it is read
/// by [`string_column`] and [`int_column`] instead.)
type ColumnName = &'static str;

/// Reads a [`Filter::Column`] column: one of [`STRING_FILTER_COLUMNS`].
fn string_column<'de, D: Deserializer<'de>>(deserializer: D) -> Result<ColumnName, D::Error> {
    known_column(&STRING_FILTER_COLUMNS, deserializer)
}

/// Reads a [`Filter::IntColumn`] column: one of [`INT_FILTER_COLUMNS`].
fn int_column<'de, D: Deserializer<'de>>(deserializer: D) -> Result<ColumnName, D::Error> {
    known_column(&INT_FILTER_COLUMNS, deserializer)
}

/// The `'static` name in `columns` equal to the string read, else an error.
fn known_column<'de, D: Deserializer<'de>>(
    columns: &[ColumnName],
    deserializer: D,
) -> Result<ColumnName, D::Error> {
    let name = String::deserialize(deserializer)?;
    columns
        .iter()
        .copied()
        .find(|c| *c == name)
        .ok_or_else(|| de::Error::custom(format!("unknown filter column '{name}'")))
}

/// Statuses never returned by a list.
pub const UNLISTED_STATUSES: [ImageStatus; 3] = [
    ImageStatus::Killed,
    ImageStatus::Deleted,
    ImageStatus::PendingDelete,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_keys_parse_by_column_name() {
        for key in SortKey::ALL {
            assert_eq!(SortKey::parse(key.column()), Some(key));
        }
        assert_eq!(SortKey::parse("Name"), None);
    }

    #[test]
    fn tie_breakers_follow_first_direction() {
        let mut q = ListQuery::new(Scope::Admin(None), 25);
        q.sort = vec![(SortKey::Name, SortDir::Asc)];
        assert_eq!(
            q.effective_sort(),
            vec![
                (SortKey::Name, SortDir::Asc),
                (SortKey::CreatedAt, SortDir::Asc),
                (SortKey::Id, SortDir::Asc)
            ]
        );
        q.sort = vec![
            (SortKey::Id, SortDir::Asc),
            (SortKey::CreatedAt, SortDir::Desc),
        ];
        assert_eq!(q.effective_sort().len(), 2);
    }
}
