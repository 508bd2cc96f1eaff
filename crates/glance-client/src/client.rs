//! [`Client`]: authentication at connect time, and the request plumbing the
//! per-resource modules (`images`, `members`, `info`, `tasks`, `cache`)
//! build their calls on.

use std::sync::Arc;

use reqwest::{Method, Response};
use serde_json::Value;
use url::Url;

use crate::catalog::{EndpointFilter, find_endpoint, image_endpoint};
use crate::http::{Http, Request, Service, content_type, request_id};
use crate::keystone::{self, Credentials};
use crate::{Auth, ClientError, Config, Object};

/// The most read of an error body, or of a body that is ignored (the rest
/// is dropped with the connection).
const SMALL_BODY_CAP: usize = 64 << 10;

/// A connected, authenticated Images API v2 client. Cheap to clone: clones
/// share the connection pool and the token.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: Http,
    endpoint: Url,
    token: Option<String>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &self.inner.endpoint.as_str())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Sets up the HTTP client and authenticates: with [`Auth::Token`] the
    /// token and [`Config::image_url`] are used as they are; otherwise
    /// Keystone issues a token, and the image endpoint comes from
    /// `image_url` or else from the token's catalog (service type,
    /// interface, region of `config`).
    pub async fn connect(config: Config) -> Result<Client, ClientError> {
        let http = Http::new(&config)?;
        let image_url = config.image_url.as_deref().filter(|u| !u.trim().is_empty());
        let (token, endpoint) = match &config.auth {
            Auth::Token { token } => {
                let url = image_url.ok_or_else(|| {
                    ClientError::Config(
                        "You must provide an image URL via either --os-image-url or \
                         env[OS_IMAGE_URL] to use a token without an auth URL"
                            .to_owned(),
                    )
                })?;
                (token.clone(), url.to_owned())
            }
            Auth::Password(password) => {
                let session = keystone::authenticate(
                    &http,
                    &password.auth_url,
                    Credentials::Password(password),
                    &password.scope,
                )
                .await?;
                let url = pick_endpoint(&config, image_url, &session.catalog)?;
                (session.token, url)
            }
            Auth::KeystoneToken {
                auth_url,
                token,
                scope,
            } => {
                let session =
                    keystone::authenticate(&http, auth_url, Credentials::Token(token), scope)
                        .await?;
                let url = pick_endpoint(&config, image_url, &session.catalog)?;
                (session.token, url)
            }
        };
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                endpoint: image_endpoint(&endpoint)?,
                token: Some(token).filter(|t| !t.is_empty()),
            }),
        })
    }

    /// The image endpoint, without the API version (`http://host:9292/`).
    pub fn endpoint(&self) -> &Url {
        &self.inner.endpoint
    }

    /// The token sent as `X-Auth-Token`, if any.
    pub fn token(&self) -> Option<&str> {
        self.inner.token.as_deref()
    }

    /// Sends `method` to `path` (relative to the endpoint, query allowed,
    /// e.g. `/v2/images?limit=1`) with an optional JSON body, and returns
    /// the response body parsed as JSON (`None` when empty or, unless the
    /// server called it JSON, not parsable), as glanceclient's `http_client`
    /// does. An escape hatch for calls without a method of their own.
    pub async fn request_json(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Option<Value>, ClientError> {
        let mut request = self.request(method, self.relative_url(path)?);
        if let Some(body) = body {
            request = request.json(body, "application/json");
        }
        self.json(request).await
    }

    /// The URL of `segments` (each percent-encoded) under the endpoint.
    pub(crate) fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.inner.endpoint.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }

    /// The URL of an endpoint-relative path with query, such as a `next`
    /// link (an absolute `http(s)` URL is taken as it is).
    pub(crate) fn relative_url(&self, path: &str) -> Result<Url, ClientError> {
        if let Ok(url) = Url::parse(path)
            && matches!(url.scheme(), "http" | "https")
        {
            return Ok(url);
        }
        let base = self.inner.endpoint.as_str().trim_end_matches('/');
        let path = path.trim_start_matches('/');
        Url::parse(&format!("{base}/{path}"))
            .map_err(|e| ClientError::Config(format!("invalid path '{path}': {e}")))
    }

    /// A request to the Images API carrying the token.
    pub(crate) fn request(&self, method: Method, url: Url) -> Request {
        Request::new(Service::Image, method, url).token(self.token())
    }

    /// Sends `request`; error statuses (and 300) become [`ClientError::Http`].
    pub(crate) async fn exchange(&self, request: Request) -> Result<Response, ClientError> {
        let response = self.inner.http.send(request).await?;
        let status = response.status().as_u16();
        if status < 400 && status != 300 {
            return Ok(response);
        }
        let kind = content_type(&response);
        let id = request_id(&response);
        let body = self
            .inner
            .http
            .read_capped(response, SMALL_BODY_CAP)
            .await
            .unwrap_or_default();
        Err(ClientError::from_response(status, &kind, &body, id))
    }

    /// Sends `request` and parses the body as glanceclient does: JSON when
    /// it parses, `None` when empty; invalid JSON is an error only when the
    /// server said it was JSON.
    pub(crate) async fn json(&self, request: Request) -> Result<Option<Value>, ClientError> {
        let response = self.exchange(request).await?;
        let url = response.url().clone();
        let json = content_type(&response).starts_with("application/json");
        let body = self.inner.http.read_all(response).await?;
        if body.is_empty() {
            return Ok(None);
        }
        match serde_json::from_slice(&body) {
            Ok(value) => Ok(Some(value)),
            Err(e) if json => Err(ClientError::Invalid(format!(
                "invalid JSON from {url}: {e}"
            ))),
            Err(_) => Ok(None),
        }
    }

    /// Sends `request` and expects a JSON object back.
    pub(crate) async fn object(&self, request: Request) -> Result<Object, ClientError> {
        let what = request.describe();
        match self.json(request).await? {
            Some(Value::Object(map)) => Ok(map),
            _ => Err(ClientError::Invalid(format!(
                "expected a JSON object in the response to {what}"
            ))),
        }
    }

    /// Sends `request` and ignores the (small) body.
    pub(crate) async fn empty(&self, request: Request) -> Result<(), ClientError> {
        let response = self.exchange(request).await?;
        self.inner
            .http
            .read_capped(response, SMALL_BODY_CAP)
            .await?;
        Ok(())
    }

    /// The transport, for streamed responses.
    pub(crate) fn http(&self) -> &Http {
        &self.inner.http
    }
}

/// The endpoint to use: `image_url` if given, else the catalog's.
fn pick_endpoint(
    config: &Config,
    image_url: Option<&str>,
    catalog: &[Value],
) -> Result<String, ClientError> {
    if let Some(url) = image_url {
        return Ok(url.to_owned());
    }
    find_endpoint(
        catalog,
        &EndpointFilter {
            service_type: &config.service_type,
            interface: &config.interface,
            region_name: config.region_name.as_deref(),
        },
    )
}
