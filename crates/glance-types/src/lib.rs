//! The image model shared by every glance-rs crate.
//!
//! Nothing here does I/O: these are the values the registry stores, the store
//! keys its objects by and the API renders. Each derives serde's
//! `Serialize`/`Deserialize` losslessly, so glance-registry sends them over
//! HTTP as they are.

mod double_option;
mod image;
mod list;
mod member;
mod status;
mod time;

pub use image::{Image, ImageChanges, Location, Visibility};
pub use list::{
    Filter, FilterValue, INT_FILTER_COLUMNS, ListQuery, MemberStatusFilter, STRING_FILTER_COLUMNS,
    Scope, SortDir, SortKey, TimeOp, UNLISTED_STATUSES, VisibilityFilter,
};
pub use member::{Member, MemberStatus, UnknownMemberStatus};
pub use status::ImageStatus;
pub use time::{Timestamp, format_timestamp, now, parse_timestamp};
