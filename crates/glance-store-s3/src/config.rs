//! The driver's options, read from the store's section with upstream's
//! names and defaults (`s3_store_*`).

use glance_config::ConfigFile;
use glance_store::StoreError;
use rusty_s3::{Credentials, UrlStyle};
use std::net::IpAddr;
use std::path::PathBuf;
use url::{Host, Url};

/// One MiB: the unit of the size options.
const MIB: u64 = 1 << 20;

/// Default `s3_store_large_object_size`, in MiB.
const DEFAULT_LARGE_OBJECT_SIZE: u64 = 100;

/// Default `s3_store_large_object_chunk_size`, in MiB.
const DEFAULT_CHUNK_SIZE: u64 = 10;

/// Smallest `s3_store_large_object_chunk_size`, in MiB (S3's minimum part).
const MIN_CHUNK_SIZE: u64 = 5;

/// Largest `s3_store_large_object_chunk_size`, in MiB (S3's maximum part).
const MAX_CHUNK_SIZE: u64 = 5 * 1024;

/// Default `s3_store_thread_pools`.
const DEFAULT_THREAD_POOLS: usize = 10;

/// Region signed for when neither the options nor the host name one.
const DEFAULT_REGION: &str = "us-east-1";

/// The options of one S3 store.
#[derive(Debug, Clone)]
pub(crate) struct S3Config {
    /// `s3_store_host` as an `http(s)://` URL (`http://` when written bare).
    pub(crate) endpoint: Url,
    /// `s3_store_host` without its scheme or surrounding slashes: the host
    /// part of location URLs.
    pub(crate) service: String,
    /// The location scheme: `s3+https` for an https host, else `s3`.
    pub(crate) scheme: &'static str,
    /// `s3_store_region_name`, else derived from an AWS host name, else
    /// `us-east-1`.
    pub(crate) region: String,
    /// `s3_store_access_key` and `s3_store_secret_key`.
    pub(crate) credentials: Credentials,
    /// `s3_store_bucket`.
    pub(crate) bucket: String,
    /// `s3_store_create_bucket_on_put` (default false).
    pub(crate) create_bucket_on_put: bool,
    /// `s3_store_bucket_url_format` (`auto`, `path` or `virtual`) resolved
    /// for this host and bucket.
    pub(crate) url_style: UrlStyle,
    /// `s3_store_cacert`: the CA bundle to trust instead of the system's.
    pub(crate) cacert: Option<PathBuf>,
    /// How uploads are cut.
    pub(crate) upload: UploadSettings,
}

/// The options that shape uploads, in bytes and tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct UploadSettings {
    /// `s3_store_large_object_size`: images announced at this size or more
    /// (and images of unknown size) go up as multipart uploads.
    pub(crate) large_object_size: u64,
    /// `s3_store_large_object_chunk_size`: the multipart part size.
    pub(crate) chunk_size: u64,
    /// `s3_store_thread_pools`: parts uploaded at once.
    pub(crate) thread_pools: usize,
}

