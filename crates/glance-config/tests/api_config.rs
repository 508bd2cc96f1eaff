//! `ApiConfig::load` end to end: files on disk, merging, env overrides.

use glance_config::{ApiConfig, BackendConfig, ConfigError};
use std::path::{Path, PathBuf};
use tempfile::TempDir;

/// An upstream-style glance-api.conf, as packaged configs look.
const UPSTREAM: &str = r#"[DEFAULT]
#
# From glance.api
#

# Maximum size of image a user can upload in bytes. (integer value)
#image_size_cap = 1099511627776
image_size_cap = 10737418240
show_image_direct_url = True
debug = yes
log_dir = /var/log/glance
bind_host = 0.0.0.0
; semicolon comment
enabled_backends = fast:file, cheap:file
public_endpoint = "https://image.example.com:9292"
limit_param_default = 50

[database]
# The SQLAlchemy connection string. (string value)
#connection = sqlite:////var/lib/glance/glance.sqlite
connection = postgresql+psycopg2://glance:pa#ss@127.0.0.1/glance
migrate_on_start = off

[glance_store]
default_backend = fast
stores = file, http,
  rbd

[fast]
filesystem_store_datadir = /x
store_description = Fast local disk
weight = 100

[cheap]
store_description = "Cheap
  and slow"

[keystone_authtoken]
www_authenticate_uri = http://controller:5000
auth_url = http://controller:5000
password = se;cr#et

[paste_deploy]
flavor = keystone
"#;

fn write(dir: &TempDir, name: &str, text: &str) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn defaults_without_files() {
    let c = ApiConfig::load(&[], env(&[("GLANCE_DATA_DIR", "/srv/glance")])).unwrap();
    assert_eq!(c.default.bind_host, "127.0.0.1");
    assert_eq!(c.default.bind_port, 9292);
    assert_eq!(c.default.image_size_cap, 1_099_511_627_776);
    assert!(
        !c.default.show_image_direct_url && !c.default.show_multiple_locations && !c.default.debug
    );
    assert_eq!(
        (c.default.log_file.as_ref(), c.default.log_dir.as_ref()),
        (None, None)
    );
    assert_eq!(
        (c.default.limit_param_default, c.default.api_limit_max),
        (25, 1000)
    );
    assert_eq!(c.default.hashing_algorithm, "sha512");
    assert_eq!(
        (
            c.default.image_property_quota,
            c.default.image_tag_quota,
            c.default.image_location_quota
        ),
        (128, 128, 10)
    );
    assert_eq!(c.default.public_endpoint, None);
    assert_eq!(c.default.max_request_id_length, 64);
    assert!(c.default.enabled_backends.is_empty() && c.backends.is_empty());
    assert_eq!(c.default.state_path, Path::new("/srv/glance"));
    assert_eq!(c.database.connection, "sqlite:////srv/glance/glance.sqlite");
    assert!(c.database.migrate_on_start);
    assert_eq!(c.glance_store.stores, ["file", "http"]);
    assert_eq!(c.glance_store.default_store, "file");
    assert_eq!(
        c.glance_store.filesystem_store_datadir,
        Path::new("/srv/glance/images")
    );
    assert_eq!(c.glance_store.default_backend, None);
    assert_eq!(c.paste_deploy.flavor, None);
    assert_eq!(c.log_path("glance-api"), None);
}

#[test]
fn default_state_path_is_absolute_data() {
    let c = ApiConfig::load(&[], Vec::new()).unwrap();
    assert!(c.default.state_path.is_absolute());
    assert!(c.default.state_path.ends_with("data"));
    let expected = format!(
        "sqlite:///{}",
        c.default.state_path.join("glance.sqlite").display()
    );
    assert_eq!(c.database.connection, expected);
    assert!(c.database.connection.starts_with("sqlite:////"));
}

