//! TLS options against glance-api (built-in identity) served over HTTPS
//! with a certificate from a CA made for the test.

use std::path::{Path, PathBuf};

use glance_client::{Auth, Client, ClientError, Config};
use glance_test_support::tls::{TestCa, TlsListener};

use crate::common::{Mode, Server};

/// glance-api over HTTPS, and the CA file that verifies it.
struct TlsServer {
    server: Server,
    ca_file: PathBuf,
}

async fn serve_tls() -> TlsServer {
    let ca = TestCa::new();
    let listener = TlsListener::bind(ca.loopback_acceptor()).await;
    let base = format!("https://{}", listener.addr());
    let (server, router) = Server::build(Mode::Builtin, base).await;
    listener.spawn(router);
    let ca_file = ca.write_pem(server.dir.path());
    TlsServer { server, ca_file }
}

fn config(server: &Server) -> Config {
    Config::new(Auth::Password(server.admin_auth()))
}

/// A client certificate (self-signed) and its PKCS#8 key, as separate
/// files and as one.
fn client_files(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let client = TestCa::named("client");
    let (cert_pem, key_pem) = (client.cert_pem(), client.key_pem());
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
