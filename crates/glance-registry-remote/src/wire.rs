//! The HTTP/JSON protocol between [`RemoteRegistry`](crate::RemoteRegistry)
//! and the daemon's [`router`](crate::router): one route per
//! [`Registry`](glance_registry::Registry) method, bodies that are the
//! glance-types values in their own serde forms (lossless: every field,
//! `null` apart from absent in image changes, timestamps with all their
//! digits), and typed errors.
//!
//! | method | request | success |
//! |---|---|---|
//! | `create_image` | `POST /v1/images` + image | 201 image |
//! | `list_images` | `POST /v1/images/list` + query | 200 `[image]` |
//! | `get_image` | `GET /v1/image?id=…` | 200 image |
//! | `update_image` | `PATCH /v1/image?id=…` + changes | 200 image |
//! | `delete_image` | `DELETE /v1/image?id=…` | 200 image (as it was) |
//! | `add_tag` | `PUT /v1/image/tags?id=…&tag=…` | 204 |
//! | `remove_tag` | `DELETE /v1/image/tags?id=…&tag=…` | 200 `{"removed": bool}` |
//! | `create_member` | `POST /v1/image/members?id=…&member=…` | 201 member |
//! | `list_members` | `GET /v1/image/members?id=…` | 200 `[member]` |
//! | `count_members` | `GET /v1/image/members/count?id=…` | 200 `{"count": n}` |
//! | `get_member` | `GET /v1/image/member?id=…&member=…` | 200 member or `null` |
//! | `update_member` | `PUT /v1/image/member?id=…&member=…` + `{"status": …}` | 200 member |
//! | `delete_member` | `DELETE /v1/image/member?id=…&member=…` | 204 |
//! | `health` | `GET /v1/health` | 204 |
//! | (load balancers) | `GET /healthcheck`, no credentials | 200 `OK` / 503 |
//!
//! Image ids, tags and member ids travel in the (form-encoded) query string,
//! never in the path: URL parsers rewrite `.` and `..` path segments, and
//! every string must arrive as sent. Errors:
//! `{"error": {"kind": …, <fields>, "message": …}}` (see [`error`]).

pub(crate) mod error;
#[cfg(test)]
mod tests;

use glance_types::MemberStatus;
use serde::{Deserialize, Serialize};

pub(crate) use error::{ErrorBody, ErrorDetail, ErrorKind};

/// The header carrying the shared secret.
pub const SECRET_HEADER: &str = "x-glance-registry-secret";

/// `?id=…`
#[derive(Debug, Deserialize)]
pub(crate) struct ImageParam {
    /// The image.
    pub(crate) id: String,
}

/// `?id=…&tag=…`
#[derive(Debug, Deserialize)]
pub(crate) struct TagParams {
    /// The image.
    pub(crate) id: String,
    /// The tag.
    pub(crate) tag: String,
}

/// `?id=…&member=…`
#[derive(Debug, Deserialize)]
pub(crate) struct MemberParams {
    /// The image.
    pub(crate) id: String,
    /// The member project.
    pub(crate) member: String,
}

/// The body of `update_member`.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct StatusBody {
    /// The new membership status.
    pub(crate) status: MemberStatus,
}

/// The answer of `remove_tag`.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct RemovedBody {
    /// Whether the image had the tag.
    pub(crate) removed: bool,
}

/// The answer of `count_members`.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct CountBody {
    /// How many non-deleted memberships the image has.
    pub(crate) count: u64,
}
