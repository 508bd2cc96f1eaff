//! The `s3` store driver: each image is one object, named by the image id,
//! in one bucket of an S3 server (AWS S3, Ceph RGW, s3s, ...).
//!
//! [`S3Store`] reads upstream glance_store's `s3_store_*` options, signs its
//! requests with AWS SigV4 (presigned with `rusty-s3`) and streams image
//! data both ways with `reqwest`: small images go up in one `PUT`, large or
//! unsized ones as a multipart upload whose parts are sent concurrently and
//! which is aborted on any failure. Locations take upstream's form,
//! `s3://<access key>:<secret key>@<host>/<bucket>/<image id>`.

mod client;
mod config;
mod download;
mod error;
mod location;
mod multipart;
mod parts;
mod source;
mod store;
mod upload;

pub use store::S3Store;
