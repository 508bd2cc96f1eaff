//! Image metadata: the [`Registry`] trait every metadata backend implements,
//! its [`conformance`] suite, and [`SqlRegistry`] over SQLite and PostgreSQL.

pub mod conformance;
mod error;
mod registry;
mod sql;

pub use error::RegistryError;
pub use registry::Registry;
pub use sql::{SqlRegistry, connect};
