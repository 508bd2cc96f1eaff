//! Option parsing through `from_config`: upstream's defaults, and errors
//! that name the section and key. No server is contacted.

use crate::common::store_from;
use glance_config::ConfigFile;
use glance_store::{Store, StoreError};
use glance_store_swift::SwiftStore;
use serde_json::json;

const BASE: &str = "swift_store_auth_address = http://127.0.0.1:8080/auth/v1.0\n\
                    swift_store_user = glance:glance\nswift_store_key = glancepass\n";

async fn config_error(ini: &str, section: &str) -> String {
    let config = ConfigFile::parse(ini, "test").unwrap();
    match SwiftStore::from_config(&config, section).await {
        Err(StoreError::Config(message)) => message,
        Err(e) => panic!("expected a config error, got {e:?}"),
        Ok(_) => panic!("expected a config error for:\n{ini}"),
    }
}

#[tokio::test]
async fn defaults_are_upstreams() {
    let store = store_from(&format!("[glance_store]\n{BASE}"), "glance_store").await;
    assert_eq!(store.driver(), "swift");
    let shown = format!("{store:?}");
    assert!(
        shown.contains("glance:glance") && !shown.contains("glancepass"),
        "{shown}"
    );
    assert_eq!(
        serde_json::Value::Object(store.properties()),
        json!({
            "container": "glance",
            "large_object_size": 5120u64 * 1000 * 1024,
            "large_object_chunk_size": 200u64 * 1000 * 1024,
        })
    );
}

#[tokio::test]
async fn multi_store_sections_are_read() {
    let ini = format!(
        "[glance_store]\nswift_store_container = wrong\n[fast]\n{BASE}\
         swift_store_container = images\nswift_store_large_object_size = 10\n\
         swift_store_large_object_chunk_size = 2\n"
    );
    let store = store_from(&ini, "fast").await;
    assert_eq!(
        serde_json::Value::Object(store.properties()),
        json!({
            "container": "images",
            "large_object_size": 10 * 1000 * 1024,
            "large_object_chunk_size": 2 * 1000 * 1024,
        })
    );
}

#[tokio::test]
async fn keystone_v3_is_the_default_auth_version() {
    // v3 needs project:user; a bare user is refused.
    let ini = "[glance_store]\nswift_store_auth_address = http://k/v3\n\
               swift_store_user = glance\nswift_store_key = k\n";
    let message = config_error(ini, "glance_store").await;
    assert!(
        message.contains("[glance_store] swift_store_user"),
        "{message}"
    );
}

#[tokio::test]
async fn invalid_or_missing_options_name_section_and_key() {
    let cases = [
        (
            "swift_store_user = a:b\nswift_store_key = k\n",
            "swift_store_auth_address",
        ),
        (
            "swift_store_auth_address = http://x\nswift_store_key = k\n",
            "swift_store_user",
        ),
        (
            "swift_store_auth_address = http://x\nswift_store_user = a:b\n",
            "swift_store_key",
        ),
        (
            &format!("{BASE}swift_store_auth_version = 2\n"),
            "swift_store_auth_version",
        ),
        (
            &format!("{BASE}swift_store_endpoint_type = sideURL\n"),
            "swift_store_endpoint_type",
        ),
        (
            &format!("{BASE}swift_store_multiple_containers_seed = 33\n"),
            "swift_store_multiple_containers_seed",
        ),
        (
            &format!("{BASE}swift_store_large_object_size = 0\n"),
            "swift_store_large_object_size",
        ),
        (
            &format!("{BASE}swift_store_large_object_chunk_size = big\n"),
            "swift_store_large_object_chunk_size",
        ),
        (
            &format!("{BASE}swift_store_create_container_on_put = maybe\n"),
            "swift_store_create_container_on_put",
        ),
        (
            &format!("{BASE}swift_store_endpoint = not a url\n"),
            "swift_store_endpoint",
        ),
        (
            &format!("{BASE}swift_store_endpoint = mailto:x@y\n"),
            "swift_store_endpoint",
        ),
        (
            &format!("{BASE}swift_store_cacert = /nonexistent/ca.pem\n"),
            "swift_store_cacert",
        ),
        (
            "swift_store_config_file = /nonexistent/glance-swift.conf\n",
            "swift_store_config_file",
        ),
    ];
    for (options, key) in cases {
        let message = config_error(&format!("[swift1]\n{options}"), "swift1").await;
        assert!(
            message.contains("[swift1]") && message.contains(key),
            "{key}: {message}"
        );
    }
}

#[tokio::test]
async fn unknown_config_file_reference_is_refused() {
    let path = std::env::temp_dir().join(format!("glance-swift-{}.conf", uuid::Uuid::new_v4()));
    std::fs::write(
        &path,
        "[ref1]\nuser = a:b\nkey = k\nauth_address = http://x\n",
    )
    .unwrap();
    let ini = format!(
        "[glance_store]\nswift_store_config_file = {}\ndefault_swift_reference = ref9\n",
        path.display()
    );
    let message = config_error(&ini, "glance_store").await;
    std::fs::remove_file(&path).unwrap();
    assert!(
        message.contains("default_swift_reference") && message.contains("ref9"),
        "{message}"
    );
}
