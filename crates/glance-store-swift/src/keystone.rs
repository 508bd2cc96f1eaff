//! Keystone v3 password authentication, project scoped: `POST
//! /v3/auth/tokens`, the token from `X-Subject-Token`, the storage URL from
//! the catalog by service type, interface and region.

use crate::auth::{Account, CatalogFilter, Domain, Login};
use crate::error::{status, transport, unavailable};
use glance_store::StoreError;
use serde::Deserialize;
use serde_json::{Value, json};

/// The token request's answer (only what is used).
#[derive(Debug, Deserialize)]
struct TokenBody {
    token: Token,
}

/// A v3 token.
#[derive(Debug, Deserialize)]
struct Token {
    expires_at: Option<String>,
    #[serde(default)]
    catalog: Vec<Service>,
}

/// One catalog service.
#[derive(Debug, Deserialize)]
struct Service {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    endpoints: Vec<Endpoint>,
}

/// One endpoint of a catalog service.
#[derive(Debug, Deserialize)]
struct Endpoint {
    interface: String,
    region: Option<String>,
    region_id: Option<String>,
    url: String,
}

/// Who logs in to which project.
pub(crate) struct Scope<'a> {
    /// The project name.
    pub project: &'a str,
    /// The user name.
    pub user: &'a str,
    /// The user's domain.
    pub user_domain: &'a Domain,
    /// The project's domain.
    pub project_domain: &'a Domain,
}

/// Logs in as `scope` with the account's key; `catalog` says which endpoint is the storage URL (`None` when
/// `swift_store_endpoint` replaces it).
pub(crate) async fn login(
    http: &reqwest::Client,
    account: &Account,
    scope: &Scope<'_>,
    catalog: Option<&CatalogFilter>,
) -> Result<Login, StoreError> {
    let url = tokens_url(&account.auth_address);
    let what = format!("authenticating {:?} at {url}", account.user);
    let response = http
        .post(&url)
        .json(&request_body(scope, &account.key))
        .send()
        .await
        .map_err(|e| transport(&what, &e))?;
    if !response.status().is_success() {
        return Err(status(&what, response).await);
    }
    let token = response
        .headers()
        .get("X-Subject-Token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .ok_or_else(|| unavailable(format!("{what}: no X-Subject-Token in the answer")))?;
    let body: TokenBody = response
        .json()
        .await
        .map_err(|e| unavailable(format!("{what}: unreadable token answer: {e}")))?;
    let storage_url = catalog
        .map(|filter| storage_url(&body.token.catalog, filter))
        .transpose()?;
    let lifetime = body
        .token
        .expires_at
        .as_deref()
        .and_then(|at| chrono::DateTime::parse_from_rfc3339(at).ok())
        .map(|at| {
            (at.with_timezone(&chrono::Utc) - chrono::Utc::now())
                .to_std()
                .unwrap_or_default()
        });
    Ok(Login {
        token,
        storage_url,
        lifetime,
    })
}

/// `<auth address>/auth/tokens` for a `.../v3` address, else
/// `<auth address>/v3/auth/tokens`.
fn tokens_url(auth_address: &str) -> String {
    let base = auth_address.trim_end_matches('/');
    if base.ends_with("/v3") {
        format!("{base}/auth/tokens")
    } else {
        format!("{base}/v3/auth/tokens")
    }
}

/// The password-method, project-scoped token request.
fn request_body(scope: &Scope<'_>, password: &str) -> Value {
    json!({
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {
                        "name": scope.user,
                        "domain": domain(scope.user_domain),
                        "password": password,
                    }
                }
            },
            "scope": {
                "project": {"name": scope.project, "domain": domain(scope.project_domain)}
            }
        }
    })
}

/// `{"id": ...}` or `{"name": ...}`.
fn domain(domain: &Domain) -> Value {
    match domain {
        Domain::Id(id) => json!({ "id": id }),
        Domain::Name(name) => json!({ "name": name }),
    }
}

/// The first endpoint of the wanted service type, interface and region.
fn storage_url(catalog: &[Service], filter: &CatalogFilter) -> Result<String, StoreError> {
    catalog
        .iter()
        .filter(|service| service.kind == filter.service_type)
        .flat_map(|service| &service.endpoints)
        .find(|endpoint| {
            endpoint.interface == filter.interface
                && filter.region.as_ref().is_none_or(|region| {
                    endpoint.region_id.as_ref() == Some(region)
                        || endpoint.region.as_ref() == Some(region)
                })
        })
        .map(|endpoint| endpoint.url.clone())
        .ok_or_else(|| {
            unavailable(format!(
                "the Keystone catalog has no {} endpoint with interface {}{}",
                filter.service_type,
                filter.interface,
                filter
                    .region
                    .as_ref()
                    .map(|r| format!(" in region {r}"))
                    .unwrap_or_default()
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(interface: &str, region: &str, url: &str) -> Endpoint {
        Endpoint {
            interface: interface.into(),
            region: Some(region.into()),
            region_id: Some(region.into()),
            url: url.into(),
        }
    }

    fn filter(interface: &str, region: Option<&str>) -> CatalogFilter {
        CatalogFilter {
            service_type: "object-store".into(),
            interface: interface.into(),
            region: region.map(Into::into),
        }
    }

    #[test]
    fn catalog_lookup_matches_type_interface_and_region() {
        let catalog = vec![
            Service {
                kind: "image".into(),
                endpoints: vec![endpoint("internal", "Two", "http://image")],
            },
            Service {
                kind: "object-store".into(),
                endpoints: vec![
                    endpoint("public", "One", "http://one-public"),
                    endpoint("internal", "One", "http://one-internal"),
                    endpoint("internal", "Two", "http://two-internal"),
                ],
            },
        ];
        let pick = |interface, region| storage_url(&catalog, &filter(interface, region));
        assert_eq!(
            pick("internal", Some("Two")).unwrap(),
            "http://two-internal"
        );
        assert_eq!(pick("internal", None).unwrap(), "http://one-internal");
        assert_eq!(pick("public", Some("One")).unwrap(), "http://one-public");
        let missing = pick("admin", Some("Two")).unwrap_err().to_string();
        assert!(
            missing.contains("object-store")
                && missing.contains("admin")
                && missing.contains("Two"),
            "{missing}"
        );
    }

    #[test]
    fn tokens_url_appends_v3_when_missing() {
        assert_eq!(
            tokens_url("http://k:5000/v3/"),
            "http://k:5000/v3/auth/tokens"
        );
        assert_eq!(tokens_url("http://k:5000"), "http://k:5000/v3/auth/tokens");
    }
}
