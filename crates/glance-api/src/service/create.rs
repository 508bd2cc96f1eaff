//! `POST /v2/images`: validate the body and store a new queued image.

use super::{ImageService, fields};
use crate::error::ApiError;
use glance_auth::{Action, PropertyOperation, RequestContext};
use glance_types::{Image, Visibility};
use serde_json::Value;

/// Whether `s` is a UUID in the canonical hyphenated form upstream's schema accepts.
fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

impl ImageService {
    /// Creates an image from a parsed JSON body.
    pub async fn create(&self, ctx: &RequestContext, body: Value) -> Result<Image, ApiError> {
        let Value::Object(body) = body else {
            return Err(ApiError::BadRequest(
                "Unexpected body type. Expected list/dict.".into(),
            ));
        };
        let mut image = Image::new(
            uuid::Uuid::new_v4().to_string(),
            ctx.project_id.clone(),
            glance_types::now(),
        );
        for key in body.keys() {
            fields::check_writable(key, true)?;
        }
        for (key, value) in &body {
            match key.as_str() {
                "id" => match value.as_str() {
                    Some(id) if is_uuid(id) => image.id = id.to_ascii_lowercase(),
                    _ => {
                        return Err(fields::schema_error(format!(
                            "{value} does not match the UUID pattern (in 'id')"
                        )));
                    }
                },
                "visibility" => {
                    fields::set_core(&mut image, key, value, ctx, &self.settings)?;
                    if image.visibility == Visibility::Community {
                        self.authorize(ctx, Action::CommunitizeImage, &image)?;
                    }
                }
                k if fields::is_core(k) => {
                    fields::set_core(&mut image, k, value, ctx, &self.settings)?
                }
                k => {
                    self.check_property(ctx, PropertyOperation::Create, k)?;
                    let v = fields::property_value(k, value)?;
                    image.properties.insert(k.to_string(), v);
                }
            }
        }
        if !ctx.is_admin && image.owner != ctx.project_id {
            return Err(ApiError::Forbidden(format!(
                "You are not permitted to create images owned by '{}'.",
                image.owner.as_deref().unwrap_or("None")
            )));
        }
        fields::check_quota(
            "properties",
            image.properties.len(),
            self.settings.image_property_quota,
        )?;
        fields::check_quota("tags", image.tags.len(), self.settings.image_tag_quota)?;
        let created = self.registry.create_image(&image).await?;
        tracing::info!("created image {}", created.id);
        Ok(created)
    }
}

#[cfg(test)]
mod tests {
    use super::is_uuid;

    #[test]
    fn uuid_pattern() {
        assert!(is_uuid("22222222-2222-3333-4444-555555555555"));
        assert!(is_uuid("ABCDEF00-2222-3333-4444-555555555555"));
        assert!(!is_uuid("22222222222233334444555555555555"));
        assert!(!is_uuid("2222222-22222-3333-4444-555555555555"));
        assert!(!is_uuid("notauuid"));
    }
}
