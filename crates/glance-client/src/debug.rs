//! The `--debug` log: each request as a curl command line and each
//! response as its status line, headers and (non-binary) body, as
//! glanceclient's `log_curl_request`/`log_http_response` print them. Token
//! headers are replaced by `{SHA1}<sha1 hex of the token>`.

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode, Version};
use sha1::{Digest, Sha1};
use url::Url;

/// Headers whose values are secrets.
const SENSITIVE: [&str; 3] = ["x-auth-token", "x-subject-token", "x-service-token"];

/// A header value fit for the log.
fn safe_value(name: &str, value: &[u8]) -> String {
    if SENSITIVE.iter().any(|s| name.eq_ignore_ascii_case(s)) {
        let mut hex = String::with_capacity(40);
        for byte in Sha1::digest(value) {
            hex.push_str(&format!("{byte:02x}"));
        }
        format!("{{SHA1}}{hex}")
    } else {
        String::from_utf8_lossy(value).into_owned()
    }
}

/// The curl command for a request: method, headers, the TLS options
/// (`tls`, already formatted), the body if it is text, and the URL.
pub(crate) fn curl_command(
    method: &Method,
    url: &Url,
    headers: &HeaderMap,
    tls: &[String],
    body: Option<&str>,
) -> String {
    let mut parts = vec![format!("curl -g -i -X {method}")];
    for (name, value) in headers {
        parts.push(format!(
            "-H '{}: {}'",
            name.as_str(),
            safe_value(name.as_str(), value.as_bytes())
        ));
    }
    parts.extend(tls.iter().cloned());
    if let Some(body) = body {
        parts.push(format!("-d '{body}'"));
    }
    parts.push(url.to_string());
    parts.join(" ")
}

/// The status line and headers of a response, preceded by an empty line.
pub(crate) fn response_head(version: Version, status: StatusCode, headers: &HeaderMap) -> String {
    let mut out = format!(
        "\n{version:?} {} {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("")
    );
    for (name, value) in headers {
        out.push('\n');
        out.push_str(name.as_str());
        out.push_str(": ");
        out.push_str(&safe_value(name.as_str(), value.as_bytes()));
    }
    out.push('\n');
    out
}

/// Writes one log entry to stderr.
pub(crate) fn emit(entry: &str) {
    eprintln!("{entry}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn curl_lines_hide_tokens() {
        let mut headers = HeaderMap::new();
        headers.insert("user-agent", HeaderValue::from_static("ua"));
        headers.insert("x-auth-token", HeaderValue::from_static("secret-token"));
        let url = Url::parse("https://h:9292/v2/images?limit=20").unwrap();
        let line = curl_command(
            &Method::POST,
            &url,
            &headers,
            &["-k".to_owned()],
            Some(r#"{"name": "x"}"#),
        );
        // sha1("secret-token")
        assert_eq!(
            line,
            "curl -g -i -X POST -H 'user-agent: ua' \
             -H 'x-auth-token: {SHA1}1ae0af3fe72b3ba394f9fa95a6cffc090d726c23' -k \
             -d '{\"name\": \"x\"}' https://h:9292/v2/images?limit=20"
        );
        assert!(!line.contains("secret-token"));
    }

    #[test]
    fn responses_hide_subject_tokens() {
        let mut headers = HeaderMap::new();
        headers.insert("content-type", HeaderValue::from_static("application/json"));
        headers.insert("x-subject-token", HeaderValue::from_static("secret-token"));
        let head = response_head(Version::HTTP_11, StatusCode::CREATED, &headers);
        assert_eq!(
            head,
            "\nHTTP/1.1 201 Created\ncontent-type: application/json\n\
             x-subject-token: {SHA1}1ae0af3fe72b3ba394f9fa95a6cffc090d726c23\n"
        );
    }
}
