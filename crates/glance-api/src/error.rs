//! The one place where failures become HTTP statuses and upstream's messages.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use glance_registry::RegistryError;
use glance_store::StoreError;

/// A failed API call: its status and the message upstream would give.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400
    #[error("{0}")]
    BadRequest(String),
    /// 403
    #[error("{0}")]
    Forbidden(String),
    /// 404
    #[error("{0}")]
    NotFound(String),
    /// 405, with the allowed methods.
    #[error("The method is not allowed for this resource.")]
    MethodNotAllowed,
    /// 409
    #[error("{0}")]
    Conflict(String),
    /// 410
    #[error("{0}")]
    Gone(String),
    /// 413
    #[error("{0}")]
    TooLarge(String),
    /// 415, with an optional `Accept-Patch` header value.
    #[error("{message}")]
    UnsupportedMediaType {
        /// The message.
        message: String,
        /// Media types PATCH accepts, for the `Accept-Patch` header.
        accept_patch: Option<&'static str>,
    },
    /// 416, with the object size for `Content-Range: bytes */size`.
    #[error("Requested range not satisfiable")]
    RangeNotSatisfiable {
        /// The image size.
        size: u64,
    },
    /// 431
    #[error("{0}")]
    HeaderTooLarge(String),
    /// 500: logged with its cause, shown without it.
    #[error("{0}")]
    Internal(String),
    /// 503
    #[error("{0}")]
    Unavailable(String),
}

impl ApiError {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Gone(_) => StatusCode::GONE,
            Self::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::RangeNotSatisfiable { .. } => StatusCode::RANGE_NOT_SATISFIABLE,
            Self::HeaderTooLarge(_) => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// A 404 for an image the caller cannot see (or that does not exist).
    pub fn image_not_found(id: &str) -> Self {
        Self::NotFound(format!("No image found with ID {id}"))
    }

    /// A 403 for a denied policy rule.
    pub fn denied(rule: &str) -> Self {
        Self::Forbidden(format!("You are not authorized to complete {rule} action."))
    }
}

/// The message of an error response, left in the response extensions so the
/// negotiation layer can render it as HTML, JSON or text per `Accept`.
#[derive(Debug, Clone)]
pub struct ErrorMessage(pub String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(status = status.as_u16(), "{self}");
        } else {
            tracing::debug!(status = status.as_u16(), "{self}");
        }
        let message = match &self {
            Self::Internal(_) => {
                "The server has either erred or is incapable of performing the requested operation."
                    .to_string()
            }
            other => other.to_string(),
        };
        let mut response = status.into_response();
        let headers = response.headers_mut();
        match &self {
            Self::UnsupportedMediaType {
                accept_patch: Some(v),
                ..
            } => {
                headers.insert("accept-patch", HeaderValue::from_static(v));
            }
            Self::RangeNotSatisfiable { size } => {
                if let Ok(v) = HeaderValue::from_str(&format!("bytes */{size}")) {
                    headers.insert(header::CONTENT_RANGE, v);
                }
            }
            _ => {}
        }
        response.extensions_mut().insert(ErrorMessage(message));
        response
    }
}

impl From<RegistryError> for ApiError {
    fn from(e: RegistryError) -> Self {
        match e {
            RegistryError::NotFound(id) => Self::image_not_found(&id),
            RegistryError::Duplicate(id) => {
                Self::Conflict(format!("Image ID {id} already exists!"))
            }
            e @ RegistryError::MemberDuplicate { .. } => Self::Conflict(e.to_string()),
            e @ RegistryError::MemberNotFound { .. } => Self::NotFound(e.to_string()),
            RegistryError::StatusMismatch { expected, actual } => Self::Conflict(format!(
                "Image status transition from {actual} to {expected} is not allowed"
            )),
            e @ RegistryError::UpdatedSince { .. } => Self::Conflict(e.to_string()),
            RegistryError::MarkerNotFound(id) => {
                Self::BadRequest(format!("No image found with ID {id}"))
            }
            RegistryError::Unavailable(msg) => {
                tracing::error!("database unavailable: {msg}");
                Self::Unavailable("The metadata database is unavailable; try again later.".into())
            }
            RegistryError::Database(msg) => Self::Internal(format!("database error: {msg}")),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(_) => Self::NotFound("Image data could not be found.".into()),
            StoreError::Duplicate(url) => {
                Self::Conflict(format!("Image data already exists at {url}"))
            }
            StoreError::RangeNotSatisfiable { size } => Self::RangeNotSatisfiable { size },
            StoreError::Full(msg) => Self::TooLarge(format!("Image storage media is full: {msg}")),
            StoreError::Unavailable(msg) => {
                tracing::error!("store unavailable: {msg}");
                Self::Unavailable("The image store is unavailable; try again later.".into())
            }
            other => Self::Internal(format!("store error: {other}")),
        }
    }
}
