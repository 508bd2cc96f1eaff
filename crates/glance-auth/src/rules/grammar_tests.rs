//! The rule language end to end: precedence, parentheses, quoting, nested
//! rules and load-time errors.

use super::rule::Rule;
use super::{Credentials, Enforcer, PolicyError, Rules, Target};
use crate::RequestContext;

fn creds(roles: &[&str], project: Option<&str>) -> Credentials {
    Credentials::from(&RequestContext {
        request_id: "r".into(),
        user_id: Some("u1".into()),
        project_id: project.map(str::to_string),
        roles: roles.iter().map(|r| r.to_string()).collect(),
        is_admin: roles.contains(&"admin"),
        service_roles: Vec::new(),
    })
}

/// Evaluates `text` for a caller with role `a` (and project p1) against
/// a target owned by p1 with visibility public.
fn eval(text: &str) -> bool {
    let rule = Rule::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
    let target = Target::new()
        .with("project_id", "p1")
        .with("visibility", "public");
    rule.eval(&Rules::new(), &creds(&["a"], Some("p1")), &target)
}

#[test]
fn empty_rule_always_passes_and_leaves_are_right() {
    assert!(eval(""));
    assert!(eval("@"));
    assert!(!eval("!"));
    assert!(eval("role:a"));
    assert!(eval("role:A"));
    assert!(!eval("role:b"));
    assert!(eval("project_id:%(project_id)s"));
    assert!(eval("project_id:p1"));
    assert!(!eval("project_id:p2"));
    assert!(eval("user_id:u1"));
    assert!(eval("is_admin:False"));
    assert!(!eval("is_admin:True"));
    assert!(!eval("project_id:%(missing)s"));
}

#[test]
fn quoted_literals_compare_with_the_target() {
    assert!(eval("'public':%(visibility)s"));
    assert!(eval("\"public\":%(visibility)s"));
    assert!(!eval("'shared':%(visibility)s"));
    assert!(!eval("'public':%(missing)s"));
}

#[test]
fn not_binds_tighter_than_and_tighter_than_or() {
    // or/and: `@ or ! and !` is `@ or (! and !)`.
    assert!(eval("@ or ! and !"));
    assert!(!eval("(@ or !) and !"));
    // not/and: `not ! and !` is `(not !) and !`.
    assert!(!eval("not ! and !"));
    assert!(eval("not (! and !)"));
    // not/or.
    assert!(eval("not @ or @"));
    assert!(!eval("not (@ or @)"));
    assert!(eval("not not @"));
    // Keywords are case-insensitive.
    assert!(eval("! OR @ AND Not !"));
}

#[test]
fn parentheses_nest_and_hug_checks() {
    assert!(eval("((role:a))"));
    assert!(eval("(role:b or (role:a and project_id:%(project_id)s))"));
    assert!(!eval("(role:b or (role:a and project_id:p2))"));
    assert!(eval("( role:a )"));
}

#[test]
fn malformed_rules_are_errors() {
    for bad in [
        "role:a and",
        "or role:a",
        "role:a role:b",
        "(role:a",
        "role:a)",
        "()",
        "not",
        "admin",
        "'quoted'",
        " ",
    ] {
        assert!(Rule::parse(bad).is_err(), "{bad:?} parsed");
    }
}

fn load(text: &str) -> Result<Enforcer, PolicyError> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("policy.yaml");
    std::fs::write(&file, text).unwrap();
    Enforcer::load(&file)
}

#[test]
fn nested_rules_resolve_through_the_rule_set() {
    let e = load("a: rule:b or role:x\nb: rule:c\nc: project_id:%(project_id)s\n").unwrap();
    let target = Target::new().with("project_id", "p1");
    assert!(e.check(&creds(&[], Some("p1")), "a", &target));
    assert!(!e.check(&creds(&[], Some("p2")), "a", &target));
    assert!(e.check(&creds(&["x"], Some("p2")), "a", &target));
}

#[test]
fn unknown_names_fall_back_to_default() {
    let target = Target::new();
    let anyone = creds(&[], None);
    assert!(Enforcer::with_defaults().check(&anyone, "no_such_rule", &target));
    let e = load("default: role:admin\n").unwrap();
    assert!(!e.check(&anyone, "no_such_rule", &target));
    assert!(e.check(&creds(&["admin"], None), "no_such_rule", &target));
}

#[test]
fn load_errors_name_the_file_and_the_rule() {
    let err = load("a: rule:b\nb: rule:c\nc: rule:a\n").unwrap_err();
    assert!(
        matches!(&err, PolicyError::Cycle { rule, cycle, .. }
        if rule == "a" && cycle == &["a", "b", "c", "a"]),
        "{err}"
    );
    assert!(err.to_string().contains("policy.yaml"), "{err}");

    let err = load("get_image: rule:get_image\n").unwrap_err();
    assert!(matches!(&err, PolicyError::Cycle { rule, .. } if rule == "get_image"));

    let err = load("a: rule:nowhere\n").unwrap_err();
    assert!(
        matches!(&err, PolicyError::UnknownRule { rule, missing, .. }
        if rule == "a" && missing == "nowhere")
    );

    let err = load("get_image: role:admin and\n").unwrap_err();
    assert!(matches!(&err, PolicyError::Syntax { rule, .. } if rule == "get_image"));
    let text = err.to_string();
    assert!(
        text.contains("policy.yaml") && text.contains("get_image"),
        "{text}"
    );
}

#[test]
fn a_missing_file_means_the_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let e = Enforcer::load(&dir.path().join("policy.yaml")).unwrap();
    let target = Target::new().with("project_id", "p1");
    assert!(!e.check(&creds(&["member"], Some("p2")), "modify_image", &target));
    assert!(e.check(&creds(&["member"], Some("p1")), "modify_image", &target));
}
