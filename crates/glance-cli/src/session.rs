//! From the global options, the `OS_*` environment and clouds.yaml to a
//! connected [`glance_client::Client`], with python-glanceclient's checks and
//! messages for missing credentials.

use crate::cli::Global;
use crate::clouds::{self, Cloud};
use crate::error::CliError;
use glance_client::{Auth, Client, Config, PasswordAuth, Scope};
use std::path::PathBuf;
use std::time::Duration;

/// An option's value: the command line, else the first set environment
/// variable, else the named cloud's value.
struct Resolver<'a> {
    cloud: Option<&'a Cloud>,
}

impl Resolver<'_> {
    fn get(&self, flag: &Option<String>, vars: &[&str], cloud_key: Option<&str>) -> Option<String> {
        flag.clone()
            .filter(|v| !v.is_empty())
            .or_else(|| {
                vars.iter()
                    .find_map(|v| std::env::var(v).ok().filter(|v| !v.is_empty()))
            })
            .or_else(|| {
                let key = cloud_key?;
                self.cloud?.get(key)
            })
    }
}

/// Whether `--debug` or `GLANCECLIENT_DEBUG` asks for request logs.
pub fn debug_enabled(global: &Global) -> bool {
    global.debug
        || std::env::var("GLANCECLIENT_DEBUG")
            .map(|v| !v.is_empty())
            .unwrap_or(false)
}

/// `--os-auth-url` / `OS_AUTH_URL`, which names glanceclient's schema cache
/// directory.
pub fn auth_url(global: &Global) -> Option<String> {
    global
        .os_auth_url
        .clone()
        .or_else(|| std::env::var("OS_AUTH_URL").ok())
        .filter(|v| !v.is_empty())
}

/// The image endpoint given directly (`--os-image-url` / `OS_IMAGE_URL`).
pub fn image_url(global: &Global) -> Option<String> {
    global
        .os_image_url
        .clone()
        .or_else(|| std::env::var("OS_IMAGE_URL").ok())
        .filter(|v| !v.is_empty())
}

