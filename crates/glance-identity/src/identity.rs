//! [`Identity`]: the service object holding the store and the signing key.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, SubsecRound, TimeDelta, Utc};
use uuid::Uuid;

use crate::IdentityError;
use crate::key;
use crate::model::{Assignment, Lookup, Project, Role, User};
use crate::password;
use crate::records::{Records, UserRecord};
use crate::store::Store;
use crate::token::{self, IssuedToken, TokenInfo, TokenSigner};

/// Longest accepted user or project name, as in Keystone.
const MAX_NAME_LEN: usize = 255;

/// The built-in identity service: users, projects and role assignments kept
/// in `identity.json`, and tokens signed with the key in `token.key`.
///
/// Cheap to clone; clones share state. Changes made by another process (for
/// example `glance-manage`) are picked up on the next call.
#[derive(Clone)]
pub struct Identity {
    inner: Arc<Inner>,
}

struct Inner {
    dir: PathBuf,
    store: Store,
    signer: TokenSigner,
    token_ttl: TimeDelta,
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Identity")
            .field("dir", &self.inner.dir)
            .field("token_ttl", &self.inner.token_ttl)
            .finish_non_exhaustive()
    }
}

impl Identity {
    /// Opens the identity kept in `dir` (created with mode 0700 if missing),
    /// creating the token signing key on first use. Tokens it issues live
    /// for `token_ttl`.
    pub fn open(dir: &Path, token_ttl: Duration) -> Result<Identity, IdentityError> {
        create_dir(dir)?;
        let key = key::load_or_create(&dir.join("token.key"))?;
        Ok(Identity {
            inner: Arc::new(Inner {
                dir: dir.to_path_buf(),
                store: Store::open(dir)?,
                signer: TokenSigner::new(&key)?,
                token_ttl: TimeDelta::from_std(token_ttl).unwrap_or(TimeDelta::MAX),
            }),
        })
    }

    /// The directory holding `identity.json` and `token.key`.
    pub fn dir(&self) -> &Path {
        &self.inner.dir
    }

    /// Creates a project in the default domain.
    pub fn create_project(&self, name: &str) -> Result<Project, IdentityError> {
        check_name("project", name)?;
        self.inner.store.update(|r| {
            if r.project(Lookup::Name(name)).is_some() {
                return Err(duplicate("project", name));
            }
            let project = Project {
                id: new_id(),
                name: name.to_owned(),
            };
            r.projects.push(project.clone());
            Ok(project)
        })
    }

    /// Creates a user in the default domain with an argon2-hashed password.
    pub fn create_user(&self, name: &str, password: &str) -> Result<User, IdentityError> {
        check_name("user", name)?;
        let password_hash = password::hash(password)?;
        self.inner.store.update(|r| {
            if r.user(Lookup::Name(name)).is_some() {
                return Err(duplicate("user", name));
            }
            let user = User {
                id: new_id(),
                name: name.to_owned(),
            };
            r.users.push(UserRecord {
                user: user.clone(),
                password_hash,
            });
            Ok(user)
        })
    }

    /// Replaces the password of the user named (or with id) `user`. Tokens
    /// already issued stay valid until they expire.
    pub fn set_password(&self, user: &str, password: &str) -> Result<(), IdentityError> {
        let password_hash = password::hash(password)?;
        self.inner.store.update(|r| {
            let record = r
                .user_mut(Lookup::NameOrId(user))
                .ok_or_else(|| IdentityError::UserNotFound(user.to_owned()))?;
            record.password_hash = password_hash;
            Ok(())
        })
    }

    /// Grants `role` to `user` on `project` (each a name or an id). Granting
    /// a role the user already has is not an error.
    pub fn add_role(&self, user: &str, project: &str, role: Role) -> Result<(), IdentityError> {
        self.inner.store.update(|r| {
            let assignment = resolve_assignment(r, user, project, role)?;
            if !r.assignments.contains(&assignment) {
                r.assignments.push(assignment);
            }
            Ok(())
        })
    }

    /// Revokes `role` from `user` on `project`; returns whether it was granted.
    /// Tokens already issued keep their roles until they expire.
    pub fn remove_role(
        &self,
        user: &str,
        project: &str,
        role: Role,
    ) -> Result<bool, IdentityError> {
        self.inner.store.update(|r| {
            let assignment = resolve_assignment(r, user, project, role)?;
            let before = r.assignments.len();
            r.assignments.retain(|a| *a != assignment);
            Ok(r.assignments.len() != before)
        })
    }

