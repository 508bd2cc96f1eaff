//! `KeystoneValidator` against an `https://` Keystone: glance-identity's
//! built-in Keystone v3 API behind a real TLS listener on loopback, with a
//! certificate from a CA made for the test.

use axum::Router;
use glance_auth::{KeystoneConfig, KeystoneError, KeystoneValidator};
use glance_config::ConfigFile;
use glance_identity::{Identity, Lookup};
use glance_test_support::tls::{TestCa, TlsListener};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tempfile::TempDir;

struct Server {
    url: String,
    identity: Identity,
    admin_password: String,
    ca_file: PathBuf,
    _dir: TempDir,
}

/// The built-in identity over HTTPS; the CA's certificate is written to
/// `ca.pem` in the returned directory.
async fn serve_tls() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let identity = Identity::open(dir.path(), Duration::from_secs(3600)).unwrap();
    let admin_password = identity.bootstrap(None).unwrap().password.unwrap();
    let app = Router::new().nest("/identity", identity.router(None));
    let identity = Identity::open(dir.path(), Duration::from_secs(3600)).unwrap();

    let ca = TestCa::new();
    let ca_file = ca.write_pem(dir.path());
    let listener = TlsListener::bind(ca.loopback_acceptor()).await;
    let url = format!("https://{}/identity/v3", listener.addr());
    listener.spawn(app);
    Server {
        url,
        identity,
        admin_password,
        ca_file,
        _dir: dir,
    }
}

fn validator(server: &Server, extra: &str) -> KeystoneValidator {
    let text = format!(
        "[keystone_authtoken]\nauth_url = {}\nauth_type = password\nusername = admin\n\
         password = {}\nproject_name = admin\n{extra}",
        server.url, server.admin_password
    );
    let config =
        KeystoneConfig::from_config(&ConfigFile::parse(&text, "glance-api.conf").unwrap()).unwrap();
    KeystoneValidator::new(config).unwrap()
}

fn admin_token(server: &Server) -> String {
    let admin = server
        .identity
        .authenticate(Lookup::Name("admin"), &server.admin_password)
        .unwrap();
    server
        .identity
        .issue(&admin.id, Some(Lookup::Name("admin")))
        .unwrap()
        .token
}

fn cafile_line(path: &Path) -> String {
    format!("cafile = {}\n", path.display())
}

#[tokio::test]
async fn https_keystone_with_its_ca_validates_tokens() {
    let server = serve_tls().await;
    let token = admin_token(&server);
    let v = validator(&server, &cafile_line(&server.ca_file));
    let validated = v.validate(&token).await.unwrap();
    assert_eq!(validated.project_name.as_deref(), Some("admin"));
    assert!(matches!(
        v.validate("garbage").await,
        Err(KeystoneError::InvalidToken)
    ));
}

#[tokio::test]
async fn an_untrusted_certificate_is_unavailable_not_unauthorized() {
    let server = serve_tls().await;
    let token = admin_token(&server);
    let err = validator(&server, "").validate(&token).await.unwrap_err();
    assert!(matches!(err, KeystoneError::Unavailable(_)), "{err:?}");
    assert!(!err.is_unauthorized());
}

#[tokio::test]
async fn insecure_skips_verification() {
    let server = serve_tls().await;
    let token = admin_token(&server);
    let v = validator(&server, "insecure = true\n");
    assert!(v.validate(&token).await.is_ok());
}

#[tokio::test]
async fn an_unreadable_cafile_fails_at_setup() {
    let server = serve_tls().await;
    let text = format!(
        "[keystone_authtoken]\nauth_url = {}\nauth_type = password\nusername = admin\n\
         password = x\nproject_name = admin\ncafile = /nonexistent/ca.pem\n",
        server.url
    );
    let config =
        KeystoneConfig::from_config(&ConfigFile::parse(&text, "glance-api.conf").unwrap()).unwrap();
    let err = KeystoneValidator::new(config)
        .err()
        .expect("setup must fail");
    assert!(err.to_string().contains("/nonexistent/ca.pem"), "{err}");
}
