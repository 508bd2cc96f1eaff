//! [`ListQuery`] on the wire. Every enum is mirrored with exhaustive
//! conversions both ways, so a variant added to glance-types does not
//! compile until it travels here too.

use glance_types::{
    Filter, FilterValue, INT_FILTER_COLUMNS, ListQuery, MemberStatusFilter, STRING_FILTER_COLUMNS,
    Scope, SortDir, SortKey, TimeOp, Timestamp, Visibility, VisibilityFilter,
};
use serde::{Deserialize, Serialize};

/// A [`ListQuery`].
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct ListQueryBody {
    scope: ScopeBody,
    visibility: Option<VisibilityFilterBody>,
    member_status: MemberStatusFilterBody,
    filters: Vec<FilterBody>,
    sort: Vec<SortBody>,
    marker: Option<String>,
    limit: u32,
}

/// A [`Scope`]: `{"admin": project}` or `{"project": project}`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum ScopeBody {
    Admin(Option<String>),
    Project(Option<String>),
}

/// A [`VisibilityFilter`]: `{"only": "public"}` or `"all"`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum VisibilityFilterBody {
    Only(Visibility),
    All,
}

/// A [`MemberStatusFilter`].
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum MemberStatusFilterBody {
    Accepted,
    Pending,
    Rejected,
    All,
}

/// One sort key and direction.
#[derive(Debug, Serialize, Deserialize)]
struct SortBody {
    key: SortKeyBody,
    dir: SortDirBody,
}

/// A [`SortKey`] by its column name.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum SortKeyBody {
    Name,
    Status,
    ContainerFormat,
    DiskFormat,
    Size,
    Id,
    CreatedAt,
    UpdatedAt,
}

/// A [`SortDir`].
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum SortDirBody {
    Asc,
    Desc,
}

/// A [`TimeOp`] by its API name.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum TimeOpBody {
    Gt,
    Gte,
    Lt,
    Lte,
    Eq,
    Neq,
}

/// A [`FilterValue`]: `{"eq": v}` or `{"in": [v, …]}`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum FilterValueBody {
    Eq(String),
    In(Vec<String>),
}

/// A [`Filter`], tagged by `kind`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum FilterBody {
    Column {
        column: String,
        value: FilterValueBody,
    },
    IntColumn {
        column: String,
        value: i64,
    },
    SizeMin {
        value: i64,
    },
    SizeMax {
        value: i64,
    },
    Protected {
        value: bool,
    },
    Hidden {
        value: bool,
    },
    Tag {
        value: String,
    },
    CreatedAt {
        op: TimeOpBody,
        at: Timestamp,
    },
    UpdatedAt {
        op: TimeOpBody,
        at: Timestamp,
    },
    Property {
        name: String,
        value: FilterValueBody,
    },
}

/// A query the daemon cannot run: it names a filter column glance-types
/// does not know.
#[derive(Debug, thiserror::Error)]
#[error("unknown filter column '{0}'")]
pub(crate) struct UnknownColumn(String);

impl From<&ListQuery> for ListQueryBody {
    fn from(q: &ListQuery) -> Self {
        let ListQuery {
            scope,
            visibility,
            member_status,
            filters,
            sort,
            marker,
            limit,
        } = q;
        Self {
            scope: match scope.clone() {
                Scope::Admin(p) => ScopeBody::Admin(p),
                Scope::Project(p) => ScopeBody::Project(p),
            },
            visibility: visibility.map(|v| match v {
                VisibilityFilter::Only(v) => VisibilityFilterBody::Only(v),
                VisibilityFilter::All => VisibilityFilterBody::All,
            }),
            member_status: match member_status {
                MemberStatusFilter::Accepted => MemberStatusFilterBody::Accepted,
                MemberStatusFilter::Pending => MemberStatusFilterBody::Pending,
                MemberStatusFilter::Rejected => MemberStatusFilterBody::Rejected,
                MemberStatusFilter::All => MemberStatusFilterBody::All,
            },
            filters: filters.iter().map(FilterBody::from).collect(),
            sort: sort
                .iter()
                .map(|&(key, dir)| SortBody {
                    key: key.into(),
                    dir: match dir {
                        SortDir::Asc => SortDirBody::Asc,
                        SortDir::Desc => SortDirBody::Desc,
                    },
                })
                .collect(),
            marker: marker.clone(),
            limit: *limit,
        }
    }
}

