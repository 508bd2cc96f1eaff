//! The vSphere SOAP session: hand-written envelopes posted to
//! `https://<host>/sdk`, the `vmware_soap_session` cookie from `Login`, a
//! new login when a call answers `NotAuthenticated` (or 401), and retries
//! when the server cannot be reached or is overloaded.

use crate::xml::{self, Fault, MoRef, escape};
use glance_config::Secret;
use reqwest::header::{CONTENT_TYPE, COOKIE, HeaderValue, SET_COOKIE};
use reqwest::{Client, StatusCode};
use roxmltree::Document;
use std::sync::Mutex;
use std::time::Duration;
use url::Url;

/// The session cookie vCenter and ESXi set on `Login`.
const SESSION_COOKIE: &str = "vmware_soap_session";

/// The API version requested in `SOAPAction` (every call used here exists
/// since vSphere 5; later servers accept it).
const SOAP_ACTION: &str = "\"urn:vim25/6.5\"";

/// Longest time one SOAP call may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(120);

/// Pause before the `n`-th retry of an unreachable server: `n` seconds, at
/// most this many.
const MAX_RETRY_PAUSE_SECS: u64 = 10;

/// What a SOAP call can fail with.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SoapError {
    /// The server could not be reached, or the exchange broke off.
    #[error("{0}")]
    Unreachable(String),
    /// The server answered with a fault (or a task ended with one).
    #[error("vSphere fault {}: {}", .0.kind, .0.message)]
    Fault(Fault),
    /// The server answered something that is not the expected SOAP.
    #[error("{0}")]
    Protocol(String),
}

impl SoapError {
    /// Whether this is the fault `kind`.
    pub(crate) fn is_fault(&self, kind: &str) -> bool {
        matches!(self, SoapError::Fault(fault) if fault.kind == kind)
    }
}

/// The managed objects of `ServiceContent` the driver uses.
#[derive(Debug, Clone)]
pub(crate) struct ServiceContent {
    /// `SessionManager` (Login).
    pub(crate) session_manager: MoRef,
    /// `FileManager` (DeleteDatastoreFile_Task).
    pub(crate) file_manager: MoRef,
    /// `PropertyCollector` (RetrievePropertiesEx).
    pub(crate) property_collector: MoRef,
    /// `SearchIndex` (FindByInventoryPath).
    pub(crate) search_index: MoRef,
}

/// The current session cookie and how many logins produced it.
#[derive(Debug, Default)]
struct Cookie {
    value: Option<HeaderValue>,
    generation: u64,
}

/// A logged-in SOAP session (its `Debug` shows no password or cookie).
#[derive(Debug)]
pub(crate) struct Soap {
    http: Client,
    sdk: Url,
    username: String,
    password: Secret,
    retries: u32,
    content: ServiceContent,
    cookie: Mutex<Cookie>,
    login: tokio::sync::Mutex<()>,
}

impl Soap {
    /// Fetches the service content and logs in. `retries` is how often a
    /// call is repeated while the server is unreachable or overloaded.
    pub(crate) async fn connect(
        http: Client,
        sdk: Url,
        username: String,
        password: Secret,
        retries: u32,
    ) -> Result<Soap, SoapError> {
        let this = MoRef {
            kind: "ServiceInstance".into(),
            value: "ServiceInstance".into(),
        };
        let request = format!(
            "<urn:RetrieveServiceContent>{}</urn:RetrieveServiceContent>",
            this.element("_this")
        );
        let answer = post(&http, &sdk, &request, None, retries).await?;
        let content = service_content(&answer.text)?;
        let soap = Soap {
            http,
            sdk,
            username,
            password,
            retries,
            content,
            cookie: Mutex::default(),
            login: tokio::sync::Mutex::new(()),
        };
        soap.log_in().await?;
        Ok(soap)
    }

    /// The service content.
    pub(crate) fn content(&self) -> &ServiceContent {
        &self.content
    }

    /// The HTTP client (with the TLS settings), shared with the transfers.
    pub(crate) fn http(&self) -> &Client {
        &self.http
    }

    /// The session cookie and its login generation, for a datastore transfer.
    pub(crate) fn cookie(&self) -> (Option<HeaderValue>, u64) {
        let cookie = self.cookie.lock().unwrap_or_else(|e| e.into_inner());
        (cookie.value.clone(), cookie.generation)
    }

