//! The registry conformance suite through RemoteRegistry → HTTP on loopback
//! → the daemon's router → SqlRegistry on a fresh SQLite file, one daemon
//! per test.

mod common;

use glance_registry::conformance;
use std::sync::Arc;

macro_rules! checks {
    ($($check:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                let (_dir, sql) = common::sqlite().await;
                let (_base, remote) = common::remote(Arc::new(sql)).await;
                conformance::$check(&remote).await;
            }
        )*
    };
}

glance_registry::for_each_conformance_check!(checks);
