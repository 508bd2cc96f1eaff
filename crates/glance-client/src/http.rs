//! The transport under every call: one pooled reqwest client (TLS options,
//! connect timeout), requests with the common headers, the `--debug` log,
//! the texts of connection failures, and response bodies read whole,
//! capped, or as a stream with an idle timeout.

use std::path::Path;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures::stream::{BoxStream, StreamExt};
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, USER_AGENT};
use reqwest::{Method, Response};
use url::Url;

use crate::debug;
use crate::{ClientError, Config};

/// Idle connections kept per host; more concurrent requests open more.
const POOL_IDLE_PER_HOST: usize = 8;
/// How long an idle pooled connection is kept.
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// Which API a request goes to: decides `Accept` and the wording of
/// connection errors (glanceclient's or keystoneauth's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Service {
    /// The Images API.
    Image,
    /// Keystone.
    Identity,
}

impl Service {
    fn accept(self) -> &'static str {
        match self {
            // What python-requests sends for glanceclient: Glance then
            // answers errors with HTML pages, which glanceclient parses.
            Service::Image => "*/*",
            Service::Identity => "application/json",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Service::Image => "image",
            Service::Identity => "identity",
        }
    }
}

/// A request body.
enum Payload {
    None,
    /// Text sent whole, with its content type; logged as is unless
    /// `Request::log_body` overrides it.
    Text(Vec<u8>, &'static str),
    /// Image data, streamed as `application/octet-stream`.
    Stream(reqwest::Body),
}

/// One request, before it is sent.
pub(crate) struct Request {
    service: Service,
    method: Method,
    url: Url,
    headers: HeaderMap,
    payload: Payload,
    log_body: Option<String>,
    stream_response: bool,
}

impl Request {
    /// A bodiless request.
    pub(crate) fn new(service: Service, method: Method, url: Url) -> Request {
        Request {
            service,
            method,
            url,
            headers: HeaderMap::new(),
            payload: Payload::None,
            log_body: None,
            stream_response: false,
        }
    }

    /// `METHOD url`, for messages.
    pub(crate) fn describe(&self) -> String {
        format!("{} {}", self.method, self.url)
    }

    /// Adds the `X-Auth-Token` header, unless `token` is empty.
    pub(crate) fn token(mut self, token: Option<&str>) -> Request {
        if let Some(value) = token
            .filter(|t| !t.is_empty())
            .and_then(|t| HeaderValue::from_str(t).ok())
        {
            self.headers.insert("x-auth-token", value);
        }
        self
    }

    /// Adds a header; fails on names or values HTTP cannot carry.
    pub(crate) fn header(mut self, name: &str, value: &str) -> Result<Request, ClientError> {
        let bad =
            |what: &str| ClientError::Config(format!("invalid header {what}: {name}: {value}"));
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| bad("name"))?;
        let value = HeaderValue::from_str(value).map_err(|_| bad("value"))?;
        self.headers.append(name, value);
        Ok(self)
    }

    /// Sends `value` as JSON with `content_type`.
    pub(crate) fn json(mut self, value: &serde_json::Value, content_type: &'static str) -> Request {
        self.payload = Payload::Text(value.to_string().into_bytes(), content_type);
        self
    }

    /// What the debug log shows instead of the body (secrets masked).
    pub(crate) fn log_body(mut self, text: String) -> Request {
        self.log_body = Some(text);
        self
    }

    /// Streams `body` as `application/octet-stream`.
    pub(crate) fn stream(mut self, body: reqwest::Body) -> Request {
        self.payload = Payload::Stream(body);
        self
    }

    /// The response body will be streamed (a download): no deadline for the
    /// whole exchange, only for the response to start and between pieces.
    pub(crate) fn stream_response(mut self) -> Request {
        self.stream_response = true;
        self
    }
}

/// The shared HTTP machinery of a client.
pub(crate) struct Http {
    client: reqwest::Client,
    user_agent: HeaderValue,
    timeout: Option<Duration>,
    debug: bool,
    /// curl's TLS options equivalent to the configuration, for the log.
    tls_flags: Vec<String>,
}

