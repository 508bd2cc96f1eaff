//! The content of `identity.json` and the lookups over it.

use serde::{Deserialize, Serialize};

use crate::model::{
    Assignment, DEFAULT_DOMAIN_ID, DEFAULT_DOMAIN_NAME, Lookup, Project, Role, User,
};

/// The single domain, written out so the file reads like Keystone's data.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Domain {
    id: String,
    name: String,
}

impl Default for Domain {
    fn default() -> Self {
        Domain {
            id: DEFAULT_DOMAIN_ID.to_owned(),
            name: DEFAULT_DOMAIN_NAME.to_owned(),
        }
    }
}

/// A user with its argon2 PHC password hash.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct UserRecord {
    #[serde(flatten)]
    pub(crate) user: User,
    pub(crate) password_hash: String,
}

/// Everything `identity.json` holds.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Records {
    #[serde(default)]
    domain: Domain,
    #[serde(default)]
    pub(crate) users: Vec<UserRecord>,
    #[serde(default)]
    pub(crate) projects: Vec<Project>,
    #[serde(default)]
    pub(crate) assignments: Vec<Assignment>,
}

impl Records {
    /// Finds a user; `NameOrId` prefers an id match.
    pub(crate) fn user(&self, lookup: Lookup<'_>) -> Option<&UserRecord> {
        find(&self.users, lookup, |u| (&u.user.id, &u.user.name))
    }

    /// Finds a user for modification.
    pub(crate) fn user_mut(&mut self, lookup: Lookup<'_>) -> Option<&mut UserRecord> {
        let id = self.user(lookup)?.user.id.clone();
        self.users.iter_mut().find(|u| u.user.id == id)
    }

    /// Finds a project; `NameOrId` prefers an id match.
    pub(crate) fn project(&self, lookup: Lookup<'_>) -> Option<&Project> {
        find(&self.projects, lookup, |p| (&p.id, &p.name))
    }

    /// The user's roles on the project, implied roles included, sorted and deduplicated.
    pub(crate) fn effective_roles(&self, user_id: &str, project_id: &str) -> Vec<Role> {
        let mut roles: Vec<Role> = self
            .assignments
            .iter()
            .filter(|a| a.user_id == user_id && a.project_id == project_id)
            .flat_map(|a| a.role.expanded().iter().copied())
            .collect();
        roles.sort();
        roles.dedup();
        roles
    }

    /// The projects on which the user holds at least one role.
    pub(crate) fn projects_of(&self, user_id: &str) -> Vec<Project> {
        self.projects
            .iter()
            .filter(|p| {
                self.assignments
                    .iter()
                    .any(|a| a.user_id == user_id && a.project_id == p.id)
            })
            .cloned()
            .collect()
    }
}

fn find<'r, T>(
    items: &'r [T],
    lookup: Lookup<'_>,
    key: fn(&T) -> (&String, &String),
) -> Option<&'r T> {
    match lookup {
        Lookup::NameOrId(s) => {
            find(items, Lookup::Id(s), key).or_else(|| find(items, Lookup::Name(s), key))
        }
        _ => items.iter().find(|item| {
            let (id, name) = key(item);
            lookup.matches(id, name)
        }),
    }
}
