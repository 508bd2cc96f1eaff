//! A certificate authority made for a test, the server certificates it
//! signs, and an HTTPS listener for `axum::serve`.
//!
//! The usual server over HTTPS on loopback, and the CA file a client needs
//! to trust it:
//!
//! ```no_run
//! # async fn demo(router: axum::Router, dir: &std::path::Path) {
//! use glance_test_support::tls::{TestCa, TlsListener};
//!
//! let ca = TestCa::new();
//! let listener = TlsListener::bind(ca.loopback_acceptor()).await;
//! let base = format!("https://{}", listener.addr());
//! listener.spawn(router);
//! let ca_file = ca.write_pem(dir); // `<dir>/ca.pem`
//! # }
//! ```
//!
//! Keys are P-256, certificates are valid from now for a day, and every
//! failure panics (these are test helpers).

use openssl::asn1::Asn1Time;
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::x509::extension::{BasicConstraints, SubjectAlternativeName};
use openssl::x509::{X509, X509Builder, X509Name, X509NameBuilder};
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio_native_tls::{TlsAcceptor, TlsStream};

/// The names [`TestCa::loopback_acceptor`] issues its certificate for.
pub const LOOPBACK: [&str; 2] = ["127.0.0.1", "localhost"];

/// A certificate authority made for one test: a self-signed CA
/// certificate and its key.
pub struct TestCa {
    cert: X509,
    key: PKey<Private>,
}

impl Default for TestCa {
    fn default() -> TestCa {
        TestCa::new()
    }
}

impl TestCa {
    /// A fresh CA named `glance-rs test CA`.
    pub fn new() -> TestCa {
        TestCa::named("glance-rs test CA")
    }

    /// A fresh self-signed CA certificate with common name `cn`; with its
    /// key, it also serves as a self-signed client certificate.
    pub fn named(cn: &str) -> TestCa {
        let key = new_key();
        let mut b = unsigned(cn, &key);
        b.set_issuer_name(&name(cn)).unwrap();
        b.append_extension(BasicConstraints::new().critical().ca().build().unwrap())
            .unwrap();
        b.sign(&key, MessageDigest::sha256()).unwrap();
        TestCa {
            cert: b.build(),
            key,
        }
    }

    /// The CA certificate, PEM-encoded.
    pub fn cert_pem(&self) -> Vec<u8> {
        self.cert.to_pem().unwrap()
    }

    /// The CA's private key, PEM-encoded PKCS#8.
    pub fn key_pem(&self) -> Vec<u8> {
        self.key.private_key_to_pem_pkcs8().unwrap()
    }

    /// Writes the CA certificate to `<dir>/ca.pem` and returns that path.
    pub fn write_pem(&self, dir: &Path) -> PathBuf {
        let path = dir.join("ca.pem");
        std::fs::write(&path, self.cert_pem()).unwrap();
        path
    }

    /// A server certificate signed by this CA, with a fresh key, for
    /// `names` (subject alternative names: IP addresses as such, anything
    /// else as a DNS name); the first name is also the common name.
    pub fn issue_server_cert(&self, names: &[&str]) -> ServerCert {
        let first = names.first().expect("a server certificate needs a name");
        let key = new_key();
        let mut b = unsigned(first, &key);
        b.set_issuer_name(self.cert.subject_name()).unwrap();
        let mut san = SubjectAlternativeName::new();
        for name in names {
            if name.parse::<IpAddr>().is_ok() {
                san.ip(name);
            } else {
                san.dns(name);
            }
        }
        let san = san
            .build(&b.x509v3_context(Some(&self.cert), None))
            .unwrap();
        b.append_extension(san).unwrap();
        b.sign(&self.key, MessageDigest::sha256()).unwrap();
        ServerCert {
            cert: b.build(),
            key,
        }
    }

    /// A TLS acceptor presenting a fresh certificate from this CA for
    /// [`LOOPBACK`] (`127.0.0.1` and `localhost`).
    pub fn loopback_acceptor(&self) -> TlsAcceptor {
        self.issue_server_cert(&LOOPBACK).acceptor()
    }
}

/// A server certificate from [`TestCa::issue_server_cert`] and its key.
pub struct ServerCert {
    cert: X509,
    key: PKey<Private>,
}