impl Http {
    /// Builds the client: trusted CAs, client certificate, verification,
    /// connect timeout, a small idle pool.
    pub(crate) fn new(config: &Config) -> Result<Http, ClientError> {
        let user_agent = HeaderValue::from_str(&config.user_agent).map_err(|_| {
            ClientError::Config(format!("invalid user agent '{}'", config.user_agent))
        })?;
        let mut builder = reqwest::Client::builder()
            .tls_backend_native()
            .pool_max_idle_per_host(POOL_IDLE_PER_HOST)
            .pool_idle_timeout(POOL_IDLE_TIMEOUT);
        let mut tls_flags = Vec::new();
        if let Some(t) = config.timeout {
            builder = builder.connect_timeout(t);
        }
        if let Some(path) = &config.cacert {
            let pem = read_pem(path, "CA certificate")?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
                ClientError::Config(format!(
                    "invalid CA certificate file {}: {e}",
                    path.display()
                ))
            })?;
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
            tls_flags.push(format!("--cacert {}", path.display()));
        }
        match (&config.cert, &config.key) {
            (Some(cert), key) => {
                let key = key.as_deref().unwrap_or(cert);
                builder = builder.identity(client_identity(cert, key)?);
                tls_flags.push(format!("--cert {} --key {}", cert.display(), key.display()));
            }
            (None, Some(_)) => {
                return Err(ClientError::Config(
                    "a client key needs a client certificate (--os-cert)".to_owned(),
                ));
            }
            (None, None) => {}
        }
        if config.insecure {
            builder = builder
                .tls_danger_accept_invalid_certs(true)
                .tls_danger_accept_invalid_hostnames(true);
            tls_flags.push("-k".to_owned());
        }
        let client = builder
            .build()
            .map_err(|e| ClientError::Config(format!("cannot set up the HTTP client: {e}")))?;
        Ok(Http {
            client,
            user_agent,
            timeout: config.timeout,
            debug: config.debug,
            tls_flags,
        })
    }

    /// Sends `request` and returns the response whatever its status. With a
    /// timeout configured, a request without a streamed body must complete
    /// (body included) within it; a streamed download must start within it.
    pub(crate) async fn send(&self, request: Request) -> Result<Response, ClientError> {
        let Request {
            service,
            method,
            url,
            mut headers,
            payload,
            log_body,
            stream_response,
        } = request;
        headers.insert(USER_AGENT, self.user_agent.clone());
        headers.insert(ACCEPT, HeaderValue::from_static(service.accept()));
        let mut builder = self.client.request(method.clone(), url.clone());
        let mut logged = log_body;
        let mut deadline = self.timeout.filter(|_| !stream_response);
        match payload {
            Payload::None => {}
            Payload::Text(bytes, content_type) => {
                headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
                logged.get_or_insert_with(|| String::from_utf8_lossy(&bytes).into_owned());
                builder = builder.body(bytes);
            }
            Payload::Stream(body) => {
                headers.insert(
                    CONTENT_TYPE,
                    HeaderValue::from_static("application/octet-stream"),
                );
                deadline = None;
                builder = builder.body(body);
            }
        }
        if let Some(t) = deadline {
            builder = builder.timeout(t);
        }
        let built = builder
            .headers(headers)
            .build()
            .map_err(|e| ClientError::Config(format!("invalid request {method} {url}: {e}")))?;
        if self.debug {
            let tls: &[String] = if url.scheme() == "https" {
                &self.tls_flags
            } else {
                &[]
            };
            debug::emit(&debug::curl_command(
                &method,
                &url,
                built.headers(),
                tls,
                logged.as_deref(),
            ));
        }
        let pending = self.client.execute(built);
        let result = match self.timeout {
            Some(t) if stream_response => tokio::time::timeout(t, pending)
                .await
                .map_err(|_| timed_out(&url, t))?,
            _ => pending.await,
        };
        let response = result.map_err(|e| request_error(service, &url, &e))?;
        if self.debug {
            if let Some(id) = request_id(&response) {
                debug::emit(&format!(
                    "{method} call to {} for {url} used request id {id}",
                    service.name()
                ));
            }
            debug::emit(&debug::response_head(
                response.version(),
                response.status(),
                response.headers(),
            ));
        }
        Ok(response)
    }

    /// The whole body (sized by the result; callers use it for JSON).
    pub(crate) async fn read_all(&self, response: Response) -> Result<Bytes, ClientError> {
        self.read(response, None).await
    }

    /// At most `cap` bytes of the body; the rest is not read.
    pub(crate) async fn read_capped(
        &self,
        response: Response,
        cap: usize,
    ) -> Result<Bytes, ClientError> {
        self.read(response, Some(cap)).await
    }

    async fn read(&self, response: Response, cap: Option<usize>) -> Result<Bytes, ClientError> {
        let binary = content_type(&response) == "application/octet-stream";
        let mut stream = self.body_stream(response);
        let mut buf = BytesMut::new();
        while let Some(chunk) = stream.next().await {
            buf.extend_from_slice(&chunk?);
            if let Some(cap) = cap.filter(|&cap| buf.len() >= cap) {
                buf.truncate(cap);
                break;
            }
        }
        if self.debug && !binary {
            debug::emit(&format!("{}\n", String::from_utf8_lossy(&buf)));
        }
        Ok(buf.freeze())
    }

    /// The body as a stream; with a timeout configured each piece must
    /// arrive within it.
    pub(crate) fn body_stream(
        &self,
        response: Response,
    ) -> BoxStream<'static, Result<Bytes, ClientError>> {
        let url = response.url().clone();
        let timeout = self.timeout;
        let body = response.bytes_stream().boxed();
        futures::stream::unfold(Some(body), move |state| {
            let url = url.clone();
            async move {
                let mut body = state?;
                let next = match timeout {
                    Some(t) => match tokio::time::timeout(t, body.next()).await {
                        Ok(next) => next,
                        Err(_) => return Some((Err(timed_out(&url, t)), None)),
                    },
                    None => body.next().await,
                };
                match next? {
                    Ok(bytes) => Some((Ok(bytes), Some(body))),
                    Err(e) => Some((
                        Err(ClientError::Connection(format!(
                            "Error communicating with {url}: {}",
                            cause(&e)
                        ))),
                        None,
                    )),
                }
            }
        })
        .boxed()
    }
}

