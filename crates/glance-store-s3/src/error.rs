//! S3 error answers and transport failures, and how they map onto
//! [`StoreError`].

use glance_store::{StoreError, error_chain};
use reqwest::StatusCode;
use std::io;

/// An error answer from the S3 server.
#[derive(Debug, thiserror::Error)]
#[error("S3 {operation} failed with HTTP {status}{}", detail(.code, .message))]
pub(crate) struct ServerError {
    /// What was asked (`PUT object`, `HEAD bucket`, ...).
    pub(crate) operation: &'static str,
    /// The HTTP status.
    pub(crate) status: StatusCode,
    /// The S3 error `<Code>` (`NoSuchKey`, `AccessDenied`, ...), if any.
    pub(crate) code: Option<String>,
    /// The S3 error `<Message>`, if any.
    pub(crate) message: Option<String>,
}

impl ServerError {
    /// An error answer to `operation`, from its status and XML body (empty
    /// for `HEAD`).
    pub(crate) fn new(operation: &'static str, status: StatusCode, body: &str) -> ServerError {
        ServerError {
            operation,
            status,
            code: xml_text(body, "Code"),
            message: xml_text(body, "Message"),
        }
    }

    /// Whether the server says the object, upload or bucket is not there.
    pub(crate) fn is_not_found(&self) -> bool {
        self.status == StatusCode::NOT_FOUND
    }

    /// The [`StoreError`] for this answer from the server at `endpoint`:
    /// refused credentials and an overloaded server are
    /// [`StoreError::Unavailable`], size limits [`StoreError::Full`], the
    /// rest [`StoreError::Io`].
    pub(crate) fn into_store_error(self, endpoint: &str) -> StoreError {
        let refused = self.status == StatusCode::FORBIDDEN
            || self.status == StatusCode::UNAUTHORIZED
            || matches!(
                self.code.as_deref(),
                Some("InvalidAccessKeyId" | "SignatureDoesNotMatch" | "AccessDenied")
            );
        if refused {
            StoreError::Unavailable(format!(
                "S3 at {endpoint} refused access ({self}); check s3_store_access_key and \
                 s3_store_secret_key"
            ))
        } else if self.status == StatusCode::SERVICE_UNAVAILABLE {
            StoreError::Unavailable(format!("S3 at {endpoint} is unavailable ({self})"))
        } else if matches!(
            self.code.as_deref(),
            Some("EntityTooLarge" | "QuotaExceeded")
        ) {
            StoreError::Full(self.to_string())
        } else {
            StoreError::Io(io::Error::other(self))
        }
    }
}

/// ` (<code>: <message>)`, or as much of it as the server sent.
fn detail(code: &Option<String>, message: &Option<String>) -> String {
    match (code, message) {
        (Some(code), Some(message)) => format!(" ({code}: {message})"),
        (Some(text), None) | (None, Some(text)) => format!(" ({text})"),
        (None, None) => String::new(),
    }
}

/// The text of the first `<tag>` element of an S3 XML body; S3 error
/// bodies are flat, so no XML parser is needed for them.
pub(crate) fn xml_text(body: &str, tag: &str) -> Option<String> {
    let start = body.find(&format!("<{tag}>"))? + tag.len() + 2;
    let len = body[start..].find(&format!("</{tag}>"))?;
    let text = body[start..start + len].trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// The [`StoreError`] for a request to `endpoint` that got no answer: an
/// unreachable server (refused, timed out) is [`StoreError::Unavailable`].
/// The request URL, which is presigned, is kept out of the message.
pub(crate) fn transport(endpoint: &str, operation: &str, error: reqwest::Error) -> StoreError {
    let error = error.without_url();
    if error.is_connect() || error.is_timeout() {
        StoreError::Unavailable(format!(
            "cannot reach S3 at {endpoint} for {operation}: {}",
            error_chain(&error)
        ))
    } else {
        StoreError::Io(io::Error::other(format!(
            "S3 {operation} at {endpoint} failed: {}",
            error_chain(&error)
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DENIED: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error>\
        <Code>SignatureDoesNotMatch</Code><Message>bad signature</Message>\
        <RequestId>tx1</RequestId></Error>";

    #[test]
    fn reads_code_and_message() {
        let error = ServerError::new("GET object", StatusCode::FORBIDDEN, DENIED);
        assert_eq!(error.code.as_deref(), Some("SignatureDoesNotMatch"));
        assert_eq!(
            error.to_string(),
            "S3 GET object failed with HTTP 403 Forbidden (SignatureDoesNotMatch: bad signature)"
        );
        let head = ServerError::new("HEAD object", StatusCode::NOT_FOUND, "");
        assert!(head.is_not_found());
        assert_eq!(
            head.to_string(),
            "S3 HEAD object failed with HTTP 404 Not Found"
        );
    }

    #[test]
    fn maps_to_store_errors() {
        let map = |status, body| {
            ServerError::new("PUT object", status, body).into_store_error("http://s3")
        };
        assert!(
            matches!(map(StatusCode::FORBIDDEN, DENIED), StoreError::Unavailable(m) if m.contains("s3_store_secret_key"))
        );
        assert!(matches!(
            map(StatusCode::SERVICE_UNAVAILABLE, ""),
            StoreError::Unavailable(_)
        ));
        assert!(matches!(
            map(
                StatusCode::BAD_REQUEST,
                "<Error><Code>EntityTooLarge</Code></Error>"
            ),
            StoreError::Full(_)
        ));
        assert!(matches!(
            map(StatusCode::INTERNAL_SERVER_ERROR, ""),
            StoreError::Io(_)
        ));
    }

    #[test]
    fn xml_text_finds_flat_elements() {
        assert_eq!(xml_text("<a><B> x </B></a>", "B").as_deref(), Some("x"));
        assert_eq!(xml_text("<a><B></B></a>", "B"), None);
        assert_eq!(xml_text("<a><B>x</a>", "B"), None);
    }
}
