//! The conformance suite on MySQL/MariaDB (`GLANCE_TEST_MYSQL_URL`, default
//! `mysql://root@127.0.0.1:3306/test`), each test in a database of its own.
//! An unreachable server fails these tests: CI provides one.

use glance_registry::{Registry, RegistryError, SqlRegistry, conformance, connect};
use glance_test_support::db::MySqlDatabase;
use std::time::{Duration, Instant};

/// A migrated registry in a database of its own, dropped with this value.
struct TestDb {
    reg: SqlRegistry,
    database: MySqlDatabase,
}

impl TestDb {
    async fn new() -> Self {
        let db = Self::unmigrated().await;
        db.reg.migrate().await.expect("migrate");
        db
    }

    async fn unmigrated() -> Self {
        let database = MySqlDatabase::create("glance_t").await;
        let reg = connect(database.url()).await.expect("connect");
        Self { reg, database }
    }

    /// Closes the registry; the database goes with `self`.
    async fn finish(self) {
        self.reg.close().await;
    }
}

macro_rules! checks {
    ($($check:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                let db = TestDb::new().await;
                conformance::$check(&db.reg).await;
                db.finish().await;
            }
        )*
    };
}

glance_registry::for_each_conformance_check!(checks);

#[tokio::test]
async fn migrate_twice_is_a_no_op() {
    let db = TestDb::unmigrated().await;
    assert_eq!(db.reg.schema_version().await.expect("version"), 0);
    db.reg.migrate().await.expect("migrate");
    assert_eq!(
        db.reg.schema_version().await.expect("version"),
        SqlRegistry::latest_version()
    );
    db.reg.migrate().await.expect("migrate again");
    assert_eq!(
        db.reg.schema_version().await.expect("version"),
        SqlRegistry::latest_version()
    );
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_migrations_apply_once() {
    let db = TestDb::unmigrated().await;
    let migrators: Vec<_> = (0..4)
        .map(|_| {
            let url = db.database.url().to_owned();
            tokio::spawn(async move {
                let reg = connect(&url).await?;
                let migrated = reg.migrate().await;
                reg.close().await;
                migrated
            })
        })
        .collect();
    for migrator in migrators {
        migrator
            .await
            .expect("join")
            .expect("every concurrent migrator succeeds");
    }
    assert_eq!(
        db.reg.schema_version().await.expect("version"),
        SqlRegistry::latest_version()
    );
    let rows: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM {}.glance_schema_version",
        db.database.name()
    ))
    .fetch_one(db.database.admin())
    .await
    .expect("count versions");
    assert_eq!(
        rows,
        SqlRegistry::latest_version(),
        "each version recorded once"
    );
    db.finish().await;
}

#[tokio::test]
async fn tables_compare_strings_exactly() {
    let db = TestDb::new().await;
    let collations: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT TABLE_COLLATION FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?",
    )
    .bind(db.database.name())
    .fetch_all(db.database.admin())
    .await
    .expect("collations");
    assert!(
        matches!(
            collations.as_slice(),
            [c] if c == "utf8mb4_nopad_bin" || c == "utf8mb4_0900_bin"
        ),
        "one binary NO PAD collation: {collations:?}"
    );
    db.finish().await;
}

#[tokio::test]
async fn databases_isolate_registries() {
    let a = TestDb::new().await;
    let b = TestDb::new().await;
    let img = glance_types::Image::new(uuid::Uuid::new_v4().to_string(), None, glance_types::now());
    a.reg.create_image(&img).await.expect("create");
    let err = b.reg.get_image(&img.id).await.expect_err("other database");
    assert!(matches!(err, RegistryError::NotFound(_)), "{err:?}");
    a.finish().await;
    b.finish().await;
}

#[tokio::test]
async fn unreachable_server_is_unavailable() {
    let started = Instant::now();
    let err = connect("mysql+pymysql://glance:pw@127.0.0.1:1/glance?charset=utf8")
        .await
        .expect_err("nothing listens on port 1");
    assert!(matches!(err, RegistryError::Unavailable(_)), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "fails fast, not after pool_timeout: {:?}",
        started.elapsed()
    );
}
