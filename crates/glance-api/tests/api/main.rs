//! Integration tests: the real server over HTTP on loopback.

mod common;
mod data;
mod images;
mod list;
mod patch;
mod versions;
