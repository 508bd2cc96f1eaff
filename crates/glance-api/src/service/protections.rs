//! Enforcing the property protection file on extra properties.

use super::ImageService;
use crate::error::ApiError;
use glance_auth::{PropertyOperation, RequestContext};

impl ImageService {
    /// Whether `ctx` may perform `operation` on the extra property `key`
    /// (always, when no protection file is configured).
    pub(crate) fn property_allowed(
        &self,
        ctx: &RequestContext,
        operation: PropertyOperation,
        key: &str,
    ) -> bool {
        self.settings
            .property_protections
            .as_ref()
            .is_none_or(|p| p.can(ctx, operation, key))
    }

    /// 403 unless `ctx` may perform `operation` on `key` (upstream's
    /// `ReservedProperty` message).
    pub(crate) fn check_property(
        &self,
        ctx: &RequestContext,
        operation: PropertyOperation,
        key: &str,
    ) -> Result<(), ApiError> {
        if self.property_allowed(ctx, operation, key) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "Attribute '{key}' is reserved."
            )))
        }
    }
}
