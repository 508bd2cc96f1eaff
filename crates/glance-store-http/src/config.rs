//! The driver's options (upstream's names and defaults) and the HTTP client
//! they configure.

use glance_config::{ConfigError, ConfigFile};
use glance_store::StoreError;
use reqwest::{Certificate, Client, Proxy, redirect};
use std::time::Duration;

/// How long to wait for a TCP (and TLS) connection to a location's server.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// Builds the client for `[section]`:
/// - `https_ca_certificates_file`: the only CAs trusted for `https://`
///   locations; when set, `https_insecure` is ignored.
/// - `https_insecure` (default `true`): skip certificate verification.
/// - `http_proxy_information`: `scheme:proxy` pairs (`http`, `https` or
///   `all`), e.g. `http:10.0.0.1:3128, https:10.0.0.1:1080`.
///
/// Redirects are not followed by the client: [`crate::fetch`] follows them
/// itself, with upstream's limit.
pub(crate) async fn client(config: &ConfigFile, section: &str) -> Result<Client, StoreError> {
    let mut builder = Client::builder()
        .redirect(redirect::Policy::none())
        .connect_timeout(CONNECT_TIMEOUT);
    match config.get_string(section, "https_ca_certificates_file") {
        Some(path) => builder = builder.tls_certs_only(ca_bundle(section, &path).await?),
        None => {
            let insecure = config
                .get_bool(section, "https_insecure")
                .map_err(invalid)?
                .unwrap_or(true);
            builder = builder.tls_danger_accept_invalid_certs(insecure);
        }
    }
    let proxies = config
        .get_dict(section, "http_proxy_information")
        .map_err(invalid)?
        .unwrap_or_default();
    for (scheme, address) in proxies {
        let proxy = match scheme.as_str() {
            "http" => Proxy::http(&address),
            "https" => Proxy::https(&address),
            "all" => Proxy::all(&address),
            _ => {
                return Err(StoreError::Config(format!(
                    "[{section}] http_proxy_information: unknown scheme {scheme:?} \
                     (expected http, https or all)"
                )));
            }
        };
        let proxy = proxy.map_err(|e| {
            StoreError::Config(format!(
                "[{section}] http_proxy_information: invalid proxy {address:?} for {scheme}: {e}"
            ))
        })?;
        builder = builder.proxy(proxy);
    }
    builder
        .build()
        .map_err(|e| StoreError::Config(format!("[{section}] cannot set up the HTTP client: {e}")))
}

/// The certificates in the PEM file `path`.
async fn ca_bundle(section: &str, path: &str) -> Result<Vec<Certificate>, StoreError> {
    let bad = |reason: String| {
        StoreError::Config(format!(
            "[{section}] https_ca_certificates_file {path:?}: {reason}"
        ))
    };
    let pem = tokio::fs::read(path)
        .await
        .map_err(|e| bad(format!("cannot read it: {e}")))?;
    let certs = Certificate::from_pem_bundle(&pem).map_err(|e| bad(e.to_string()))?;
    if certs.is_empty() {
        return Err(bad("no PEM certificate in it".to_owned()));
    }
    Ok(certs)
}

/// An option with a value of the wrong type.
fn invalid(error: ConfigError) -> StoreError {
    StoreError::Config(error.to_string())
}
