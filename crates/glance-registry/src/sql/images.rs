//! Reading and writing image rows and their child rows (properties, tags, locations).

use super::pool::{Kind, Row, Tx};
use super::statement::Statement;
use crate::RegistryError;
use chrono::DateTime;
use glance_types::{Image, Location, Timestamp};
use std::collections::HashMap;

/// The image columns every image SELECT returns, in [`IMAGE_KINDS`] order.
pub(crate) const IMAGE_COLUMNS: &str = "id, name, disk_format, container_format, size, \
    virtual_size, status, visibility, checksum, os_hash_algo, os_hash_value, min_disk, min_ram, \
    owner, protected, os_hidden, created_at, updated_at";

/// The kinds of [`IMAGE_COLUMNS`].
pub(crate) const IMAGE_KINDS: &[Kind] = &[
    Kind::Text,
    Kind::Text,
    Kind::Text,
    Kind::Text,
    Kind::Int,
    Kind::Int,
    Kind::Text,
    Kind::Text,
    Kind::Text,
    Kind::Text,
    Kind::Text,
    Kind::Int,
    Kind::Int,
    Kind::Text,
    Kind::Bool,
    Kind::Bool,
    Kind::Int,
    Kind::Int,
];

/// Statuses a list never returns, as SQL literals.
pub(crate) const UNLISTED_SQL: &str = "('killed', 'deleted', 'pending_delete')";

/// Microseconds since the epoch, as stored.
pub(crate) fn to_micros(t: &Timestamp) -> i64 {
    t.timestamp_micros()
}

/// A stored timestamp back to a [`Timestamp`].
pub(crate) fn from_micros(v: i64) -> Result<Timestamp, RegistryError> {
    DateTime::from_timestamp_micros(v)
        .ok_or_else(|| RegistryError::Database(format!("timestamp {v} out of range")))
}

fn image_from_row(mut row: Row) -> Result<Image, RegistryError> {
    let bad = |e: String| RegistryError::Database(format!("invalid stored value: {e}"));
    Ok(Image {
        id: row.req_text()?,
        name: row.text()?,
        disk_format: row.text()?,
        container_format: row.text()?,
        size: row.int()?,
        virtual_size: row.int()?,
        status: row.req_text()?.parse().map_err(|e| bad(format!("{e}")))?,
        visibility: row.req_text()?.parse().map_err(bad)?,
        checksum: row.text()?,
        os_hash_algo: row.text()?,
        os_hash_value: row.text()?,
        min_disk: row.req_int()?,
        min_ram: row.req_int()?,
        owner: row.text()?,
        protected: row.bool()?,
        os_hidden: row.bool()?,
        created_at: from_micros(row.req_int()?)?,
        updated_at: from_micros(row.req_int()?)?,
        tags: Vec::new(),
        properties: Default::default(),
        locations: Vec::new(),
    })
}

/// Runs `st` (which selects [`IMAGE_COLUMNS`]) and completes the images with
/// their properties, tags and locations: one query per child table for the
/// whole page, never one per image.
pub(crate) async fn load_images(tx: &mut Tx, st: &Statement) -> Result<Vec<Image>, RegistryError> {
    let mut images = tx
        .fetch(st, IMAGE_KINDS)
        .await?
        .into_iter()
        .map(image_from_row)
        .collect::<Result<Vec<_>, _>>()?;
    if images.is_empty() {
        return Ok(images);
    }
    let index: HashMap<String, usize> = images
        .iter()
        .enumerate()
        .map(|(i, img)| (img.id.clone(), i))
        .collect();
    let ids: Vec<&String> = images.iter().map(|i| &i.id).collect();
    let child = |sql: &str, order: &str| {
        let mut st = Statement::new(sql);
        st.push(" WHERE image_id IN ")
            .bind_list(ids.iter().copied());
        st.push(order);
        st
    };

    let props = child("SELECT image_id, name, value FROM image_properties", "");
    let tags = child(
        "SELECT image_id, value FROM image_tags",
        " ORDER BY image_id, value",
    );
    let locations = child(
        "SELECT image_id, url, metadata FROM image_locations",
        " ORDER BY image_id, position",
    );
    for mut row in tx.fetch(&props, &[Kind::Text; 3]).await? {
        let i = position(&index, &row.req_text()?)?;
        let name = row.req_text()?;
        images[i].properties.insert(name, row.req_text()?);
    }

    for mut row in tx.fetch(&tags, &[Kind::Text; 2]).await? {
        let i = position(&index, &row.req_text()?)?;
        images[i].tags.push(row.req_text()?);
    }

    for mut row in tx.fetch(&locations, &[Kind::Text; 3]).await? {
        let i = position(&index, &row.req_text()?)?;
        let url = row.req_text()?;
        let metadata = serde_json::from_str(&row.req_text()?)
            .map_err(|e| RegistryError::Database(format!("invalid location metadata: {e}")))?;
        images[i].locations.push(Location { url, metadata });
    }
    Ok(images)
}

fn position(index: &HashMap<String, usize>, id: &str) -> Result<usize, RegistryError> {
    index
        .get(id)
        .copied()
        .ok_or_else(|| RegistryError::Database(format!("child row of unexpected image {id}")))
}

