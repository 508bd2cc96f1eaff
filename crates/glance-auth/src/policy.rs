//! What a caller may do to an image.

use crate::RequestContext;
use glance_types::{Image, Visibility};

/// The image operations the policy decides, named as upstream's policy rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `get_image`
    GetImage,
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
    /// `deactivate`
    Deactivate,
    /// `reactivate`
    Reactivate,
}

impl Action {
    /// Upstream's rule name, used in denial messages.
    pub fn rule_name(self) -> &'static str {
        match self {
            Self::GetImage => "get_image",
            Self::ModifyImage => "modify_image",
            Self::PublicizeImage => "publicize_image",
            Self::CommunitizeImage => "communitize_image",
            Self::DeleteImage => "delete_image",
            Self::UploadImage => "upload_image",
            Self::DownloadImage => "download_image",
            Self::Deactivate => "deactivate",
            Self::Reactivate => "reactivate",
        }
    }
}

/// Decides what a caller may do. The default rules are upstream's visibility
/// and ownership rules: admins may do anything; a project may read what is
/// visible to it and change only what it owns; only admins publish.
#[derive(Debug, Clone, Default)]
pub struct Policy;

impl Policy {
    /// Whether `ctx` can see `image` at all. `member_status` is the caller's
    /// membership of the image, if any. An invisible image must look absent (404).
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

    /// Whether `ctx` may perform `action` on an image it can see.
    pub fn allows(&self, ctx: &RequestContext, action: Action, image: &Image) -> bool {
        if ctx.is_admin {
            return true;
        }
        let owner = ctx.owns(image.owner.as_deref());
        match action {
            Action::GetImage | Action::DownloadImage => true,
            Action::PublicizeImage => false,
            Action::ModifyImage
            | Action::CommunitizeImage
            | Action::DeleteImage
            | Action::UploadImage
            | Action::Deactivate
            | Action::Reactivate => owner,
        }
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
            roles: vec!["member".into()],
            is_admin: false,
        }
    }

    fn image(owner: &str, v: Visibility) -> Image {
        let mut i = Image::new("i".into(), Some(owner.into()), glance_types::now());
        i.visibility = v;
        i
    }

    #[test]
    fn visibility_rules() {
        let p = Policy;
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
        let p = Policy;
        let img = image("p1", Visibility::Public);
        assert!(p.allows(&project("p1"), Action::ModifyImage, &img));
        assert!(!p.allows(&project("p2"), Action::ModifyImage, &img));
        assert!(!p.allows(&project("p2"), Action::DeleteImage, &img));
        assert!(!p.allows(&project("p1"), Action::PublicizeImage, &img));
        assert!(p.allows(&RequestContext::admin("r"), Action::PublicizeImage, &img));
    }
}
