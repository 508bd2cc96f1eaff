//! Splits a rule string into tokens the way oslo.policy does: on whitespace,
//! with parentheses peeled off the ends of each word.

use super::check::Check;

/// One token of a rule string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Token {
    /// `(`
    Open,
    /// `)`
    Close,
    /// `and` (any case)
    And,
    /// `or` (any case)
    Or,
    /// `not` (any case)
    Not,
    /// A leaf check.
    Check(Check),
}

/// Tokenizes `rule`. Parentheses inside a check (`%(owner)s`) stay in it.
pub(crate) fn tokenize(rule: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    for word in rule.split_whitespace() {
        let inner = word.trim_start_matches('(');
        tokens.extend(std::iter::repeat_n(Token::Open, word.len() - inner.len()));
        if inner.is_empty() {
            continue;
        }
        let clean = inner.trim_end_matches(')');
        if !clean.is_empty() {
            tokens.push(match clean.to_ascii_lowercase().as_str() {
                "and" => Token::And,
                "or" => Token::Or,
                "not" => Token::Not,
                _ if is_quoted(inner) => {
                    return Err(format!("{inner} is a bare string, not a check"));
                }
                _ => Token::Check(Check::parse(clean)?),
            });
        }
        tokens.extend(std::iter::repeat_n(Token::Close, inner.len() - clean.len()));
    }
    Ok(tokens)
}

fn is_quoted(word: &str) -> bool {
    word.len() >= 2
        && ((word.starts_with('\'') && word.ends_with('\''))
            || (word.starts_with('"') && word.ends_with('"')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peels_parentheses_but_not_substitutions() {
        let tokens = tokenize("((role:a) OR not project_id:%(owner)s)").unwrap();
        assert_eq!(tokens[0], Token::Open);
        assert_eq!(tokens[1], Token::Open);
        assert!(matches!(tokens[2], Token::Check(Check::Role(_))));
        assert_eq!(tokens[3], Token::Close);
        assert_eq!(tokens[4], Token::Or);
        assert_eq!(tokens[5], Token::Not);
        assert!(matches!(tokens[6], Token::Check(Check::Credential { .. })));
        assert_eq!(tokens[7], Token::Close);
        assert_eq!(tokens.len(), 8);
    }

    #[test]
    fn rejects_bare_strings() {
        assert!(tokenize("'public'").is_err());
        assert!(tokenize("role:a or \"x\"").is_err());
    }
}
