//! Picking the image endpoint out of a Keystone v3 catalog, and normalising
//! an endpoint URL (no trailing API version).

use serde_json::Value;
use url::Url;

use crate::ClientError;

/// What to look for in the catalog.
pub(crate) struct EndpointFilter<'a> {
    /// The service type (`image`).
    pub service_type: &'a str,
    /// The interface as configured (`public`, `publicURL`…).
    pub interface: &'a str,
    /// The region, if any.
    pub region_name: Option<&'a str>,
}

/// The URL of the first endpoint matching `filter` in a v3 `catalog`;
/// keystoneauth's `EndpointNotFound` message when there is none.
pub(crate) fn find_endpoint(
    catalog: &[Value],
    filter: &EndpointFilter,
) -> Result<String, ClientError> {
    if catalog.is_empty() {
        return Err(ClientError::EndpointNotFound(
            "The service catalog is empty.".to_owned(),
        ));
    }
    let interface = normalize_interface(filter.interface);
    let found = catalog
        .iter()
        .filter(|service| service["type"].as_str() == Some(filter.service_type))
        .filter_map(|service| service["endpoints"].as_array())
        .flatten()
        .filter(|ep| ep["interface"].as_str() == Some(interface))
        .filter(|ep| {
            filter
                .region_name
                .is_none_or(|region| in_region(ep, region))
        })
        .find_map(|ep| ep["url"].as_str());
    match found {
        Some(url) => Ok(url.to_owned()),
        None => Err(ClientError::EndpointNotFound(match filter.region_name {
            Some(region) => format!(
                "{} endpoint for {} service in {region} region not found",
                filter.interface, filter.service_type
            ),
            None => format!(
                "{} endpoint for {} service not found",
                filter.interface, filter.service_type
            ),
        })),
    }
}

/// `publicURL` (v2 catalog style) → `public`.
fn normalize_interface(interface: &str) -> &str {
    interface.strip_suffix("URL").unwrap_or(interface)
}

/// Whether endpoint `ep` is in `region` (by `region_id` or the older `region`).
fn in_region(ep: &Value, region: &str) -> bool {
    ep["region_id"].as_str() == Some(region) || ep["region"].as_str() == Some(region)
}

/// Parses an image endpoint and drops a trailing API version segment
/// (`http://h:9292/v2/` → `http://h:9292/`), as glanceclient's
/// `strip_version` does; requests then go to `<endpoint>/v2/…`.
pub(crate) fn image_endpoint(raw: &str) -> Result<Url, ClientError> {
    let mut url = parse_http_url(raw.trim())?;
    let segments: Vec<String> = url
        .path_segments()
        .map(|s| s.filter(|s| !s.is_empty()).map(str::to_owned).collect())
        .unwrap_or_default();
    let keep = match segments.last() {
        Some(last) if is_version(last) => &segments[..segments.len() - 1],
        _ => &segments[..],
    };
    url.set_path(&keep.join("/"));
    url.set_query(None);
    url.set_fragment(None);
    Ok(url)
}

/// Parses an `http`/`https` URL with a host.
pub(crate) fn parse_http_url(raw: &str) -> Result<Url, ClientError> {
    let url =
        Url::parse(raw).map_err(|e| ClientError::Config(format!("invalid URL '{raw}': {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() || !url.has_host() {
        return Err(ClientError::Config(format!(
            "invalid URL '{raw}': expected http:// or https://"
        )));
    }
    Ok(url)
}

/// `v2`, `v2.0`, `v3`… (the regex `v\d+\.?\d*`, anchored).
pub(crate) fn is_version(segment: &str) -> bool {
    let Some(rest) = segment.strip_prefix('v') else {
        return false;
    };
    let (major, minor) = rest.split_once('.').unwrap_or((rest, ""));
    !major.is_empty()
        && major.bytes().all(|b| b.is_ascii_digit())
        && minor.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn catalog() -> Vec<Value> {
        let eps = |base: &str, region: &str| {
            json!(
                ["public", "internal", "admin"]
                    .iter()
                    .map(
                        |i| json!({"interface": i, "region_id": region, "region": region,
                                 "url": format!("{base}/{i}")})
                    )
                    .collect::<Vec<_>>()
            )
        };
        vec![
            json!({"type": "identity", "endpoints": eps("http://k", "One")}),
            json!({"type": "image", "endpoints": eps("http://g1", "One")}),
            json!({"type": "image", "endpoints": eps("http://g2", "Two")}),
        ]
    }

    fn find(interface: &str, region: Option<&str>) -> Result<String, ClientError> {
        let filter = EndpointFilter {
            service_type: "image",
            interface,
            region_name: region,
        };
        find_endpoint(&catalog(), &filter)
    }

    #[test]
    fn picks_by_type_interface_and_region() {
        assert_eq!(find("public", None).unwrap(), "http://g1/public");
        assert_eq!(find("internalURL", None).unwrap(), "http://g1/internal");
        assert_eq!(find("admin", Some("Two")).unwrap(), "http://g2/admin");
    }

    #[test]
    fn missing_endpoints_are_reported_like_keystoneauth() {
        assert_eq!(
            find("public", Some("Three")).unwrap_err().to_string(),
            "public endpoint for image service in Three region not found"
        );
        assert_eq!(
            find("private", None).unwrap_err().to_string(),
            "private endpoint for image service not found"
        );
        let filter = EndpointFilter {
            service_type: "image",
            interface: "public",
            region_name: None,
        };
        assert_eq!(
            find_endpoint(&[], &filter).unwrap_err().to_string(),
            "The service catalog is empty."
        );
    }

    #[test]
    fn versions_are_stripped() {
        for (raw, want) in [
            ("http://h:9292", "http://h:9292/"),
            ("http://h:9292/", "http://h:9292/"),
            ("http://h:9292/v2", "http://h:9292/"),
            ("http://h:9292/v2/", "http://h:9292/"),
            ("https://h/image/v2.1", "https://h/image"),
            ("https://h/image", "https://h/image"),
            ("https://h/image/version", "https://h/image/version"),
        ] {
            assert_eq!(image_endpoint(raw).unwrap().as_str(), want, "{raw}");
        }
        assert!(matches!(
            image_endpoint("ftp://h"),
            Err(ClientError::Config(_))
        ));
        assert!(image_endpoint("not a url").is_err());
    }
}
