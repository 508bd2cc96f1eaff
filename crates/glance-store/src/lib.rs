//! Image data: the [`Store`] trait every backend implements, the drivers, and
//! the [`conformance`] suite every driver must pass.

pub mod conformance;
mod error;
mod file;
mod range;
mod store;

pub use error::{StoreError, error_chain};
pub use file::FileStore;
pub use range::{ContentRange, content_range};
pub use store::{ByteRange, ByteStream, Store, StoredObject};
