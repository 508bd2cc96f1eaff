//! Identity and access for glance-rs.
//!
//! [`RequestContext`] is what every service call receives: who is calling, for
//! which project, with which roles. [`Policy`] answers whether that caller may
//! do a given thing to a given image. Today the context comes from identity
//! headers (upstream's no-auth shape); Keystone validation and the
//! oslo.policy engine replace the two constructors without touching handlers.

mod context;
mod policy;

pub use context::RequestContext;
pub use policy::{Action, Policy};
