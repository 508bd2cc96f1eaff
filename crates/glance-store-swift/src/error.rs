//! Mapping transport failures and Swift's status codes onto [`StoreError`].

use glance_store::{StoreError, error_chain};
use reqwest::{Response, StatusCode};
use std::io;

/// [`StoreError::Unavailable`] with `message`.
pub(crate) fn unavailable(message: String) -> StoreError {
    StoreError::Unavailable(message)
}

/// A request that got no response: the server is unreachable or the
/// connection broke.
pub(crate) fn transport(what: &str, error: &reqwest::Error) -> StoreError {
    unavailable(format!("{what}: {}", error_chain(error)))
}

/// The error for an unexpected response to `what`: refused credentials and
/// server errors make the store unavailable, `413`/`507` mean it is full,
/// anything else is an I/O error. Includes the start of the response body.
pub(crate) async fn status(what: &str, response: Response) -> StoreError {
    let code = response.status();
    let detail = body_excerpt(response).await;
    let message = format!("{what}: swift answered {code}{detail}");
    match code {
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
            unavailable(format!("{message} (credentials refused)"))
        }
        StatusCode::PAYLOAD_TOO_LARGE | StatusCode::INSUFFICIENT_STORAGE => {
            StoreError::Full(message)
        }
        code if code.is_server_error() => unavailable(message),
        _ => StoreError::Io(io::Error::other(message)),
    }
}

/// `": <first line of the body>"`, from the first chunk only, or nothing.
async fn body_excerpt(mut response: Response) -> String {
    let Ok(Some(chunk)) = response.chunk().await else {
        return String::new();
    };
    let text = String::from_utf8_lossy(&chunk);
    let line = text.lines().map(str::trim).find(|l| !l.is_empty());
    match line {
        Some(line) => format!(": {}", line.chars().take(200).collect::<String>()),
        None => String::new(),
    }
}
