//! Who may do what with an image's members: upstream's `add_member`,
//! `delete_member`, `get_member` and `modify_member` policy rules, plus the
//! controller checks upstream makes on top of them (a member answers and
//! sees only its own membership).

use super::ImageService;
use glance_auth::{Action, RequestContext};
use glance_types::Image;

impl ImageService {
    /// `add_member` (or `delete_member`): by default an admin or a member of the owning project.
    pub(super) fn may_manage_members(
        &self,
        ctx: &RequestContext,
        image: &Image,
        action: Action,
    ) -> bool {
        self.policy.allows(ctx, action, image)
    }

    /// `get_member(s)`: the policy rule, and then only the owner's side (or an
    /// admin) sees every membership; a member project sees its own.
    pub(super) fn may_see_member(&self, ctx: &RequestContext, image: &Image, member: &str) -> bool {
        self.policy.allows(ctx, Action::GetMember, image)
            && (ctx.is_admin
                || ctx.owns(image.owner.as_deref())
                || ctx.project_id.as_deref() == Some(member))
    }

    /// `modify_member`: the policy rule, and only the member project itself
    /// (or an admin) answers a share, never the owner on its behalf.
    pub(super) fn may_answer_share(
        &self,
        ctx: &RequestContext,
        image: &Image,
        member: &str,
    ) -> bool {
        self.policy.allows(ctx, Action::ModifyMember, image)
            && (ctx.is_admin || ctx.project_id.as_deref() == Some(member))
    }
}