impl S3Config {
    /// Reads the options of `section`.
    pub(crate) fn from_config(config: &ConfigFile, section: &str) -> Result<S3Config, StoreError> {
        let options = Options { config, section };
        let host = options.required("s3_store_host")?;
        let (endpoint, service, scheme) = endpoint(&host).ok_or_else(|| {
            options.invalid("s3_store_host", "expected host[:port] or an http(s):// URL")
        })?;
        let bucket = options.required("s3_store_bucket")?;
        let url_style = match options.string("s3_store_bucket_url_format").as_deref() {
            None | Some("auto") => auto_url_style(&endpoint, &bucket),
            Some("path") => UrlStyle::Path,
            Some("virtual") if dns_compatible(&bucket) => UrlStyle::VirtualHost,
            Some("virtual") => {
                return Err(options.invalid(
                    "s3_store_bucket_url_format",
                    &format!("bucket {bucket:?} cannot be a host name, so it needs path or auto"),
                ));
            }
            Some(other) => {
                return Err(options.invalid(
                    "s3_store_bucket_url_format",
                    &format!("{other:?} is not one of auto, path, virtual"),
                ));
            }
        };
        let region = options
            .string("s3_store_region_name")
            .or_else(|| region_of_host(&host))
            .unwrap_or_else(|| DEFAULT_REGION.to_owned());

        let large = options.parsed("s3_store_large_object_size", DEFAULT_LARGE_OBJECT_SIZE)?;
        let chunk = options.parsed("s3_store_large_object_chunk_size", DEFAULT_CHUNK_SIZE)?;
        if !(MIN_CHUNK_SIZE..=MAX_CHUNK_SIZE).contains(&chunk) {
            return Err(options.invalid(
                "s3_store_large_object_chunk_size",
                &format!(
                    "must be between {MIN_CHUNK_SIZE} and {MAX_CHUNK_SIZE} (MiB), not {chunk}"
                ),
            ));
        }
        let thread_pools = options.parsed("s3_store_thread_pools", DEFAULT_THREAD_POOLS)?;
        if thread_pools == 0 {
            return Err(options.invalid("s3_store_thread_pools", "must be a positive integer"));
        }
        let large_object_size = large.checked_mul(MIB).ok_or_else(|| {
            options.invalid(
                "s3_store_large_object_size",
                &format!("{large} MiB is too large"),
            )
        })?;

        Ok(S3Config {
            endpoint,
            service,
            scheme,
            region,
            credentials: Credentials::new(
                options.required("s3_store_access_key")?,
                options.required("s3_store_secret_key")?,
            ),
            bucket,
            create_bucket_on_put: options.bool("s3_store_create_bucket_on_put")?,
            url_style,
            cacert: options.string("s3_store_cacert").map(PathBuf::from),
            upload: UploadSettings {
                large_object_size,
                chunk_size: chunk * MIB,
                thread_pools,
            },
        })
    }
}

/// Typed lookups in one section, with errors naming section and key.
struct Options<'a> {
    config: &'a ConfigFile,
    section: &'a str,
}

impl Options<'_> {
    fn string(&self, key: &str) -> Option<String> {
        self.config.get_string(self.section, key)
    }

    fn required(&self, key: &str) -> Result<String, StoreError> {
        self.string(key).ok_or_else(|| {
            StoreError::Config(format!(
                "[{}] {key} is required by the s3 store",
                self.section
            ))
        })
    }

    fn bool(&self, key: &str) -> Result<bool, StoreError> {
        self.config
            .get_bool(self.section, key)
            .map(Option::unwrap_or_default)
            .map_err(|e| StoreError::Config(e.to_string()))
    }

    fn parsed<T>(&self, key: &str, default: T) -> Result<T, StoreError>
    where
        T: std::str::FromStr,
        T::Err: std::fmt::Display,
    {
        self.config
            .get_parsed(self.section, key)
            .map(|value| value.unwrap_or(default))
            .map_err(|e| StoreError::Config(e.to_string()))
    }

    fn invalid(&self, key: &str, reason: &str) -> StoreError {
        StoreError::Config(format!("[{}] {key}: {reason}", self.section))
    }
}

/// The endpoint URL, location host and location scheme for `s3_store_host`:
/// an `https://` host gives `s3+https`; an `http://` or bare host gives `s3`
/// over http.
fn endpoint(host: &str) -> Option<(Url, String, &'static str)> {
    let (scheme, bare) = if let Some(bare) = host.strip_prefix("https://") {
        ("s3+https", bare)
    } else {
        ("s3", host.strip_prefix("http://").unwrap_or(host))
    };
    let service = bare.trim_matches('/').to_owned();
    let http = if scheme == "s3+https" {
        "https"
    } else {
        "http"
    };
    let url = Url::parse(&format!("{http}://{service}")).ok()?;
    let plain = url.username().is_empty()
        && url.password().is_none()
        && url.query().is_none()
        && url.fragment().is_none();
    (url.host().is_some() && plain && !service.is_empty()).then_some((url, service, scheme))
}

/// `auto` addressing: path style for hosts that cannot take a bucket label
/// (IP addresses, `localhost`) and for bucket names that are not DNS
/// names; virtual-hosted style otherwise.
fn auto_url_style(endpoint: &Url, bucket: &str) -> UrlStyle {
    let bare_host = match endpoint.host() {
        Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        _ => true,
    };
    if bare_host || !dns_compatible(bucket) {
        UrlStyle::Path
    } else {
        UrlStyle::VirtualHost
    }
}