#[test]
fn realistic_upstream_file() {
    let dir = TempDir::new().unwrap();
    let file = write(&dir, "glance-api.conf", UPSTREAM);
    let c = ApiConfig::load(&[file], env(&[("GLANCE_DATA_DIR", "/srv/g")])).unwrap();

    assert_eq!(c.default.image_size_cap, 10_737_418_240);
    assert!(c.default.show_image_direct_url && c.default.debug);
    assert_eq!(c.default.bind_host, "0.0.0.0");
    assert_eq!(c.default.limit_param_default, 50);
    assert_eq!(
        c.default.public_endpoint.as_deref(),
        Some("https://image.example.com:9292")
    );
    assert_eq!(
        c.log_path("glance-api"),
        Some("/var/log/glance/glance-api.log".into())
    );

    assert_eq!(
        c.database.connection,
        "postgresql+psycopg2://glance:pa#ss@127.0.0.1/glance"
    );
    assert!(!c.database.migrate_on_start);

    assert_eq!(c.glance_store.stores, ["file", "http", "rbd"]);
    assert_eq!(c.glance_store.default_backend.as_deref(), Some("fast"));
    assert_eq!(
        c.default.enabled_backends,
        [
            ("fast".to_owned(), "file".to_owned()),
            ("cheap".to_owned(), "file".to_owned())
        ]
    );
    assert_eq!(
        c.backends,
        [
            BackendConfig {
                id: "fast".into(),
                driver: "file".into(),
                filesystem_store_datadir: "/x".into(),
                store_description: Some("Fast local disk".into()),
                weight: 100,
            },
            BackendConfig {
                id: "cheap".into(),
                driver: "file".into(),
                filesystem_store_datadir: "/srv/g/cheap".into(),
                store_description: Some("\"Cheap\nand slow\"".into()),
                weight: 0,
            },
        ]
    );
    assert_eq!(c.paste_deploy.flavor.as_deref(), Some("keystone"));

    let password = c.raw.get("keystone_authtoken", "password").unwrap();
    let line = 1 + UPSTREAM
        .lines()
        .position(|l| l.starts_with("password"))
        .unwrap();
    assert_eq!(password.value, "se;cr#et");
    assert_eq!(
        password.origin.to_string(),
        format!("{}:{line}", dir.path().join("glance-api.conf").display())
    );
}

#[test]
fn sqlite_four_slash_url_is_kept_verbatim() {
    let dir = TempDir::new().unwrap();
    let file = write(
        &dir,
        "a.conf",
        "[database]\nconnection = sqlite:////var/lib/glance/glance.sqlite\n",
    );
    let c = ApiConfig::load(&[file], Vec::new()).unwrap();
    assert_eq!(
        c.database.connection,
        "sqlite:////var/lib/glance/glance.sqlite"
    );
}

#[test]
fn env_overrides_win_over_files() {
    let dir = TempDir::new().unwrap();
    let file = write(&dir, "glance-api.conf", UPSTREAM);
    let c = ApiConfig::load(
        &[file],
        env(&[
            ("OS_DEFAULT__BIND_PORT", "9393"),
            ("OS_DEFAULT__bind_host", "::1"),
            ("OS_DATABASE__CONNECTION", "sqlite:////tmp/x.sqlite"),
            ("OS_GLANCE_STORE__FILESYSTEM_STORE_DATADIR", "/data/images"),
            ("OS_GLANCE_STORE__DEFAULT_BACKEND", "cheap"),
            ("OS_FAST__WEIGHT", "7"),
            ("OS_AUTH_URL", "http://ignored"),
        ]),
    )
    .unwrap();
    assert_eq!(c.default.bind_port, 9393);
    assert_eq!(c.default.bind_host, "::1");
    assert_eq!(c.database.connection, "sqlite:////tmp/x.sqlite");
    assert_eq!(
        c.glance_store.filesystem_store_datadir,
        Path::new("/data/images")
    );
    assert_eq!(c.glance_store.default_backend.as_deref(), Some("cheap"));
    assert_eq!(c.backends[0].weight, 7);
}

