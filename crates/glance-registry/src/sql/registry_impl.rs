//! [`Registry`] for [`SqlRegistry`]: every call is one transaction.
//!
//! Write transactions start with a write to the image row (INSERT or UPDATE),
//! so SQLite takes its write lock up front (waiting out the busy timeout rather
//! than failing a read-to-write upgrade) and PostgreSQL and MySQL lock the
//! row, which serialises concurrent changes of one image.

use super::SqlRegistry;
use super::images::{
    from_micros, insert_image, insert_properties, load_image, load_images, lock_image,
    replace_locations, replace_tags, to_micros,
};
use super::list::{list_statement, marker_kinds, marker_statement};
use super::members;
use super::pool::{Kind, Tx};
use super::statement::Statement;
use super::update::update_statement;
use crate::{Registry, RegistryError};
use async_trait::async_trait;
use glance_types::{Image, ImageChanges, ImageStatus, ListQuery, Member, MemberStatus};

/// Sets `updated_at` of a non-deleted image (locking its row);
/// [`RegistryError::NotFound`] if there is none.
async fn touch(tx: &mut Tx, id: &str) -> Result<(), RegistryError> {
    let mut st = Statement::new("UPDATE images SET updated_at = ");
    st.bind(to_micros(&glance_types::now()))
        .push(" WHERE id = ")
        .bind(id)
        .push(" AND deleted = FALSE");
    if tx.execute(&st).await? == 0 {
        return Err(RegistryError::NotFound(id.to_string()));
    }
    Ok(())
}

/// Explains why a conditional update matched no row: the image is gone,
/// or a condition of `changes` failed (the status first).
async fn update_failure(
    tx: &mut Tx,
    id: &str,
    changes: &ImageChanges,
) -> Result<RegistryError, RegistryError> {
    let mut st = Statement::new("SELECT status, updated_at FROM images WHERE id = ");
    st.bind(id).push(" AND deleted = FALSE");
    let Some(mut row) = tx.fetch(&st, &[Kind::Text, Kind::Int]).await?.pop() else {
        return Ok(RegistryError::NotFound(id.to_string()));
    };
    let actual: ImageStatus = row
        .req_text()?
        .parse()
        .map_err(|e| RegistryError::Database(format!("{e}")))?;
    let updated_at = from_micros(row.req_int()?)?;
    Ok(
        match (changes.expect_status, changes.expect_updated_before) {
            (Some(expected), _) if expected != actual => {
                RegistryError::StatusMismatch { expected, actual }
            }
            (_, Some(expected_before)) => RegistryError::UpdatedSince {
                expected_before,
                updated_at,
            },
            // The row changed between the UPDATE and this SELECT.
            (Some(expected), None) => RegistryError::StatusMismatch { expected, actual },
            (None, None) => RegistryError::NotFound(id.to_string()),
        },
    )
}

#[async_trait]
impl Registry for SqlRegistry {
    async fn create_image(&self, image: &Image) -> Result<Image, RegistryError> {
        let mut tx = self.pool.begin().await?;
        if !tx.insert_unique(&insert_image(image)).await? {
            return Err(RegistryError::Duplicate(image.id.clone()));
        }
        insert_properties(&mut tx, &image.id, &image.properties).await?;
        replace_tags(&mut tx, &image.id, &image.tags).await?;
        replace_locations(&mut tx, &image.id, &image.locations).await?;
        let stored = load_image(&mut tx, &image.id).await?;
        tx.commit().await?;
        Ok(stored)
    }

    async fn get_image(&self, id: &str) -> Result<Image, RegistryError> {
        let mut tx = self.pool.begin().await?;
        let image = load_image(&mut tx, id).await?;
        tx.commit().await?;
        Ok(image)
    }

    async fn update_image(&self, id: &str, changes: &ImageChanges) -> Result<Image, RegistryError> {
        let mut tx = self.pool.begin().await?;
        let st = update_statement(id, changes, &glance_types::now());
        if tx.execute(&st).await? == 0 {
            return Err(update_failure(&mut tx, id, changes).await?);
        }
        let names: Vec<&String> = changes
            .set_properties
            .keys()
            .chain(&changes.remove_properties)
            .collect();
        if !names.is_empty() {
            let mut del = Statement::new("DELETE FROM image_properties WHERE image_id = ");
            del.bind(id).push(" AND name IN ").bind_list(names);
            tx.execute(&del).await?;
        }
        insert_properties(&mut tx, id, &changes.set_properties).await?;
        if let Some(tags) = &changes.tags {
            replace_tags(&mut tx, id, tags).await?;
        }
        if let Some(locations) = &changes.locations {
            replace_locations(&mut tx, id, locations).await?;
        }
        let image = load_image(&mut tx, id).await?;
        tx.commit().await?;
        Ok(image)
    }

