//! What the rules know about the caller.

use crate::RequestContext;

/// The caller's side of a policy check, as oslo.policy's `creds`: the
/// project, the user, the (lower-cased) roles and the admin flag.
///
/// `role:<name>` checks the roles; generic checks read the keys `project_id`,
/// `user_id`, `roles` and `service_roles` (any role matches) and `is_admin`
/// (`True`/`False`), as oslo.context's policy values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    user_id: Option<String>,
    project_id: Option<String>,
    roles: Vec<String>,
    service_roles: Vec<String>,
    is_admin: bool,
}

impl From<&RequestContext> for Credentials {
    fn from(ctx: &RequestContext) -> Self {
        Self {
            user_id: ctx.user_id.clone(),
            project_id: ctx.project_id.clone(),
            roles: ctx.roles.iter().map(|r| r.to_lowercase()).collect(),
            service_roles: ctx.service_roles.iter().map(|r| r.to_lowercase()).collect(),
            is_admin: ctx.is_admin,
        }
    }
}

impl Credentials {
    /// Whether the caller holds `role` (case-insensitive).
    pub(crate) fn has_role(&self, role: &str) -> bool {
        let role = role.to_lowercase();
        self.roles.contains(&role)
    }

    /// Whether the credential at `path` (`project_id`, `roles`, ...) equals
    /// `expected`. Unknown keys, nested paths and absent values never match.
    pub(crate) fn matches(&self, path: &[String], expected: &str) -> bool {
        let [key] = path else { return false };
        match key.as_str() {
            "user_id" => self.user_id.as_deref() == Some(expected),
            "project_id" => self.project_id.as_deref() == Some(expected),
            "roles" => self.roles.iter().any(|r| r == expected),
            "service_roles" => self.service_roles.iter().any(|r| r == expected),
            "is_admin" => expected == if self.is_admin { "True" } else { "False" },
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds() -> Credentials {
        Credentials::from(&RequestContext {
            request_id: "r".into(),
            user_id: Some("u1".into()),
            project_id: Some("p1".into()),
            roles: vec!["Member".into(), "reader".into()],
            is_admin: false,
            service_roles: vec!["Service".into()],
        })
    }

    #[test]
    fn roles_are_case_insensitive() {
        let c = creds();
        assert!(c.has_role("member"));
        assert!(c.has_role("READER"));
        assert!(!c.has_role("admin"));
    }

    #[test]
    fn generic_keys() {
        let c = creds();
        let path = |k: &str| vec![k.to_string()];
        assert!(c.matches(&path("project_id"), "p1"));
        assert!(c.matches(&path("user_id"), "u1"));
        assert!(c.matches(&path("roles"), "member"));
        assert!(!c.matches(&path("roles"), "service"));
        assert!(c.matches(&path("service_roles"), "service"));
        assert!(!c.matches(&path("service_roles"), "member"));
        assert!(c.matches(&path("is_admin"), "False"));
        assert!(!c.matches(&path("is_admin"), "True"));
        assert!(!c.matches(&path("domain_id"), "p1"));
        assert!(!c.matches(&["project_id".into(), "x".into()], "p1"));
    }
}
