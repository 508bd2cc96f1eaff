//! Keystone v3 authentication as keystoneauth does it: version discovery
//! when the auth URL has no version, then `POST /v3/auth/tokens` with the
//! password or token method and a scope; the result is the token
//! (`X-Subject-Token`) and the service catalog.

use reqwest::Method;
use serde_json::{Value, json};
use url::Url;

use crate::catalog::{is_version, parse_http_url};
use crate::error::reason;
use crate::http::{Http, Request, Service, content_type, header, request_id};
use crate::{ClientError, PasswordAuth, Scope};

/// The largest discovery document or error body read.
const SMALL_BODY: usize = 1 << 20;

/// The domain assumed when a name is given without one (`OS_DEFAULT_DOMAIN`).
const DEFAULT_DOMAIN_ID: &str = "default";

/// What shows in the debug log instead of a password or token.
const MASK: &str = "***";

/// How to prove who we are.
pub(crate) enum Credentials<'a> {
    /// The `password` method.
    Password(&'a PasswordAuth),
    /// The `token` method, with an existing token.
    Token(&'a str),
}

impl Credentials<'_> {
    /// The `identity` member of the auth request, with `secret` where the
    /// password or token goes.
    fn identity(&self, secret: &str) -> Result<Value, ClientError> {
        match self {
            Credentials::Password(p) => {
                let user = match (&p.user_id, &p.username) {
                    (Some(id), _) => json!({"id": id, "password": secret}),
                    (None, Some(name)) => json!({
                        "name": name,
                        "domain": domain(p.user_domain_id.as_deref(), p.user_domain_name.as_deref()),
                        "password": secret,
                    }),
                    (None, None) => {
                        return Err(ClientError::Config(
                            "You must provide a username via either --os-username or env[OS_USERNAME]"
                                .to_owned(),
                        ));
                    }
                };
                Ok(json!({"methods": ["password"], "password": {"user": user}}))
            }
            Credentials::Token(_) => Ok(json!({"methods": ["token"], "token": {"id": secret}})),
        }
    }

    fn secret(&self) -> &str {
        match self {
            Credentials::Password(p) => &p.password,
            Credentials::Token(t) => t,
        }
    }
}

/// A Keystone token and its catalog.
pub(crate) struct Session {
    /// The token to send as `X-Auth-Token`.
    pub(crate) token: String,
    /// The v3 catalog (`token.catalog`), empty for unscoped tokens.
    pub(crate) catalog: Vec<Value>,
}

