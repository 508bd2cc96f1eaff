//! The Swift store against the running Swift all-in-one (and in-process
//! auth stand-ins): the conformance suite plus what is specific to Swift.

mod common;
mod driver;
mod options;
mod standins;

/// A store on the SAIO with a fresh container and 1 "MB" large objects, so
/// the suite's multi-MiB images are stored as SLOs.
async fn fixture() -> common::Fixture {
    common::Fixture::new("").await
}

glance_store::conformance_tests!(super::fixture);
