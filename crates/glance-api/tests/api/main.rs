//! Integration tests: the real server over HTTP on loopback.

mod binaries;
mod common;
mod data;
mod identity;
mod images;
mod list;
mod locations;
mod matrix;
mod members;
mod multistore;
mod patch;
mod policy;
mod protections;
mod versions;
