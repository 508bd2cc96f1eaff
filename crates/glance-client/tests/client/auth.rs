//! Connecting: Keystone password and token authentication, version
//! discovery, catalog lookup, bare tokens, and what fails how.

use crate::common::{Mode, Server, closed_port, password_auth, token_config};
use glance_client::{Auth, Client, ClientError, Config, INVALID_CREDENTIALS, Scope};

#[tokio::test]
async fn password_auth_finds_the_image_endpoint_in_the_catalog() {
    let server = Server::start(Mode::Builtin).await;
    let client = server.admin().await;
    assert_eq!(client.endpoint().as_str(), format!("{}/", server.base));
    assert!(client.token().is_some_and(|t| !t.is_empty()));
    let image = client
        .create_image(&crate::common::object(serde_json::json!({"name": "mine"})))
        .await
        .unwrap();
    assert_eq!(client.list_images(&[], None, None).await.unwrap().len(), 1);
    assert!(image["owner"].as_str().is_some_and(|o| !o.is_empty()));

    // Interfaces in v2 catalog style and the right region work too.
    let mut config = Config::new(Auth::Password(server.admin_auth()));
    config.interface = "internalURL".into();
    config.region_name = Some("RegionOne".into());
    let client = Client::connect(config).await.unwrap();
    assert_eq!(client.list_images(&[], None, None).await.unwrap().len(), 1);
}

#[tokio::test]
async fn unversioned_auth_urls_are_discovered() {
    let server = Server::start(Mode::Builtin).await;
    let password = server.admin_password();
    for auth_url in [
        format!("{}/identity", server.base),
        format!("{}/identity/", server.base),
        format!("{}/identity/v3/", server.base),
    ] {
        let auth = password_auth(&auth_url, "admin", &password, "admin");
        let client = Client::connect(Config::new(Auth::Password(auth)))
            .await
            .unwrap_or_else(|e| panic!("{auth_url}: {e}"));
        client.list_images(&[], None, None).await.unwrap();
    }
}

#[tokio::test]
async fn refused_credentials_are_auth_errors() {
    let server = Server::start(Mode::Builtin).await;
    let wrong = password_auth(&server.auth_url(), "admin", "wrong", "admin");
    let unknown_project = password_auth(
        &server.auth_url(),
        "admin",
        &server.admin_password(),
        "nope",
    );
    for auth in [wrong, unknown_project] {
        let err = Client::connect(Config::new(Auth::Password(auth)))
            .await
            .unwrap_err();
        assert!(matches!(err, ClientError::Auth(_)), "{err:?}");
        // What `glance` prints (keystoneauth's Unauthorized).
        assert!(
            err.to_string()
                .starts_with("The request you have made requires authentication. (HTTP 401)"),
            "{err}"
        );
    }
}

#[tokio::test]
async fn missing_endpoints_are_reported_like_keystoneauth() {
    let server = Server::start(Mode::Builtin).await;
    let mut config = Config::new(Auth::Password(server.admin_auth()));
    config.region_name = Some("Nowhere".into());
    let err = Client::connect(config).await.unwrap_err();
    assert!(matches!(err, ClientError::EndpointNotFound(_)), "{err:?}");
    assert_eq!(
        err.to_string(),
        "public endpoint for image service in Nowhere region not found"
    );
    let mut config = Config::new(Auth::Password(server.admin_auth()));
    config.service_type = "volume".into();
    let err = Client::connect(config).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "public endpoint for volume service not found"
    );
}

