//! The leaves of the rule language: `@`, `!`, `role:`, `rule:` and generic
//! `<kind>:<match>` checks.

use super::template::Template;
use super::{Credentials, Rules, Target};

/// One leaf check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Check {
    /// `@`: always passes.
    Always,
    /// `!`: never passes.
    Never,
    /// `role:<name>`: the caller holds the role (case-insensitive).
    Role(Template),
    /// `rule:<name>`: another rule passes.
    Rule(String),
    /// `'<literal>':%(key)s` (or `True:`, `42:`): the literal equals the match.
    Literal {
        /// The literal, as Python's `str()` would print it.
        value: String,
        /// The match.
        matched: Template,
    },
    /// `<cred-key>:<match>`: the caller's credential equals the match.
    Credential {
        /// The credential key, split on `.`.
        path: Vec<String>,
        /// The match.
        matched: Template,
    },
}

impl Check {
    /// Parses one check token (already stripped of surrounding parentheses).
    pub(crate) fn parse(token: &str) -> Result<Self, String> {
        match token {
            "@" => return Ok(Self::Always),
            "!" => return Ok(Self::Never),
            _ => {}
        }
        let Some((kind, matched)) = token.split_once(':') else {
            return Err(format!(
                "`{token}` is not a check (expected `kind:match`, `@` or `!`)"
            ));
        };
        match kind {
            "rule" if matched.is_empty() => Err(format!("`{token}` names no rule")),
            "rule" => Ok(Self::Rule(matched.to_string())),
            "role" => Ok(Self::Role(Template::parse(matched)?)),
            "http" | "https" => Err(format!("`{token}`: {kind} checks are not supported")),
            "" => Err(format!("`{token}` has an empty kind")),
            _ => {
                let matched = Template::parse(matched)?;
                Ok(match python_literal(kind) {
                    Some(value) => Self::Literal { value, matched },
                    None => Self::Credential {
                        path: kind.split('.').map(str::to_string).collect(),
                        matched,
                    },
                })
            }
        }
    }

    /// Whether the check passes.
    pub(crate) fn eval(&self, rules: &Rules, creds: &Credentials, target: &Target) -> bool {
        match self {
            Self::Always => true,
            Self::Never => false,
            Self::Role(role) => role.render(target).is_some_and(|r| creds.has_role(&r)),
            Self::Rule(name) => rules
                .get(name)
                .is_some_and(|rule| rule.eval(rules, creds, target)),
            Self::Literal { value, matched } => matched.render(target).is_some_and(|m| m == *value),
            Self::Credential { path, matched } => matched
                .render(target)
                .is_some_and(|m| creds.matches(path, &m)),
        }
    }
}

/// The `str()` of `kind` if it is a Python literal oslo.policy would accept
/// (a quoted string, `True`, `False`, `None` or an integer).
fn python_literal(kind: &str) -> Option<String> {
    let quoted = |q: char| kind.len() >= 2 && kind.starts_with(q) && kind.ends_with(q);
    if quoted('\'') || quoted('"') {
        return Some(kind[1..kind.len() - 1].to_string());
    }
    if matches!(kind, "True" | "False" | "None") {
        return Some(kind.to_string());
    }
    kind.parse::<i64>().ok().map(|n| n.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_kind() {
        assert_eq!(Check::parse("@"), Ok(Check::Always));
        assert_eq!(Check::parse("!"), Ok(Check::Never));
        assert_eq!(Check::parse("rule:admin"), Ok(Check::Rule("admin".into())));
        assert!(matches!(Check::parse("role:admin"), Ok(Check::Role(_))));
        assert!(matches!(
            Check::parse("'public':%(visibility)s"),
            Ok(Check::Literal { value, .. }) if value == "public"
        ));
        assert!(matches!(
            Check::parse("\"shared\":%(visibility)s"),
            Ok(Check::Literal { value, .. }) if value == "shared"
        ));
        assert!(matches!(
            Check::parse("True:%(x)s"),
            Ok(Check::Literal { value, .. }) if value == "True"
        ));
        assert!(matches!(
            Check::parse("+7:%(x)s"),
            Ok(Check::Literal { value, .. }) if value == "7"
        ));
        assert!(matches!(
            Check::parse("project_id:%(owner)s"),
            Ok(Check::Credential { path, .. }) if path == ["project_id"]
        ));
        // Only the first colon separates kind from match.
        assert!(matches!(
            Check::parse("role:compute:admin"),
            Ok(Check::Role(t)) if t.render(&Target::new()).as_deref() == Some("compute:admin")
        ));
    }

    #[test]
    fn rejects_malformed_checks() {
        assert!(Check::parse("admin").is_err());
        assert!(Check::parse("rule:").is_err());
        assert!(Check::parse(":x").is_err());
        assert!(Check::parse("http://example.com").is_err());
        assert!(Check::parse("project_id:%(x)d").is_err());
    }
}
