//! Image memberships: the write hook for the members API and the status lookup.

use super::SqlRegistry;
use super::images::to_micros;
use super::pool::{Kind, Tx};
use super::statement::Statement;
use crate::RegistryError;

impl SqlRegistry {
    /// Makes `member` a member of the image with membership `status`
    /// (`pending`, `accepted` or `rejected`; the caller validates it),
    /// creating the membership or updating (and undeleting) it. This is the
    /// hook the members API builds on. [`RegistryError::NotFound`] if the
    /// image does not exist or is deleted.
    pub async fn set_member(
        &self,
        image_id: &str,
        member: &str,
        status: &str,
    ) -> Result<(), RegistryError> {
        let now = to_micros(&glance_types::now());
        let mut tx = self.pool.begin().await?;
        let mut update = Statement::new("UPDATE image_members SET status = ");
        update
            .bind(status)
            .push(", updated_at = ")
            .bind(now)
            .push(", deleted = FALSE WHERE image_id = ")
            .bind(image_id)
            .push(" AND member = ")
            .bind(member)
            .push(" AND EXISTS (SELECT 1 FROM images i WHERE i.id = ")
            .bind(image_id)
            .push(" AND i.deleted = FALSE)");
        if tx.execute(&update).await? == 0 {
            let mut insert = Statement::new(
                "INSERT INTO image_members \
                 (image_id, member, status, can_share, created_at, updated_at, deleted) \
                 SELECT id, ",
            );
            insert
                .bind(member)
                .push(", ")
                .bind(status)
                .push(", FALSE, ")
                .bind(now)
                .push(", ")
                .bind(now)
                .push(", FALSE FROM images WHERE id = ")
                .bind(image_id)
                .push(" AND deleted = FALSE");
            if tx.execute(&insert).await? == 0 {
                return Err(RegistryError::NotFound(image_id.to_string()));
            }
        }
        tx.commit().await
    }
}

/// The non-deleted membership status of `member` for an image, if any.
pub(crate) async fn member_status(
    tx: &mut Tx,
    image_id: &str,
    member: &str,
) -> Result<Option<String>, RegistryError> {
    let mut st = Statement::new("SELECT status FROM image_members WHERE image_id = ");
    st.bind(image_id)
        .push(" AND member = ")
        .bind(member)
        .push(" AND deleted = FALSE");
    match tx.fetch(&st, &[Kind::Text]).await?.pop() {
        Some(mut row) => Ok(Some(row.req_text()?)),
        None => Ok(None),
    }
}
