//! The rule set and the decision: oslo.policy's `Enforcer`.

use super::defaults::DEFAULT_RULES;
use super::file::read_policy_file;
use super::rule::Rule;
use super::validate::validate;
use super::{Credentials, PolicyError, Rules, Target};
use crate::RequestContext;
use std::path::Path;
use std::sync::LazyLock;

/// Where the built-in rules come from, in error messages.
const DEFAULTS_ORIGIN: &str = "built-in defaults";

/// The rule used for a name that has no rule, as oslo.policy's
/// `policy_default_rule`.
const FALLBACK_RULE: &str = "default";

static DEFAULTS: LazyLock<Enforcer> = LazyLock::new(|| {
    let mut rules = Rules::new();
    for (name, text) in DEFAULT_RULES {
        match Rule::parse(text) {
            Ok(rule) => rules.insert((*name).to_string(), rule),
            Err(message) => panic!("default rule `{name}` does not parse: {message}"),
        };
    }
    if let Err(e) = validate(&rules, DEFAULTS_ORIGIN) {
        panic!("{e}");
    }
    Enforcer { rules }
});

/// A set of named rules and the checks against them.
#[derive(Debug, Clone)]
pub struct Enforcer {
    rules: Rules,
}

impl Enforcer {
    /// Upstream Glance's default rules and nothing else.
    pub fn with_defaults() -> Self {
        DEFAULTS.clone()
    }

    /// The defaults with the rules of `policy_file` (YAML, or JSON for a
    /// `.json` file) laid over them: a rule in the file replaces the default
    /// of the same name, other names are added. A file that does not exist
    /// leaves the defaults alone, as oslo.policy does.
    ///
    /// Fails, naming the file and the rule, when the file cannot be read or
    /// parsed, a check string does not parse, a `rule:` reference is
    /// undefined, or rules refer to each other in a loop.
    pub fn load(policy_file: &Path) -> Result<Self, PolicyError> {
        let mut enforcer = Self::with_defaults();
        let Some(overrides) = read_policy_file(policy_file)? else {
            return Ok(enforcer);
        };
        let origin = format!("policy file {}", policy_file.display());
        for (name, text) in overrides {
            let rule = Rule::parse(&text).map_err(|message| PolicyError::Syntax {
                origin: origin.clone(),
                rule: name.clone(),
                message,
            })?;
            enforcer.rules.insert(name, rule);
        }
        validate(&enforcer.rules, &origin)?;
        Ok(enforcer)
    }

    /// Whether the caller of `ctx` passes rule `rule_name` on `target`. A
    /// name with no rule is decided by the `default` rule, as oslo.policy does.
    pub fn enforce(&self, ctx: &RequestContext, rule_name: &str, target: &Target) -> bool {
        self.check(&Credentials::from(ctx), rule_name, target)
    }

    /// [`Enforcer::enforce`] with credentials already taken from a context.
    pub fn check(&self, creds: &Credentials, rule_name: &str, target: &Target) -> bool {
        self.rules
            .get(rule_name)
            .or_else(|| self.rules.get(FALLBACK_RULE))
            .is_some_and(|rule| rule.eval(&self.rules, creds, target))
    }

    /// Whether a rule of this name is defined (by default or by the file).
    pub fn has_rule(&self, rule_name: &str) -> bool {
        self.rules.contains_key(rule_name)
    }
}

impl Default for Enforcer {
    fn default() -> Self {
        Self::with_defaults()
    }
}

/// The shared default enforcer, built once.
pub(crate) fn default_enforcer() -> &'static Enforcer {
    &DEFAULTS
}