impl TryFrom<ListQueryBody> for ListQuery {
    type Error = UnknownColumn;
    fn try_from(body: ListQueryBody) -> Result<Self, UnknownColumn> {
        let ListQueryBody {
            scope,
            visibility,
            member_status,
            filters,
            sort,
            marker,
            limit,
        } = body;
        Ok(Self {
            scope: match scope {
                ScopeBody::Admin(p) => Scope::Admin(p),
                ScopeBody::Project(p) => Scope::Project(p),
            },
            visibility: visibility.map(|v| match v {
                VisibilityFilterBody::Only(v) => VisibilityFilter::Only(v),
                VisibilityFilterBody::All => VisibilityFilter::All,
            }),
            member_status: match member_status {
                MemberStatusFilterBody::Accepted => MemberStatusFilter::Accepted,
                MemberStatusFilterBody::Pending => MemberStatusFilter::Pending,
                MemberStatusFilterBody::Rejected => MemberStatusFilter::Rejected,
                MemberStatusFilterBody::All => MemberStatusFilter::All,
            },
            filters: filters
                .into_iter()
                .map(Filter::try_from)
                .collect::<Result<_, _>>()?,
            sort: sort
                .into_iter()
                .map(|SortBody { key, dir }| {
                    let dir = match dir {
                        SortDirBody::Asc => SortDir::Asc,
                        SortDirBody::Desc => SortDir::Desc,
                    };
                    (key.into(), dir)
                })
                .collect(),
            marker,
            limit,
        })
    }
}

impl From<SortKey> for SortKeyBody {
    fn from(key: SortKey) -> Self {
        match key {
            SortKey::Name => Self::Name,
            SortKey::Status => Self::Status,
            SortKey::ContainerFormat => Self::ContainerFormat,
            SortKey::DiskFormat => Self::DiskFormat,
            SortKey::Size => Self::Size,
            SortKey::Id => Self::Id,
            SortKey::CreatedAt => Self::CreatedAt,
            SortKey::UpdatedAt => Self::UpdatedAt,
        }
    }
}

impl From<SortKeyBody> for SortKey {
    fn from(key: SortKeyBody) -> Self {
        match key {
            SortKeyBody::Name => Self::Name,
            SortKeyBody::Status => Self::Status,
            SortKeyBody::ContainerFormat => Self::ContainerFormat,
            SortKeyBody::DiskFormat => Self::DiskFormat,
            SortKeyBody::Size => Self::Size,
            SortKeyBody::Id => Self::Id,
            SortKeyBody::CreatedAt => Self::CreatedAt,
            SortKeyBody::UpdatedAt => Self::UpdatedAt,
        }
    }
}

impl From<TimeOp> for TimeOpBody {
    fn from(op: TimeOp) -> Self {
        match op {
            TimeOp::Gt => Self::Gt,
            TimeOp::Gte => Self::Gte,
            TimeOp::Lt => Self::Lt,
            TimeOp::Lte => Self::Lte,
            TimeOp::Eq => Self::Eq,
            TimeOp::Neq => Self::Neq,
        }
    }
}

impl From<TimeOpBody> for TimeOp {
    fn from(op: TimeOpBody) -> Self {
        match op {
            TimeOpBody::Gt => Self::Gt,
            TimeOpBody::Gte => Self::Gte,
            TimeOpBody::Lt => Self::Lt,
            TimeOpBody::Lte => Self::Lte,
            TimeOpBody::Eq => Self::Eq,
            TimeOpBody::Neq => Self::Neq,
        }
    }
}

