//! `KeystoneValidator` against an `https://` Keystone: glance-identity's
//! built-in Keystone v3 API behind a real TLS listener on loopback, with a
//! certificate from a CA made for the test.

use axum::Router;
use glance_auth::{KeystoneConfig, KeystoneError, KeystoneValidator};
use glance_config::ConfigFile;
use glance_identity::{Identity, Lookup};
use openssl::asn1::Asn1Time;
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::x509::extension::{BasicConstraints, SubjectAlternativeName};
use openssl::x509::{X509, X509NameBuilder};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tempfile::TempDir;
use tokio::net::{TcpListener, TcpStream};
use tokio_native_tls::{TlsAcceptor, TlsStream};

/// A TCP listener that completes a TLS handshake before handing a
/// connection to axum; failed handshakes are dropped.
struct TlsListener {
    tcp: TcpListener,
    acceptor: TlsAcceptor,
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Ok((stream, addr)) = self.tcp.accept().await else {
                continue;
            };
            if let Ok(tls) = self.acceptor.accept(stream).await {
                return (tls, addr);
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

fn key() -> PKey<Private> {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
    PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap()
}

/// A certificate for `cn`, signed by `issuer` (self-signed without one).
fn certificate(cn: &str, key: &PKey<Private>, issuer: Option<(&X509, &PKey<Private>)>) -> X509 {
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_nid(Nid::COMMONNAME, cn).unwrap();
    let name = name.build();
    let mut b = X509::builder().unwrap();
    b.set_version(2).unwrap();
    b.set_serial_number(
        &BigNum::from_u32(rand_serial())
            .unwrap()
            .to_asn1_integer()
            .unwrap(),
    )
    .unwrap();
    b.set_subject_name(&name).unwrap();
    b.set_pubkey(key).unwrap();
    b.set_not_before(&Asn1Time::days_from_now(0).unwrap())
        .unwrap();
    b.set_not_after(&Asn1Time::days_from_now(1).unwrap())
        .unwrap();
    match issuer {
        None => {
            b.set_issuer_name(&name).unwrap();
            b.append_extension(BasicConstraints::new().critical().ca().build().unwrap())
                .unwrap();
            b.sign(key, MessageDigest::sha256()).unwrap();
        }
        Some((ca, ca_key)) => {
            b.set_issuer_name(ca.subject_name()).unwrap();
            let san = SubjectAlternativeName::new()
                .ip("127.0.0.1")
                .build(&b.x509v3_context(Some(ca), None))
                .unwrap();
            b.append_extension(san).unwrap();
            b.sign(ca_key, MessageDigest::sha256()).unwrap();
        }
    }
    b.build()
}

fn rand_serial() -> u32 {
    let mut bytes = [0u8; 4];
    openssl::rand::rand_bytes(&mut bytes).unwrap();
    u32::from_be_bytes(bytes) >> 1
}

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

    let (ca_key, leaf_key) = (key(), key());
    let ca = certificate("glance-rs test CA", &ca_key, None);
    let leaf = certificate("127.0.0.1", &leaf_key, Some((&ca, &ca_key)));
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, ca.to_pem().unwrap()).unwrap();
    let tls_identity = native_tls::Identity::from_pkcs8(
        &leaf.to_pem().unwrap(),
        &leaf_key.private_key_to_pem_pkcs8().unwrap(),
    )
    .unwrap();
    let acceptor = TlsAcceptor::from(native_tls::TlsAcceptor::new(tls_identity).unwrap());
    let tcp = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("https://{}/identity/v3", tcp.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(TlsListener { tcp, acceptor }, app)
            .await
            .unwrap()
    });
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
