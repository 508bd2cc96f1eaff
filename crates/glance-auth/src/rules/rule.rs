//! A parsed rule: checks combined with `not`, `and` and `or`.

use super::check::Check;
use super::token::{Token, tokenize};
use super::{Credentials, Rules, Target};
use std::iter::Peekable;
use std::vec::IntoIter;

/// A rule's check string, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Rule {
    /// A leaf check.
    Check(Check),
    /// `not <rule>`
    Not(Box<Rule>),
    /// `<rule> and <rule> ...`
    And(Vec<Rule>),
    /// `<rule> or <rule> ...`
    Or(Vec<Rule>),
}

impl Rule {
    /// Parses an oslo.policy check string. The empty string always passes;
    /// `not` binds tighter than `and`, which binds tighter than `or`.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        if text.is_empty() {
            return Ok(Self::Check(Check::Always));
        }
        let mut tokens = tokenize(text)?.into_iter().peekable();
        let rule = parse_or(&mut tokens)?;
        match tokens.next() {
            None => Ok(rule),
            Some(Token::Close) => Err("unbalanced `)`".into()),
            Some(_) => Err("expected `and` or `or` between checks".into()),
        }
    }

    /// Whether the rule passes for `creds` on `target`.
    pub(crate) fn eval(&self, rules: &Rules, creds: &Credentials, target: &Target) -> bool {
        match self {
            Self::Check(check) => check.eval(rules, creds, target),
            Self::Not(rule) => !rule.eval(rules, creds, target),
            Self::And(all) => all.iter().all(|r| r.eval(rules, creds, target)),
            Self::Or(any) => any.iter().any(|r| r.eval(rules, creds, target)),
        }
    }

    /// The names this rule refers to with `rule:<name>`.
    pub(crate) fn references(&self) -> Vec<&str> {
        let mut names = Vec::new();
        self.collect_references(&mut names);
        names
    }

    fn collect_references<'a>(&'a self, names: &mut Vec<&'a str>) {
        match self {
            Self::Check(Check::Rule(name)) => names.push(name),
            Self::Check(_) => {}
            Self::Not(rule) => rule.collect_references(names),
            Self::And(rules) | Self::Or(rules) => {
                rules.iter().for_each(|r| r.collect_references(names));
            }
        }
    }
}

type Tokens = Peekable<IntoIter<Token>>;

fn parse_or(tokens: &mut Tokens) -> Result<Rule, String> {
    let mut any = vec![parse_and(tokens)?];
    while tokens.next_if_eq(&Token::Or).is_some() {
        any.push(parse_and(tokens)?);
    }
    Ok(if any.len() == 1 {
        any.remove(0)
    } else {
        Rule::Or(any)
    })
}

fn parse_and(tokens: &mut Tokens) -> Result<Rule, String> {
    let mut all = vec![parse_unary(tokens)?];
    while tokens.next_if_eq(&Token::And).is_some() {
        all.push(parse_unary(tokens)?);
    }
    Ok(if all.len() == 1 {
        all.remove(0)
    } else {
        Rule::And(all)
    })
}

fn parse_unary(tokens: &mut Tokens) -> Result<Rule, String> {
    match tokens.next() {
        Some(Token::Not) => Ok(Rule::Not(Box::new(parse_unary(tokens)?))),
        Some(Token::Open) => {
            let inner = parse_or(tokens)?;
            match tokens.next() {
                Some(Token::Close) => Ok(inner),
                _ => Err("missing `)`".into()),
            }
        }
        Some(Token::Check(check)) => Ok(Rule::Check(check)),
        Some(Token::And | Token::Or) => Err("`and`/`or` needs a check on each side".into()),
        Some(Token::Close) => Err("unexpected `)`".into()),
        None => Err("the rule ends where a check is expected".into()),
    }
}
