//! Upstream's default rules, persona by persona (glance-api.md §4.2).
//!
//! Tokens carry Keystone's implied roles: an admin also holds member and
//! reader, a member also holds reader. The image is owned by project `p1`;
//! "other" personas act for `p2` and, for a shared image, are taken to be
//! its members (as upstream, which only finds such an image through a
//! membership).

use glance_auth::{Action, Policy, RequestContext, Target};
use glance_types::{Image, Visibility};

/// The personas, in the order of the expectation columns.
const PERSONAS: [(&str, &[&str], &str); 5] = [
    ("admin", &["admin", "member", "reader"], "p-admin"),
    ("owner member", &["member", "reader"], "p1"),
    ("owner reader", &["reader"], "p1"),
    ("other member", &["member", "reader"], "p2"),
    ("other reader", &["reader"], "p2"),
];

/// Visibilities for which a persona is allowed: every one, none, the ones
/// others can reach (public, community, shared), or shared only.
#[derive(Clone, Copy)]
enum Allowed {
    All,
    None,
    Reachable,
    Shared,
}
use Allowed::{All, None as No, Reachable, Shared};

impl Allowed {
    fn includes(self, v: Visibility) -> bool {
        match self {
            All => true,
            No => false,
            Reachable => v != Visibility::Private,
            Shared => v == Visibility::Shared,
        }
    }
}

/// Admin only.
const ADMIN: [Allowed; 5] = [All, No, No, No, No];
/// Admin or a member of the owner project.
const OWNER_MEMBER: [Allowed; 5] = [All, All, No, No, No];

const MATRIX: &[(Action, [Allowed; 5])] = &[
    (Action::GetImage, [All, All, All, Reachable, Reachable]),
    (Action::AddImage, OWNER_MEMBER),
    (Action::ModifyImage, OWNER_MEMBER),
    (Action::PublicizeImage, ADMIN),
    (Action::CommunitizeImage, OWNER_MEMBER),
    (Action::DeleteImage, OWNER_MEMBER),
    (Action::UploadImage, OWNER_MEMBER),
    (Action::DownloadImage, [All, All, No, Reachable, No]),
    (Action::DownloadFromStore, [All, All, No, Reachable, No]),
    (Action::Deactivate, OWNER_MEMBER),
    (Action::Reactivate, OWNER_MEMBER),
    (Action::CopyImage, ADMIN),
    (Action::GetImageLocation, [All, All, All, No, No]),
    (Action::SetImageLocation, OWNER_MEMBER),
    (Action::DeleteImageLocation, ADMIN),
    (Action::AddImageLocation, OWNER_MEMBER),
    (Action::FetchImageLocation, ADMIN),
    (Action::AddMember, OWNER_MEMBER),
    (Action::DeleteMember, OWNER_MEMBER),
    (Action::GetMember, [All, All, All, Shared, Shared]),
    (Action::GetMembers, [All, All, All, Shared, Shared]),
    // Only the member project itself answers an invitation, not the owner.
    (Action::ModifyMember, [All, No, No, Shared, No]),
];

fn context(roles: &[&str], project: &str) -> RequestContext {
    RequestContext {
        request_id: "req-1".into(),
        user_id: Some(format!("user-{project}")),
        project_id: Some(project.into()),
        roles: roles.iter().map(|r| r.to_string()).collect(),
        is_admin: roles.contains(&"admin"),
        service_roles: Vec::new(),
    }
}

fn image(visibility: Visibility) -> Image {
    let mut image = Image::new("img-1".into(), Some("p1".into()), glance_types::now());
    image.visibility = visibility;
    image
}

#[test]
fn every_action_is_in_the_matrix() {
    for action in Action::ALL {
        assert!(
            MATRIX.iter().any(|(a, _)| *a == action),
            "{action:?} missing"
        );
    }
}

#[test]
fn default_rules_match_upstream_for_every_persona_and_visibility() {
    let policy = Policy::default();
    let mut wrong = Vec::new();
    for (action, expected) in MATRIX {
        for ((persona, roles, project), allowed) in PERSONAS.iter().zip(expected) {
            let ctx = context(roles, project);
            for visibility in Visibility::ALL {
                let want = allowed.includes(visibility);
                let got = policy.allows(&ctx, *action, &image(visibility));
                if got != want {
                    wrong.push(format!(
                        "{} / {persona} / {visibility}: got {got}, want {want}",
                        action.rule_name()
                    ));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_api_no_auth_admin_may_do_everything() {
    let ctx = RequestContext::admin("req-1");
    for action in Action::ALL {
        for visibility in Visibility::ALL {
            assert!(
                Policy::default().allows(&ctx, action, &image(visibility)),
                "{action:?}"
            );
        }
    }
}

#[test]
fn non_image_rules() {
    let policy = Policy::default();
    let admin = context(&["admin", "member", "reader"], "p-admin");
    let member = context(&["member", "reader"], "p1");
    let service = context(&["service"], "p-service");
    let none = Target::new();
    for rule in [
        "tasks_api_access",
        "cache_list",
        "manage_image_cache",
        "copy_image",
    ] {
        assert!(policy.enforce(&admin, rule, &none), "{rule}");
        assert!(!policy.enforce(&member, rule, &none), "{rule}");
    }
    // Task rules themselves are `rule:default` (allow); the API gates them.
    assert!(policy.enforce(&member, "get_task", &none));
    assert!(policy.enforce(&service, "stores_info_detail", &none));
    assert!(policy.enforce(&admin, "stores_info_detail", &none));
    assert!(!policy.enforce(&member, "stores_info_detail", &none));
    assert!(policy.enforce(&service, "fetch_image_location", &none));

    let own_ns = Target::new()
        .with("project_id", "p1")
        .with("visibility", "private");
    let public_ns = Target::new()
        .with("project_id", "p9")
        .with("visibility", "public");
    let private_ns = Target::new()
        .with("project_id", "p9")
        .with("visibility", "private");
    assert!(policy.enforce(&member, "get_metadef_namespace", &own_ns));
    assert!(policy.enforce(&member, "get_metadef_namespace", &public_ns));
    assert!(!policy.enforce(&member, "get_metadef_namespace", &private_ns));
    assert!(!policy.enforce(&member, "add_metadef_namespace", &own_ns));
    assert!(policy.enforce(&admin, "add_metadef_namespace", &own_ns));

    let own_project = Target::new().with("project_id", "p1");
    assert!(policy.enforce(&member, "get_images", &own_project));
    assert!(!policy.enforce(&context(&[], "p1"), "get_images", &own_project));
}
