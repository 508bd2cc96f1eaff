//! The conformance suite on a fresh SQLite file (in a temporary directory) per test.

use glance_registry::{Registry, RegistryError, SqlRegistry, conformance, connect};

/// A migrated registry on a new file under a subdirectory that does not exist yet.
async fn fresh() -> (tempfile::TempDir, SqlRegistry) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("nested/glance.sqlite");
    let reg = connect(&format!("sqlite:///{}", path.display()))
        .await
        .expect("connect");
    reg.migrate().await.expect("migrate");
    assert!(path.exists(), "the database file is created");
    (dir, reg)
}

macro_rules! checks {
    ($($check:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                let (_dir, reg) = fresh().await;
                conformance::$check(&reg).await;
            }
        )*
    };
}

glance_registry::for_each_conformance_check!(checks);

#[tokio::test]
async fn migrate_twice_is_a_no_op() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite:///{}", dir.path().join("m.sqlite").display());
    let reg = connect(&url).await.expect("connect");
    assert_eq!(reg.schema_version().await.expect("version"), 0);
    reg.migrate().await.expect("migrate");
    assert_eq!(
        reg.schema_version().await.expect("version"),
        SqlRegistry::latest_version()
    );
    reg.migrate().await.expect("migrate again");
    assert_eq!(
        reg.schema_version().await.expect("version"),
        SqlRegistry::latest_version()
    );
    // A second process opening the same file sees the migrated schema.
    let other = connect(&url).await.expect("reconnect");
    other.migrate().await.expect("migrate from another pool");
    assert_eq!(
        other.schema_version().await.expect("version"),
        SqlRegistry::latest_version()
    );
}

#[tokio::test]
async fn in_memory_database_works() {
    for url in ["sqlite://", "sqlite:///:memory:"] {
        let reg = connect(url).await.expect("connect");
        reg.migrate().await.expect("migrate");
        conformance::create_and_get(&reg).await;
        conformance::tags(&reg).await;
        conformance::pagination_walk(&reg).await;
    }
}

#[tokio::test]
async fn closed_pool_is_unavailable() {
    let (_dir, reg) = fresh().await;
    reg.close().await;
    let err = reg.health().await.expect_err("closed");
    assert!(matches!(err, RegistryError::Unavailable(_)), "{err:?}");
}
