//! `GET /v2/images`: query parameters to a registry query, and page links.

use super::ImageService;
use crate::error::ApiError;
use glance_auth::{Action, RequestContext, Target};
use glance_types::{
    Filter, FilterValue, INT_FILTER_COLUMNS, Image, ListQuery, MemberStatusFilter,
    STRING_FILTER_COLUMNS, Scope, SortDir, SortKey, TimeOp, VisibilityFilter, parse_timestamp,
};

/// One page of a listing.
#[derive(Debug)]
pub struct ImagePage {
    /// The images on this page.
    pub images: Vec<Image>,
    /// Link to the first page (all parameters but `marker`).
    pub first: String,
    /// Link to the next page, when this one is full.
    pub next: Option<String>,
}

/// Parameters that are not filters.
const CONTROL: [&str; 7] = [
    "limit",
    "marker",
    "sort_key",
    "sort_dir",
    "sort",
    "visibility",
    "member_status",
];

fn bad(msg: impl Into<String>) -> ApiError {
    ApiError::BadRequest(msg.into())
}

/// Splits an `in:` list: comma separated, double quotes protect commas.
fn split_in_list(s: &str) -> Result<Vec<String>, ApiError> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut was_quoted = false;
    for c in s.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                was_quoted = true;
            }
            ',' if !quoted => {
                out.push(std::mem::take(&mut cur));
                was_quoted = false;
            }
            c => cur.push(c),
        }
    }
    if quoted {
        return Err(bad("Invalid filter value: unterminated quote."));
    }
    if !cur.is_empty() || was_quoted || !out.is_empty() {
        out.push(cur);
    }
    Ok(out)
}

/// Parses an exact-match value with optional `in:` operator.
fn filter_value(v: &str) -> Result<FilterValue, ApiError> {
    if let Some(rest) = v.strip_prefix("in:") {
        return Ok(FilterValue::In(split_in_list(rest)?));
    }
    if let Some((op, _)) = v.split_once(':')
        && matches!(op, "eq" | "neq" | "gt" | "gte" | "lt" | "lte" | "nin")
    {
        return Err(bad(format!("Unable to filter by unknown operator '{op}'.")));
    }
    Ok(FilterValue::Eq(v.to_string()))
}

fn time_filter(key: &str, v: &str) -> Result<(TimeOp, glance_types::Timestamp), ApiError> {
    let ops = [
        ("gte:", TimeOp::Gte),
        ("gt:", TimeOp::Gt),
        ("lte:", TimeOp::Lte),
        ("lt:", TimeOp::Lt),
        ("neq:", TimeOp::Neq),
        ("eq:", TimeOp::Eq),
    ];
    let (op, value) = ops
        .iter()
        .find_map(|(p, op)| v.strip_prefix(p).map(|rest| (*op, rest)))
        .unwrap_or((TimeOp::Eq, v));
    if op == TimeOp::Eq
        && value == v
        && let Some((prefix, _)) = v.split_once(':')
        && !prefix
            .chars()
            .all(|c| c.is_ascii_digit() || c == '-' || c == 'T')
    {
        return Err(bad("Unable to filter on a unknown operator."));
    }
    let t = parse_timestamp(value).ok_or_else(|| {
        bad(format!(
            "Bad \"{key}\" query filter format. Use ISO 8601 DateTime notation."
        ))
    })?;
    Ok((op, t))
}

fn bool_filter(key: &str, v: &str) -> Result<bool, ApiError> {
    match v {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(bad(format!(
            "Invalid value '{v}' for '{key}' filter. Valid values are 'true' or 'false'."
        ))),
    }
}

fn size_value(v: &str) -> Result<i64, ApiError> {
    v.parse::<i64>()
        .map_err(|_| bad("Unable to filter on a range with a non-numeric value."))
}

fn parse_dir(d: &str) -> Result<SortDir, ApiError> {
    match d {
        "asc" => Ok(SortDir::Asc),
        "desc" => Ok(SortDir::Desc),
        other => Err(bad(format!("Invalid sort direction: {other}"))),
    }
}

fn parse_key(k: &str) -> Result<SortKey, ApiError> {
    SortKey::parse(k).ok_or_else(|| bad(format!("Invalid sort key: {k}")))
}

