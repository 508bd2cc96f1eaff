//! Renders error responses as upstream does, by the request's `Accept`:
//! HTML by default, JSON for `application/json`, plain text otherwise.

use crate::error::ErrorMessage;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

/// The body formats an error can take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Html,
    Json,
    Text,
}

/// Picks the best of `text/html` and `application/json` for an `Accept`
/// header (q-values honoured; ties favour HTML, as webob's offer order does).
fn choose(accept: Option<&str>) -> Format {
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
        return Format::Html;
    };
    let mut html = 0.0f32;
    let mut json = 0.0f32;
    for part in accept.split(',') {
        let mut bits = part.split(';');
        let mime = bits.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = bits
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        let (h, j) = match mime.as_str() {
            "*/*" => (q, q),
            "text/*" | "text/html" => (q, 0.0),
            "application/*" | "application/json" => (0.0, q),
            _ => (0.0, 0.0),
        };
        html = html.max(h);
        json = json.max(j);
    }
    if html == 0.0 && json == 0.0 {
        Format::Text
    } else if json > html {
        Format::Json
    } else {
        Format::Html
    }
}

/// The default message for errors raised outside handlers (routing).
fn default_message(status: StatusCode) -> Option<&'static str> {
    match status {
        StatusCode::NOT_FOUND => Some("The resource could not be found."),
        StatusCode::METHOD_NOT_ALLOWED => {
            Some("The method specified is not allowed for this resource.")
        }
        _ => None,
    }
}

/// Renders the body of an error response.
fn render(status: StatusCode, message: &str, format: Format) -> (String, &'static str) {
    let code = format!(
        "{} {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("Error")
    );
    match format {
        Format::Html => (
            format!(
                "<html>\n <head>\n  <title>{code}</title>\n </head>\n <body>\n  <h1>{code}</h1>\n  {message}<br /><br />\n\n\n\n </body>\n</html>"
            ),
            "text/html; charset=UTF-8",
        ),
        Format::Json => (
            serde_json::json!({
                "message": format!("{message}<br /><br />\n\n\n"),
                "code": code,
                "title": status.canonical_reason().unwrap_or("Error"),
            })
            .to_string(),
            "application/json",
        ),
        Format::Text => (
            format!("{code}\n\n{message}\n\n"),
            "text/plain; charset=UTF-8",
        ),
    }
}

/// Middleware: fills in the body of every error response per `Accept`.
pub async fn negotiate_errors(request: Request, next: Next) -> Response {
    let accept = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let message = match response.extensions().get::<ErrorMessage>() {
        Some(m) => m.0.clone(),
        None => match default_message(status) {
            Some(m) => m.to_string(),
            None => return response,
        },
    };
    let (mut parts, _) = response.into_parts();
    let (body, content_type) = render(status, &message, choose(accept.as_deref()));
    set_body_headers(&mut parts.headers, content_type, body.len());
    Response::from_parts(parts, Body::from(body))
}

fn set_body_headers(headers: &mut HeaderMap, content_type: &'static str, len: usize) {
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_negotiation() {
        assert_eq!(choose(None), Format::Html);
        assert_eq!(choose(Some("*/*")), Format::Html);
        assert_eq!(choose(Some("application/json")), Format::Json);
        assert_eq!(
            choose(Some("text/html;q=0.5, application/json")),
            Format::Json
        );
        assert_eq!(choose(Some("application/xml")), Format::Text);
    }

    #[test]
    fn json_body_keeps_upstream_shape() {
        let (body, ct) = render(
            StatusCode::NOT_FOUND,
            "No image found with ID x",
            Format::Json,
        );
        assert_eq!(ct, "application/json");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["code"], "404 Not Found");
        assert_eq!(v["title"], "Not Found");
        assert!(
            v["message"]
                .as_str()
                .unwrap()
                .starts_with("No image found with ID x<br />")
        );
    }
}