    /// All users, in creation order.
    pub fn list_users(&self) -> Result<Vec<User>, IdentityError> {
        self.inner
            .store
            .read(|r| r.users.iter().map(|u| u.user.clone()).collect())
    }

    /// All projects, in creation order.
    pub fn list_projects(&self) -> Result<Vec<Project>, IdentityError> {
        self.inner.store.read(|r| r.projects.clone())
    }

    /// All role assignments as stored (implied roles not expanded).
    pub fn list_assignments(&self) -> Result<Vec<Assignment>, IdentityError> {
        self.inner.store.read(|r| r.assignments.clone())
    }

    /// The projects on which the user with id `user_id` holds any role.
    pub fn projects_of(&self, user_id: &str) -> Result<Vec<Project>, IdentityError> {
        self.inner.store.read(|r| r.projects_of(user_id))
    }

    /// Checks a password. Unknown users and wrong passwords both give
    /// [`IdentityError::InvalidCredentials`] and take about the same time.
    /// CPU-heavy (argon2): call it from a blocking context.
    pub fn authenticate(&self, user: Lookup<'_>, password: &str) -> Result<User, IdentityError> {
        let record = self.inner.store.read(|r| r.user(user).cloned())?;
        match record {
            Some(record) if password::verify(password, &record.password_hash) => Ok(record.user),
            Some(_) => Err(IdentityError::InvalidCredentials),
            None => {
                password::verify_dummy(password);
                Err(IdentityError::InvalidCredentials)
            }
        }
    }

    /// Issues a fresh `password` token for the user with id `user_id`, scoped
    /// to `project` (on which the user must hold a role) or unscoped.
    pub fn issue(
        &self,
        user_id: &str,
        project: Option<Lookup<'_>>,
    ) -> Result<IssuedToken, IdentityError> {
        let now = now();
        self.mint(Mint {
            user_id,
            project,
            methods: vec!["password".to_owned()],
            issued_at: now,
            expires_at: now
                .checked_add_signed(self.inner.token_ttl)
                .unwrap_or(DateTime::<Utc>::MAX_UTC),
            parent_audit_id: None,
        })
    }

    /// Exchanges a valid token for one with another scope (Keystone's
    /// `token` method): same user and expiry, `token` added to the methods,
    /// the old audit id chained. Roles are looked up afresh.
    pub fn rescope(
        &self,
        token: &TokenInfo,
        project: Option<Lookup<'_>>,
    ) -> Result<IssuedToken, IdentityError> {
        let mut methods = vec!["token".to_owned()];
        methods.extend(token.methods.iter().filter(|m| *m != "token").cloned());
        self.mint(Mint {
            user_id: &token.user_id,
            project,
            methods,
            issued_at: now(),
            expires_at: token.expires_at,
            parent_audit_id: token.audit_ids.first().cloned(),
        })
    }

    /// Checks a token's signature and expiry and returns what it says.
    /// Tokens are not stored: one stays valid until it expires even if the
    /// user's role assignment was removed after it was issued.
    pub fn validate(&self, token: &str) -> Result<TokenInfo, IdentityError> {
        self.inner.signer.verify(token, Utc::now())
    }

    fn mint(&self, m: Mint<'_, '_>) -> Result<IssuedToken, IdentityError> {
        let (user, scope) = self.inner.store.read(|r| {
            let user = r
                .user(Lookup::Id(m.user_id))
                .map(|u| u.user.clone())
                .ok_or_else(|| IdentityError::UserNotFound(m.user_id.to_owned()))?;
            let scope = match m.project {
                None => None,
                Some(lookup) => {
                    let project = r
                        .project(lookup)
                        .cloned()
                        .ok_or_else(|| IdentityError::ProjectNotFound(lookup.text().to_owned()))?;
                    let roles = r.effective_roles(&user.id, &project.id);
                    if roles.is_empty() {
                        return Err(IdentityError::NoRoleOnProject {
                            user: user.id,
                            project: project.id,
                        });
                    }
                    Some((project, roles))
                }
            };
            Ok((user, scope))
        })??;
        let mut audit_ids = vec![token::audit_id()?];
        audit_ids.extend(m.parent_audit_id);
        let (project, roles) = scope.unzip();
        let info = TokenInfo {
            user_id: user.id,
            user_name: user.name,
            project_id: project.as_ref().map(|p| p.id.clone()),
            project_name: project.map(|p| p.name),
            roles: roles
                .unwrap_or_default()
                .into_iter()
                .map(|r| r.name().to_owned())
                .collect(),
            methods: m.methods,
            issued_at: m.issued_at,
            expires_at: m.expires_at.trunc_subsecs(6),
            audit_ids,
        };
        let token = self.inner.signer.sign(&info)?;
        tracing::debug!(
            user = %info.user_name,
            project = info.project_name.as_deref().unwrap_or("<unscoped>"),
            "issued token"
        );
        Ok(IssuedToken { token, info })
    }