/// Builds the client configuration as python-glanceclient does: an image URL
/// plus a token skips Keystone; otherwise password (or token) authentication
/// against `OS_AUTH_URL`, the endpoint from the catalog unless given.
pub fn config(global: &Global) -> Result<Config, CliError> {
    let cloud_name = global
        .os_cloud
        .clone()
        .or_else(|| std::env::var("OS_CLOUD").ok())
        .filter(|v| !v.is_empty());
    let cloud = match &cloud_name {
        Some(name) => Some(clouds::load(name)?),
        None => None,
    };
    let r = Resolver {
        cloud: cloud.as_ref(),
    };
    let image_url = image_url(global).or_else(|| r.get(&None, &[], Some("endpoint_override")));
    let token = r.get(
        &global.os_auth_token,
        &["OS_AUTH_TOKEN", "OS_TOKEN"],
        Some("auth.token"),
    );
    let auth_url = r.get(&global.os_auth_url, &["OS_AUTH_URL"], Some("auth.auth_url"));
    let auth_type = r
        .get(&global.os_auth_type, &["OS_AUTH_TYPE"], Some("auth_type"))
        .unwrap_or_default();
    let default_domain_id = r.get(
        &global.os_default_domain_id,
        &["OS_DEFAULT_DOMAIN_ID"],
        Some("auth.default_domain_id"),
    );
    let default_domain_name = r.get(
        &global.os_default_domain_name,
        &["OS_DEFAULT_DOMAIN_NAME"],
        Some("auth.default_domain_name"),
    );
    let scope = Scope {
        project_name: r.get(
            &global.os_project_name,
            &["OS_PROJECT_NAME", "OS_TENANT_NAME"],
            Some("auth.project_name"),
        ),
        project_id: r.get(
            &global.os_project_id,
            &["OS_PROJECT_ID", "OS_TENANT_ID"],
            Some("auth.project_id"),
        ),
        project_domain_name: r
            .get(
                &global.os_project_domain_name,
                &["OS_PROJECT_DOMAIN_NAME"],
                Some("auth.project_domain_name"),
            )
            .or_else(|| default_domain_name.clone()),
        project_domain_id: r
            .get(
                &global.os_project_domain_id,
                &["OS_PROJECT_DOMAIN_ID"],
                Some("auth.project_domain_id"),
            )
            .or_else(|| default_domain_id.clone()),
        domain_name: r.get(
            &global.os_domain_name,
            &["OS_DOMAIN_NAME"],
            Some("auth.domain_name"),
        ),
        domain_id: r.get(
            &global.os_domain_id,
            &["OS_DOMAIN_ID"],
            Some("auth.domain_id"),
        ),
        system_scope: r.get(
            &global.os_system_scope,
            &["OS_SYSTEM_SCOPE"],
            Some("auth.system_scope"),
        ),
    };

    let auth = match (&image_url, &token) {
        (Some(_), Some(token)) => Auth::Token {
            token: token.clone(),
        },
        _ if matches!(auth_type.as_str(), "token" | "v3token") || token.is_some() => {
            let token = token.ok_or_else(|| {
                CliError::command(
                    "You must provide a token via either --os-auth-token or env[OS_AUTH_TOKEN]",
                )
            })?;
            let auth_url = auth_url.ok_or_else(no_auth_url)?;
            Auth::KeystoneToken {
                auth_url,
                token,
                scope,
            }
        }
        _ => {
            let username = r.get(
                &global.os_username,
                &["OS_USERNAME", "OS_USER_NAME"],
                Some("auth.username"),
            );
            let user_id = r.get(&global.os_user_id, &["OS_USER_ID"], Some("auth.user_id"));
            if username.is_none() && user_id.is_none() {
                return Err(CliError::command(
                    "You must provide a username via either --os-username or env[OS_USERNAME]",
                ));
            }
            let password = match r.get(&global.os_password, &["OS_PASSWORD"], Some("auth.password"))
            {
                Some(p) => p,
                None => prompt_password()?,
            };
            if scope.project_name.is_none() && scope.project_id.is_none() {
                return Err(CliError::command(
                    "You must provide a project_id or project_name (with project_domain_name or \
                     project_domain_id) via   --os-project-id (env[OS_PROJECT_ID])  \
                     --os-project-name (env[OS_PROJECT_NAME]),  --os-project-domain-id \
                     (env[OS_PROJECT_DOMAIN_ID])  --os-project-domain-name \
                     (env[OS_PROJECT_DOMAIN_NAME])",
                ));
            }
            let auth_url = auth_url.ok_or_else(no_auth_url)?;
            Auth::Password(PasswordAuth {
                auth_url,
                username,
                user_id,
                password,
                user_domain_name: r
                    .get(
                        &global.os_user_domain_name,
                        &["OS_USER_DOMAIN_NAME"],
                        Some("auth.user_domain_name"),
                    )
                    .or(default_domain_name),
                user_domain_id: r
                    .get(
                        &global.os_user_domain_id,
                        &["OS_USER_DOMAIN_ID"],
                        Some("auth.user_domain_id"),
                    )
                    .or(default_domain_id),
                scope,
            })
        }
    };
    let timeout = match global.timeout {
        Some(t) if t > 0.0 => Some(Duration::from_secs_f64(t)),
        Some(_) => None,
        None => Some(Duration::from_secs(600)),
    };
    Ok(Config {
        auth,
        image_url,
        region_name: r.get(
            &global.os_region_name,
            &["OS_REGION_NAME"],
            Some("region_name"),
        ),
        interface: r
            .get(
                &global.os_endpoint_type,
                &["OS_ENDPOINT_TYPE", "OS_INTERFACE"],
                Some("interface"),
            )
            .unwrap_or_else(|| "public".into()),
        service_type: r
            .get(
                &global.os_service_type,
                &["OS_SERVICE_TYPE"],
                Some("image_service_type"),
            )
            .unwrap_or_else(|| "image".into()),
        cacert: r
            .get(&global.os_cacert, &["OS_CACERT"], Some("cacert"))
            .map(PathBuf::from),
        cert: r
            .get(&global.os_cert, &["OS_CERT"], Some("cert"))
            .map(PathBuf::from),
        key: r
            .get(&global.os_key, &["OS_KEY"], Some("key"))
            .map(PathBuf::from),
        insecure: global.insecure
            || cloud
                .as_ref()
                .and_then(|c| c.get("verify"))
                .is_some_and(|v| v.eq_ignore_ascii_case("false")),
        timeout,
        debug: debug_enabled(global),
        user_agent: format!("glance-rs/{}", env!("CARGO_PKG_VERSION")),
    })
}

fn no_auth_url() -> CliError {
    CliError::command(
        "You must provide an auth url via either --os-auth-url or via env[OS_AUTH_URL]",
    )
}

/// Asks for the password when stdin is a terminal, as glanceclient does.
fn prompt_password() -> Result<String, CliError> {
    use std::io::IsTerminal;
    let missing = || {
        CliError::command(
            "You must provide a password via either --os-password, env[OS_PASSWORD], or prompted response",
        )
    };
    if !std::io::stdin().is_terminal() {
        return Err(missing());
    }
    let password = rpassword::prompt_password("OS Password: ").map_err(|_| missing())?;
    if password.is_empty() {
        return Err(missing());
    }
    Ok(password)
}

/// Connects: authenticates if needed and finds the image endpoint.
pub async fn connect(global: &Global) -> Result<Client, CliError> {
    let config = config(global)?;
    Client::connect(config).await.map_err(CliError::from)
}
