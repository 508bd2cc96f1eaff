//! An oslo.policy-compatible policy engine.
//!
//! Rules are oslo.policy check strings (`rule:context_is_admin or (role:member
//! and project_id:%(project_id)s)`): leaf checks `@`, `!`, `role:<name>`,
//! `rule:<name>`, `<cred-key>:<match>` and `'<literal>':<match>`, where a
//! match may substitute target values with `%(key)s`, combined with `not`,
//! `and`, `or` (in that order of precedence) and parentheses. [`Enforcer`]
//! holds upstream Glance's default rules, optionally overridden by an
//! operator's policy file, and decides a rule for a [`RequestContext`]'s
//! [`Credentials`] on a [`Target`].
//!
//! [`RequestContext`]: crate::RequestContext

mod check;
mod credentials;
mod defaults;
mod enforcer;
mod error;
mod file;
mod image_target;
mod rule;
mod target;
mod template;
mod token;
mod validate;

#[cfg(test)]
mod grammar_tests;

pub use credentials::Credentials;
pub use enforcer::Enforcer;
pub(crate) use enforcer::default_enforcer;
pub use error::PolicyError;
pub use target::Target;

/// Parsed rules by name.
pub(crate) type Rules = std::collections::HashMap<String, rule::Rule>;
