//! The real keystoneauth1 (and openstacksdk, when installed) from the
//! workspace's `.venv` authenticating against the built-in identity.
//! Also `openstack token issue`, `project list` and `user list`. Skipped
//! when `.venv` is absent.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

/// Authenticates with keystoneauth1 (discovery on the unversioned and the
/// `/v3` URL) and prints the image endpoint, the project and the roles;
/// then as member `alice`; then asks openstacksdk for the image endpoint.
const SCRIPT: &str = r#"
import sys
from keystoneauth1.identity import v3
from keystoneauth1 import session
base, password = sys.argv[1], sys.argv[2]
for auth_url in (base + "/identity", base + "/identity/v3"):
    auth = v3.Password(auth_url=auth_url, username="admin", password=password,
                       project_name="admin", user_domain_name="Default",
                       project_domain_name="Default")
    sess = session.Session(auth=auth)
    assert sess.get_token()
    print(sess.get_endpoint(service_type="image", interface="public"))
    access = auth.get_access(sess)
    print(access.project_name, ",".join(sorted(access.role_names)))
alice = v3.Password(auth_url=base + "/identity/v3", username="alice", password="alice-pw",
                    project_name="demo", user_domain_name="Default",
                    project_domain_name="Default")
access = alice.get_access(session.Session(auth=alice))
print(access.project_name, ",".join(sorted(access.role_names)))
try:
    import openstack
except ImportError:
    sys.exit(0)
conn = openstack.connect(auth_url=base + "/identity", username="admin", password=password,
                         project_name="admin", user_domain_name="Default",
                         project_domain_name="Default", region_name="RegionOne")
print(conn.session.get_endpoint(service_type="image", interface="public"))
"#;

/// `.venv/bin/<name>` of the workspace, if present.
fn venv_bin(name: &str) -> Option<PathBuf> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../.venv/bin")
        .join(name);
    path.exists().then_some(path)
}

#[tokio::test(flavor = "multi_thread")]
async fn keystoneauth_password_flow() {
    let Some(python) = venv_bin("python") else {
        eprintln!("skipped: no .venv with keystoneauth1");
        return;
    };
    let server = common::serve().await;
    server.identity.create_project("demo").unwrap();
    server.identity.create_user("alice", "alice-pw").unwrap();
    server
        .identity
        .add_role("alice", "demo", glance_identity::Role::Member)
        .unwrap();
    let (base, password) = (server.base.clone(), server.admin_password.clone());
    let output = tokio::task::spawn_blocking(move || {
        Command::new(python)
            .args(["-c", SCRIPT, &base, &password])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "stdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines.len() >= 5, "{stdout}");
    for pair in lines[..4].chunks(2) {
        assert_eq!(pair[0], server.base);
        assert_eq!(pair[1], "admin admin,member,reader");
    }
    assert_eq!(lines[4], "demo member,reader");
    for endpoint in &lines[5..] {
        assert_eq!(*endpoint, server.base);
    }
}

/// Runs `.venv/bin/openstack <args> -f json` as admin and parses its output.
fn openstack(cli: &Path, base: &str, password: &str, args: &[&str]) -> serde_json::Value {
    let output = Command::new(cli)
        .args(args)
        .args(["-f", "json"])
        .env_clear()
        .env("HOME", std::env::temp_dir())
        .env("OS_AUTH_URL", format!("{base}/identity"))
        .env("OS_IDENTITY_API_VERSION", "3")
        .env("OS_AUTH_TYPE", "password")
        .env("OS_USERNAME", "admin")
        .env("OS_PASSWORD", password)
        .env("OS_PROJECT_NAME", "admin")
        .env("OS_USER_DOMAIN_NAME", "Default")
        .env("OS_PROJECT_DOMAIN_NAME", "Default")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "openstack {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn openstackclient_token_and_listings() {
    let Some(cli) = venv_bin("openstack") else {
        eprintln!("skipped: no .venv with openstackclient");
        return;
    };
    let server = common::serve().await;
    let (base, password) = (server.base.clone(), server.admin_password.clone());
    let (token, projects, users) = tokio::task::spawn_blocking(move || {
        (
            openstack(&cli, &base, &password, &["token", "issue"]),
            openstack(&cli, &base, &password, &["project", "list"]),
            openstack(&cli, &base, &password, &["user", "list"]),
        )
    })
    .await
    .unwrap();
    let info = server
        .identity
        .validate(token["id"].as_str().unwrap())
        .unwrap();
    assert_eq!(token["project_id"].as_str(), info.project_id.as_deref());
    let mut names: Vec<&str> = projects
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["Name"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["admin", "service"]);
    assert_eq!(users[0]["Name"], "admin");
}
