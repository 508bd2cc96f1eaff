//! The caller of one request.

use http::HeaderMap;

/// Who is calling, for which project, with which roles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestContext {
    /// `req-<uuid>` of this request.
    pub request_id: String,
    /// The user, if known.
    pub user_id: Option<String>,
    /// The project the caller acts for, if any.
    pub project_id: Option<String>,
    /// Lower-cased role names.
    pub roles: Vec<String>,
    /// Whether the caller has admin rights.
    pub is_admin: bool,
    /// Lower-cased roles of the service token sent beside the user's
    /// (`X-Service-Token`, keystonemiddleware's `X-Service-Roles`); empty
    /// without one. Policy rules read them as `service_roles:<role>`.
    pub service_roles: Vec<String>,
}

impl RequestContext {
    /// An admin acting for no project (the no-auth default).
    pub fn admin(request_id: impl Into<String>) -> Self {
        Self {
            request_id: request_id.into(),
            user_id: None,
            project_id: None,
            roles: vec!["admin".into(), "member".into(), "reader".into()],
            is_admin: true,
            service_roles: Vec::new(),
        }
    }

    /// Builds the context from upstream's identity headers (`X-Project-Id` or
    /// `X-Tenant-Id`, `X-User-Id`, `X-Roles`, `X-Service-Roles`). With none of
    /// the first three the caller is an admin with no project, so the stock
    /// clients work with any token.
    pub fn from_identity_headers(headers: &HeaderMap, request_id: impl Into<String>) -> Self {
        let get = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let project_id = get("x-project-id").or_else(|| get("x-tenant-id"));
        let user_id = get("x-user-id");
        let roles_header = get("x-roles");
        let service_roles = role_list(get("x-service-roles").as_deref());
        if project_id.is_none() && user_id.is_none() && roles_header.is_none() {
            return Self {
                service_roles,
                ..Self::admin(request_id)
            };
        }
        let roles = role_list(roles_header.as_deref());
        let is_admin = roles.iter().any(|r| r == "admin");
        Self {
            request_id: request_id.into(),
            user_id,
            project_id,
            roles,
            is_admin,
            service_roles,
        }
    }

    /// Whether the caller acts for `project` (an owner of `None` matches no one).
    pub fn owns(&self, owner: Option<&str>) -> bool {
        matches!((self.project_id.as_deref(), owner), (Some(p), Some(o)) if p == o)
    }
}

/// The lower-cased names in a comma-separated role header.
fn role_list(header: Option<&str>) -> Vec<String> {
    header
        .unwrap_or("")
        .split(',')
        .map(|r| r.trim().to_ascii_lowercase())
        .filter(|r| !r.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    #[test]
    fn no_headers_means_admin_without_project() {
        let ctx = RequestContext::from_identity_headers(&HeaderMap::new(), "req-1");
        assert!(ctx.is_admin);
        assert_eq!(ctx.project_id, None);
    }

    #[test]
    fn headers_make_a_project_caller() {
        let mut h = HeaderMap::new();
        h.insert("x-tenant-id", HeaderValue::from_static("p1"));
        h.insert("x-roles", HeaderValue::from_static("Member, reader"));
        let ctx = RequestContext::from_identity_headers(&h, "req-1");
        assert!(!ctx.is_admin);
        assert_eq!(ctx.project_id.as_deref(), Some("p1"));
        assert_eq!(ctx.roles, vec!["member", "reader"]);
        assert!(ctx.owns(Some("p1")));
        assert!(!ctx.owns(None));
        h.insert("x-roles", HeaderValue::from_static("admin"));
        assert!(RequestContext::from_identity_headers(&h, "r").is_admin);
        assert!(ctx.service_roles.is_empty());
    }

    #[test]
    fn service_roles_come_from_their_header() {
        let mut h = HeaderMap::new();
        h.insert("x-project-id", HeaderValue::from_static("p1"));
        h.insert(
            "x-service-roles",
            HeaderValue::from_static("Service, admin"),
        );
        let ctx = RequestContext::from_identity_headers(&h, "req-1");
        assert_eq!(ctx.service_roles, vec!["service", "admin"]);
        assert!(!ctx.is_admin, "service roles grant nothing by themselves");
    }
}
