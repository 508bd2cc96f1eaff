//! Image statuses and the transitions the domain allows between them.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The status of an image, as upstream Glance names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImageStatus {
    /// The record exists, no data yet.
    Queued,
    /// Data is being uploaded with `PUT /file`.
    Saving,
    /// Data staged for import, not yet imported.
    Uploading,
    /// An import task is running.
    Importing,
    /// Data is available.
    Active,
    /// Data download is blocked for non-admins.
    Deactivated,
    /// Legacy failed-upload state; never entered by the v2 API.
    Killed,
    /// Deleted, data awaiting the scrubber.
    PendingDelete,
    /// Deleted.
    Deleted,
}

impl ImageStatus {
    /// Every status, in declaration order.
    pub const ALL: [ImageStatus; 9] = [
        Self::Queued,
        Self::Saving,
        Self::Uploading,
        Self::Importing,
        Self::Active,
        Self::Deactivated,
        Self::Killed,
        Self::PendingDelete,
        Self::Deleted,
    ];

    /// The wire name (`queued`, `pending_delete`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Saving => "saving",
            Self::Uploading => "uploading",
            Self::Importing => "importing",
            Self::Active => "active",
            Self::Deactivated => "deactivated",
            Self::Killed => "killed",
            Self::PendingDelete => "pending_delete",
            Self::Deleted => "deleted",
        }
    }

    /// Whether the domain allows moving from `self` to `to` (upstream's transition table).
    pub fn can_transition_to(self, to: ImageStatus) -> bool {
        use ImageStatus::*;
        matches!(
            (self, to),
            (Queued, Saving | Uploading | Importing | Active | Deleted)
                | (Saving, Active | Queued | Killed | Deleted)
                | (Uploading, Importing | Queued | Deleted)
                | (Importing, Active | Queued | Deleted)
                | (Active, Deactivated | PendingDelete | Deleted)
                | (Deactivated, Active | Deleted)
                | (Killed, Deleted)
                | (PendingDelete, Deleted | Active)
        )
    }
}

impl fmt::Display for ImageStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error returned when a string names no status.
#[derive(Debug, thiserror::Error)]
#[error("unknown image status '{0}'")]
pub struct UnknownStatus(pub String);

impl FromStr for ImageStatus {
    type Err = UnknownStatus;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| UnknownStatus(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_names() {
        for s in ImageStatus::ALL {
            assert_eq!(s.as_str().parse::<ImageStatus>().unwrap(), s);
        }
        assert!("nope".parse::<ImageStatus>().is_err());
    }

    #[test]
    fn transitions_follow_upstream() {
        use ImageStatus::*;
        assert!(Queued.can_transition_to(Saving));
        assert!(Saving.can_transition_to(Queued));
        assert!(!Active.can_transition_to(Saving));
        assert!(!Deleted.can_transition_to(Active));
        assert!(Deactivated.can_transition_to(Active));
    }
}
