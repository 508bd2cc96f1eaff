//! A real glance-api (the composition root of the binary) on an ephemeral
//! loopback port, over a fresh data directory.

use glance_client::{Auth, Client, Config, PasswordAuth, Scope};
use glance_config::ApiConfig;

/// How the server authenticates callers.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `auth_strategy = noauth`: no token needed, callers are admin.
    NoAuth,
    /// The built-in identity at `{base}/identity/v3`.
    Builtin,
}

/// A running server.
pub struct Server {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    pub config: ApiConfig,
    /// The data directory (`state_path`).
    pub dir: tempfile::TempDir,
}

impl Server {
    pub async fn start(mode: Mode) -> Server {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (server, router) = Server::build(mode, base).await;
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        server
    }

    /// Builds glance-api for a server at `base` (its public endpoint, which
    /// the catalog names; so the caller binds first) without serving it.
    pub async fn build(mode: Mode, base: String) -> (Server, axum::Router) {
        let dir = tempfile::tempdir().unwrap();
        let mut conf = format!(
            "[DEFAULT]\nstate_path = {}\npublic_endpoint = {base}\n",
            dir.path().display()
        );
        if mode == Mode::NoAuth {
            conf.push_str("auth_strategy = noauth\n");
        }
        let path = dir.path().join("glance-api.conf");
        std::fs::write(&path, conf).unwrap();
        let config = ApiConfig::load(&[path], Vec::<(String, String)>::new()).unwrap();
        let state = glance_api::startup::build(&config).await.unwrap();
        let server = Server { base, config, dir };
        (server, glance_api::router(state))
    }

    /// `OS_AUTH_URL` of the built-in identity.
    pub fn auth_url(&self) -> String {
        format!("{}/identity/v3", self.base)
    }

    /// The admin password the first start wrote to `admin-openrc`.
    pub fn admin_password(&self) -> String {
        let path = glance_api::startup::openrc_path(&self.config);
        let text = std::fs::read_to_string(path).unwrap();
        let line = text.lines().find(|l| l.contains("OS_PASSWORD=")).unwrap();
        line.split_once('=')
            .unwrap()
            .1
            .trim_matches('\'')
            .to_owned()
    }

    /// The admin credentials, as `admin-openrc` gives them.
    pub fn admin_auth(&self) -> PasswordAuth {
        password_auth(&self.auth_url(), "admin", &self.admin_password(), "admin")
    }

    /// A client logged in as admin through the catalog.
    pub async fn admin(&self) -> Client {
        Client::connect(Config::new(Auth::Password(self.admin_auth())))
            .await
            .unwrap()
    }

    /// A client with no token for a no-auth server.
    pub async fn anonymous(&self) -> Client {
        Client::connect(token_config("", &self.base)).await.unwrap()
    }

    /// Creates project `name` and a member user `name` with `password`;
    /// returns the project id.
    pub fn add_project_user(&self, name: &str, password: &str) -> String {
        let identity = glance_api::startup::open_identity(&self.config).unwrap();
        let project = identity.create_project(name).unwrap();
        identity.create_user(name, password).unwrap();
        identity
            .add_role(name, name, glance_identity::Role::Member)
            .unwrap();
        project.id
    }
}

/// Password credentials scoped to `project` (domains left to the default).
pub fn password_auth(auth_url: &str, user: &str, password: &str, project: &str) -> PasswordAuth {
    PasswordAuth {
        auth_url: auth_url.to_owned(),
        username: Some(user.to_owned()),
        password: password.to_owned(),
        scope: Scope {
            project_name: Some(project.to_owned()),
            ..Scope::default()
        },
        ..PasswordAuth::default()
    }
}

/// `--os-auth-token <token> --os-image-url <url>`.
pub fn token_config(token: &str, image_url: &str) -> Config {
    let mut config = Config::new(Auth::Token {
        token: token.to_owned(),
    });
    config.image_url = Some(image_url.to_owned());
    config
}

/// A JSON object literal as an `Object`.
pub fn object(value: serde_json::Value) -> glance_client::Object {
    match value {
        serde_json::Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

/// A loopback port nothing listens on.
pub async fn closed_port() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap().port()
}
