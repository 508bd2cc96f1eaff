//! `KeystoneValidator` against glance-identity's built-in Keystone v3 token
//! API served over real HTTP on a loopback port.

use axum::Router;
use glance_auth::{KeystoneConfig, KeystoneError, KeystoneValidator};
use glance_config::ConfigFile;
use glance_identity::{Identity, Lookup, Role};
use std::time::{Duration, Instant};
use tempfile::TempDir;

struct Server {
    base: String,
    identity: Identity,
    admin_password: String,
    _dir: TempDir,
}

async fn serve() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let identity = Identity::open(dir.path(), Duration::from_secs(3600)).unwrap();
    let admin_password = identity.bootstrap(None).unwrap().password.unwrap();
    let app = Router::new().nest("/identity", identity.router(None));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Server {
        base,
        identity,
        admin_password,
        _dir: dir,
    }
}

fn config(auth_url: &str, password: &str, extra: &str) -> KeystoneConfig {
    let text = format!(
        "[keystone_authtoken]\nwww_authenticate_uri = {auth_url}\nauth_url = {auth_url}\n\
         auth_type = password\nusername = admin\npassword = {password}\n\
         project_name = admin\n{extra}"
    );
    KeystoneConfig::from_config(&ConfigFile::parse(&text, "glance-api.conf").unwrap()).unwrap()
}

fn validator(server: &Server, extra: &str) -> KeystoneValidator {
    let url = format!("{}/identity/v3", server.base);
    KeystoneValidator::new(config(&url, &server.admin_password, extra)).unwrap()
}

/// A `member` of a new project `demo`, and its token.
fn demo_token(identity: &Identity) -> (String, String, String) {
    let project = identity.create_project("demo").unwrap();
    let user = identity.create_user("alice", "pw").unwrap();
    identity.add_role("alice", "demo", Role::Member).unwrap();
    let token = identity
        .issue(&user.id, Some(Lookup::Name("demo")))
        .unwrap();
    (token.token, user.id, project.id)
}

#[tokio::test]
async fn user_token_validates_and_is_cached() {
    let server = serve().await;
    let validator = validator(&server, "");
    let (token, user_id, project_id) = demo_token(&server.identity);

    let auth = validator.authenticate(&token, None).await.unwrap();
    let ctx = auth.context("req-1");
    assert_eq!(ctx.user_id.as_deref(), Some(user_id.as_str()));
    assert_eq!(ctx.project_id.as_deref(), Some(project_id.as_str()));
    assert!(ctx.roles.contains(&"member".to_owned()));
    assert!(!ctx.is_admin);
    assert!(auth.service.is_none());
    assert_eq!(validator.keystone_calls(), 1);
    assert_eq!(validator.cached_tokens(), 1);

    let rounds = 10_000u32;
    let started = Instant::now();
    for _ in 0..rounds {
        validator.authenticate(&token, None).await.unwrap();
    }
    let per_call = started.elapsed() / rounds;
    println!("warm-cache validation: {per_call:?} per call ({rounds} calls)");
    assert_eq!(
        validator.keystone_calls(),
        1,
        "repeats are served by the cache"
    );
    assert!(per_call < Duration::from_millis(1), "{per_call:?}");
}

#[tokio::test]
async fn garbage_token_is_refused_and_not_cached() {
    let server = serve().await;
    let validator = validator(&server, "");
    for _ in 0..2 {
        let err = validator.authenticate("garbage", None).await.unwrap_err();
        assert!(matches!(err, KeystoneError::InvalidToken), "{err:?}");
        assert!(err.is_unauthorized());
    }
    assert_eq!(validator.keystone_calls(), 2);
    assert_eq!(validator.cached_tokens(), 0);
}

#[tokio::test]
async fn zero_cache_time_asks_keystone_every_time() {
    let server = serve().await;
    let validator = validator(&server, "token_cache_time = 0\n");
    let (token, _, _) = demo_token(&server.identity);
    validator.validate(&token).await.unwrap();
    validator.validate(&token).await.unwrap();
    assert_eq!(validator.keystone_calls(), 2);
}

#[tokio::test]
async fn service_tokens() {
    let server = serve().await;
    let (user_token, user_id, _) = demo_token(&server.identity);
    let nova = server.identity.create_user("nova", "pw").unwrap();
    server
        .identity
        .add_role("nova", "admin", Role::Service)
        .unwrap();
    let service_token = server
        .identity
        .issue(&nova.id, Some(Lookup::Name("admin")))
        .unwrap()
        .token;

    let validator = validator(&server, "service_token_roles_required = true\n");
    let auth = validator
        .authenticate(&user_token, Some(&service_token))
        .await
        .unwrap();
    let ctx = auth.context("r");
    assert_eq!(ctx.user_id.as_deref(), Some(user_id.as_str()));
    assert_eq!(ctx.service_roles, ["service"]);
    assert!(!ctx.roles.contains(&"service".to_string()));

    // A valid token without the service role is no service token.
    let err = validator
        .authenticate(&user_token, Some(&user_token))
        .await
        .unwrap_err();
    assert!(
        matches!(err, KeystoneError::InvalidServiceToken(_)),
        "{err:?}"
    );
    let err = validator
        .authenticate(&user_token, Some("garbage"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, KeystoneError::InvalidServiceToken(_)),
        "{err:?}"
    );

    // Not required: accepted; its roles are the service roles, as
    // keystonemiddleware's X-Service-Roles.
    let lenient = self::validator(&server, "");
    let ctx = lenient
        .authenticate(&user_token, Some(&user_token))
        .await
        .unwrap()
        .context("r");
    assert!(!ctx.service_roles.contains(&"service".to_string()));
    assert_eq!(ctx.service_roles, ctx.roles);
}

#[tokio::test]
async fn keystone_unreachable_is_not_unauthorized() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/identity/v3", listener.local_addr().unwrap());
    drop(listener);
    let validator = KeystoneValidator::new(config(&url, "pw", "")).unwrap();
    let err = validator.authenticate("token", None).await.unwrap_err();
    assert!(matches!(err, KeystoneError::Unavailable(_)), "{err:?}");
    assert!(!err.is_unauthorized());
}

#[tokio::test]
async fn wrong_service_password_is_not_unauthorized() {
    let server = serve().await;
    let url = format!("{}/identity", server.base);
    let validator = KeystoneValidator::new(config(&url, "wrong", "")).unwrap();
    let err = validator.authenticate("token", None).await.unwrap_err();
    assert!(matches!(err, KeystoneError::ServiceAuth(_)), "{err:?}");
    assert!(!err.is_unauthorized());
    assert!(validator.connect().await.is_err());
}
