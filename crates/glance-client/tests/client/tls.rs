//! TLS options against glance-api (built-in identity) served over HTTPS
//! with a certificate from a CA made for the test.

use std::path::{Path, PathBuf};

use glance_client::{Auth, Client, ClientError, Config};
use openssl::asn1::Asn1Time;
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::x509::extension::{BasicConstraints, SubjectAlternativeName};
use openssl::x509::{X509, X509NameBuilder};
use tokio::net::{TcpListener, TcpStream};
use tokio_native_tls::{TlsAcceptor, TlsStream};

use crate::common::{Mode, Server};

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

/// A CA certificate (no issuer) or a leaf for 127.0.0.1 signed by `issuer`.
fn certificate(cn: &str, key: &PKey<Private>, issuer: Option<(&X509, &PKey<Private>)>) -> X509 {
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_nid(Nid::COMMONNAME, cn).unwrap();
    let name = name.build();
    let mut b = X509::builder().unwrap();
    b.set_version(2).unwrap();
    let mut serial = [0u8; 4];
    openssl::rand::rand_bytes(&mut serial).unwrap();
    let serial = BigNum::from_u32(u32::from_be_bytes(serial) >> 1).unwrap();
    b.set_serial_number(&serial.to_asn1_integer().unwrap())
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

/// glance-api over HTTPS, and the CA file that verifies it.
struct TlsServer {
    server: Server,
    ca_file: PathBuf,
}

async fn serve_tls() -> TlsServer {
    let (ca_key, leaf_key) = (key(), key());
    let ca = certificate("glance-rs test CA", &ca_key, None);
    let leaf = certificate("127.0.0.1", &leaf_key, Some((&ca, &ca_key)));
    let identity = native_tls::Identity::from_pkcs8(
        &leaf.to_pem().unwrap(),
        &leaf_key.private_key_to_pem_pkcs8().unwrap(),
    )
    .unwrap();
    let acceptor = TlsAcceptor::from(native_tls::TlsAcceptor::new(identity).unwrap());
    let tcp = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("https://{}", tcp.local_addr().unwrap());
    let (server, router) = Server::build(Mode::Builtin, base).await;
    tokio::spawn(async move {
        axum::serve(TlsListener { tcp, acceptor }, router)
            .await
            .unwrap()
    });
    let ca_file = server.dir.path().join("ca.pem");
    std::fs::write(&ca_file, ca.to_pem().unwrap()).unwrap();
    TlsServer { server, ca_file }
}

fn config(server: &Server) -> Config {
    Config::new(Auth::Password(server.admin_auth()))
}

/// A client certificate and its PKCS#8 key, as separate files and as one.
fn client_files(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let key = key();
    let cert = certificate("client", &key, None);
    let (cert_pem, key_pem) = (
        cert.to_pem().unwrap(),
        key.private_key_to_pem_pkcs8().unwrap(),
    );
    let paths = (
        dir.join("client.crt"),
        dir.join("client.key"),
        dir.join("client.pem"),
    );
    std::fs::write(&paths.0, &cert_pem).unwrap();
    std::fs::write(&paths.1, &key_pem).unwrap();
    std::fs::write(&paths.2, [cert_pem, key_pem].concat()).unwrap();
    paths
}

#[tokio::test]
async fn the_ca_file_makes_the_server_trusted() {
    let tls = serve_tls().await;
    let err = Client::connect(config(&tls.server)).await.unwrap_err();
    assert!(matches!(err, ClientError::Connection(_)), "{err:?}");
    assert!(
        err.to_string().starts_with(&format!(
            "Unable to establish connection to {}/auth/tokens: ",
            tls.server.auth_url()
        )),
        "{err}"
    );

    let mut trusted = config(&tls.server);
    trusted.cacert = Some(tls.ca_file.clone());
    let client = Client::connect(trusted).await.unwrap();
    assert_eq!(client.endpoint().as_str(), format!("{}/", tls.server.base));
    let image = client
        .create_image(&crate::common::object(serde_json::json!({
            "name": "tls", "disk_format": "raw", "container_format": "bare"})))
        .await
        .unwrap();
    let id = image["id"].as_str().unwrap();
    client
        .upload_image(id, reqwest::Body::from(vec![1u8; 4096]), Some(4096), None)
        .await
        .unwrap();
    assert_eq!(client.get_image(id).await.unwrap()["size"], 4096);
}

#[tokio::test]
async fn insecure_skips_verification() {
    let tls = serve_tls().await;
    let mut insecure = config(&tls.server);
    insecure.insecure = true;
    let client = Client::connect(insecure).await.unwrap();
    client.list_images(&[], None, None).await.unwrap();
}

#[tokio::test]
async fn client_certificates_are_presented() {
    let tls = serve_tls().await;
    let (cert, key, both) = client_files(tls.server.dir.path());
    for (cert, key) in [(cert, Some(key)), (both, None)] {
        let mut config = config(&tls.server);
        config.cacert = Some(tls.ca_file.clone());
        config.cert = Some(cert);
        config.key = key;
        let client = Client::connect(config).await.unwrap();
        client.list_images(&[], None, None).await.unwrap();
    }
}
