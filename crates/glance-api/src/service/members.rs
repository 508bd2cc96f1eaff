//! Image sharing: adding members, listing them, their answers, removal.
//!
//! Only `shared` images have members. An image the caller cannot see is
//! absent (404) on every call; the rules of who may do what are in
//! `member_rules`.

use super::ImageService;
use crate::error::ApiError;
use glance_auth::{Action, RequestContext};
use glance_types::{Image, Member, MemberStatus, Visibility};
use serde_json::Value;

/// The project named by a `POST /members` body (`{"member": "<project>"}`).
fn member_from_body(body: &Value) -> Result<String, ApiError> {
    let form =
        || ApiError::BadRequest(r#"Expected a member in the form: {"member": "image_id"}"#.into());
    let obj = body.as_object().ok_or_else(form)?;
    match obj.get("member") {
        None => Err(ApiError::BadRequest(
            "Member to be added not specified".into(),
        )),
        Some(Value::String(m)) if m.is_empty() => {
            Err(ApiError::BadRequest("Member can't be empty".into()))
        }
        Some(Value::String(m)) => Ok(m.clone()),
        Some(_) => Err(form()),
    }
}

/// The `status` of a `PUT /members/{member}` body, not yet validated.
fn status_from_body(body: &Value) -> Result<&Value, ApiError> {
    body.as_object()
        .ok_or_else(|| {
            ApiError::BadRequest(r#"Expected a status in the form: {"status": "status"}"#.into())
        })?
        .get("status")
        .ok_or_else(|| ApiError::BadRequest("Status not specified".into()))
}

/// Validates a requested member status.
fn parse_status(value: &Value) -> Result<MemberStatus, ApiError> {
    let text = value.as_str().unwrap_or_default();
    text.parse()
        .map_err(|e| ApiError::BadRequest(format!("Incorrect request: {e}")))
}

/// Fails with `err` unless the image is shared.
fn require_shared(image: &Image, err: impl FnOnce() -> ApiError) -> Result<(), ApiError> {
    if image.visibility == Visibility::Shared {
        Ok(())
    } else {
        Err(err())
    }
}

impl ImageService {
    /// `GET /v2/images/{id}/members`: every member for whoever manages
    /// them, a member's own entry for that member.
    pub async fn list_members(
        &self,
        ctx: &RequestContext,
        id: &str,
    ) -> Result<Vec<Member>, ApiError> {
        let image = self.visible(ctx, id).await?;
        require_shared(&image, || {
            ApiError::Forbidden(format!(
                "Not allowed to list members for image {id}: Only shared images have members."
            ))
        })?;
        let members = self.registry.list_members(id).await?;
        Ok(members
            .into_iter()
            .filter(|m| self.may_see_member(ctx, &image, &m.member_id))
            .collect())
    }

    /// `GET /v2/images/{id}/members/{member}`: for the owner or that member,
    /// else 404.
    pub async fn get_member(
        &self,
        ctx: &RequestContext,
        id: &str,
        member: &str,
    ) -> Result<Member, ApiError> {
        let image = self.visible(ctx, id).await?;
        require_shared(&image, || {
            ApiError::NotFound("Only shared images have members.".into())
        })?;
        self.lookup_member(ctx, &image, member)
            .await
            .map_err(|e| match e {
                ApiError::Forbidden(msg) => ApiError::NotFound(msg),
                other => other,
            })
    }

    /// `POST /v2/images/{id}/members`: the owner (or an admin) shares a
    /// shared image with a project; the membership starts `pending`.
    pub async fn create_member(
        &self,
        ctx: &RequestContext,
        id: &str,
        body: &Value,
    ) -> Result<Member, ApiError> {
        let member = member_from_body(body)?;
        let image = self.visible(ctx, id).await?;
        if image.visibility != Visibility::Shared
            || !self.may_manage_members(ctx, &image, Action::AddMember)
        {
            return Err(ApiError::Forbidden(format!(
                "Not allowed to create members for image {id}."
            )));
        }
        let quota = self.settings.image_member_quota;
        let attempted = self.registry.count_members(id).await? + 1;
        if quota >= 0 && attempted > quota.unsigned_abs() {
            return Err(ApiError::TooLarge(format!(
                "Image member limit exceeded for image {id}: The limit has been exceeded on \
                 the number of allowed image members for this image. Attempted: {attempted}, \
                 Maximum: {quota}:"
            )));
        }
        Ok(self.registry.create_member(id, &member).await?)
    }

    /// `PUT /v2/images/{id}/members/{member}`: the member project (or an
    /// admin) answers the share.
    pub async fn update_member(
        &self,
        ctx: &RequestContext,
        id: &str,
        member: &str,
        body: &Value,
    ) -> Result<Member, ApiError> {
        let requested = status_from_body(body)?;
        let denied =
            || ApiError::Forbidden(format!("Not allowed to update members for image {id}."));
        let image = self.visible(ctx, id).await?;
        require_shared(&image, denied)?;
        self.lookup_member(ctx, &image, member).await?;
        if !self.may_answer_share(ctx, &image, member) {
            return Err(denied());
        }
        let status = parse_status(requested)?;
        Ok(self.registry.update_member(id, member, status).await?)
    }

    /// `DELETE /v2/images/{id}/members/{member}`: the owner (or an admin)
    /// stops sharing with a project.
    pub async fn delete_member(
        &self,
        ctx: &RequestContext,
        id: &str,
        member: &str,
    ) -> Result<(), ApiError> {
        let denied =
            || ApiError::Forbidden(format!("Not allowed to delete members for image {id}."));
        let image = self.visible(ctx, id).await?;
        require_shared(&image, denied)?;
        self.lookup_member(ctx, &image, member).await?;
        if !self.may_manage_members(ctx, &image, Action::DeleteMember) {
            return Err(denied());
        }
        Ok(self.registry.delete_member(id, member).await?)
    }

    /// A membership the caller may look at: 403 if it may not, 404 if
    /// there is none.
    async fn lookup_member(
        &self,
        ctx: &RequestContext,
        image: &Image,
        member: &str,
    ) -> Result<Member, ApiError> {
        if !self.may_see_member(ctx, image, member) {
            return Err(ApiError::Forbidden(format!(
                "You are not authorized to lookup the members of the image {}.",
                image.id
            )));
        }
        self.registry
            .get_member(&image.id, member)
            .await?
            .ok_or_else(|| {
                ApiError::NotFound(format!(
                    "{member} not found in the member list of the image {}.",
                    image.id
                ))
            })
    }
}