    /// Runs `f` under the store's update lock (used by bootstrap).
    pub(crate) fn update<T>(
        &self,
        f: impl FnOnce(&mut Records) -> Result<T, IdentityError>,
    ) -> Result<T, IdentityError> {
        self.inner.store.update(f)
    }
}

/// Parameters of one token about to be signed.
struct Mint<'u, 'p> {
    user_id: &'u str,
    project: Option<Lookup<'p>>,
    methods: Vec<String>,
    issued_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    parent_audit_id: Option<String>,
}

fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// A fresh Keystone-style id: 32 lowercase hex digits.
pub(crate) fn new_id() -> String {
    Uuid::new_v4().simple().to_string()
}

/// Rejects empty and over-long names.
pub(crate) fn check_name(kind: &'static str, name: &str) -> Result<(), IdentityError> {
    if name.trim().is_empty() || name.chars().count() > MAX_NAME_LEN {
        return Err(IdentityError::InvalidName(kind));
    }
    Ok(())
}

fn duplicate(kind: &'static str, name: &str) -> IdentityError {
    IdentityError::Duplicate {
        kind,
        name: name.to_owned(),
    }
}

fn resolve_assignment(
    r: &Records,
    user: &str,
    project: &str,
    role: Role,
) -> Result<Assignment, IdentityError> {
    let user_id = r
        .user(Lookup::NameOrId(user))
        .ok_or_else(|| IdentityError::UserNotFound(user.to_owned()))?
        .user
        .id
        .clone();
    let project_id = r
        .project(Lookup::NameOrId(project))
        .ok_or_else(|| IdentityError::ProjectNotFound(project.to_owned()))?
        .id
        .clone();
    Ok(Assignment {
        user_id,
        project_id,
        role,
    })
}

