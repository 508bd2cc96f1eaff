//! What a caller may do to an image.

use crate::{Enforcer, PolicyError, RequestContext, Target};
use glance_types::{Image, Visibility};
use std::path::Path;
use std::sync::Arc;

/// The image operations the policy decides, named as upstream's policy rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `get_image`
    GetImage,
    /// `add_image` (create; the image's owner is the proposed owner)
    AddImage,
    /// `modify_image` (update, tags)
    ModifyImage,
    /// `publicize_image` (visibility → public)
    PublicizeImage,
    /// `communitize_image` (visibility → community)
    CommunitizeImage,
    /// `delete_image`
    DeleteImage,
    /// `upload_image`
    UploadImage,
    /// `download_image`
    DownloadImage,
    /// `download_from_store`
    DownloadFromStore,
    /// `deactivate`
    Deactivate,
    /// `reactivate`
    Reactivate,
    /// `copy_image` (import method `copy-image`)
    CopyImage,
    /// `get_image_location`
    GetImageLocation,
    /// `set_image_location`
    SetImageLocation,
    /// `delete_image_location`
    DeleteImageLocation,
    /// `add_image_location`
    AddImageLocation,
    /// `fetch_image_location`
    FetchImageLocation,
    /// `add_member`
    AddMember,
    /// `delete_member`
    DeleteMember,
    /// `get_member`
    GetMember,
    /// `get_members`
    GetMembers,
    /// `modify_member` (a member accepting or rejecting)
    ModifyMember,
}

impl Action {
    /// Every action.
    pub const ALL: [Action; 22] = [
        Self::GetImage,
        Self::AddImage,
        Self::ModifyImage,
        Self::PublicizeImage,
        Self::CommunitizeImage,
        Self::DeleteImage,
        Self::UploadImage,
        Self::DownloadImage,
        Self::DownloadFromStore,
        Self::Deactivate,
        Self::Reactivate,
        Self::CopyImage,
        Self::GetImageLocation,
        Self::SetImageLocation,
        Self::DeleteImageLocation,
        Self::AddImageLocation,
        Self::FetchImageLocation,
        Self::AddMember,
        Self::DeleteMember,
        Self::GetMember,
        Self::GetMembers,
        Self::ModifyMember,
    ];

    /// Upstream's rule name: the rule evaluated, and the name in denial messages.
    pub fn rule_name(self) -> &'static str {
        match self {
            Self::GetImage => "get_image",
            Self::AddImage => "add_image",
            Self::ModifyImage => "modify_image",
            Self::PublicizeImage => "publicize_image",
            Self::CommunitizeImage => "communitize_image",
            Self::DeleteImage => "delete_image",
            Self::UploadImage => "upload_image",
            Self::DownloadImage => "download_image",
            Self::DownloadFromStore => "download_from_store",
            Self::Deactivate => "deactivate",
            Self::Reactivate => "reactivate",
            Self::CopyImage => "copy_image",
            Self::GetImageLocation => "get_image_location",
            Self::SetImageLocation => "set_image_location",
            Self::DeleteImageLocation => "delete_image_location",
            Self::AddImageLocation => "add_image_location",
            Self::FetchImageLocation => "fetch_image_location",
            Self::AddMember => "add_member",
            Self::DeleteMember => "delete_member",
            Self::GetMember => "get_member",
            Self::GetMembers => "get_members",
            Self::ModifyMember => "modify_member",
        }
    }
}

/// Decides what a caller may do: upstream's database visibility rules
/// ([`Policy::can_see`]) and the policy engine's rules ([`Policy::allows`]),
/// upstream's defaults unless built from an operator's policy file.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// `None`: the shared built-in defaults.
    enforcer: Option<Arc<Enforcer>>,
}

impl Policy {
    /// A policy deciding with `enforcer`'s rules.
    pub fn new(enforcer: Enforcer) -> Self {
        Self {
            enforcer: Some(Arc::new(enforcer)),
        }
    }