    /// Logs in again unless another call already did since `generation`
    /// (a transfer or call refused with the cookie of that generation).
    pub(crate) async fn renew(&self, generation: u64) -> Result<(), SoapError> {
        let _one_at_a_time = self.login.lock().await;
        if self.cookie().1 != generation {
            return Ok(());
        }
        self.log_in().await
    }

    /// Invokes a method: `request` is the element inside the SOAP body. On
    /// `NotAuthenticated` it logs in again and repeats the call once.
    pub(crate) async fn call(&self, request: &str) -> Result<String, SoapError> {
        let (cookie, generation) = self.cookie();
        match self.call_with(request, cookie).await {
            Err(e) if e.is_fault("NotAuthenticated") => {
                self.renew(generation).await?;
                self.call_with(request, self.cookie().0).await
            }
            other => other,
        }
    }

    /// One call with `cookie`, answering the text of a successful response.
    async fn call_with(
        &self,
        request: &str,
        cookie: Option<HeaderValue>,
    ) -> Result<String, SoapError> {
        let answer = post(&self.http, &self.sdk, request, cookie, self.retries).await?;
        Ok(answer.text)
    }

    /// `SessionManager.Login`, without a cookie; keeps the new cookie.
    async fn log_in(&self) -> Result<(), SoapError> {
        let request = format!(
            "<urn:Login>{}<urn:userName>{}</urn:userName><urn:password>{}</urn:password></urn:Login>",
            self.content.session_manager.element("_this"),
            escape(&self.username),
            escape(self.password.expose())
        );
        let answer = post(&self.http, &self.sdk, &request, None, self.retries).await?;
        let mut value = answer.session_cookie.ok_or_else(|| {
            SoapError::Protocol(format!(
                "{} accepted the login but set no {SESSION_COOKIE} cookie",
                self.sdk
            ))
        })?;
        value.set_sensitive(true);
        let mut cookie = self.cookie.lock().unwrap_or_else(|e| e.into_inner());
        cookie.value = Some(value);
        cookie.generation += 1;
        Ok(())
    }
}

/// A successful SOAP answer.
struct Answer {
    text: String,
    session_cookie: Option<HeaderValue>,
}

/// Posts `request` in an envelope, retrying up to `retries` times (after
/// 1 s, 2 s, ... at most [`MAX_RETRY_PAUSE_SECS`]) while the server cannot
/// be connected to or answers 503. A fault answer is [`SoapError::Fault`];
/// a 401 is the fault `NotAuthenticated`.
async fn post(
    http: &Client,
    sdk: &Url,
    request: &str,
    cookie: Option<HeaderValue>,
    retries: u32,
) -> Result<Answer, SoapError> {
    let envelope = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:urn="urn:vim25"><soapenv:Body>{request}</soapenv:Body></soapenv:Envelope>"#
    );
    let mut attempt = 0;
    loop {
        let mut builder = http
            .post(sdk.clone())
            .header(CONTENT_TYPE, "text/xml; charset=utf-8")
            .header("SOAPAction", SOAP_ACTION)
            .timeout(CALL_TIMEOUT)
            .body(envelope.clone());
        if let Some(cookie) = &cookie {
            builder = builder.header(COOKIE, cookie.clone());
        }
        let transient = match builder.send().await {
            Ok(response) if response.status() == StatusCode::SERVICE_UNAVAILABLE => {
                format!("{sdk} answered {}", response.status())
            }
            Ok(response) => return answer(sdk, response).await,
            Err(e) if refused(&e) => unreachable(sdk, e),
            Err(e) => return Err(SoapError::Unreachable(unreachable(sdk, e))),
        };
        if attempt >= retries {
            return Err(SoapError::Unreachable(transient));
        }
        attempt += 1;
        let pause = u64::from(attempt).min(MAX_RETRY_PAUSE_SECS);
        tracing::warn!("{transient}; retry {attempt} of {retries} in {pause} s");
        tokio::time::sleep(Duration::from_secs(pause)).await;
    }
}

/// Whether a failed request never reached the server for a reason that may
/// pass (refused, reset, timed out or unroutable connections); not for
/// failures that would repeat, such as an untrusted certificate.
fn refused(error: &reqwest::Error) -> bool {
    use std::io::ErrorKind::*;
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>()
            && matches!(
                io.kind(),
                ConnectionRefused
                    | ConnectionReset
                    | ConnectionAborted
                    | NotConnected
                    | TimedOut
                    | HostUnreachable
                    | NetworkUnreachable
                    | AddrNotAvailable
            )
        {
            return true;
        }
        source = cause.source();
    }
    error.is_connect() && error.is_timeout()
}

