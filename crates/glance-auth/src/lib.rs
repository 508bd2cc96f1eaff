//! Identity and access for glance-rs.
//!
//! [`RequestContext`] is what every service call receives: who is calling, for
//! which project, with which roles. [`Enforcer`] is an oslo.policy-compatible
//! engine holding upstream Glance's default rules (overridable from a policy
//! file); [`Policy`] answers, through it, whether that caller may do a given
//! thing to a given image. The context comes from identity headers
//! (upstream's no-auth shape) or from a token validated by an external
//! Keystone ([`keystone`], keystonemiddleware's `auth_token` equivalent).

mod context;
pub mod keystone;
mod policy;
mod protections;
mod rules;

pub use context::RequestContext;
pub use keystone::{KeystoneConfig, KeystoneError, KeystoneValidator};
pub use policy::{Action, Policy};
pub use protections::{PropertyOperation, PropertyProtections, ProtectionError, RuleFormat};
pub use rules::{Credentials, Enforcer, PolicyError, Target};