/// Whether a bucket name can be a host name label sequence: 3 to 63
/// lowercase letters, digits, `-` and `.`, starting and ending with a letter
/// or digit, no empty label, and not an IP address.
fn dns_compatible(bucket: &str) -> bool {
    let edge_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    (3..=63).contains(&bucket.len())
        && bucket
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
        && edge_ok(bucket.chars().next())
        && edge_ok(bucket.chars().last())
        && !bucket.contains("..")
        && bucket.parse::<IpAddr>().is_err()
}

/// The region an AWS endpoint host names, as upstream derives it: the
/// legacy `s3-<region>.amazonaws.com[.cn]` hosts carry their region;
/// anything else (including the global `s3.amazonaws.com`) names none.
fn region_of_host(host: &str) -> Option<String> {
    let bare = host
        .strip_prefix("https://")
        .or_else(|| host.strip_prefix("http://"))
        .unwrap_or(host)
        .trim_end_matches('/');
    let bare = match bare.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => bare,
    };
    let region = bare
        .strip_suffix(".amazonaws.com")
        .or_else(|| bare.strip_suffix(".amazonaws.com.cn"))?
        .strip_prefix("s3-")?;
    (!region.is_empty() && !region.contains('.')).then(|| region.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<S3Config, StoreError> {
        let config = ConfigFile::parse(&format!("[backend]\n{text}"), "s3.conf").unwrap();
        S3Config::from_config(&config, "backend")
    }

    const MINIMAL: &str = "s3_store_host = http://127.0.0.1:7480\n\
        s3_store_access_key = ak\ns3_store_secret_key = sk\ns3_store_bucket = images\n";

    fn config_error(text: &str) -> String {
        match parse(text) {
            Err(StoreError::Config(message)) => message,
            other => panic!("expected a config error, got {other:?}"),
        }
    }

    #[test]
    fn defaults_follow_upstream() {
        let config = parse(MINIMAL).unwrap();
        assert_eq!(config.endpoint.as_str(), "http://127.0.0.1:7480/");
        assert_eq!(config.service, "127.0.0.1:7480");
        assert_eq!(config.scheme, "s3");
        assert_eq!(config.region, "us-east-1");
        assert_eq!(config.credentials.key(), "ak");
        assert_eq!(config.credentials.secret(), "sk");
        assert_eq!(config.bucket, "images");
        assert!(!config.create_bucket_on_put);
        assert!(matches!(config.url_style, UrlStyle::Path));
        assert_eq!(config.cacert, None);
        assert_eq!(
            config.upload,
            UploadSettings {
                large_object_size: 100 * MIB,
                chunk_size: 10 * MIB,
                thread_pools: 10,
            }
        );
    }

    #[test]
    fn every_option_is_read() {
        let config = parse(
            "s3_store_host = https://s3-eu-west-1.amazonaws.com/\n\
             s3_store_access_key = ak\ns3_store_secret_key = sk\ns3_store_bucket = images\n\
             s3_store_create_bucket_on_put = true\ns3_store_large_object_size = 0\n\
             s3_store_large_object_chunk_size = 5\ns3_store_thread_pools = 3\n\
             s3_store_cacert = /etc/ssl/ca.pem\n",
        )
        .unwrap();
        assert_eq!(
            config.endpoint.as_str(),
            "https://s3-eu-west-1.amazonaws.com/"
        );
        assert_eq!(config.service, "s3-eu-west-1.amazonaws.com");
        assert_eq!(config.scheme, "s3+https");
        assert_eq!(config.region, "eu-west-1");
        assert!(config.create_bucket_on_put);
        assert!(matches!(config.url_style, UrlStyle::VirtualHost));
        assert_eq!(config.cacert, Some(PathBuf::from("/etc/ssl/ca.pem")));
        assert_eq!(
            config.upload,
            UploadSettings {
                large_object_size: 0,
                chunk_size: 5 * MIB,
                thread_pools: 3,
            }
        );
    }

    #[test]
    fn bare_host_is_http() {
        let config =
            parse(&MINIMAL.replace("http://127.0.0.1:7480", "objects.example.com:8080")).unwrap();
        assert_eq!(config.endpoint.as_str(), "http://objects.example.com:8080/");
        assert_eq!(config.service, "objects.example.com:8080");
        assert_eq!(config.scheme, "s3");
        assert!(matches!(config.url_style, UrlStyle::VirtualHost));
    }

    #[test]
    fn explicit_region_wins() {
        let config = parse(&format!("{MINIMAL}s3_store_region_name = RegionOne\n")).unwrap();
        assert_eq!(config.region, "RegionOne");
    }

    #[test]
    fn region_comes_from_legacy_aws_hosts_only() {
        for (host, region) in [
            ("s3-us-west-2.amazonaws.com", Some("us-west-2")),
            (
                "https://s3-ap-northeast-1.amazonaws.com:443/",
                Some("ap-northeast-1"),
            ),
            ("s3-cn-north-1.amazonaws.com.cn", Some("cn-north-1")),
            ("s3.amazonaws.com", None),
            ("http://127.0.0.1:7480", None),
            ("s3-x.example.com", None),
        ] {
            assert_eq!(region_of_host(host).as_deref(), region, "{host}");
        }
    }

    #[test]
    fn url_format_auto_uses_path_style_where_virtual_cannot_work() {
        let style = |host: &str, bucket: &str| {
            let (url, _, _) = endpoint(host).unwrap();
            auto_url_style(&url, bucket)
        };
        assert!(matches!(
            style("http://10.0.0.1:80", "images"),
            UrlStyle::Path
        ));
        assert!(matches!(
            style("http://[::1]:7480", "images"),
            UrlStyle::Path
        ));
        assert!(matches!(style("localhost:7480", "images"), UrlStyle::Path));
        assert!(matches!(
            style("s3.example.com", "Images_1"),
            UrlStyle::Path
        ));
        assert!(matches!(
            style("s3.example.com", "images"),
            UrlStyle::VirtualHost
        ));
        let path = parse(&format!(
            "{}s3_store_bucket_url_format = path\n",
            MINIMAL.replace("127.0.0.1", "s3.example.com")
        ))
        .unwrap();
        assert!(matches!(path.url_style, UrlStyle::Path));
    }

    #[test]
    fn dns_names() {
        for good in ["abc", "my-images.2024", "a1b"] {
            assert!(dns_compatible(good), "{good}");
        }
        for bad in [
            "ab",
            "-abc",
            "abc-",
            "a..b",
            "ABC",
            "a_b",
            "192.168.0.1",
            &"a".repeat(64),
        ] {
            assert!(!dns_compatible(bad), "{bad}");
        }
    }

    #[test]
    fn missing_required_options_name_section_and_key() {
        for key in [
            "s3_store_host",
            "s3_store_access_key",
            "s3_store_secret_key",
            "s3_store_bucket",
        ] {
            let text: String = MINIMAL
                .lines()
                .filter(|line| !line.starts_with(key))
                .map(|line| format!("{line}\n"))
                .collect();
            let message = config_error(&text);
            assert!(message.contains(&format!("[backend] {key}")), "{message}");
        }
    }

    #[test]
    fn invalid_values_name_section_and_key() {
        for (line, key) in [
            (
                "s3_store_large_object_chunk_size = 4",
                "s3_store_large_object_chunk_size",
            ),
            (
                "s3_store_large_object_chunk_size = 5121",
                "s3_store_large_object_chunk_size",
            ),
            (
                "s3_store_large_object_chunk_size = ten",
                "s3_store_large_object_chunk_size",
            ),
            (
                "s3_store_large_object_size = -1",
                "s3_store_large_object_size",
            ),
            ("s3_store_thread_pools = 0", "s3_store_thread_pools"),
            (
                "s3_store_create_bucket_on_put = maybe",
                "s3_store_create_bucket_on_put",
            ),
            (
                "s3_store_bucket_url_format = subdomain",
                "s3_store_bucket_url_format",
            ),
            (
                "s3_store_bucket_url_format = virtual\ns3_store_bucket = My_Images",
                "s3_store_bucket_url_format",
            ),
        ] {
            let message = config_error(&format!("{MINIMAL}{line}\n"));
            assert!(
                message.contains(&format!("[backend] {key}")),
                "{line}: {message}"
            );
        }
        for host in ["ftp://h/x?y", "http://", "http://u:p@h"] {
            let message = config_error(&MINIMAL.replace("http://127.0.0.1:7480", host));
            assert!(
                message.contains("[backend] s3_store_host"),
                "{host}: {message}"
            );
        }
    }
}
