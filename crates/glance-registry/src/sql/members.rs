//! Image memberships: creating, reading, answering and removing shares.
//!
//! Writes lock the image row first (see [`lock_image`]), so they serialise
//! with each other and with the image's deletion. `"member"` is quoted: it is
//! a reserved word in MySQL 8.

use super::images::{from_micros, lock_image, to_micros};
use super::pool::{Kind, Row, Tx};
use super::statement::Statement;
use crate::RegistryError;
use glance_types::{Member, MemberStatus};

/// The membership columns every SELECT returns, in [`MEMBER_KINDS`] order.
const MEMBER_COLUMNS: &str = r#"image_id, "member", status, created_at, updated_at"#;

/// The kinds of [`MEMBER_COLUMNS`].
const MEMBER_KINDS: &[Kind] = &[Kind::Text, Kind::Text, Kind::Text, Kind::Int, Kind::Int];

fn member_from_row(mut row: Row) -> Result<Member, RegistryError> {
    Ok(Member {
        image_id: row.req_text()?,
        member_id: row.req_text()?,
        status: row
            .req_text()?
            .parse()
            .map_err(|e| RegistryError::Database(format!("invalid stored member status: {e:?}")))?,
        created_at: from_micros(row.req_int()?)?,
        updated_at: from_micros(row.req_int()?)?,
    })
}

fn not_found(image_id: &str, member: &str) -> RegistryError {
    RegistryError::MemberNotFound {
        image_id: image_id.to_string(),
        member: member.to_string(),
    }
}

/// The non-deleted memberships of an image (only `member`'s when given),
/// oldest first.
pub(crate) async fn load(
    tx: &mut Tx,
    image_id: &str,
    member: Option<&str>,
) -> Result<Vec<Member>, RegistryError> {
    let mut st = Statement::new(&format!(
        "SELECT {MEMBER_COLUMNS} FROM image_members WHERE image_id = "
    ));
    st.bind(image_id).push(" AND deleted = FALSE");
    if let Some(member) = member {
        st.push(r#" AND "member" = "#).bind(member);
    }
    st.push(r#" ORDER BY created_at, "member""#);
    tx.fetch(&st, MEMBER_KINDS)
        .await?
        .into_iter()
        .map(member_from_row)
        .collect()
}

/// Loads one non-deleted membership, or [`RegistryError::MemberNotFound`].
async fn load_one(tx: &mut Tx, image_id: &str, member: &str) -> Result<Member, RegistryError> {
    load(tx, image_id, Some(member))
        .await?
        .pop()
        .ok_or_else(|| not_found(image_id, member))
}

/// Creates a `pending` membership, reviving a deleted one.
pub(crate) async fn create(
    tx: &mut Tx,
    image_id: &str,
    member: &str,
) -> Result<Member, RegistryError> {
    lock_image(tx, image_id).await?;
    let now = to_micros(&glance_types::now());
    let pending = MemberStatus::Pending.as_str();
    let mut revive = Statement::new("UPDATE image_members SET status = ");
    revive
        .bind(pending)
        .push(", created_at = ")
        .bind(now)
        .push(", updated_at = ")
        .bind(now)
        .push(", deleted = FALSE WHERE image_id = ")
        .bind(image_id)
        .push(r#" AND "member" = "#)
        .bind(member)
        .push(" AND deleted = TRUE");
    if tx.execute(&revive).await? == 0 {
        let mut insert = Statement::new(
            r#"INSERT INTO image_members (image_id, "member", status, can_share, created_at, updated_at, deleted) VALUES ("#,
        );
        insert
            .bind(image_id)
            .push(", ")
            .bind(member)
            .push(", ")
            .bind(pending)
            .push(", FALSE, ")
            .bind(now)
            .push(", ")
            .bind(now)
            .push(", FALSE)");
        if !tx.insert_unique(&insert).await? {
            return Err(RegistryError::MemberDuplicate {
                image_id: image_id.to_string(),
                member: member.to_string(),
            });
        }
    }
    load_one(tx, image_id, member).await
}

/// Sets the status of a non-deleted membership.
pub(crate) async fn update(
    tx: &mut Tx,
    image_id: &str,
    member: &str,
    status: MemberStatus,
) -> Result<Member, RegistryError> {
    lock_image(tx, image_id).await?;
    let mut st = Statement::new("UPDATE image_members SET status = ");
    st.bind(status.as_str())
        .push(", updated_at = ")
        .bind(to_micros(&glance_types::now()))
        .push(" WHERE image_id = ")
        .bind(image_id)
        .push(r#" AND "member" = "#)
        .bind(member)
        .push(" AND deleted = FALSE");
    if tx.execute(&st).await? == 0 {
        return Err(not_found(image_id, member));
    }
    load_one(tx, image_id, member).await
}

/// Soft-deletes a non-deleted membership.
pub(crate) async fn delete(tx: &mut Tx, image_id: &str, member: &str) -> Result<(), RegistryError> {
    lock_image(tx, image_id).await?;
    let mut st = Statement::new("UPDATE image_members SET deleted = TRUE, updated_at = ");
    st.bind(to_micros(&glance_types::now()))
        .push(" WHERE image_id = ")
        .bind(image_id)
        .push(r#" AND "member" = "#)
        .bind(member)
        .push(" AND deleted = FALSE");
    if tx.execute(&st).await? == 0 {
        return Err(not_found(image_id, member));
    }
    Ok(())
}

/// The number of non-deleted memberships of an image.
pub(crate) async fn count(tx: &mut Tx, image_id: &str) -> Result<u64, RegistryError> {
    let mut st = Statement::new("SELECT COUNT(*) FROM image_members WHERE image_id = ");
    st.bind(image_id).push(" AND deleted = FALSE");
    let n = match tx.fetch(&st, &[Kind::Int]).await?.pop() {
        Some(mut row) => row.req_int()?,
        None => 0,
    };
    u64::try_from(n).map_err(|e| RegistryError::Database(format!("member count {n}: {e}")))
}