/// Builds the sort order from either syntax.
fn sorting(params: &[(String, String)]) -> Result<Vec<(SortKey, SortDir)>, ApiError> {
    let keys: Vec<&str> = params
        .iter()
        .filter(|(k, _)| k == "sort_key")
        .map(|(_, v)| v.as_str())
        .collect();
    let dirs: Vec<&str> = params
        .iter()
        .filter(|(k, _)| k == "sort_dir")
        .map(|(_, v)| v.as_str())
        .collect();
    let sort: Vec<&str> = params
        .iter()
        .filter(|(k, _)| k == "sort")
        .map(|(_, v)| v.as_str())
        .collect();
    if !sort.is_empty() {
        if !keys.is_empty() || !dirs.is_empty() {
            return Err(bad("Old and new sorting syntax cannot be combined"));
        }
        let mut out = Vec::new();
        for part in sort.iter().flat_map(|s| s.split(',')) {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            let (k, d) = match part.split_once(':') {
                Some((k, d)) => (k.trim(), parse_dir(d.trim())?),
                None => (part, SortDir::Desc),
            };
            out.push((parse_key(k)?, d));
        }
        return Ok(if out.is_empty() {
            vec![(SortKey::CreatedAt, SortDir::Desc)]
        } else {
            out
        });
    }
    let dirs: Vec<SortDir> = dirs
        .iter()
        .map(|d| parse_dir(d))
        .collect::<Result<_, _>>()?;
    let keys: Vec<SortKey> = keys
        .iter()
        .map(|k| parse_key(k))
        .collect::<Result<_, _>>()?;
    if keys.is_empty() {
        return Ok(vec![(
            SortKey::CreatedAt,
            dirs.first().copied().unwrap_or(SortDir::Desc),
        )]);
    }
    match dirs.len() {
        0 => Ok(keys.into_iter().map(|k| (k, SortDir::Desc)).collect()),
        1 => Ok(keys.into_iter().map(|k| (k, dirs[0])).collect()),
        n if n == keys.len() => Ok(keys.into_iter().zip(dirs).collect()),
        _ => Err(bad(
            "Number of sort dirs does not match the number of sort keys",
        )),
    }
}

/// Encodes query parameters back into a link.
fn link(params: &[(String, String)]) -> String {
    if params.is_empty() {
        return "/v2/images".to_string();
    }
    let mut ser = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        ser.append_pair(k, v);
    }
    format!("/v2/images?{}", ser.finish())
}

impl ImageService {
    /// Translates list parameters into a registry query for `ctx`.
    pub fn list_query(
        &self,
        ctx: &RequestContext,
        params: &[(String, String)],
    ) -> Result<ListQuery, ApiError> {
        let scope = if ctx.is_admin {
            Scope::Admin(ctx.project_id.clone())
        } else {
            Scope::Project(ctx.project_id.clone())
        };
        let mut q = ListQuery::new(scope, self.settings.limit_param_default);
        q.filters.clear();
        q.sort = sorting(params)?;
        let mut hidden = Some(false);
        for (key, v) in params {
            match key.as_str() {
                "limit" => {
                    let n: i64 = v
                        .parse()
                        .map_err(|_| bad("limit param must be an integer"))?;
                    if n < 0 {
                        return Err(bad("limit param must be positive"));
                    }
                    q.limit = (n.min(self.settings.api_limit_max as i64)) as u32;
                }
                "marker" => q.marker = Some(v.clone()),
                "visibility" => {
                    q.visibility = Some(match v.as_str() {
                        "all" => VisibilityFilter::All,
                        other => VisibilityFilter::Only(
                            other
                                .parse()
                                .map_err(|_| bad(format!("Invalid visibility value: {other}")))?,
                        ),
                    })
                }
                "member_status" => {
                    q.member_status = match v.as_str() {
                        "accepted" => MemberStatusFilter::Accepted,
                        "pending" => MemberStatusFilter::Pending,
                        "rejected" => MemberStatusFilter::Rejected,
                        "all" => MemberStatusFilter::All,
                        other => return Err(bad(format!("Invalid status: {other}"))),
                    }
                }
                k if CONTROL.contains(&k) => {}
                "changes-since" => {
                    return Err(bad(
                        "The \"changes-since\" filter is no longer available on v2.",
                    ));
                }
                "tag" => q.filters.push(Filter::Tag(v.clone())),
                "size_min" => q.filters.push(Filter::SizeMin(size_value(v)?)),
                "size_max" => q.filters.push(Filter::SizeMax(size_value(v)?)),
                "os_hidden" => hidden = Some(bool_filter("os_hidden", v)?),
                "protected" => q
                    .filters
                    .push(Filter::Protected(bool_filter("protected", v)?)),
                "created_at" => {
                    let (op, t) = time_filter("created_at", v)?;
                    q.filters.push(Filter::CreatedAt(op, t));
                }
                "updated_at" => {
                    let (op, t) = time_filter("updated_at", v)?;
                    q.filters.push(Filter::UpdatedAt(op, t));
                }
                "size" => q.filters.push(Filter::IntColumn("size", size_value(v)?)),
                k => {
                    if let Some(col) = STRING_FILTER_COLUMNS.iter().find(|c| **c == k) {
                        q.filters.push(Filter::Column(col, filter_value(v)?));
                    } else if let Some(col) = INT_FILTER_COLUMNS.iter().find(|c| **c == k) {
                        let n = v.parse::<i64>().map_err(|_| {
                            bad(format!(
                                "Invalid value '{v}' for '{k}' filter: not an integer."
                            ))
                        })?;
                        q.filters.push(Filter::IntColumn(col, n));
                    } else {
                        q.filters
                            .push(Filter::Property(k.to_string(), filter_value(v)?));
                    }
                }
            }
        }
        if let Some(h) = hidden {
            q.filters.push(Filter::Hidden(h));
        }
        Ok(q)
    }

