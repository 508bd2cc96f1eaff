//! The conformance suite on PostgreSQL (`GLANCE_TEST_POSTGRES_URL`, default
//! `postgresql://postgres@127.0.0.1:5432/test`), each test in a schema of its
//! own. An unreachable server fails these tests: CI provides one.

use glance_registry::{Registry, RegistryError, SqlRegistry, conformance, connect};
use glance_test_support::db::PgSchema;

/// A migrated registry in a schema of its own, dropped with this value.
struct TestDb {
    reg: SqlRegistry,
    schema: PgSchema,
}

impl TestDb {
    async fn new() -> Self {
        let db = Self::unmigrated().await;
        db.reg.migrate().await.expect("migrate");
        db
    }

    async fn unmigrated() -> Self {
        let schema = PgSchema::create("glance_test").await;
        let reg = connect(schema.url()).await.expect("connect");
        Self { reg, schema }
    }

    /// Closes the registry; the schema goes with `self`.
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

/// Two nodes starting together on a fresh schema: the advisory lock makes
/// one migrate and the other find the work done.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_migrations_apply_once() {
    let db = TestDb::unmigrated().await;
    let url = db.schema.url().to_owned();
    let migrators: Vec<_> = (0..4)
        .map(|_| {
            let url = url.clone();
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
    db.finish().await;
}

#[tokio::test]
async fn schemas_isolate_registries() {
    let a = TestDb::new().await;
    let b = TestDb::new().await;
    let img = glance_types::Image::new(uuid::Uuid::new_v4().to_string(), None, glance_types::now());
    a.reg.create_image(&img).await.expect("create");
    let err = b.reg.get_image(&img.id).await.expect_err("other schema");
    assert!(matches!(err, RegistryError::NotFound(_)), "{err:?}");
    a.finish().await;
    b.finish().await;
}

#[tokio::test]
async fn unreachable_server_is_unavailable() {
    let err = connect("postgresql+psycopg2://glance:pw@127.0.0.1:1/glance")
        .await
        .expect_err("nothing listens on port 1");
    assert!(matches!(err, RegistryError::Unavailable(_)), "{err:?}");
}