impl From<&FilterValue> for FilterValueBody {
    fn from(value: &FilterValue) -> Self {
        match value.clone() {
            FilterValue::Eq(v) => Self::Eq(v),
            FilterValue::In(v) => Self::In(v),
        }
    }
}

impl From<FilterValueBody> for FilterValue {
    fn from(value: FilterValueBody) -> Self {
        match value {
            FilterValueBody::Eq(v) => Self::Eq(v),
            FilterValueBody::In(v) => Self::In(v),
        }
    }
}

impl From<&Filter> for FilterBody {
    fn from(filter: &Filter) -> Self {
        match filter {
            Filter::Column(column, value) => Self::Column {
                column: (*column).to_owned(),
                value: value.into(),
            },
            Filter::IntColumn(column, value) => Self::IntColumn {
                column: (*column).to_owned(),
                value: *value,
            },
            Filter::SizeMin(value) => Self::SizeMin { value: *value },
            Filter::SizeMax(value) => Self::SizeMax { value: *value },
            Filter::Protected(value) => Self::Protected { value: *value },
            Filter::Hidden(value) => Self::Hidden { value: *value },
            Filter::Tag(value) => Self::Tag {
                value: value.clone(),
            },
            Filter::CreatedAt(op, at) => Self::CreatedAt {
                op: (*op).into(),
                at: *at,
            },
            Filter::UpdatedAt(op, at) => Self::UpdatedAt {
                op: (*op).into(),
                at: *at,
            },
            Filter::Property(name, value) => Self::Property {
                name: name.clone(),
                value: value.into(),
            },
        }
    }
}

impl TryFrom<FilterBody> for Filter {
    type Error = UnknownColumn;
    fn try_from(body: FilterBody) -> Result<Self, UnknownColumn> {
        Ok(match body {
            FilterBody::Column { column, value } => {
                Self::Column(known(&STRING_FILTER_COLUMNS, column)?, value.into())
            }
            FilterBody::IntColumn { column, value } => {
                Self::IntColumn(known(&INT_FILTER_COLUMNS, column)?, value)
            }
            FilterBody::SizeMin { value } => Self::SizeMin(value),
            FilterBody::SizeMax { value } => Self::SizeMax(value),
            FilterBody::Protected { value } => Self::Protected(value),
            FilterBody::Hidden { value } => Self::Hidden(value),
            FilterBody::Tag { value } => Self::Tag(value),
            FilterBody::CreatedAt { op, at } => Self::CreatedAt(op.into(), at),
            FilterBody::UpdatedAt { op, at } => Self::UpdatedAt(op.into(), at),
            FilterBody::Property { name, value } => Self::Property(name, value.into()),
        })
    }
}

/// The `'static` column name glance-types uses for `column`.
fn known(columns: &[&'static str], column: String) -> Result<&'static str, UnknownColumn> {
    columns
        .iter()
        .copied()
        .find(|c| *c == column)
        .ok_or(UnknownColumn(column))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(q: &ListQuery) -> ListQuery {
        let text = serde_json::to_string(&ListQueryBody::from(q)).unwrap();
        serde_json::from_str::<ListQueryBody>(&text)
            .unwrap()
            .try_into()
            .unwrap()
    }

    #[test]
    fn every_variant_round_trips() {
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
        let keys = [
            SortKey::Name,
            SortKey::Status,
            SortKey::ContainerFormat,
            SortKey::DiskFormat,
            SortKey::Size,
            SortKey::Id,
            SortKey::CreatedAt,
            SortKey::UpdatedAt,
        ];
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
                sort: keys
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
    }

    #[test]
    fn unknown_columns_are_refused() {
        let body: ListQueryBody = serde_json::from_value(serde_json::json!({
            "scope": {"admin": null},
            "visibility": null,
            "member_status": "accepted",
            "filters": [{"kind": "column", "column": "name; drop", "value": {"eq": "x"}}],
            "sort": [],
            "marker": null,
            "limit": 1
        }))
        .unwrap();
        let err = ListQuery::try_from(body).unwrap_err();
        assert_eq!(err.to_string(), "unknown filter column 'name; drop'");
    }
}
