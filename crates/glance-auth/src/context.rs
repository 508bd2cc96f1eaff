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
        }
    }

    /// Builds the context from upstream's identity headers (`X-Project-Id` or
    /// `X-Tenant-Id`, `X-User-Id`, `X-Roles`). With none of them the caller is
    /// an admin with no project, so the stock clients work with any token.
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
        if project_id.is_none() && user_id.is_none() && roles_header.is_none() {
            return Self::admin(request_id);
        }
        let roles: Vec<String> = roles_header
            .as_deref()
            .unwrap_or("")
            .split(',')
            .map(|r| r.trim().to_ascii_lowercase())
            .filter(|r| !r.is_empty())
            .collect();
        let is_admin = roles.iter().any(|r| r == "admin");
        Self {
            request_id: request_id.into(),
            user_id,
            project_id,
            roles,
            is_admin,
        }
    }

    /// Whether the caller acts for `project` (an owner of `None` matches no one).
    pub fn owns(&self, owner: Option<&str>) -> bool {
        matches!((self.project_id.as_deref(), owner), (Some(p), Some(o)) if p == o)
    }
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
    }
}
