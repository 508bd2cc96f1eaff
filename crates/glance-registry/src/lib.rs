//! Image metadata: the [`Registry`] trait every metadata backend implements,
//! its [`conformance`] suite, and [`SqlRegistry`] over SQLite, PostgreSQL and
//! MySQL/MariaDB.

pub mod conformance;
mod error;
mod registry;
mod sql;

pub use error::RegistryError;
pub use registry::Registry;
pub use sql::{PoolSettings, SqlRegistry, connect, connect_with};
