//! First-run setup, like `keystone-manage bootstrap`, and the `admin-openrc` file.

use std::io;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::identity::new_id;
use crate::model::{Assignment, Lookup, Project, Role, User};
use crate::password;
use crate::records::{Records, UserRecord};
use crate::secure_file;
use crate::{Identity, IdentityError};

/// Name of the administrator user, its project, and the services' project.
const ADMIN: &str = "admin";
const SERVICE: &str = "service";

/// What [`Identity::bootstrap`] did.
#[derive(Clone, PartialEq, Eq)]
pub struct Bootstrap {
    /// The admin password, only when this call created the admin user (the
    /// given one or a generated one); `None` when the user already existed.
    pub password: Option<String>,
    /// Whether this call created the admin user.
    pub created: bool,
}

impl std::fmt::Debug for Bootstrap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bootstrap")
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("created", &self.created)
            .finish()
    }
}

impl Identity {
    /// Ensures projects `admin` and `service`, user `admin`, and the `admin`
    /// role for that user on project `admin`. Idempotent: an existing admin
    /// user keeps its password. A new admin user gets `password`, or a
    /// random 32-character one when `None`.
    pub fn bootstrap(&self, password: Option<&str>) -> Result<Bootstrap, IdentityError> {
        let secret = match password {
            Some(p) => p.to_owned(),
            None => random_password()?,
        };
        self.update(|r| {
            let project_id = ensure_project(r, ADMIN);
            ensure_project(r, SERVICE);
            let (user_id, created) = match r.user(Lookup::Name(ADMIN)) {
                Some(u) => (u.user.id.clone(), false),
                None => {
                    let user = User {
                        id: new_id(),
                        name: ADMIN.to_owned(),
                    };
                    r.users.push(UserRecord {
                        password_hash: password::hash(&secret)?,
                        user: user.clone(),
                    });
                    (user.id, true)
                }
            };
            let grant = Assignment {
                user_id,
                project_id,
                role: Role::Admin,
            };
            if !r.assignments.contains(&grant) {
                r.assignments.push(grant);
            }
            Ok(Bootstrap {
                password: created.then_some(secret),
                created,
            })
        })
    }

    /// Writes an `admin-openrc` (mode 0600, replaced atomically) that lets
    /// `glance` and `openstack` authenticate as `admin` against `auth_url`.
    pub fn write_openrc(&self, path: &Path, auth_url: &str, password: &str) -> io::Result<()> {
        secure_file::write_replace(path, openrc(auth_url, password).as_bytes())
    }
}

/// The text of an `admin-openrc`: one `export` per line, values single-quoted.
fn openrc(auth_url: &str, password: &str) -> String {
    [
        ("OS_AUTH_URL", auth_url),
        ("OS_IDENTITY_API_VERSION", "3"),
        ("OS_AUTH_TYPE", "password"),
        ("OS_USERNAME", ADMIN),
        ("OS_PASSWORD", password),
        ("OS_PROJECT_NAME", ADMIN),
        ("OS_USER_DOMAIN_NAME", crate::DEFAULT_DOMAIN_NAME),
        ("OS_PROJECT_DOMAIN_NAME", crate::DEFAULT_DOMAIN_NAME),
        ("OS_IMAGE_API_VERSION", "2"),
    ]
    .iter()
    .map(|(k, v)| format!("export {k}={}\n", shell_quote(v)))
    .collect()
}

/// Quotes `value` for POSIX shells: `'…'` with each `'` written as `'\''`.
fn shell_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

fn ensure_project(r: &mut Records, name: &str) -> String {
    if let Some(p) = r.project(Lookup::Name(name)) {
        return p.id.clone();
    }
    let project = Project {
        id: new_id(),
        name: name.to_owned(),
    };
    let id = project.id.clone();
    r.projects.push(project);
    id
}

/// 24 random bytes as 32 URL-safe base64 characters.
fn random_password() -> Result<String, IdentityError> {
    let mut bytes = [0u8; 24];
    openssl::rand::rand_bytes(&mut bytes)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_survives_quotes() {
        assert_eq!(shell_quote("a'b"), r"'a'\''b'");
        assert_eq!(shell_quote("$x y"), "'$x y'");
    }

    #[test]
    fn openrc_lines() {
        let text = openrc("http://h:9292/identity", "pw");
        assert!(text.starts_with("export OS_AUTH_URL='http://h:9292/identity'\n"));
        assert!(text.contains("export OS_PASSWORD='pw'\n"));
        assert!(text.contains("export OS_USER_DOMAIN_NAME='Default'\n"));
        assert_eq!(text.lines().count(), 9);
    }

    #[test]
    fn random_passwords_are_long_and_distinct() {
        let a = random_password().unwrap();
        assert_eq!(a.len(), 32);
        assert_ne!(a, random_password().unwrap());
    }
}