#[test]
fn state_path_override_moves_the_defaults() {
    let c = ApiConfig::load(
        &[],
        env(&[
            ("GLANCE_DATA_DIR", "/ignored"),
            ("OS_DEFAULT__STATE_PATH", "/var/lib/glance"),
        ]),
    )
    .unwrap();
    assert_eq!(c.default.state_path, Path::new("/var/lib/glance"));
    assert_eq!(
        c.database.connection,
        "sqlite:////var/lib/glance/glance.sqlite"
    );
    assert_eq!(
        c.glance_store.filesystem_store_datadir,
        Path::new("/var/lib/glance/images")
    );
}

#[test]
fn two_files_merge_in_order() {
    let dir = TempDir::new().unwrap();
    let first = write(
        &dir,
        "1.conf",
        "[DEFAULT]\nbind_port = 1111\ndebug = true\n[database]\nconnection = sqlite:////a\n",
    );
    let second = write(
        &dir,
        "2.conf",
        "[DEFAULT]\nbind_port = 2222\n[paste_deploy]\nflavor = keystone\n",
    );
    let c = ApiConfig::load(&[first.clone(), second.clone()], Vec::new()).unwrap();
    assert_eq!(c.default.bind_port, 2222);
    assert!(c.default.debug);
    assert_eq!(c.database.connection, "sqlite:////a");
    assert_eq!(c.paste_deploy.flavor.as_deref(), Some("keystone"));
    let reversed = ApiConfig::load(&[second, first], Vec::new()).unwrap();
    assert_eq!(reversed.default.bind_port, 1111);
}

#[test]
fn bad_values_name_the_line_and_key() {
    let dir = TempDir::new().unwrap();
    let file = write(
        &dir,
        "bad.conf",
        "[DEFAULT]\n# comment\nbind_port = 70000\n",
    );
    let err = ApiConfig::load(std::slice::from_ref(&file), Vec::new()).unwrap_err();
    let message = err.to_string();
    assert!(
        matches!(&err, ConfigError::InvalidValue { section, key, value, .. }
        if section == "DEFAULT" && key == "bind_port" && value == "70000"),
        "{err:?}"
    );
    assert!(
        message.contains(&format!("{}:3", file.display())),
        "{message}"
    );

    let file = write(&dir, "bool.conf", "[DEFAULT]\ndebug = sure\n");
    let err = ApiConfig::load(&[file], Vec::new())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("[DEFAULT] debug") && err.contains("\"sure\"") && err.contains("bool.conf:2"),
        "{err}"
    );

    let err = ApiConfig::load(&[], env(&[("OS_DEFAULT__IMAGE_TAG_QUOTA", "lots")]))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("image_tag_quota") && err.contains("OS_DEFAULT__IMAGE_TAG_QUOTA"),
        "{err}"
    );

    let file = write(&dir, "syntax.conf", "[DEFAULT]\nbind_port 9292\n");
    match ApiConfig::load(&[file], Vec::new()) {
        Err(ConfigError::Parse { line, .. }) => assert_eq!(line, 2),
        other => panic!("expected a parse error, got {other:?}"),
    }
}

#[test]
fn missing_file_is_an_error() {
    let err = ApiConfig::load(&["/nonexistent/glance-api.conf".into()], Vec::new()).unwrap_err();
    assert!(matches!(err, ConfigError::Read { .. }), "{err:?}");
}

#[test]
fn unknown_keys_and_sections_are_ignored() {
    let dir = TempDir::new().unwrap();
    let file = write(
        &dir,
        "x.conf",
        "[DEFAULT]\nworkers = 8\nnot_an_option = ???\n[oslo_policy]\nenforce_new_defaults = true\n",
    );
    let c = ApiConfig::load(&[file], Vec::new()).unwrap();
    assert_eq!(c.default.bind_port, 9292);
    assert_eq!(
        c.raw
            .get("oslo_policy", "enforce_new_defaults")
            .unwrap()
            .value,
        "true"
    );
}
