//! The conformance suite against Ceph RGW, each check on a fresh random
//! bucket. Multipart from 5 MiB with 5 MiB parts: the suite's 5 MiB objects
//! go up as multipart uploads (Ceph RGW 16 answers CompleteMultipartUpload
//! without an ETag).

mod common;

async fn fixture() -> common::Fixture {
    common::Fixture::new(
        &common::rgw(),
        "s3_store_large_object_size = 5\ns3_store_large_object_chunk_size = 5\n\
         s3_store_thread_pools = 2",
    )
    .await
}

glance_store::conformance_tests!(super::fixture);
