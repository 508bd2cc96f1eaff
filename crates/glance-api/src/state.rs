//! What every request handler shares.

use crate::auth::Auth;
use crate::service::ImageService;
use std::sync::Arc;

/// The application state: the service layer behind the routers.
#[derive(Clone)]
pub struct AppState {
    /// Image operations.
    pub images: Arc<ImageService>,
    /// How callers are identified.
    pub auth: Auth,
}
