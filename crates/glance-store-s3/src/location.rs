//! Location URLs in upstream's form:
//! `<scheme>://[<access key>:<secret key>@]<host>[/<path>]/<bucket>/<key>`
//! with scheme `s3`, `s3+http` or `s3+https`.
//!
//! Like upstream, the credentials are written as they are (not
//! percent-encoded) and parsed by splitting at the `@`, so an AWS secret key
//! holding `/` still round-trips.

use rusty_s3::Credentials;

/// The schemes of S3 locations; `s3+https` is the only one over TLS.
const SCHEMES: [&str; 3] = ["s3", "s3+http", "s3+https"];

/// A parsed S3 location URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct S3Location {
    /// `s3`, `s3+http` or `s3+https`.
    pub(crate) scheme: String,
    /// The access and secret key, when the URL carries them.
    pub(crate) credentials: Option<(String, String)>,
    /// The S3 host, with port and any path prefix.
    pub(crate) service: String,
    /// The bucket.
    pub(crate) bucket: String,
    /// The object key (the image id).
    pub(crate) key: String,
}

impl S3Location {
    /// Parses a location URL; `None` if it is not an S3 location. Upstream
    /// refuses URLs naming a second scheme (`s3://k:s@https://host/...`),
    /// and so does this.
    pub(crate) fn parse(url: &str) -> Option<S3Location> {
        let (scheme, rest) = url.split_once("://")?;
        if !SCHEMES.contains(&scheme) || rest.contains("://") {
            return None;
        }
        let rest = rest.trim_matches('/');
        let (credentials, path) = match rest.rsplit_once('@') {
            Some((credentials, path)) => {
                let (access, secret) = credentials.split_once(':')?;
                (Some((access.to_owned(), secret.to_owned())), path)
            }
            None => (None, rest),
        };
        let (rest, key) = path.rsplit_once('/')?;
        let (service, bucket) = rest.rsplit_once('/')?;
        let service = service.trim_matches('/');
        if service.is_empty() || bucket.is_empty() || key.is_empty() {
            return None;
        }
        Some(S3Location {
            scheme: scheme.to_owned(),
            credentials,
            service: service.to_owned(),
            bucket: bucket.to_owned(),
            key: key.to_owned(),
        })
    }

    /// Whether the location is reached over TLS.
    pub(crate) fn is_https(&self) -> bool {
        self.scheme == "s3+https"
    }

    /// The credentials to sign requests for this location with: its own,
    /// as upstream uses them, else `fallback`.
    pub(crate) fn credentials_or(&self, fallback: &Credentials) -> Credentials {
        match &self.credentials {
            Some((access, secret)) => Credentials::new(access, secret),
            None => fallback.clone(),
        }
    }
}

/// The location URL of `key`, as upstream writes it.
pub(crate) fn format(
    scheme: &str,
    credentials: &Credentials,
    service: &str,
    bucket: &str,
    key: &str,
) -> String {
    format!(
        "{scheme}://{}:{}@{service}/{bucket}/{key}",
        credentials.key(),
        credentials.secret()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn location(
        scheme: &str,
        credentials: Option<(&str, &str)>,
        service: &str,
        bucket: &str,
        key: &str,
    ) -> S3Location {
        S3Location {
            scheme: scheme.into(),
            credentials: credentials.map(|(a, s)| (a.into(), s.into())),
            service: service.into(),
            bucket: bucket.into(),
            key: key.into(),
        }
    }

    #[test]
    fn parses_upstream_locations() {
        let id = "6f1f5c54-3b4a-4d2e-8b0a-5b1f3e9c2d11";
        for (url, expected) in [
            (
                format!("s3://accesskey:secretkey@s3.amazonaws.com/bucket/{id}"),
                location(
                    "s3",
                    Some(("accesskey", "secretkey")),
                    "s3.amazonaws.com",
                    "bucket",
                    id,
                ),
            ),
            (
                format!("s3+https://accesskey:secretkey@s3.amazonaws.com/bucket/{id}"),
                location(
                    "s3+https",
                    Some(("accesskey", "secretkey")),
                    "s3.amazonaws.com",
                    "bucket",
                    id,
                ),
            ),
            (
                format!("s3+http://glance:glancesecret@127.0.0.1:7480/images/{id}"),
                location(
                    "s3+http",
                    Some(("glance", "glancesecret")),
                    "127.0.0.1:7480",
                    "images",
                    id,
                ),
            ),
            (
                // AWS secret keys may hold `/` and `+`.
                format!("s3://AKIAEXAMPLE:wJalr/XUtnFEMI/K7MDENG+bPxRfiCY@s3.amazonaws.com/b/{id}"),
                location(
                    "s3",
                    Some(("AKIAEXAMPLE", "wJalr/XUtnFEMI/K7MDENG+bPxRfiCY")),
                    "s3.amazonaws.com",
                    "b",
                    id,
                ),
            ),
            (
                format!("s3://s3.amazonaws.com/bucket/{id}"),
                location("s3", None, "s3.amazonaws.com", "bucket", id),
            ),
            (
                format!("s3://k:s@objects.example.com:8080/prefix/s3/bucket/{id}/"),
                location(
                    "s3",
                    Some(("k", "s")),
                    "objects.example.com:8080/prefix/s3",
                    "bucket",
                    id,
                ),
            ),
        ] {
            assert_eq!(S3Location::parse(&url), Some(expected), "{url}");
        }
    }

    #[test]
    fn refuses_malformed_locations() {
        for url in [
            "s3://accesskey:secretkey@https://s3.amazonaws.com/bucket/key",
            "s3://accesskey@s3.amazonaws.com/bucket/key",
            "s3://accesskey:secretkey@bucket/key",
            "s3://s3.amazonaws.com/key",
            "s3://k:s@host//key",
            "s3://k:s@host/bucket/",
            "swift://k:s@host/bucket/key",
            "file:///var/lib/glance/images/key",
            "s3:/host/bucket/key",
            "",
        ] {
            assert_eq!(S3Location::parse(url), None, "{url}");
        }
    }

    #[test]
    fn format_round_trips() {
        let credentials = Credentials::new("AKIA", "se/cr+et");
        let url = format("s3+https", &credentials, "s3.example.com", "images", "abc");
        assert_eq!(url, "s3+https://AKIA:se/cr+et@s3.example.com/images/abc");
        let parsed = S3Location::parse(&url).unwrap();
        assert_eq!(
            parsed,
            location(
                "s3+https",
                Some(("AKIA", "se/cr+et")),
                "s3.example.com",
                "images",
                "abc"
            )
        );
        assert!(parsed.is_https());
        assert_eq!(
            parsed.credentials_or(&Credentials::new("x", "y")),
            credentials
        );
    }

    #[test]
    fn locations_without_credentials_use_the_store_credentials() {
        let parsed = S3Location::parse("s3://host/images/abc").unwrap();
        let fallback = Credentials::new("x", "y");
        assert_eq!(parsed.credentials_or(&fallback), fallback);
        assert!(!parsed.is_https());
    }
}
