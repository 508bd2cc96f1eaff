//! Shared test helpers: the SAIO's address and credentials (from the
//! environment, defaulting to the running server), direct Swift access to
//! inspect containers, containers removed when a test ends, and stores
//! built through `from_config`.

use glance_config::ConfigFile;
use glance_store_swift::SwiftStore;
use glance_test_support::cleanup::OnDrop;
pub use glance_test_support::swift::{Saio, credentials};

/// A fresh container name, and a guard that removes that container (with
/// anything in it) when dropped, also when the test fails.
pub fn scratch_container() -> (String, OnDrop) {
    let container = format!("glance-rs-test-{}", uuid::Uuid::new_v4().simple());
    let purge = glance_test_support::swift::purge_on_drop(vec![container.clone()]);
    (container, purge)
}

/// The `[glance_store]` options for tempauth against the SAIO, plus `extra`.
pub fn tempauth_config(extra: &str) -> String {
    let (auth, user, key) = credentials();
    format!(
        "[glance_store]\nswift_store_auth_version = 1\nswift_store_auth_address = {auth}\n\
         swift_store_user = {user}\nswift_store_key = {key}\n{extra}\n"
    )
}

/// Builds a store from INI text, as glance-api would.
pub async fn store_from(ini: &str, section: &str) -> SwiftStore {
    let config = ConfigFile::parse(ini, "test").expect("test config parses");
    match SwiftStore::from_config(&config, section).await {
        Ok(store) => store,
        Err(e) => panic!("from_config failed: {e}"),
    }
}

/// A store on the SAIO with its own container (created on put) and 1 "MB"
/// large objects, so multi-MiB images become SLOs; its container is
/// purged when the fixture is dropped.
pub struct Fixture {
    pub store: SwiftStore,
    pub saio: Saio,
    pub container: String,
    _purge: OnDrop,
}

impl Fixture {
    pub async fn new(extra: &str) -> Fixture {
        let (container, purge) = scratch_container();
        let ini = tempauth_config(&format!(
            "swift_store_container = {container}\nswift_store_create_container_on_put = true\n\
             swift_store_large_object_size = 1\nswift_store_large_object_chunk_size = 1\n{extra}"
        ));
        Fixture {
            store: store_from(&ini, "glance_store").await,
            saio: Saio::login().await,
            container,
            _purge: purge,
        }
    }
}

impl std::ops::Deref for Fixture {
    type Target = SwiftStore;
    fn deref(&self) -> &SwiftStore {
        &self.store
    }
}