/// Reads a SOAP answer: the text of a success, else its fault.
async fn answer(sdk: &Url, response: reqwest::Response) -> Result<Answer, SoapError> {
    let status = response.status();
    let session_cookie = response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .filter_map(|value| value.split(';').next())
        .find(|pair| pair.trim_start().starts_with(&format!("{SESSION_COOKIE}=")))
        .and_then(|pair| HeaderValue::from_str(pair.trim()).ok());
    let text = response
        .text()
        .await
        .map_err(|e| SoapError::Unreachable(unreachable(sdk, e)))?;
    if status == StatusCode::UNAUTHORIZED {
        return Err(SoapError::Fault(Fault {
            kind: "NotAuthenticated".into(),
            message: format!("{sdk} answered {status}"),
        }));
    }
    let doc = Document::parse(&text)
        .map_err(|e| SoapError::Protocol(format!("{sdk} answered {status} with no SOAP: {e}")))?;
    if let Some(fault) = xml::body(&doc).filter(|n| n.tag_name().name() == "Fault") {
        return Err(SoapError::Fault(xml::soap_fault(fault)));
    }
    if !status.is_success() {
        return Err(SoapError::Protocol(format!("{sdk} answered {status}")));
    }
    Ok(Answer {
        text,
        session_cookie,
    })
}

/// Describes a transport failure, with its causes.
pub(crate) fn unreachable(url: &Url, error: reqwest::Error) -> String {
    format!(
        "cannot reach {url}: {}",
        glance_store::error_chain(&error.without_url())
    )
}

/// The managed objects in a `RetrieveServiceContent` answer.
fn service_content(text: &str) -> Result<ServiceContent, SoapError> {
    let missing = |what: &str| SoapError::Protocol(format!("no {what} in the service content"));
    let doc = Document::parse(text).map_err(|e| SoapError::Protocol(e.to_string()))?;
    let content = xml::body(&doc)
        .and_then(|response| xml::child(response, "returnval"))
        .ok_or_else(|| missing("returnval"))?;
    let moref = |name: &str| {
        xml::child(content, name)
            .and_then(MoRef::from_node)
            .ok_or_else(|| missing(name))
    };
    Ok(ServiceContent {
        session_manager: moref("sessionManager")?,
        file_manager: moref("fileManager")?,
        property_collector: moref("propertyCollector")?,
        search_index: moref("searchIndex")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str, default: &str) -> String {
        std::env::var(name).unwrap_or_else(|_| default.to_owned())
    }

    /// Against the vCenter simulator (`GLANCE_TEST_VCSIM_*`).
    #[tokio::test]
    async fn a_forgotten_session_is_renewed_once() {
        let host = env("GLANCE_TEST_VCSIM_HOST", "127.0.0.1:8989");
        let http = Client::builder()
            .tls_danger_accept_invalid_certs(true)
            .build()
            .unwrap();
        let sdk = Url::parse(&format!("https://{host}/sdk")).unwrap();
        let user = env("GLANCE_TEST_VCSIM_USER", "glance");
        let password = env("GLANCE_TEST_VCSIM_PASSWORD", "glancepass");
        let soap = Soap::connect(http, sdk, user, Secret::new(password), 1)
            .await
            .unwrap();
        assert_eq!(soap.cookie().1, 1);

        let logout = format!(
            "<urn:Logout>{}</urn:Logout>",
            soap.content().session_manager.element("_this")
        );
        soap.call(&logout).await.unwrap();
        let find = format!(
            "<urn:FindByInventoryPath>{}<urn:inventoryPath>DC0</urn:inventoryPath></urn:FindByInventoryPath>",
            soap.content().search_index.element("_this")
        );
        let stale = soap.call_with(&find, soap.cookie().0).await.unwrap_err();
        assert!(stale.is_fault("NotAuthenticated"), "{stale}");

        let dc = soap.find_by_inventory_path("DC0").await.unwrap().unwrap();
        assert_eq!(dc.kind, "Datacenter");
        assert_eq!(soap.cookie().1, 2, "one new login");
        soap.renew(1).await.unwrap();
        assert_eq!(soap.cookie().1, 2, "a stale renewal must not log in again");
        soap.call(&logout).await.unwrap();
    }
}