    /// `GET /v2/images`.
    pub async fn list(
        &self,
        ctx: &RequestContext,
        params: &[(String, String)],
    ) -> Result<ImagePage, ApiError> {
        let mut target = Target::new();
        if let Some(p) = &ctx.project_id {
            target = target
                .with("project_id", p.as_str())
                .with("owner", p.as_str());
        }
        if !self.policy.enforce(ctx, "get_images", &target) {
            return Err(ApiError::denied("get_images"));
        }
        let query = self.list_query(ctx, params)?;
        let mut images = self.registry.list_images(&query).await?;
        let full_page = images.len() as u32 == query.limit;
        // The next page starts after the last row read, even if the policy hides it.
        let last_id = images.last().map(|i| i.id.clone());
        images.retain(|image| self.policy.allows(ctx, Action::GetImage, image));
        let without_marker: Vec<(String, String)> = params
            .iter()
            .filter(|(k, _)| k != "marker")
            .cloned()
            .collect();
        let next = match last_id {
            Some(last) if full_page && query.limit > 0 => {
                let mut p = without_marker.clone();
                p.push(("marker".into(), last));
                Some(link(&p))
            }
            _ => None,
        };
        Ok(ImagePage {
            images,
            first: link(&without_marker),
            next,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn in_lists_honour_quotes() {
        assert_eq!(split_in_list("a,b").unwrap(), vec!["a", "b"]);
        assert_eq!(
            split_in_list("\"glass, darkly\",x").unwrap(),
            vec!["glass, darkly", "x"]
        );
        assert!(split_in_list("\"open").is_err());
    }

    #[test]
    fn sort_syntaxes() {
        assert_eq!(
            sorting(&p(&[("sort", "name:asc,size")])).unwrap(),
            vec![
                (SortKey::Name, SortDir::Asc),
                (SortKey::Size, SortDir::Desc)
            ]
        );
        assert_eq!(
            sorting(&p(&[
                ("sort_key", "name"),
                ("sort_key", "size"),
                ("sort_dir", "asc")
            ]))
            .unwrap(),
            vec![(SortKey::Name, SortDir::Asc), (SortKey::Size, SortDir::Asc)]
        );
        assert!(sorting(&p(&[("sort", "name"), ("sort_key", "size")])).is_err());
        assert!(sorting(&p(&[("sort_key", "bogus")])).is_err());
        assert!(sorting(&p(&[("sort_key", "name"), ("sort_dir", "up")])).is_err());
        assert!(
            sorting(&p(&[
                ("sort_key", "a"),
                ("sort_key", "name"),
                ("sort_dir", "asc"),
                ("sort_dir", "asc"),
                ("sort_dir", "asc")
            ]))
            .is_err()
        );
    }

    #[test]
    fn links_keep_every_parameter() {
        assert_eq!(link(&[]), "/v2/images");
        assert_eq!(
            link(&p(&[("tag", "a"), ("tag", "b"), ("sort", "name:asc")])),
            "/v2/images?tag=a&tag=b&sort=name%3Aasc"
        );
    }

    #[test]
    fn operators() {
        assert!(matches!(filter_value("gt:5"), Err(ApiError::BadRequest(_))));
        assert_eq!(
            filter_value("in:a,b").unwrap(),
            FilterValue::In(vec!["a".into(), "b".into()])
        );
        assert_eq!(
            time_filter("created_at", "gte:2026-01-01T00:00:00Z")
                .unwrap()
                .0,
            TimeOp::Gte
        );
        assert!(time_filter("created_at", "gte:yesterday").is_err());
        assert!(bool_filter("os_hidden", "True").is_err());
    }
}
