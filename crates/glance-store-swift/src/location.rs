//! Location URLs in upstream's single-tenant forms:
//!
//! - `swift+http://<user>:<key>@<auth address>/<container>/<object>` (also
//!   `swift://` and `swift+https://`, which mean an HTTPS auth address), with
//!   user and key url-quoted;
//! - `swift+config://<reference>/<container>/<object>` when the credentials
//!   live in the `swift_store_config_file`.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use std::fmt;

/// What Python's `urllib.parse.quote` leaves alone, except `/`: letters,
/// digits and `_.-~`. (Upstream leaves `/` too, which breaks its own
/// parsing of keys containing one; `%2F` reads back fine there as well.)
const QUOTE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'_')
    .remove(b'.')
    .remove(b'-')
    .remove(b'~');

/// The URL scheme, which also says how to reach the auth address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scheme {
    /// `swift://`: HTTPS auth address.
    Swift,
    /// `swift+http://`.
    SwiftHttp,
    /// `swift+https://`.
    SwiftHttps,
    /// `swift+config://`: an account reference instead of an address.
    SwiftConfig,
}

impl Scheme {
    fn parse(text: &str) -> Option<Scheme> {
        match text {
            "swift" => Some(Scheme::Swift),
            "swift+http" => Some(Scheme::SwiftHttp),
            "swift+https" => Some(Scheme::SwiftHttps),
            "swift+config" => Some(Scheme::SwiftConfig),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Scheme::Swift => "swift",
            Scheme::SwiftHttp => "swift+http",
            Scheme::SwiftHttps => "swift+https",
            Scheme::SwiftConfig => "swift+config",
        }
    }

    /// The scheme for an auth address (`swift+http` for `http://`, else `swift+https`).
    pub(crate) fn for_auth_address(auth_address: &str) -> Scheme {
        if auth_address.starts_with("http://") {
            Scheme::SwiftHttp
        } else {
            Scheme::SwiftHttps
        }
    }
}

/// A parsed location URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Location {
    /// The scheme.
    pub scheme: Scheme,
    /// `(user, key)`, unquoted, when the URL carries them.
    pub credentials: Option<(String, String)>,
    /// The auth address without its scheme (`127.0.0.1:8080/auth/v1.0`), or
    /// the account reference for `swift+config`.
    pub authority: String,
    /// The container.
    pub container: String,
    /// The object name (the image id).
    pub object: String,
}

/// Why a URL is not a Swift location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BadLocation(&'static str);

impl fmt::Display for BadLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl Location {
    /// Parses a location URL the way upstream does: the last two path
    /// segments are container and object, everything before them belongs
    /// to the auth address; credentials split at the last `:` before the `@`.
    pub(crate) fn parse(url: &str) -> Result<Location, BadLocation> {
        if url.matches("://").count() != 1 {
            return Err(BadLocation("a location has exactly one scheme"));
        }
        let (scheme, rest) = url.split_once("://").unwrap_or_default();
        let scheme = Scheme::parse(scheme).ok_or(BadLocation("not a swift scheme"))?;
        if rest.contains(['?', '#']) {
            return Err(BadLocation("a location has no query or fragment"));
        }
        let (netloc, path) = rest.split_once('/').unwrap_or((rest, ""));
        let (credentials, host) = match netloc.split_once('@') {
            Some((_, host)) if host.contains('@') => {
                return Err(BadLocation("more than one @ in the location"));
            }
            Some((credentials, host)) => {
                let (user, key) = credentials
                    .rsplit_once(':')
                    .ok_or(BadLocation("credentials are not user:key"))?;
                (Some((unquote(user)?, unquote(key)?)), host)
            }
            None => (None, netloc),
        };
        if host.is_empty() {
            return Err(BadLocation("no auth address in the location"));
        }
        let mut parts: Vec<&str> = path.split('/').collect();
        let object = parts.pop().unwrap_or_default();
        let container = parts.pop().unwrap_or_default();
        if object.is_empty() || container.is_empty() {
            return Err(BadLocation(
                "the location does not end in /<container>/<object>",
            ));
        }
        if scheme == Scheme::SwiftConfig && (credentials.is_some() || !parts.is_empty()) {
            return Err(BadLocation(
                "swift+config locations are <reference>/<container>/<object>",
            ));
        }
        let authority = std::iter::once(host)
            .chain(parts)
            .collect::<Vec<_>>()
            .join("/");
        Ok(Location {
            scheme,
            credentials,
            authority,
            container: container.to_owned(),
            object: object.to_owned(),
        })
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://", self.scheme.as_str())?;
        if let Some((user, key)) = &self.credentials {
            write!(f, "{}:{}@", quote(user), quote(key))?;
        }
        write!(f, "{}/{}/{}", self.authority, self.container, self.object)
    }
}