fn create_dir(dir: &Path) -> Result<(), IdentityError> {
    use std::os::unix::fs::DirBuilderExt;
    if dir.is_dir() {
        return Ok(());
    }
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(IdentityError::io(dir))
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;
    use crate::Bootstrap;

    fn open(dir: &Path) -> Identity {
        Identity::open(dir, Duration::from_secs(3600)).unwrap()
    }

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn files_are_private_and_survive_reopen() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("identity");
        let id = open(&dir);
        let project = id.create_project("demo").unwrap();
        let user = id.create_user("alice", "pw").unwrap();
        id.add_role("alice", &project.id, Role::Member).unwrap();
        assert_eq!(mode(&dir.join("identity.json")), 0o600);
        assert_eq!(mode(&dir.join("token.key")), 0o600);
        assert_eq!(mode(&dir), 0o700);
        let leftovers: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
        let token = id.issue(&user.id, Some(Lookup::Name("demo"))).unwrap();

        let again = open(&dir);
        assert_eq!(again.list_users().unwrap(), vec![user]);
        assert_eq!(again.list_projects().unwrap(), vec![project]);
        assert_eq!(again.list_assignments().unwrap().len(), 1);
        assert_eq!(again.validate(&token.token).unwrap(), token.info);
    }

    #[test]
    fn changes_from_another_handle_are_seen() {
        let tmp = tempfile::tempdir().unwrap();
        let server = open(tmp.path());
        assert!(server.list_users().unwrap().is_empty());
        open(tmp.path()).create_user("bob", "pw").unwrap();
        assert_eq!(server.list_users().unwrap()[0].name, "bob");
    }

    #[test]
    fn names_are_unique_and_checked() {
        let tmp = tempfile::tempdir().unwrap();
        let id = open(tmp.path());
        id.create_user("alice", "pw").unwrap();
        assert!(matches!(
            id.create_user("alice", "other"),
            Err(IdentityError::Duplicate { kind: "user", .. })
        ));
        id.create_project("p").unwrap();
        assert!(matches!(
            id.create_project("p"),
            Err(IdentityError::Duplicate {
                kind: "project",
                ..
            })
        ));
        assert!(matches!(
            id.create_project(" "),
            Err(IdentityError::InvalidName("project"))
        ));
        assert!(matches!(
            id.add_role("nobody", "p", Role::Reader),
            Err(IdentityError::UserNotFound(_))
        ));
        assert!(matches!(
            id.add_role("alice", "nowhere", Role::Reader),
            Err(IdentityError::ProjectNotFound(_))
        ));
        assert!(matches!(
            "owner".parse::<Role>(),
            Err(IdentityError::UnknownRole(_))
        ));
    }

    #[test]
    fn passwords_and_scopes() {
        let tmp = tempfile::tempdir().unwrap();
        let id = open(tmp.path());
        let user = id.create_user("alice", "old").unwrap();
        id.create_project("p").unwrap();
        id.create_project("q").unwrap();
        assert_eq!(id.authenticate(Lookup::Name("alice"), "old").unwrap(), user);
        id.set_password(&user.id, "new").unwrap();
        assert!(matches!(
            id.authenticate(Lookup::Name("alice"), "old"),
            Err(IdentityError::InvalidCredentials)
        ));
        assert!(matches!(
            id.authenticate(Lookup::Name("nobody"), "new"),
            Err(IdentityError::InvalidCredentials)
        ));
        assert_eq!(id.authenticate(Lookup::Id(&user.id), "new").unwrap(), user);

        id.add_role("alice", "p", Role::Admin).unwrap();
        let scoped = id.issue(&user.id, Some(Lookup::Name("p"))).unwrap();
        assert_eq!(scoped.info.roles, ["admin", "member", "reader"]);
        assert!(matches!(
            id.issue(&user.id, Some(Lookup::Name("q"))),
            Err(IdentityError::NoRoleOnProject { .. })
        ));

        let unscoped = id.issue(&user.id, None).unwrap();
        assert!(unscoped.info.roles.is_empty() && unscoped.info.project_id.is_none());
        let rescoped = id.rescope(&unscoped.info, Some(Lookup::Name("p"))).unwrap();
        assert_eq!(rescoped.info.methods, ["token", "password"]);
        assert_eq!(rescoped.info.expires_at, unscoped.info.expires_at);
        assert_eq!(rescoped.info.audit_ids[1], unscoped.info.audit_ids[0]);

        // Stateless tokens keep their roles until expiry.
        assert!(id.remove_role("alice", "p", Role::Admin).unwrap());
        assert!(!id.remove_role("alice", "p", Role::Admin).unwrap());
        assert_eq!(id.validate(&scoped.token).unwrap().roles.len(), 3);
    }

    #[test]
    fn tokens_expire() {
        let tmp = tempfile::tempdir().unwrap();
        let id = Identity::open(tmp.path(), Duration::ZERO).unwrap();
        let user = id.create_user("alice", "pw").unwrap();
        let token = id.issue(&user.id, None).unwrap();
        assert!(matches!(
            id.validate(&token.token),
            Err(IdentityError::TokenExpired(_))
        ));
    }

    #[test]
    fn bootstrap_is_idempotent() {
        let tmp = tempfile::tempdir().unwrap();
        let id = open(tmp.path());
        let first = id.bootstrap(None).unwrap();
        assert!(first.created);
        let password = first.password.unwrap();
        assert_eq!(password.len(), 32);
        let again = id.bootstrap(Some("ignored")).unwrap();
        assert_eq!(
            again,
            Bootstrap {
                password: None,
                created: false
            }
        );
        assert_eq!(id.list_projects().unwrap().len(), 2);
        assert_eq!(id.list_users().unwrap().len(), 1);
        assert_eq!(id.list_assignments().unwrap().len(), 1);
        let admin = id.authenticate(Lookup::Name("admin"), &password).unwrap();
        let token = id.issue(&admin.id, Some(Lookup::Name("admin"))).unwrap();
        assert!(token.info.has_role("admin") && token.info.has_role("reader"));

        let rc = tmp.path().join("admin-openrc");
        id.write_openrc(&rc, "http://127.0.0.1:9292/identity", &password)
            .unwrap();
        assert_eq!(mode(&rc), 0o600);
        let text = fs::read_to_string(&rc).unwrap();
        assert!(text.contains(&format!("export OS_PASSWORD='{password}'\n")));
    }

    #[test]
    fn bootstrap_uses_given_password() {
        let tmp = tempfile::tempdir().unwrap();
        let id = open(tmp.path());
        let b = id.bootstrap(Some("chosen")).unwrap();
        assert_eq!(b.password.as_deref(), Some("chosen"));
        assert!(id.authenticate(Lookup::Name("admin"), "chosen").is_ok());
    }

    #[test]
    fn bad_key_file_is_reported() {
        let tmp = tempfile::tempdir().unwrap();
        fs::write(tmp.path().join("token.key"), b"short").unwrap();
        assert!(matches!(
            Identity::open(tmp.path(), Duration::from_secs(1)),
            Err(IdentityError::BadKey(_))
        ));
    }
}
