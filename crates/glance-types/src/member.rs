//! Image memberships: which projects an image is shared with, and their answer.

use crate::Timestamp;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A member project's answer to a share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberStatus {
    /// Not answered yet (every new membership).
    Pending,
    /// Accepted: the image is in the member's default list.
    Accepted,
    /// Rejected: the image stays out of the member's default list.
    Rejected,
}

impl MemberStatus {
    /// Every status, in upstream's schema order.
    pub const ALL: [MemberStatus; 3] = [Self::Pending, Self::Accepted, Self::Rejected];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Accepted => "accepted",
            Self::Rejected => "rejected",
        }
    }
}

impl fmt::Display for MemberStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error returned when a string names no member status.
#[derive(Debug, thiserror::Error)]
#[error("Status must be \"pending\", \"accepted\" or \"rejected\".")]
pub struct UnknownMemberStatus(pub String);

impl FromStr for MemberStatus {
    type Err = UnknownMemberStatus;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| UnknownMemberStatus(s.to_string()))
    }
}

/// One project's membership of a shared image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// The shared image.
    pub image_id: String,
    /// The member project.
    pub member_id: String,
    /// The member's answer.
    pub status: MemberStatus,
    /// When the membership was (last) created.
    pub created_at: Timestamp,
    /// When the membership last changed.
    pub updated_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_names() {
        for s in MemberStatus::ALL {
            assert_eq!(s.as_str().parse::<MemberStatus>().unwrap(), s);
        }
        let err = "maybe".parse::<MemberStatus>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "Status must be \"pending\", \"accepted\" or \"rejected\"."
        );
    }
}