/// Gets a token from the identity service at `auth_url`.
pub(crate) async fn authenticate(
    http: &Http,
    auth_url: &str,
    credentials: Credentials<'_>,
    scope: &Scope,
) -> Result<Session, ClientError> {
    let body = auth_request(credentials.identity(credentials.secret())?, scope);
    let logged = auth_request(credentials.identity(MASK)?, scope);
    let mut url = v3_url(http, auth_url).await?;
    if let Ok(mut segments) = url.path_segments_mut() {
        segments.pop_if_empty().extend(["auth", "tokens"]);
    }
    let request = Request::new(Service::Identity, Method::POST, url)
        .json(&body, "application/json")
        .log_body(logged.to_string());
    let response = http.send(request).await?;
    if !response.status().is_success() {
        return Err(refused(http, response).await);
    }
    let token = header(&response, "x-subject-token").ok_or_else(|| {
        ClientError::Invalid("the identity service sent no X-Subject-Token".to_owned())
    })?;
    let body = http.read_all(response).await?;
    let doc: Value = serde_json::from_slice(&body).map_err(|e| {
        ClientError::Invalid(format!(
            "invalid token response from the identity service: {e}"
        ))
    })?;
    let catalog = doc["token"]["catalog"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    Ok(Session { token, catalog })
}

/// `{"auth": {"identity": …, "scope": …}}`.
fn auth_request(identity: Value, scope: &Scope) -> Value {
    let mut auth = json!({"identity": identity});
    if let Some(scope) = scope_value(scope) {
        auth["scope"] = scope;
    }
    json!({ "auth": auth })
}

/// The `scope` member: project, else domain, else system; none for an
/// unscoped token.
fn scope_value(scope: &Scope) -> Option<Value> {
    if let Some(id) = &scope.project_id {
        return Some(json!({"project": {"id": id}}));
    }
    if let Some(name) = &scope.project_name {
        let domain = domain(
            scope.project_domain_id.as_deref(),
            scope.project_domain_name.as_deref(),
        );
        return Some(json!({"project": {"name": name, "domain": domain}}));
    }
    if let Some(id) = &scope.domain_id {
        return Some(json!({"domain": {"id": id}}));
    }
    if let Some(name) = &scope.domain_name {
        return Some(json!({"domain": {"name": name}}));
    }
    scope
        .system_scope
        .as_ref()
        .map(|system| json!({"system": {system.as_str(): true}}))
}

/// A domain reference by id, else by name, else the default domain.
fn domain(id: Option<&str>, name: Option<&str>) -> Value {
    match (id, name) {
        (Some(id), _) => json!({"id": id}),
        (None, Some(name)) => json!({"name": name}),
        (None, None) => json!({"id": DEFAULT_DOMAIN_ID}),
    }
}

/// The v3 API root: `auth_url` itself when it names a v3 version, else the
/// v3 link of the discovery document it serves.
async fn v3_url(http: &Http, auth_url: &str) -> Result<Url, ClientError> {
    let url = parse_http_url(auth_url.trim())?;
    let last = url
        .path_segments()
        .and_then(|mut s| s.rfind(|s| !s.is_empty()).map(str::to_owned));
    if last
        .as_deref()
        .is_some_and(|s| is_version(s) && s.starts_with("v3"))
    {
        return Ok(url);
    }
    let undetermined = |why: String| {
        ClientError::Config(format!(
            "Unable to determine the Keystone version to authenticate with using the given \
             auth_url. Identity service may not support API version discovery. Please provide \
             a versioned auth_url instead. error={why}"
        ))
    };
    let response = http
        .send(Request::new(Service::Identity, Method::GET, url.clone()))
        .await?;
    let status = response.status();
    let body = http.read_capped(response, SMALL_BODY).await?;
    let doc: Value = serde_json::from_slice(&body).map_err(|_| {
        undetermined(format!(
            "{url} answered {status} without a version document"
        ))
    })?;
    let href = v3_link(&doc).ok_or_else(|| undetermined(format!("{url} offers no v3 API")))?;
    parse_http_url(href)
}

/// The `self` link of the newest v3 version in a discovery document
/// (`{"versions": {"values": […]}}`, `{"versions": […]}` or `{"version": …}`).
fn v3_link(doc: &Value) -> Option<&str> {
    let listed = match &doc["versions"] {
        Value::Array(list) => list.iter().collect::<Vec<_>>(),
        other => other["values"]
            .as_array()
            .map(|l| l.iter().collect())
            .unwrap_or_default(),
    };
    let single = doc.get("version").into_iter();
    listed
        .into_iter()
        .chain(single)
        .filter_map(|v| {
            let minor = v["id"].as_str()?.strip_prefix("v3")?;
            let minor: u32 = minor.strip_prefix('.').unwrap_or("0").parse().ok()?;
            let href =
                v["links"].as_array()?.iter().find(|l| l["rel"] == "self")?["href"].as_str()?;
            Some((minor, href))
        })
        .max_by_key(|(minor, _)| *minor)
        .map(|(_, href)| href)
}

/// keystoneauth's error for a refused request: `<message> (HTTP <status>)`,
/// plus ` (Request-ID: <id>)` when the response carries one.
async fn refused(http: &Http, response: reqwest::Response) -> ClientError {
    let status = response.status().as_u16();
    let request_id = request_id(&response);
    let json = content_type(&response).starts_with("application/json");
    let body = http
        .read_capped(response, SMALL_BODY)
        .await
        .unwrap_or_default();
    let message = json
        .then(|| serde_json::from_slice::<Value>(&body).ok())
        .flatten()
        .and_then(|doc| doc["error"]["message"].as_str().map(str::to_owned))
        .unwrap_or_else(|| match reason(status) {
            "" => "HTTP Error".to_owned(),
            r => r.to_owned(),
        });
    let mut text = format!("{message} (HTTP {status})");
    if let Some(id) = request_id {
        text.push_str(&format!(" (Request-ID: {id})"));
    }
    ClientError::Auth(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_requests_default_the_domains() {
        let p = PasswordAuth {
            username: Some("demo".into()),
            password: "pw".into(),
            ..PasswordAuth::default()
        };
        let scope = Scope {
            project_name: Some("demo".into()),
            ..Scope::default()
        };
        let body = auth_request(Credentials::Password(&p).identity("pw").unwrap(), &scope);
        assert_eq!(
            body,
            json!({"auth": {
                "identity": {"methods": ["password"], "password": {"user": {
                    "name": "demo", "domain": {"id": "default"}, "password": "pw"}}},
                "scope": {"project": {"name": "demo", "domain": {"id": "default"}}}}})
        );
    }

    #[test]
    fn token_requests_and_other_scopes() {
        let identity = Credentials::Token("t").identity(MASK).unwrap();
        assert_eq!(
            identity,
            json!({"methods": ["token"], "token": {"id": "***"}})
        );
        let system = Scope {
            system_scope: Some("all".into()),
            ..Scope::default()
        };
        assert_eq!(scope_value(&system), Some(json!({"system": {"all": true}})));
        let domain = Scope {
            domain_name: Some("D".into()),
            ..Scope::default()
        };
        assert_eq!(scope_value(&domain), Some(json!({"domain": {"name": "D"}})));
        assert_eq!(scope_value(&Scope::default()), None);
        let user_id = PasswordAuth {
            user_id: Some("u1".into()),
            ..PasswordAuth::default()
        };
        assert_eq!(
            Credentials::Password(&user_id).identity(MASK).unwrap()["password"]["user"],
            json!({"id": "u1", "password": "***"})
        );
        let nobody = PasswordAuth::default();
        assert!(matches!(
            Credentials::Password(&nobody).identity(MASK),
            Err(ClientError::Config(_))
        ));
    }

    #[test]
    fn discovery_picks_the_newest_v3() {
        let doc = json!({"versions": {"values": [
            {"id": "v2.0", "links": [{"rel": "self", "href": "http://k/v2.0/"}]},
            {"id": "v3.10", "links": [{"rel": "self", "href": "http://k/v3.10/"}]},
            {"id": "v3.14", "links": [{"rel": "describedby", "href": "http://docs"},
                                       {"rel": "self", "href": "http://k/v3/"}]},
        ]}});
        assert_eq!(v3_link(&doc), Some("http://k/v3/"));
        let single =
            json!({"version": {"id": "v3", "links": [{"rel": "self", "href": "http://k/v3"}]}});
        assert_eq!(v3_link(&single), Some("http://k/v3"));
        assert_eq!(v3_link(&json!({"versions": []})), None);
    }
}
