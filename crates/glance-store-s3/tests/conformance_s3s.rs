//! The conformance suite against s3s-fs, each check on a fresh random
//! bucket. Default part sizes (100 MiB threshold, 10 MiB parts): the
//! suite's objects all go up in a single `PUT`.

mod common;

async fn fixture() -> common::Fixture {
    common::Fixture::new(&common::s3s(), "").await
}

glance_store::conformance_tests!(super::fixture);