/// Loads one non-deleted image, or [`RegistryError::NotFound`].
pub(crate) async fn load_image(tx: &mut Tx, id: &str) -> Result<Image, RegistryError> {
    let mut st = Statement::new(&format!("SELECT {IMAGE_COLUMNS} FROM images WHERE id = "));
    st.bind(id).push(" AND deleted = FALSE");
    load_images(tx, &st)
        .await?
        .pop()
        .ok_or_else(|| RegistryError::NotFound(id.to_string()))
}

/// Locks the row of a non-deleted image for the rest of the transaction
/// (a no-op write, which also makes SQLite take its write lock up front);
/// [`RegistryError::NotFound`] if there is none.
pub(crate) async fn lock_image(tx: &mut Tx, id: &str) -> Result<(), RegistryError> {
    let mut lock = Statement::new("UPDATE images SET deleted = deleted WHERE id = ");
    lock.bind(id).push(" AND deleted = FALSE");
    if tx.execute(&lock).await? == 0 {
        return Err(RegistryError::NotFound(id.to_string()));
    }
    Ok(())
}

/// The INSERT of an image's own row.
pub(crate) fn insert_image(image: &Image) -> Statement {
    let mut st = Statement::new(&format!(
        "INSERT INTO images ({IMAGE_COLUMNS}, deleted_at, deleted) VALUES ("
    ));
    st.bind(&image.id)
        .push(", ")
        .bind(image.name.clone())
        .push(", ")
        .bind(image.disk_format.clone())
        .push(", ")
        .bind(image.container_format.clone())
        .push(", ")
        .bind(image.size)
        .push(", ")
        .bind(image.virtual_size)
        .push(", ")
        .bind(image.status.as_str())
        .push(", ")
        .bind(image.visibility.as_str())
        .push(", ")
        .bind(image.checksum.clone())
        .push(", ")
        .bind(image.os_hash_algo.clone())
        .push(", ")
        .bind(image.os_hash_value.clone())
        .push(", ")
        .bind(image.min_disk)
        .push(", ")
        .bind(image.min_ram)
        .push(", ")
        .bind(image.owner.clone())
        .push(", ")
        .bind(image.protected)
        .push(", ")
        .bind(image.os_hidden)
        .push(", ")
        .bind(to_micros(&image.created_at))
        .push(", ")
        .bind(to_micros(&image.updated_at))
        .push(", NULL, FALSE)");
    st
}

/// Inserts properties (which must not exist yet for the image).
pub(crate) async fn insert_properties<'a>(
    tx: &mut Tx,
    id: &str,
    props: impl IntoIterator<Item = (&'a String, &'a String)>,
) -> Result<(), RegistryError> {
    let mut st = Statement::new("INSERT INTO image_properties (image_id, name, value) VALUES ");
    let mut any = false;
    for (name, value) in props {
        if any {
            st.push(", ");
        }
        any = true;
        st.push("(")
            .bind(id)
            .push(", ")
            .bind(name)
            .push(", ")
            .bind(value)
            .push(")");
    }
    if any {
        tx.execute(&st).await?;
    }
    Ok(())
}

/// Replaces the tag set of an image with `tags`, sorted and deduplicated.
pub(crate) async fn replace_tags(
    tx: &mut Tx,
    id: &str,
    tags: &[String],
) -> Result<(), RegistryError> {
    let mut del = Statement::new("DELETE FROM image_tags WHERE image_id = ");
    del.bind(id);
    tx.execute(&del).await?;
    let mut tags: Vec<&String> = tags.iter().collect();
    tags.sort();
    tags.dedup();
    if tags.is_empty() {
        return Ok(());
    }
    let mut st = Statement::new("INSERT INTO image_tags (image_id, value) VALUES ");
    for (i, tag) in tags.into_iter().enumerate() {
        if i > 0 {
            st.push(", ");
        }
        st.push("(").bind(id).push(", ").bind(tag).push(")");
    }
    tx.execute(&st).await?;
    Ok(())
}

/// Replaces the location list of an image, keeping its order.
pub(crate) async fn replace_locations(
    tx: &mut Tx,
    id: &str,
    locations: &[Location],
) -> Result<(), RegistryError> {
    let mut del = Statement::new("DELETE FROM image_locations WHERE image_id = ");
    del.bind(id);
    tx.execute(&del).await?;
    if locations.is_empty() {
        return Ok(());
    }
    let mut st =
        Statement::new("INSERT INTO image_locations (image_id, position, url, metadata) VALUES ");
    for (i, loc) in locations.iter().enumerate() {
        let metadata = serde_json::to_string(&loc.metadata)
            .map_err(|e| RegistryError::Database(format!("location metadata: {e}")))?;
        if i > 0 {
            st.push(", ");
        }
        st.push("(")
            .bind(id)
            .push(", ")
            .bind(i as i64)
            .push(", ")
            .bind(&loc.url)
            .push(", ")
            .bind(metadata)
            .push(")");
    }
    tx.execute(&st).await?;
    Ok(())
}