#[tokio::test]
async fn tokens_work_with_an_image_url_or_through_keystone() {
    let server = Server::start(Mode::Builtin).await;
    let admin = server.admin().await;
    let token = admin.token().unwrap().to_owned();

    // --os-auth-token + --os-image-url: no Keystone, version suffix ignored.
    let client = Client::connect(token_config(&token, &format!("{}/v2/", server.base)))
        .await
        .unwrap();
    assert_eq!(client.endpoint().as_str(), format!("{}/", server.base));
    assert_eq!(client.token(), Some(token.as_str()));
    client.list_images(&[], None, None).await.unwrap();

    // OS_AUTH_TYPE=token: the token buys a scoped one and the catalog.
    let config = Config::new(Auth::KeystoneToken {
        auth_url: format!("{}/identity", server.base),
        token: token.clone(),
        scope: Scope {
            project_name: Some("admin".into()),
            ..Scope::default()
        },
    });
    let client = Client::connect(config).await.unwrap();
    assert_eq!(client.endpoint().as_str(), format!("{}/", server.base));
    client.list_images(&[], None, None).await.unwrap();

    // Password auth with an explicit image URL skips the catalog.
    let mut config = Config::new(Auth::Password(server.admin_auth()));
    config.image_url = Some(server.base.clone());
    config.region_name = Some("Nowhere".into());
    Client::connect(config).await.unwrap();
}

#[tokio::test]
async fn a_rejected_token_is_the_api_401() {
    let server = Server::start(Mode::Builtin).await;
    let client = Client::connect(token_config("garbage", &server.base))
        .await
        .unwrap();
    let err = client.list_images(&[], None, None).await.unwrap_err();
    assert_eq!(err.status(), Some(401));
    assert_eq!(err.shell_message(), INVALID_CREDENTIALS);

    let err = Client::connect(Config::new(Auth::Token { token: "t".into() }))
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Config(_)), "{err:?}");
}

#[tokio::test]
async fn unreachable_servers_are_connection_errors() {
    let port = closed_port().await;
    let client = Client::connect(token_config("t", &format!("http://127.0.0.1:{port}")))
        .await
        .unwrap();
    let err = client.get_image("x").await.unwrap_err();
    assert!(matches!(err, ClientError::Connection(_)), "{err:?}");
    assert!(
        err.to_string().starts_with(&format!(
            "Error finding address for http://127.0.0.1:{port}/v2/images/x: "
        )),
        "{err}"
    );

    let auth = password_auth(
        &format!("http://127.0.0.1:{port}/identity/v3"),
        "admin",
        "pw",
        "admin",
    );
    let err = Client::connect(Config::new(Auth::Password(auth)))
        .await
        .unwrap_err();
    assert!(
        err.to_string().starts_with(&format!(
            "Unable to establish connection to http://127.0.0.1:{port}/identity/v3/auth/tokens: "
        )),
        "{err}"
    );
}

#[tokio::test]
async fn unusable_tls_files_are_config_errors() {
    let mut config = token_config("t", "https://127.0.0.1:1");
    config.cacert = Some("/nonexistent/ca.pem".into());
    let err = Client::connect(config).await.unwrap_err();
    assert!(matches!(err, ClientError::Config(_)), "{err:?}");
    assert!(err.to_string().contains("/nonexistent/ca.pem"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.pem");
    std::fs::write(&junk, "not a certificate").unwrap();
    let mut config = token_config("t", "https://127.0.0.1:1");
    config.cert = Some(junk);
    let err = Client::connect(config).await.unwrap_err();
    assert!(matches!(err, ClientError::Config(_)), "{err:?}");
}

#[tokio::test]
async fn debug_mode_runs_the_whole_exchange() {
    let server = Server::start(Mode::Builtin).await;
    let mut config = Config::new(Auth::Password(server.admin_auth()));
    config.debug = true;
    config.timeout = Some(std::time::Duration::from_secs(10));
    let client = Client::connect(config).await.unwrap();
    let image = client
        .create_image(&crate::common::object(serde_json::json!({
            "name": "dbg", "disk_format": "raw", "container_format": "bare"})))
        .await
        .unwrap();
    let id = image["id"].as_str().unwrap();
    client
        .upload_image(id, reqwest::Body::from(vec![7u8; 1000]), Some(1000), None)
        .await
        .unwrap();
    assert!(client.get_image("nope").await.unwrap_err().is_not_found());
}
