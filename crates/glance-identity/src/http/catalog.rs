//! The service catalog put into tokens: Glance itself and this identity API.

use serde_json::{Value, json};

use super::base_url::identity_url;

/// The only region of a single-machine deployment.
const REGION: &str = "RegionOne";

/// The catalog for a deployment whose root URL is `base`: service `image`
/// (`glance`) at `base` — glance-api serves `/v2` itself — and `identity`
/// (`keystone`) at `base/identity`.
pub(super) fn catalog(base: &str) -> Value {
    json!([
        service("image", "glance", base),
        service("identity", "keystone", &identity_url(base)),
    ])
}

fn service(kind: &str, name: &str, url: &str) -> Value {
    let endpoints: Vec<Value> = ["public", "internal", "admin"]
        .iter()
        .map(|interface| {
            json!({
                "id": format!("{kind}-{interface}"),
                "interface": interface,
                "region": REGION,
                "region_id": REGION,
                "url": url,
            })
        })
        .collect();
    json!({"id": kind, "type": kind, "name": name, "endpoints": endpoints})
}
