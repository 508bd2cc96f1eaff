//! The image as the API shows it: extra properties first, then core fields.

use super::ImageService;
use glance_auth::{PropertyOperation, RequestContext};
use glance_types::{Image, format_timestamp};
use serde_json::{Map, Value, json};

impl ImageService {
    /// Renders an image for `ctx` as upstream does (field order, links,
    /// optional fields), leaving out extra properties it may not read.
    pub fn view(&self, ctx: &RequestContext, image: &Image) -> Value {
        let mut m = Map::new();
        for (k, v) in &image.properties {
            if !self.property_allowed(ctx, PropertyOperation::Read, k) {
                continue;
            }
            m.insert(k.clone(), Value::String(v.clone()));
        }
        m.insert("name".into(), json!(image.name));
        m.insert("disk_format".into(), json!(image.disk_format));
        m.insert("container_format".into(), json!(image.container_format));
        m.insert("visibility".into(), json!(image.visibility.as_str()));
        m.insert("size".into(), json!(image.size));
        m.insert("virtual_size".into(), json!(image.virtual_size));
        m.insert("status".into(), json!(image.status.as_str()));
        m.insert("checksum".into(), json!(image.checksum));
        m.insert("protected".into(), json!(image.protected));
        m.insert("min_ram".into(), json!(image.min_ram));
        m.insert("min_disk".into(), json!(image.min_disk));
        m.insert("owner".into(), json!(image.owner));
        m.insert("os_hidden".into(), json!(image.os_hidden));
        m.insert("os_hash_algo".into(), json!(image.os_hash_algo));
        m.insert("os_hash_value".into(), json!(image.os_hash_value));
        m.insert("id".into(), json!(image.id));
        m.insert(
            "created_at".into(),
            json!(format_timestamp(&image.created_at)),
        );
        m.insert(
            "updated_at".into(),
            json!(format_timestamp(&image.updated_at)),
        );
        if self.settings.show_multiple_locations {
            let locations: Vec<Value> = image
                .locations
                .iter()
                .map(|l| json!({"url": l.url, "metadata": l.metadata}))
                .collect();
            m.insert("locations".into(), Value::Array(locations));
        }
        if self.settings.show_image_direct_url
            && let Some(best) = self.best_location(image)
        {
            m.insert("direct_url".into(), json!(best.url));
        }
        m.insert("tags".into(), json!(image.tags));
        m.insert("self".into(), json!(format!("/v2/images/{}", image.id)));
        m.insert(
            "file".into(),
            json!(format!("/v2/images/{}/file", image.id)),
        );
        m.insert("schema".into(), json!("/v2/schemas/image"));
        if self.stores.is_multi() && !image.locations.is_empty() {
            let ids: Vec<&str> = image
                .locations
                .iter()
                .filter_map(|l| l.metadata.get("store").and_then(|s| s.as_str()))
                .collect();
            m.insert("stores".into(), json!(ids.join(",")));
        }
        Value::Object(m)
    }

    /// The location downloads should use first: the highest store weight wins,
    /// ties keep the recorded order.
    pub(crate) fn best_location<'a>(&self, image: &'a Image) -> Option<&'a glance_types::Location> {
        self.ordered_locations(image).into_iter().next()
    }

    /// Locations in download preference order.
    pub(crate) fn ordered_locations<'a>(
        &self,
        image: &'a Image,
    ) -> Vec<&'a glance_types::Location> {
        let mut locs: Vec<(i64, usize, &glance_types::Location)> = image
            .locations
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let store_id = l.metadata.get("store").and_then(|s| s.as_str());
                let weight = self
                    .stores
                    .for_location(&l.url, store_id)
                    .map(|e| e.weight)
                    .unwrap_or(i64::MIN);
                (weight, i, l)
            })
            .collect();
        locs.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        locs.into_iter().map(|(_, _, l)| l).collect()
    }
}
