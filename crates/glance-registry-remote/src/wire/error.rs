//! Errors on the wire: every [`RegistryError`] variant with its fields, plus
//! the daemon's own refusals, as
//! `{"error": {"kind": "status_mismatch", "expected": "queued", "actual": "saving", "message": "…"}}`.

use axum::http::StatusCode;
use glance_registry::RegistryError;
use glance_types::{ImageStatus, Timestamp};
use serde::{Deserialize, Serialize};

/// The body of every error response.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct ErrorBody {
    /// The error.
    pub(crate) error: ErrorDetail,
}

/// What went wrong, and the human-readable text of it.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct ErrorDetail {
    /// The typed error.
    #[serde(flatten)]
    pub(crate) kind: ErrorKind,
    /// Its text (the `Display` of the registry error), for logs and humans.
    pub(crate) message: String,
}

/// The typed error, tagged by `kind`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum ErrorKind {
    /// [`RegistryError::NotFound`].
    NotFound { image_id: String },
    /// [`RegistryError::Duplicate`].
    Duplicate { image_id: String },
    /// [`RegistryError::MemberDuplicate`].
    MemberDuplicate { image_id: String, member: String },
    /// [`RegistryError::MemberNotFound`].
    MemberNotFound { image_id: String, member: String },
    /// [`RegistryError::StatusMismatch`].
    StatusMismatch {
        expected: ImageStatus,
        actual: ImageStatus,
    },
    /// [`RegistryError::UpdatedSince`].
    UpdatedSince {
        expected_before: Timestamp,
        updated_at: Timestamp,
    },
    /// [`RegistryError::MarkerNotFound`].
    MarkerNotFound { marker: String },
    /// [`RegistryError::Unavailable`] (also: Keystone unreachable).
    Unavailable { reason: String },
    /// [`RegistryError::Database`].
    Database { reason: String },
    /// The caller sent no valid credentials.
    Unauthorized,
    /// The request is not one the daemon understands.
    BadRequest,
}

impl ErrorKind {
    /// The HTTP status the daemon answers with.
    pub(crate) fn status(&self) -> StatusCode {
        match self {
            Self::NotFound { .. } | Self::MemberNotFound { .. } => StatusCode::NOT_FOUND,
            Self::Duplicate { .. }
            | Self::MemberDuplicate { .. }
            | Self::StatusMismatch { .. }
            | Self::UpdatedSince { .. } => StatusCode::CONFLICT,
            Self::MarkerNotFound { .. } | Self::BadRequest => StatusCode::BAD_REQUEST,
            Self::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::Database { .. } => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
        }
    }

    /// The registry error the client reports: the same variant and fields;
    /// a refusal of our credentials is [`RegistryError::Unavailable`] (the
    /// metadata cannot be reached until the operator fixes them), a request
    /// the daemon does not understand is [`RegistryError::Database`].
    pub(crate) fn into_registry_error(self, message: String) -> RegistryError {
        match self {
            Self::NotFound { image_id } => RegistryError::NotFound(image_id),
            Self::Duplicate { image_id } => RegistryError::Duplicate(image_id),
            Self::MemberDuplicate { image_id, member } => {
                RegistryError::MemberDuplicate { image_id, member }
            }
            Self::MemberNotFound { image_id, member } => {
                RegistryError::MemberNotFound { image_id, member }
            }
            Self::StatusMismatch { expected, actual } => {
                RegistryError::StatusMismatch { expected, actual }
            }
            Self::UpdatedSince {
                expected_before,
                updated_at,
            } => RegistryError::UpdatedSince {
                expected_before,
                updated_at,
            },
            Self::MarkerNotFound { marker } => RegistryError::MarkerNotFound(marker),
            Self::Unavailable { reason } => RegistryError::Unavailable(reason),
            Self::Database { reason } => RegistryError::Database(reason),
            Self::Unauthorized => RegistryError::Unavailable(format!(
                "glance-registry refused our credentials ({message}): check [registry] shared_secret on both sides"
            )),
            Self::BadRequest => {
                RegistryError::Database(format!("glance-registry refused the request: {message}"))
            }
        }
    }
}

