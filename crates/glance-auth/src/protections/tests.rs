use super::*;
use crate::Enforcer;
use PropertyOperation::{Create, Delete, Read, Update};

fn caller(roles: &[&str]) -> RequestContext {
    RequestContext {
        request_id: "r".into(),
        user_id: None,
        project_id: Some("p".into()),
        roles: roles.iter().map(|r| r.to_string()).collect(),
        is_admin: false,
        service_roles: Vec::new(),
    }
}

fn load(text: &str, format: RuleFormat) -> Result<PropertyProtections, ProtectionError> {
    load_with(text, format, Policy::default())
}

fn load_with(
    text: &str,
    format: RuleFormat,
    policy: Policy,
) -> Result<PropertyProtections, ProtectionError> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("protections.conf");
    std::fs::write(&file, text).unwrap();
    PropertyProtections::load(&file, format, policy)
}

const ROLES: &str = "\
[^x_owner_.*]
create = Admin, member
read = admin,member
update = admin
delete = admin

[x_all]
create = @
read = @
update = @
delete = @

[x_none]
create = !
read = !
update = !
delete = !

[^X_Case$]
create = admin
read = @
update =
delete = admin

[.*]
create = admin
read = admin,reader
update = admin
delete = admin
";

#[test]
fn roles_decide_by_the_first_matching_section() {
    let p = load(ROLES, RuleFormat::Roles).unwrap();
    let member = caller(&["member"]);
    let admin = caller(&["admin"]);
    assert!(p.can(&member, Create, "x_owner_foo"));
    assert!(p.can(&member, Read, "x_owner_foo"));
    assert!(!p.can(&member, Update, "x_owner_foo"));
    assert!(p.can(&admin, Delete, "x_owner_foo"));
    // `^x_owner_.*` is tried before `.*` and `x_all`.
    assert!(!p.can(&member, Delete, "x_owner_x_all"));
    // Unanchored search: `x_all` matches anywhere in the name.
    assert!(p.can(&member, Update, "my_x_all_prop"));
    // The catch-all applies to the rest.
    assert!(!p.can(&member, Read, "other"));
    assert!(p.can(&caller(&["reader"]), Read, "other"));
}

#[test]
fn at_and_bang_and_empty_values() {
    let p = load(ROLES, RuleFormat::Roles).unwrap();
    let admin = caller(&["admin", "member"]);
    assert!(p.can(&caller(&[]), Delete, "x_all"));
    assert!(!p.can(&admin, Read, "x_none"));
    assert!(!p.can(&admin, Create, "x_none"));
    // An empty value lets nobody through; section names keep their case.
    assert!(!p.can(&admin, Update, "X_Case"));
    assert!(p.can(&caller(&[]), Read, "X_Case"));
    assert!(!p.can(&caller(&[]), Read, "x_case"));
}

#[test]
fn roles_compare_case_insensitively() {
    let p = load(ROLES, RuleFormat::Roles).unwrap();
    assert!(p.can(&caller(&["admin"]), Create, "x_owner_a"));
    assert!(p.can(&caller(&["MEMBER"]), Create, "x_owner_a"));
}

#[test]
fn without_a_catch_all_unmatched_properties_are_denied() {
    let p = load(
        "[^a$]\ncreate = @\nread = @\nupdate = @\ndelete = @\n",
        RuleFormat::Roles,
    )
    .unwrap();
    assert!(p.can(&caller(&[]), Read, "a"));
    assert!(!p.can(&caller(&["admin"]), Read, "b"));
    // An empty file restricts nothing.
    let empty = load("", RuleFormat::Roles).unwrap();
    assert!(empty.can(&caller(&[]), Delete, "anything"));
}

#[test]
fn default_section_supplies_missing_operations() {
    let p = load(
        "[DEFAULT]\ndelete = admin\n[.*]\ncreate = @\nread = @\nupdate = @\n",
        RuleFormat::Roles,
    )
    .unwrap();
    assert!(!p.can(&caller(&["member"]), Delete, "a"));
    assert!(p.can(&caller(&["admin"]), Delete, "a"));
}

#[test]
fn invalid_files_are_refused() {
    let missing = load("[a]\ncreate = @\nread = @\nupdate = @\n", RuleFormat::Roles);
    assert!(
        matches!(
            missing,
            Err(ProtectionError::MissingOperation {
                operation: "delete",
                ..
            })
        ),
        "{missing:?}"
    );
    let regex = load(
        "[a(]\ncreate = @\nread = @\nupdate = @\ndelete = @\n",
        RuleFormat::Roles,
    );
    assert!(
        matches!(regex, Err(ProtectionError::Pattern { .. })),
        "{regex:?}"
    );
    let both = load(
        "[a]\ncreate = @,!\nread = @\nupdate = @\ndelete = @\n",
        RuleFormat::Roles,
    );
    assert!(
        matches!(both, Err(ProtectionError::Malformed { .. })),
        "{both:?}"
    );
    let two = load(
        "[a]\ncreate = p1,p2\nread = @\nupdate = @\ndelete = @\n",
        RuleFormat::Policies,
    );
    assert!(
        matches!(two, Err(ProtectionError::Malformed { .. })),
        "{two:?}"
    );
    let unreadable = PropertyProtections::load(
        Path::new("/nonexistent/protections.conf"),
        RuleFormat::Roles,
        Policy::default(),
    );
    assert!(matches!(unreadable, Err(ProtectionError::Config(_))));
    assert!("Roles".parse::<RuleFormat>().is_ok());
    assert!(matches!(
        "acl".parse::<RuleFormat>(),
        Err(ProtectionError::Format(_))
    ));
}

#[test]
fn policies_are_evaluated_by_the_policy() {
    let dir = tempfile::tempdir().unwrap();
    let policy_file = dir.path().join("policy.yaml");
    std::fs::write(
        &policy_file,
        "glance_creator: role:admin or role:spl_creator\nglance_reader: role:spl_reader\n",
    )
    .unwrap();
    let policy = Policy::new(Enforcer::load(&policy_file).unwrap());
    let p = load_with(
        "[^spl_]\ncreate = glance_creator\nread = glance_reader\nupdate = !\ndelete = undefined_rule\n\
         [.*]\ncreate = @\nread = @\nupdate = @\ndelete = @\n",
        RuleFormat::Policies,
        policy,
    )
    .unwrap();
    assert!(p.can(&caller(&["spl_creator"]), Create, "spl_a"));
    assert!(!p.can(&caller(&["member"]), Create, "spl_a"));
    assert!(p.can(&caller(&["spl_reader"]), Read, "spl_a"));
    assert!(!p.can(&caller(&["admin"]), Update, "spl_a"));
    assert!(!p.can(&caller(&["admin"]), Delete, "spl_a"));
    assert!(p.can(&caller(&[]), Update, "other"));
}
