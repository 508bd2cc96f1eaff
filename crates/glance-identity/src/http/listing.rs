//! Read-only listings: the caller's projects, and (for admins) all users and projects.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use serde_json::{Value, json};

use crate::model::DEFAULT_DOMAIN_ID;
use crate::{Project, User};

use super::AppState;
use super::base_url::{base_url, identity_url};
use super::error::ApiError;
use super::tokens::caller;

/// `GET /v3/auth/projects`: the projects the caller may scope to.
pub(super) async fn auth_projects(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let caller = caller(&state, &headers)?;
    let projects = state.identity.projects_of(&caller.user_id)?;
    Ok(project_list(&state, &headers, "auth/projects", &projects))
}

/// `GET /v3/projects`: every project; `admin` only.
pub(super) async fn projects(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    admin(&state, &headers)?;
    let projects = state.identity.list_projects()?;
    Ok(project_list(&state, &headers, "projects", &projects))
}

/// `GET /v3/users`: every user; `admin` only.
pub(super) async fn users(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    admin(&state, &headers)?;
    let v3 = v3_url(&state, &headers);
    let users: Vec<Value> = state
        .identity
        .list_users()?
        .iter()
        .map(|u: &User| {
            json!({
                "id": u.id,
                "name": u.name,
                "domain_id": DEFAULT_DOMAIN_ID,
                "enabled": true,
                "password_expires_at": null,
                "options": {},
                "links": {"self": format!("{v3}/users/{}", u.id)},
            })
        })
        .collect();
    Ok(Json(json!({
        "users": users,
        "links": {"self": format!("{v3}/users"), "previous": null, "next": null},
    })))
}

fn admin(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    if caller(state, headers)?.has_role("admin") {
        Ok(())
    } else {
        Err(ApiError::Forbidden)
    }
}

fn v3_url(state: &AppState, headers: &HeaderMap) -> String {
    format!("{}/v3", identity_url(&base_url(state, headers)))
}

fn project_list(
    state: &AppState,
    headers: &HeaderMap,
    path: &str,
    projects: &[Project],
) -> Json<Value> {
    let v3 = v3_url(state, headers);
    let projects: Vec<Value> = projects
        .iter()
        .map(|p| {
            json!({
                "id": p.id,
                "name": p.name,
                "domain_id": DEFAULT_DOMAIN_ID,
                "parent_id": DEFAULT_DOMAIN_ID,
                "description": "",
                "enabled": true,
                "is_domain": false,
                "tags": [],
                "options": {},
                "links": {"self": format!("{v3}/projects/{}", p.id)},
            })
        })
        .collect();
    Json(json!({
        "projects": projects,
        "links": {"self": format!("{v3}/{path}"), "previous": null, "next": null},
    }))
}
