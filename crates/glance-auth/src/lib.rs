//! Identity and access for glance-rs.
//!
//! [`RequestContext`] is what every service call receives: who is calling, for
//! which project, with which roles. [`Enforcer`] is an oslo.policy-compatible
//! engine holding upstream Glance's default rules (overridable from a policy
//! file); [`Policy`] answers, through it, whether that caller may do a given
//! thing to a given image. Today the context comes from identity headers
//! (upstream's no-auth shape); Keystone validation replaces that constructor
//! without touching handlers.

mod context;
mod policy;
mod protections;
mod rules;

pub use context::RequestContext;
pub use policy::{Action, Policy};
pub use protections::{PropertyOperation, PropertyProtections, ProtectionError, RuleFormat};
pub use rules::{Credentials, Enforcer, PolicyError, Target};
