//! Who a protection file lets perform one operation.

use super::RuleFormat;
use crate::{Policy, RequestContext, Target};

/// The value of one `create`/`read`/`update`/`delete` setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Permission {
    /// `@`: everyone.
    Everyone,
    /// `!`, or an empty value: nobody.
    Nobody,
    /// Callers holding any of these (lower-cased) roles.
    Roles(Vec<String>),
    /// Callers passing this policy rule.
    Policy(String),
}

impl Permission {
    /// Parses a setting, or says why it is malformed.
    pub(super) fn parse(value: &str, format: RuleFormat) -> Result<Self, &'static str> {
        let value = value.trim();
        match format {
            RuleFormat::Policies if value.contains(',') => Err(
                "multiple policies are not allowed for an operation; combine them in the policy file",
            ),
            RuleFormat::Policies => Ok(match value {
                "" | "!" => Self::Nobody,
                "@" => Self::Everyone,
                rule => Self::Policy(rule.to_owned()),
            }),
            RuleFormat::Roles => {
                let roles: Vec<String> = value
                    .split(',')
                    .map(str::trim)
                    .filter(|r| !r.is_empty())
                    .map(str::to_lowercase)
                    .collect();
                let has = |r: &str| roles.iter().any(|x| x == r);
                match (has("@"), has("!")) {
                    (true, true) => Err("'@' and '!' are mutually exclusive"),
                    (_, true) => Ok(Self::Nobody),
                    (true, false) => Ok(Self::Everyone),
                    _ if roles.is_empty() => Ok(Self::Nobody),
                    _ => Ok(Self::Roles(roles)),
                }
            }
        }
    }

    /// Whether `ctx` is let through; a policy rule the policy does not define
    /// lets nobody through (oslo's `rule:` check on an unknown name).
    pub(super) fn allows(&self, ctx: &RequestContext, policy: &Policy) -> bool {
        match self {
            Self::Everyone => true,
            Self::Nobody => false,
            Self::Roles(roles) => ctx
                .roles
                .iter()
                .any(|have| roles.iter().any(|r| r == &have.to_lowercase())),
            Self::Policy(rule) => {
                policy.enforcer().has_rule(rule) && policy.enforce(ctx, rule, &Target::new())
            }
        }
    }
}
