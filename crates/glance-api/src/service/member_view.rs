//! Memberships as the API shows them.

use glance_types::{Member, format_timestamp};
use serde_json::{Value, json};

/// One membership (`/v2/schemas/member`).
pub fn member_view(member: &Member) -> Value {
    json!({
        "member_id": member.member_id,
        "image_id": member.image_id,
        "status": member.status.as_str(),
        "created_at": format_timestamp(&member.created_at),
        "updated_at": format_timestamp(&member.updated_at),
        "schema": "/v2/schemas/member",
    })
}

/// A list of memberships (`/v2/schemas/members`).
pub fn members_view(members: &[Member]) -> Value {
    let members: Vec<Value> = members.iter().map(member_view).collect();
    json!({"members": members, "schema": "/v2/schemas/members"})
}