    async fn delete_image(&self, id: &str) -> Result<Image, RegistryError> {
        let mut tx = self.pool.begin().await?;
        // Lock the row before reading what it was.
        lock_image(&mut tx, id).await?;
        let image = load_image(&mut tx, id).await?;
        let now = to_micros(&glance_types::now());
        let mut st = Statement::new("UPDATE images SET deleted = TRUE, status = 'deleted', ");
        st.push("deleted_at = ")
            .bind(now)
            .push(", updated_at = ")
            .bind(now)
            .push(" WHERE id = ")
            .bind(id);
        tx.execute(&st).await?;
        tx.commit().await?;
        Ok(image)
    }

    async fn list_images(&self, query: &ListQuery) -> Result<Vec<Image>, RegistryError> {
        let mut tx = self.pool.begin().await?;
        let marker = match &query.marker {
            Some(marker) => {
                let kinds = marker_kinds(query);
                let st = marker_statement(query, marker);
                let Some(mut row) = tx.fetch(&st, &kinds).await?.pop() else {
                    return Err(RegistryError::MarkerNotFound(marker.clone()));
                };
                Some(
                    kinds
                        .iter()
                        .map(|_| row.value())
                        .collect::<Result<Vec<_>, _>>()?,
                )
            }
            None => None,
        };
        let st = list_statement(query, marker.as_deref(), tx.backend())?;
        let images = load_images(&mut tx, &st).await?;
        tx.commit().await?;
        Ok(images)
    }

    async fn add_tag(&self, id: &str, tag: &str) -> Result<(), RegistryError> {
        let mut tx = self.pool.begin().await?;
        touch(&mut tx, id).await?;
        let mut exists = Statement::new("SELECT value FROM image_tags WHERE image_id = ");
        exists.bind(id).push(" AND value = ").bind(tag);
        if tx.fetch(&exists, &[Kind::Text]).await?.is_empty() {
            let mut insert = Statement::new("INSERT INTO image_tags (image_id, value) VALUES (");
            insert.bind(id).push(", ").bind(tag).push(")");
            tx.execute(&insert).await?;
        }
        tx.commit().await
    }

    async fn remove_tag(&self, id: &str, tag: &str) -> Result<bool, RegistryError> {
        let mut tx = self.pool.begin().await?;
        touch(&mut tx, id).await?;
        let mut st = Statement::new("DELETE FROM image_tags WHERE image_id = ");
        st.bind(id).push(" AND value = ").bind(tag);
        let removed = tx.execute(&st).await? > 0;
        tx.commit().await?;
        Ok(removed)
    }

    async fn create_member(&self, image_id: &str, member: &str) -> Result<Member, RegistryError> {
        let mut tx = self.pool.begin().await?;
        let created = members::create(&mut tx, image_id, member).await?;
        tx.commit().await?;
        Ok(created)
    }

    async fn list_members(&self, image_id: &str) -> Result<Vec<Member>, RegistryError> {
        let mut tx = self.pool.begin().await?;
        load_image(&mut tx, image_id).await?;
        let list = members::load(&mut tx, image_id, None).await?;
        tx.commit().await?;
        Ok(list)
    }

    async fn get_member(
        &self,
        image_id: &str,
        member: &str,
    ) -> Result<Option<Member>, RegistryError> {
        let mut tx = self.pool.begin().await?;
        let found = members::load(&mut tx, image_id, Some(member)).await?.pop();
        tx.commit().await?;
        Ok(found)
    }

    async fn update_member(
        &self,
        image_id: &str,
        member: &str,
        status: MemberStatus,
    ) -> Result<Member, RegistryError> {
        let mut tx = self.pool.begin().await?;
        let updated = members::update(&mut tx, image_id, member, status).await?;
        tx.commit().await?;
        Ok(updated)
    }

    async fn delete_member(&self, image_id: &str, member: &str) -> Result<(), RegistryError> {
        let mut tx = self.pool.begin().await?;
        members::delete(&mut tx, image_id, member).await?;
        tx.commit().await
    }

    async fn count_members(&self, image_id: &str) -> Result<u64, RegistryError> {
        let mut tx = self.pool.begin().await?;
        let count = members::count(&mut tx, image_id).await?;
        tx.commit().await?;
        Ok(count)
    }

    async fn health(&self) -> Result<(), RegistryError> {
        self.pool.ping().await
    }
}