impl ServerCert {
    /// The certificate, PEM-encoded.
    pub fn cert_pem(&self) -> Vec<u8> {
        self.cert.to_pem().unwrap()
    }

    /// The private key, PEM-encoded PKCS#8.
    pub fn key_pem(&self) -> Vec<u8> {
        self.key.private_key_to_pem_pkcs8().unwrap()
    }

    /// A TLS acceptor (for tokio) presenting this certificate.
    pub fn acceptor(&self) -> TlsAcceptor {
        let identity = native_tls::Identity::from_pkcs8(&self.cert_pem(), &self.key_pem()).unwrap();
        TlsAcceptor::from(native_tls::TlsAcceptor::new(identity).unwrap())
    }
}

/// A TCP listener on loopback that completes a TLS handshake before
/// handing a connection to `axum::serve`; failed handshakes are dropped.
pub struct TlsListener {
    tcp: TcpListener,
    acceptor: TlsAcceptor,
}

impl TlsListener {
    /// Listens on a free port of `127.0.0.1`, accepting with `acceptor`.
    pub async fn bind(acceptor: TlsAcceptor) -> TlsListener {
        let tcp = TcpListener::bind("127.0.0.1:0").await.unwrap();
        TlsListener { tcp, acceptor }
    }

    /// The address listened on (`127.0.0.1:<port>`).
    pub fn addr(&self) -> SocketAddr {
        self.tcp.local_addr().unwrap()
    }

    /// Serves `router` on this listener from a task spawned on the current
    /// tokio runtime.
    pub fn spawn(self, router: axum::Router) {
        tokio::spawn(async move { axum::serve(self, router).await.unwrap() });
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

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

/// A fresh P-256 key.
fn new_key() -> PKey<Private> {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
    PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap()
}

/// A name with common name `cn` only.
fn name(cn: &str) -> X509Name {
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_nid(Nid::COMMONNAME, cn).unwrap();
    name.build()
}

/// An X.509 v3 certificate for `cn` and `key`, valid from now for a day,
/// with a random serial; issuer, extensions and signature still to add.
fn unsigned(cn: &str, key: &PKey<Private>) -> X509Builder {
    let mut b = X509::builder().unwrap();
    b.set_version(2).unwrap();
    let mut serial = [0u8; 4];
    openssl::rand::rand_bytes(&mut serial).unwrap();
    let serial = BigNum::from_u32(u32::from_be_bytes(serial) >> 1).unwrap();
    b.set_serial_number(&serial.to_asn1_integer().unwrap())
        .unwrap();
    b.set_subject_name(&name(cn)).unwrap();
    b.set_pubkey(key).unwrap();
    b.set_not_before(&Asn1Time::days_from_now(0).unwrap())
        .unwrap();
    b.set_not_after(&Asn1Time::days_from_now(1).unwrap())
        .unwrap();
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_certificates_are_signed_by_the_ca_for_their_names() {
        let ca = TestCa::new();
        let server = ca.issue_server_cert(&LOOPBACK);
        let cert = X509::from_pem(&server.cert_pem()).unwrap();
        let ca_cert = X509::from_pem(&ca.cert_pem()).unwrap();
        assert!(cert.verify(&ca_cert.public_key().unwrap()).unwrap());
        assert_eq!(
            cert.issuer_name().to_der().unwrap(),
            ca_cert.subject_name().to_der().unwrap()
        );
        let sans = cert.subject_alt_names().unwrap();
        let ip = sans.iter().find_map(|n| n.ipaddress()).unwrap();
        let dns = sans.iter().find_map(|n| n.dnsname()).unwrap();
        assert_eq!((ip, dns), (&[127, 0, 0, 1][..], "localhost"));
        assert!(ca_cert.verify(&ca_cert.public_key().unwrap()).unwrap());
    }

    #[test]
    fn pems_are_written_and_keys_match() {
        let dir = std::env::temp_dir().join(format!("glance-test-support-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let ca = TestCa::named("client");
        let path = ca.write_pem(&dir);
        assert_eq!(path, dir.join("ca.pem"));
        assert_eq!(std::fs::read(&path).unwrap(), ca.cert_pem());
        let key = PKey::private_key_from_pem(&ca.key_pem()).unwrap();
        let cert = X509::from_pem(&ca.cert_pem()).unwrap();
        assert!(cert.public_key().unwrap().public_eq(&key));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
