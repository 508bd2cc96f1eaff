//! [`ClientError`], and the details python-glanceclient extracts from an
//! error response body (`glanceclient.exc.from_response`).

/// What `glance` prints when the Images API answers 401.
pub const INVALID_CREDENTIALS: &str = "Invalid OpenStack Identity credentials.";

/// Everything that can go wrong talking to Glance or Keystone. `Display` is
/// the text python-glanceclient 4.13 prints for the same failure.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The Images API answered an error status (or an unexpected 300).
    /// Displays as `HTTP <message>`, e.g. `HTTP 404 Not Found: No image
    /// found with ID x`.
    #[error("{}", http_text(*status, message))]
    Http {
        /// The status code.
        status: u16,
        /// The status' canonical reason phrase (`Not Found`), empty if unknown.
        reason: String,
        /// The details glanceclient derives from the body: the `message`s
        /// of a JSON body, the text of an HTML body (tags removed, lines
        /// joined with `: `, so it starts with the status line for Glance's
        /// error pages), a plain-text body, or glanceclient's exception
        /// class name (`HTTPNotFound`) when the body is empty.
        message: String,
        /// The `x-openstack-request-id` of the response.
        request_id: Option<String>,
    },
    /// The identity service refused the request, in keystoneauth's words:
    /// `The request you have made requires authentication. (HTTP 401)`,
    /// followed by ` (Request-ID: …)` when Keystone sent one.
    #[error("{0}")]
    Auth(String),
    /// The catalog has no matching endpoint, as keystoneauth says it:
    /// `public endpoint for image service not found`, `… in RegionTwo
    /// region not found`, or `The service catalog is empty.`
    #[error("{0}")]
    EndpointNotFound(String),
    /// The server could not be reached or the connection broke:
    /// `Error finding address for <url>: <cause>` (Images API),
    /// `Unable to establish connection to <url>: <cause>` (identity), or
    /// `Error communicating with <url>: …` for timeouts.
    #[error("{0}")]
    Connection(String),
    /// A client option is unusable (unreadable or invalid certificate, bad
    /// URL, missing image URL for a bare token).
    #[error("{0}")]
    Config(String),
    /// The server sent something that cannot be understood.
    #[error("{0}")]
    Invalid(String),
}

impl ClientError {
    /// The HTTP status of an [`ClientError::Http`] error.
    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Http { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether this is the Images API's 404.
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// What `glance` prints for this error: [`INVALID_CREDENTIALS`] for the
    /// Images API's 401 (glanceclient's shell turns `HTTPUnauthorized` into
    /// that), the `Display` text otherwise.
    pub fn shell_message(&self) -> String {
        match self.status() {
            Some(401) => INVALID_CREDENTIALS.to_owned(),
            _ => self.to_string(),
        }
    }

    /// The error for an Images API response with an error status.
    pub(crate) fn from_response(
        status: u16,
        content_type: &str,
        body: &[u8],
        request_id: Option<String>,
    ) -> ClientError {
        ClientError::Http {
            status,
            reason: reason(status).to_owned(),
            message: details(status, content_type, body),
            request_id,
        }
    }
}

/// The canonical reason phrase of `status`, empty if unknown.
pub(crate) fn reason(status: u16) -> &'static str {
    reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("")
}

/// How glanceclient's HTTP exceptions print.
fn http_text(status: u16, message: &str) -> String {
    if status == 300 {
        "HTTPMultipleChoices (HTTP 300) Requested version of OpenStack Images API is not available."
            .to_owned()
    } else {
        format!("HTTP {message}")
    }
}

/// glanceclient's exception class for `status`; its name is the details of
/// an error without a body.
fn class_name(status: u16) -> &'static str {
    match status {
        300 => "HTTPMultipleChoices",
        400 => "HTTPBadRequest",
        401 => "HTTPUnauthorized",
        403 => "HTTPForbidden",
        404 => "HTTPNotFound",
        405 => "HTTPMethodNotAllowed",
        409 => "HTTPConflict",
        413 => "HTTPOverLimit",
        500 => "HTTPInternalServerError",
        501 => "HTTPNotImplemented",
        502 => "HTTPBadGateway",
        503 => "HTTPServiceUnavailable",
        _ => "HTTPException",
    }
}

/// The details of an error response, as `glanceclient.exc.from_response`
/// derives them from the body by its content type.
pub(crate) fn details(status: u16, content_type: &str, body: &[u8]) -> String {
    let text = if body.is_empty() {
        String::new()
    } else if content_type.contains("json")
        && let Some(messages) = json_messages(body)
    {
        messages
    } else if content_type.contains("html") {
        html_text(&String::from_utf8_lossy(body))
    } else {
        String::from_utf8_lossy(body).replace("\n\n", "\n")
    };
    if text.is_empty() {
        class_name(status).to_owned()
    } else {
        text
    }
}