/// `urllib.parse.quote`, with `/` quoted as well.
fn quote(text: &str) -> impl fmt::Display + '_ {
    utf8_percent_encode(text, QUOTE)
}

/// `urllib.parse.unquote`, refusing what does not decode to UTF-8.
fn unquote(text: &str) -> Result<String, BadLocation> {
    percent_decode_str(text)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| BadLocation("credentials are not UTF-8"))
}

/// An auth address without its scheme and surrounding slashes, as it
/// appears in locations.
pub(crate) fn authority_of(auth_address: &str) -> &str {
    auth_address
        .strip_prefix("http://")
        .or_else(|| auth_address.strip_prefix("https://"))
        .unwrap_or(auth_address)
        .trim_matches('/')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn location(scheme: Scheme, credentials: Option<(&str, &str)>, authority: &str) -> Location {
        Location {
            scheme,
            credentials: credentials.map(|(u, k)| (u.to_owned(), k.to_owned())),
            authority: authority.to_owned(),
            container: "glance".to_owned(),
            object: "3a1e-xx".to_owned(),
        }
    }

    #[test]
    fn writes_quoted_credentials_like_upstream() {
        let ours = location(
            Scheme::SwiftHttp,
            Some(("glance:glance", "p@ss/w:rd")),
            "127.0.0.1:8080/auth/v1.0",
        );
        let url = ours.to_string();
        assert_eq!(
            url,
            "swift+http://glance%3Aglance:p%40ss%2Fw%3Ard@127.0.0.1:8080/auth/v1.0/glance/3a1e-xx"
        );
        assert_eq!(Location::parse(&url).unwrap(), ours);
    }

    #[test]
    fn parses_upstream_written_urls() {
        let cases = [
            (
                "swift://account:user:pass@authurl.com/container/obj-id",
                Scheme::Swift,
                Some(("account:user", "pass")),
                "authurl.com",
            ),
            (
                "swift+https://user:pass@authurl.com/v1/container/obj-id",
                Scheme::SwiftHttps,
                Some(("user", "pass")),
                "authurl.com/v1",
            ),
            (
                "swift+http://tenant%3Auser1:key1@localhost:8080/container/obj-id",
                Scheme::SwiftHttp,
                Some(("tenant:user1", "key1")),
                "localhost:8080",
            ),
            (
                "swift+https://example.com/container/obj-id",
                Scheme::SwiftHttps,
                None,
                "example.com",
            ),
            (
                "swift+config://ref1/container/obj-id",
                Scheme::SwiftConfig,
                None,
                "ref1",
            ),
        ];
        for (url, scheme, credentials, authority) in cases {
            let parsed = Location::parse(url).unwrap_or_else(|e| panic!("{url}: {e}"));
            assert_eq!(parsed.scheme, scheme, "{url}");
            assert_eq!(
                parsed.credentials,
                credentials.map(|(u, k)| (u.to_owned(), k.to_owned())),
                "{url}"
            );
            assert_eq!(parsed.authority, authority, "{url}");
            assert_eq!(parsed.container, "container", "{url}");
            assert_eq!(parsed.object, "obj-id", "{url}");
            assert_eq!(
                Location::parse(&parsed.to_string()).unwrap(),
                parsed,
                "{url}"
            );
        }
    }

    #[test]
    fn refuses_malformed_urls() {
        for url in [
            "swift://user:pass@http://authurl.com/v1/container/obj",
            "s3://user:pass@authurl.com/container/obj",
            "swift://user:pass@authurl.com/obj",
            "swift://user:pass@authurl.com/container/",
            "swift://userpass@authurl.com/container/obj",
            "swift://a@b@authurl.com/container/obj",
            "swift://user:pass@/container/obj",
            "swift+config://ref1/extra/container/obj",
            "swift+config://u:k@ref1/container/obj",
            "swift+http://u:k@host/container/obj?x=1",
            "swift+http://u:%ff@host/container/obj",
        ] {
            assert!(Location::parse(url).is_err(), "{url} must be refused");
        }
    }

    #[test]
    fn authority_drops_scheme_and_slashes() {
        assert_eq!(
            authority_of("http://127.0.0.1:8080/auth/v1.0/"),
            "127.0.0.1:8080/auth/v1.0"
        );
        assert_eq!(authority_of("https://keystone/v3"), "keystone/v3");
        assert_eq!(Scheme::for_auth_address("http://x"), Scheme::SwiftHttp);
        assert_eq!(Scheme::for_auth_address("https://x"), Scheme::SwiftHttps);
    }
}