impl From<RegistryError> for ErrorDetail {
    fn from(e: RegistryError) -> Self {
        let message = e.to_string();
        let kind = match e {
            RegistryError::NotFound(image_id) => ErrorKind::NotFound { image_id },
            RegistryError::Duplicate(image_id) => ErrorKind::Duplicate { image_id },
            RegistryError::MemberDuplicate { image_id, member } => {
                ErrorKind::MemberDuplicate { image_id, member }
            }
            RegistryError::MemberNotFound { image_id, member } => {
                ErrorKind::MemberNotFound { image_id, member }
            }
            RegistryError::StatusMismatch { expected, actual } => {
                ErrorKind::StatusMismatch { expected, actual }
            }
            RegistryError::UpdatedSince {
                expected_before,
                updated_at,
            } => ErrorKind::UpdatedSince {
                expected_before,
                updated_at,
            },
            RegistryError::MarkerNotFound(marker) => ErrorKind::MarkerNotFound { marker },
            RegistryError::Unavailable(reason) => ErrorKind::Unavailable { reason },
            RegistryError::Database(reason) => ErrorKind::Database { reason },
        };
        Self { kind, message }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_error() -> Vec<RegistryError> {
        vec![
            RegistryError::NotFound("i".into()),
            RegistryError::Duplicate("i".into()),
            RegistryError::MemberDuplicate {
                image_id: "i".into(),
                member: "m".into(),
            },
            RegistryError::MemberNotFound {
                image_id: "i".into(),
                member: "m".into(),
            },
            RegistryError::StatusMismatch {
                expected: ImageStatus::Queued,
                actual: ImageStatus::PendingDelete,
            },
            RegistryError::UpdatedSince {
                expected_before: chrono::DateTime::from_timestamp_micros(1_700_000_000_123_456)
                    .unwrap(),
                updated_at: chrono::DateTime::from_timestamp_micros(1_700_000_001_000_001).unwrap(),
            },
            RegistryError::MarkerNotFound("m".into()),
            RegistryError::Unavailable("down".into()),
            RegistryError::Database("broken".into()),
        ]
    }

    #[test]
    fn registry_errors_round_trip_through_json() {
        for e in every_error() {
            let before = format!("{e:?}");
            let body = ErrorBody { error: e.into() };
            let text = serde_json::to_string(&body).unwrap();
            let back: ErrorBody = serde_json::from_str(&text).unwrap();
            let after = back.error.kind.into_registry_error(back.error.message);
            assert_eq!(format!("{after:?}"), before, "{text}");
        }
    }

    #[test]
    fn the_body_is_flat_and_readable() {
        let e = RegistryError::StatusMismatch {
            expected: ImageStatus::Saving,
            actual: ImageStatus::Active,
        };
        let json = serde_json::to_value(ErrorBody { error: e.into() }).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"error": {
                "kind": "status_mismatch", "expected": "saving", "actual": "active",
                "message": "image status is active, expected saving"
            }})
        );
        let json = serde_json::to_value(ErrorBody {
            error: ErrorDetail {
                kind: ErrorKind::Unauthorized,
                message: "no".into(),
            },
        })
        .unwrap();
        assert_eq!(
            json,
            serde_json::json!({"error": {"kind": "unauthorized", "message": "no"}})
        );
    }

    #[test]
    fn refusals_become_unavailable_or_database() {
        let e = ErrorKind::Unauthorized.into_registry_error("wrong secret".into());
        assert!(matches!(&e, RegistryError::Unavailable(m) if m.contains("wrong secret")));
        let e = ErrorKind::BadRequest.into_registry_error("bad json".into());
        assert!(matches!(&e, RegistryError::Database(m) if m.contains("bad json")));
    }

    #[test]
    fn statuses() {
        let status = |e: RegistryError| ErrorDetail::from(e).kind.status().as_u16();
        let got: Vec<u16> = every_error().into_iter().map(status).collect();
        assert_eq!(got, [404, 409, 409, 404, 409, 409, 400, 503, 500]);
        assert_eq!(ErrorKind::Unauthorized.status(), 401);
    }
}