/// The `message` of every object member of a JSON body, one a line
/// (`{"error": {"message": …}}`); a top-level `message` string otherwise.
/// `None` if the body is not a JSON object.
fn json_messages(body: &[u8]) -> Option<String> {
    let serde_json::Value::Object(map) = serde_json::from_slice(body).ok()? else {
        return None;
    };
    let nested: Vec<&str> = map
        .values()
        .filter_map(|v| v.get("message")?.as_str())
        .collect();
    if nested.is_empty() {
        map.get("message")
            .and_then(|m| m.as_str())
            .map(str::to_owned)
            .or(Some(String::new()))
    } else {
        Some(nested.join("\n"))
    }
}

/// The text of an HTML error page: each line trimmed and stripped of tags,
/// empty and repeated lines dropped, the rest joined with `: `.
fn html_text(html: &str) -> String {
    let mut seen: Vec<String> = Vec::new();
    for line in html.split(is_line_break) {
        let line = strip_tags(line.trim());
        if !line.is_empty() && !seen.contains(&line) {
            seen.push(line);
        }
    }
    seen.join(": ")
}

/// The line boundaries of Python's `str.splitlines`.
fn is_line_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r'
            | '\u{0b}'
            | '\u{0c}'
            | '\u{1c}'
            | '\u{1d}'
            | '\u{1e}'
            | '\u{85}'
            | '\u{2028}'
            | '\u{2029}'
    )
}

/// Removes every `<…>` with at least one character inside, leftmost
/// shortest first (the regex `<.+?>`).
fn strip_tags(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        // `.+?` takes at least one character, even a `>`.
        let mut inner = after.chars();
        let close = inner.next().and_then(|first| {
            let skip = first.len_utf8();
            after[skip..].find('>').map(|i| skip + i)
        });
        match close {
            Some(close) => rest = &after[close + 1..],
            None => {
                out.push('<');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The error page glance-rs (like webob) serves when `Accept` does not
    /// ask for JSON.
    fn page(code: &str, message: &str) -> String {
        format!(
            "<html>\n <head>\n  <title>{code}</title>\n </head>\n <body>\n  <h1>{code}</h1>\n  {message}<br /><br />\n\n\n\n </body>\n</html>"
        )
    }

    #[test]
    fn html_pages_print_like_glanceclient() {
        let body = page("404 Not Found", "No image found with ID x");
        let e = ClientError::from_response(404, "text/html; charset=UTF-8", body.as_bytes(), None);
        assert_eq!(
            e.to_string(),
            "HTTP 404 Not Found: No image found with ID x"
        );
        assert_eq!(e.status(), Some(404));
        assert!(e.is_not_found());
        let body = page("400 Bad Request", "a <b>bold</b> <> claim");
        assert_eq!(
            details(400, "text/html", body.as_bytes()),
            "400 Bad Request: a bold "
        );
    }

    #[test]
    fn json_bodies_join_messages() {
        let body = br#"{"error": {"code": 409, "message": "in use", "title": "Conflict"}}"#;
        assert_eq!(details(409, "application/json", body), "in use");
        let webob =
            br#"{"message": "gone<br /><br />", "code": "404 Not Found", "title": "Not Found"}"#;
        assert_eq!(details(404, "application/json", webob), "gone<br /><br />");
    }

    #[test]
    fn text_and_empty_bodies() {
        assert_eq!(
            details(404, "text/plain", b"404 Not Found\n\nmissing\n\n"),
            "404 Not Found\nmissing\n"
        );
        let e = ClientError::from_response(404, "", b"", None);
        assert_eq!(e.to_string(), "HTTP HTTPNotFound");
        let e = ClientError::from_response(418, "text/html", b"<p></p>", None);
        assert_eq!(e.to_string(), "HTTP HTTPException");
        let e = ClientError::from_response(300, "application/json", b"{}", None);
        assert_eq!(
            e.to_string(),
            "HTTPMultipleChoices (HTTP 300) Requested version of OpenStack Images API is not available."
        );
    }

    #[test]
    fn unauthorized_prints_the_credentials_message() {
        let e = ClientError::from_response(401, "application/json", b"{}", None);
        assert_eq!(e.shell_message(), INVALID_CREDENTIALS);
        assert_eq!(
            ClientError::Auth("x (HTTP 401)".into()).shell_message(),
            "x (HTTP 401)"
        );
    }

    #[test]
    fn tags_are_stripped_like_the_regex() {
        assert_eq!(strip_tags("<a>b<c"), "b<c");
        assert_eq!(strip_tags("<>x>y"), "y");
        assert_eq!(strip_tags("é<é>è"), "éè");
    }
}