/// The client identity from the certificate blocks of `cert` and the
/// PKCS#8 key block of `key` (which may be the same file).
fn client_identity(cert: &Path, key: &Path) -> Result<reqwest::Identity, ClientError> {
    let certs = pem_blocks(&read_pem(cert, "client certificate")?, "CERTIFICATE");
    let keys = pem_blocks(&read_pem(key, "client key")?, "PRIVATE KEY");
    if certs.is_empty() {
        return Err(ClientError::Config(format!(
            "no certificate in {}",
            cert.display()
        )));
    }
    let Some(key_pem) = keys.first() else {
        return Err(ClientError::Config(format!(
            "no PKCS#8 private key (BEGIN PRIVATE KEY) in {}",
            key.display()
        )));
    };
    reqwest::Identity::from_pkcs8_pem(certs.concat().as_bytes(), key_pem.as_bytes()).map_err(|e| {
        ClientError::Config(format!(
            "invalid client certificate {} or key {}: {e}",
            cert.display(),
            key.display()
        ))
    })
}

/// The PEM blocks labelled `label` (`-----BEGIN <label>-----` to the
/// matching END line, inclusive), each ending with a newline.
fn pem_blocks(pem: &[u8], label: &str) -> Vec<String> {
    let text = String::from_utf8_lossy(pem);
    let (begin, end) = (
        format!("-----BEGIN {label}-----"),
        format!("-----END {label}-----"),
    );
    let mut blocks = Vec::new();
    let mut rest = text.as_ref();
    while let Some(start) = rest.find(&begin) {
        let Some(stop) = rest[start..].find(&end) else {
            break;
        };
        let stop = start + stop + end.len();
        blocks.push(format!("{}\n", &rest[start..stop]));
        rest = &rest[stop..];
    }
    blocks
}

/// Reads a PEM file named by an option.
fn read_pem(path: &Path, what: &str) -> Result<Vec<u8>, ClientError> {
    std::fs::read(path).map_err(|e| {
        ClientError::Config(format!("cannot read {what} file {}: {e}", path.display()))
    })
}

/// The `Content-Type` of a response, or empty.
pub(crate) fn content_type(response: &Response) -> String {
    header(response, CONTENT_TYPE.as_str()).unwrap_or_default()
}

/// The `x-openstack-request-id` of a response.
pub(crate) fn request_id(response: &Response) -> Option<String> {
    header(response, "x-openstack-request-id")
}

/// A response header as text.
pub(crate) fn header(response: &Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// The causes of a transport error, innermost last.
fn cause(err: &reqwest::Error) -> String {
    let mut causes: Vec<String> = Vec::new();
    let mut source = std::error::Error::source(err);
    while let Some(e) = source {
        let text = e.to_string();
        if !causes.contains(&text) {
            causes.push(text);
        }
        source = e.source();
    }
    if causes.is_empty() {
        err.to_string()
    } else {
        causes.join(": ")
    }
}

/// A request that failed before a response: glanceclient's and
/// keystoneauth's wording.
fn request_error(service: Service, url: &Url, err: &reqwest::Error) -> ClientError {
    let cause = cause(err);
    ClientError::Connection(match (service, err.is_timeout()) {
        (Service::Image, true) => format!("Error communicating with {url}: {cause}"),
        (Service::Image, false) => format!("Error finding address for {url}: {cause}"),
        (Service::Identity, true) => format!("Request to {url} timed out"),
        (Service::Identity, false) => format!("Unable to establish connection to {url}: {cause}"),
    })
}

/// No response (or no next piece of one) within the timeout.
fn timed_out(url: &Url, timeout: Duration) -> ClientError {
    ClientError::Connection(format!(
        "Error communicating with {url}: timed out after {} seconds",
        timeout.as_secs_f64()
    ))
}

#[cfg(test)]
mod tests {
    use super::pem_blocks;

    #[test]
    fn pem_files_are_split_by_label() {
        let pem = b"junk\n-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----\n\
            -----BEGIN PRIVATE KEY-----\nBBB\n-----END PRIVATE KEY-----\n\
            -----BEGIN CERTIFICATE-----\nCCC\n-----END CERTIFICATE-----";
        assert_eq!(
            pem_blocks(pem, "CERTIFICATE"),
            [
                "-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----\n",
                "-----BEGIN CERTIFICATE-----\nCCC\n-----END CERTIFICATE-----\n"
            ]
        );
        assert_eq!(
            pem_blocks(pem, "PRIVATE KEY"),
            ["-----BEGIN PRIVATE KEY-----\nBBB\n-----END PRIVATE KEY-----\n"]
        );
        assert!(pem_blocks(b"-----BEGIN RSA PRIVATE KEY-----\nx\n", "PRIVATE KEY").is_empty());
    }
}
