//! Built-in identity for single-machine glance-rs: the subset of Keystone v3
//! that python-glanceclient, keystoneauth1 and openstackclient use.
//!
//! [`Identity`] keeps one domain (`default`/`Default`), users with argon2id
//! password hashes, projects and role assignments in `identity.json`, and
//! signs stateless tokens with an HMAC key in `token.key` (both mode 0600).
//! [`Identity::router`] serves discovery, `POST`/`GET`/`HEAD /v3/auth/tokens`
//! and a few listings; glance-api nests it at `/identity` and validates
//! incoming `X-Auth-Token`s with [`Identity::validate`]. A deployment with
//! several nodes should use a real Keystone instead.

mod bootstrap;
mod error;
mod http;
mod identity;
mod key;
mod model;
mod password;
mod records;
mod secure_file;
mod store;
mod token;

pub use bootstrap::Bootstrap;
pub use error::IdentityError;
pub use identity::Identity;
pub use model::{Assignment, DEFAULT_DOMAIN_ID, DEFAULT_DOMAIN_NAME, Lookup, Project, Role, User};
pub use token::{IssuedToken, TokenInfo};