    /// Upstream's defaults overridden by `policy_file` (see [`Enforcer::load`]).
    pub fn from_file(policy_file: &Path) -> Result<Self, PolicyError> {
        Enforcer::load(policy_file).map(Self::new)
    }

    /// The rules this policy decides with.
    pub fn enforcer(&self) -> &Enforcer {
        match &self.enforcer {
            Some(enforcer) => enforcer,
            None => crate::rules::default_enforcer(),
        }
    }

    /// Whether `ctx` can see `image` at all (upstream's database visibility
    /// filter). `member_status` is the caller's membership of the image, if
    /// any. An invisible image must look absent (404).
    pub fn can_see(
        &self,
        ctx: &RequestContext,
        image: &Image,
        member_status: Option<&str>,
    ) -> bool {
        if ctx.is_admin || image.owner.is_none() || ctx.owns(image.owner.as_deref()) {
            return true;
        }
        match image.visibility {
            Visibility::Public | Visibility::Community => true,
            Visibility::Shared => member_status.is_some(),
            Visibility::Private => false,
        }
    }

    /// Whether `ctx` may perform `action` on an image it can see: the rule
    /// [`Action::rule_name`] on [`Target::for_image`].
    pub fn allows(&self, ctx: &RequestContext, action: Action, image: &Image) -> bool {
        self.enforce(ctx, action.rule_name(), &Target::for_image(ctx, image))
    }

    /// Whether `ctx` passes the rule `rule_name` on `target` (tasks, cache,
    /// stores and metadef rules, or any rule of the policy file).
    pub fn enforce(&self, ctx: &RequestContext, rule_name: &str, target: &Target) -> bool {
        self.enforcer().enforce(ctx, rule_name, target)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(p: &str) -> RequestContext {
        RequestContext {
            request_id: "r".into(),
            user_id: None,
            project_id: Some(p.into()),
            roles: vec!["member".into(), "reader".into()],
            is_admin: false,
            service_roles: Vec::new(),
        }
    }

    fn image(owner: &str, v: Visibility) -> Image {
        let mut i = Image::new("i".into(), Some(owner.into()), glance_types::now());
        i.visibility = v;
        i
    }

    #[test]
    fn visibility_rules() {
        let p = Policy::default();
        let other = project("p2");
        assert!(p.can_see(&other, &image("p1", Visibility::Public), None));
        assert!(p.can_see(&other, &image("p1", Visibility::Community), None));
        assert!(!p.can_see(&other, &image("p1", Visibility::Private), None));
        assert!(!p.can_see(&other, &image("p1", Visibility::Shared), None));
        assert!(p.can_see(&other, &image("p1", Visibility::Shared), Some("pending")));
        assert!(p.can_see(&project("p1"), &image("p1", Visibility::Private), None));
    }

    #[test]
    fn only_owner_or_admin_modifies() {
        let p = Policy::default();
        let img = image("p1", Visibility::Public);
        assert!(p.allows(&project("p1"), Action::ModifyImage, &img));
        assert!(!p.allows(&project("p2"), Action::ModifyImage, &img));
        assert!(!p.allows(&project("p2"), Action::DeleteImage, &img));
        assert!(!p.allows(&project("p1"), Action::PublicizeImage, &img));
        assert!(p.allows(&RequestContext::admin("r"), Action::PublicizeImage, &img));
    }

    #[test]
    fn a_policy_file_changes_the_decision() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("policy.yaml");
        std::fs::write(&file, "publicize_image: rule:modify_image\n").unwrap();
        let p = Policy::from_file(&file).unwrap();
        let img = image("p1", Visibility::Private);
        assert!(p.allows(&project("p1"), Action::PublicizeImage, &img));
        assert!(!p.allows(&project("p2"), Action::PublicizeImage, &img));
        assert!(p.enforcer().has_rule("get_image"));
    }
}
