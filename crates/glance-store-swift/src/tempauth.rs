//! v1.0 authentication (tempauth, swauth): `GET <auth address>` with
//! `X-Auth-User`/`X-Auth-Key`, answered with `X-Storage-Url` and
//! `X-Auth-Token`.

use crate::auth::{Account, Login};
use crate::error::{status, transport, unavailable};
use glance_store::StoreError;
use std::time::Duration;

/// Logs in to the v1.0 auth endpoint.
pub(crate) async fn login(http: &reqwest::Client, account: &Account) -> Result<Login, StoreError> {
    let what = format!(
        "authenticating {:?} at {}",
        account.user, account.auth_address
    );
    let response = http
        .get(&account.auth_address)
        .header("X-Auth-User", &account.user)
        .header("X-Auth-Key", &account.key)
        .send()
        .await
        .map_err(|e| transport(&what, &e))?;
    if !response.status().is_success() {
        return Err(status(&what, response).await);
    }
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let token = header("X-Auth-Token")
        .or_else(|| header("X-Storage-Token"))
        .ok_or_else(|| unavailable(format!("{what}: no X-Auth-Token in the answer")))?;
    Ok(Login {
        token,
        storage_url: header("X-Storage-Url"),
        lifetime: header("X-Auth-Token-Expires")
            .and_then(|v| v.parse::<f64>().ok())
            .filter(|secs| secs.is_finite() && *secs >= 0.0)
            .map(Duration::from_secs_f64),
    })
}
