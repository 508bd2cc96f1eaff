//! The right-hand side of a check: text with `%(key)s` substitutions from the target.

use super::Target;

/// One piece of a [`Template`].
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    /// Literal text.
    Text(String),
    /// `%(key)s`: the target's value for `key`.
    Key(String),
}

/// A check's match string, such as `%(project_id)s` or `admin`, parsed once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Template(Vec<Piece>);

impl Template {
    /// Parses Python `%`-formatting as oslo.policy applies it to a match
    /// (`match % target`): `%(key)s` substitutes, `%%` is a percent sign, any
    /// other `%` is an error.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let mut rest = text;
        while let Some(at) = rest.find('%') {
            literal.push_str(&rest[..at]);
            rest = &rest[at + 1..];
            if let Some(after) = rest.strip_prefix('%') {
                literal.push('%');
                rest = after;
                continue;
            }
            let key = rest
                .strip_prefix('(')
                .and_then(|r| r.split_once(")s"))
                .filter(|(key, _)| !key.is_empty() && !key.contains(')'));
            let Some((key, after)) = key else {
                return Err(format!("`{text}`: only %(name)s substitutions are allowed"));
            };
            if !literal.is_empty() {
                pieces.push(Piece::Text(std::mem::take(&mut literal)));
            }
            pieces.push(Piece::Key(key.to_string()));
            rest = after;
        }
        literal.push_str(rest);
        if !literal.is_empty() || pieces.is_empty() {
            pieces.push(Piece::Text(literal));
        }
        Ok(Self(pieces))
    }

    /// The text with the target's values filled in; `None` when the target
    /// lacks a key (oslo.policy then fails the check).
    pub(crate) fn render(&self, target: &Target) -> Option<String> {
        let mut out = String::new();
        for piece in &self.0 {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Key(key) => out.push_str(target.get(key)?),
            }
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(text: &str, target: &Target) -> Option<String> {
        Template::parse(text).unwrap().render(target)
    }

    #[test]
    fn substitutes_and_escapes() {
        let t = Target::new().with("project_id", "p1").with("owner", "o");
        assert_eq!(render("%(project_id)s", &t).as_deref(), Some("p1"));
        assert_eq!(
            render("a-%(owner)s-%(project_id)s", &t).as_deref(),
            Some("a-o-p1")
        );
        assert_eq!(render("admin", &t).as_deref(), Some("admin"));
        assert_eq!(render("", &t).as_deref(), Some(""));
        assert_eq!(render("100%%", &t).as_deref(), Some("100%"));
        assert_eq!(render("%(missing)s", &t), None);
    }

    #[test]
    fn rejects_other_formats() {
        assert!(Template::parse("%(x)d").is_err());
        assert!(Template::parse("50%").is_err());
        assert!(Template::parse("%()s").is_err());
    }
}
