//! Integration tests: the real server over HTTP on loopback.

mod binaries;
mod common;
mod data;
mod images;
mod list;
mod members;
mod multistore;
mod patch;
mod policy;
mod versions;
