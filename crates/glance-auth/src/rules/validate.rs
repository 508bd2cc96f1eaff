//! Load-time checks on a rule set: every `rule:` reference resolves and no
//! rule reaches itself.

use super::{PolicyError, Rules};
use std::collections::HashMap;

/// Fails on the first undefined reference or loop, in rule-name order.
pub(crate) fn validate(rules: &Rules, origin: &str) -> Result<(), PolicyError> {
    let mut names: Vec<&str> = rules.keys().map(String::as_str).collect();
    names.sort_unstable();
    for &name in &names {
        if let Some(missing) = rules[name]
            .references()
            .into_iter()
            .find(|r| !rules.contains_key(*r))
        {
            return Err(PolicyError::UnknownRule {
                origin: origin.into(),
                rule: name.into(),
                missing: missing.into(),
            });
        }
    }
    let mut state = HashMap::new();
    for name in names {
        let mut path = Vec::new();
        if let Some(cycle) = find_cycle(rules, name, &mut state, &mut path) {
            return Err(PolicyError::Cycle {
                origin: origin.into(),
                rule: cycle[0].clone(),
                cycle,
            });
        }
    }
    Ok(())
}

/// Where the depth-first search stands with a rule.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Visit {
    /// On the current path.
    Open,
    /// Fully explored, no loop through it.
    Done,
}

/// Depth-first search from `name`; returns the loop if one is reached.
fn find_cycle<'a>(
    rules: &'a Rules,
    name: &'a str,
    state: &mut HashMap<&'a str, Visit>,
    path: &mut Vec<&'a str>,
) -> Option<Vec<String>> {
    match state.get(name) {
        Some(Visit::Done) => return None,
        Some(Visit::Open) => {
            let start = path.iter().position(|n| *n == name).unwrap_or(0);
            let mut cycle: Vec<String> = path[start..].iter().map(|n| n.to_string()).collect();
            cycle.push(name.to_string());
            return Some(cycle);
        }
        None => {}
    }
    state.insert(name, Visit::Open);
    path.push(name);
    for next in rules[name].references() {
        if let Some(cycle) = find_cycle(rules, next, state, path) {
            return Some(cycle);
        }
    }
    path.pop();
    state.insert(name, Visit::Done);
    None
}
