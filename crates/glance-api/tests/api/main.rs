//! Integration tests: the real server over HTTP on loopback.

mod binaries;
mod common;
mod data;
mod images;
mod list;
mod multistore;
mod patch;
mod versions;
