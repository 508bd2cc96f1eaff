//! The driver's options, with upstream's names and defaults.

use glance_config::{ConfigError, ConfigFile, Secret};
use glance_store::StoreError;
use std::net::Ipv6Addr;
use std::time::Duration;
use url::Url;

/// The options of one vmware store section.
#[derive(Debug, Clone)]
pub(crate) struct VmwareConfig {
    /// `vmware_server_host` as a URL authority (`host`, `host:port`,
    /// `[v6]`), normalised.
    pub(crate) host: String,
    /// `vmware_server_username`.
    pub(crate) username: String,
    /// `vmware_server_password`.
    pub(crate) password: Secret,
    /// `vmware_api_retry_count` (default 10, at least 1).
    pub(crate) api_retry_count: u32,
    /// `vmware_task_poll_interval` (default 5 s, at least 1 s).
    pub(crate) task_poll_interval: Duration,
    /// `vmware_store_image_dir` (default `/openstack_glance`) as its
    /// non-empty path segments.
    pub(crate) image_dir: Vec<String>,
    /// `vmware_insecure` (default false): skip certificate verification.
    pub(crate) insecure: bool,
    /// `vmware_ca_file`: the only CAs trusted; `vmware_insecure` is then ignored.
    pub(crate) ca_file: Option<String>,
    /// `vmware_datastores`: where new images may go.
    pub(crate) datastores: Vec<DatastoreSpec>,
}

/// One `vmware_datastores` entry: `<datacenter_path>:<datastore_name>[:<weight>]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DatastoreSpec {
    /// The datacenter's inventory path.
    pub(crate) dc_path: String,
    /// The datastore name.
    pub(crate) name: String,
    /// Higher weights are chosen first (default 0).
    pub(crate) weight: i64,
}

/// Reads `[section]`. Missing required options and bad values are
/// [`StoreError::Config`] naming the section and key.
pub(crate) fn read(config: &ConfigFile, section: &str) -> Result<VmwareConfig, StoreError> {
    let required = |key: &str| {
        config
            .get_string(section, key)
            .ok_or_else(|| StoreError::Config(format!("[{section}] {key} is required")))
    };
    let at_least_one = |key: &str, default: u32| -> Result<u32, StoreError> {
        let value = config
            .get_parsed::<u32>(section, key)
            .map_err(invalid)?
            .unwrap_or(default);
        if value == 0 {
            return Err(StoreError::Config(format!(
                "[{section}] {key} must be at least 1"
            )));
        }
        Ok(value)
    };
    let host = authority(&required("vmware_server_host")?).ok_or_else(|| {
        StoreError::Config(format!(
            "[{section}] vmware_server_host is not a host name or address"
        ))
    })?;
    let username = required("vmware_server_username")?;
    let password = Secret::new(required("vmware_server_password")?);
    let image_dir = config
        .get_string(section, "vmware_store_image_dir")
        .unwrap_or_else(|| "/openstack_glance".to_owned());
    let datastores = config
        .get_all(section, "vmware_datastores")
        .map(|entry| entry.value.trim())
        .filter(|value| !value.is_empty())
        .map(|value| {
            datastore(value).map_err(|reason| {
                StoreError::Config(format!("[{section}] vmware_datastores {value:?}: {reason}"))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    if datastores.is_empty() {
        return Err(StoreError::Config(format!(
            "[{section}] vmware_datastores is required"
        )));
    }
    Ok(VmwareConfig {
        host,
        username,
        password,
        api_retry_count: at_least_one("vmware_api_retry_count", 10)?,
        task_poll_interval: Duration::from_secs(
            at_least_one("vmware_task_poll_interval", 5)?.into(),
        ),
        image_dir: image_dir
            .split('/')
            .filter(|segment| !segment.is_empty())
            .map(str::to_owned)
            .collect(),
        insecure: config
            .get_bool(section, "vmware_insecure")
            .map_err(invalid)?
            .unwrap_or(false),
        ca_file: config.get_string(section, "vmware_ca_file"),
        datastores,
    })
}

/// The URL authority for a `vmware_server_host` value: a host name or
/// address, optionally with a port (a bare IPv6 address gets brackets).
/// `None` if it is not one.
pub(crate) fn authority(host: &str) -> Option<String> {
    let host = host.trim();
    let host = match host.parse::<Ipv6Addr>() {
        Ok(v6) => format!("[{v6}]"),
        Err(_) => host.to_owned(),
    };
    let url = Url::parse(&format!("https://{host}/")).ok()?;
    let plain = url.username().is_empty() && url.password().is_none() && url.path() == "/";
    if !plain || url.query().is_some() || url.fragment().is_some() {
        return None;
    }
    let name = url.host_str()?;
    Some(match url.port() {
        Some(port) => format!("{name}:{port}"),
        None => name.to_owned(),
    })
}

/// Parses a `vmware_datastores` entry as upstream does: split from the
/// right at most twice, so a datacenter path may itself hold `:`.
fn datastore(entry: &str) -> Result<DatastoreSpec, String> {
    let mut parts: Vec<&str> = entry.rsplitn(3, ':').map(str::trim).collect();
    parts.reverse();
    let (dc_path, name, weight) = match parts[..] {
        [dc_path, name] => (dc_path, name, 0),
        [dc_path, name, ""] => (dc_path, name, 0),
        [dc_path, name, weight] => (
            dc_path,
            name,
            weight
                .parse()
                .map_err(|_| format!("invalid weight {weight:?}"))?,
        ),
        _ => {
            return Err(
                "expected datacenter_path:datastore_name or datacenter_path:datastore_name:weight"
                    .to_owned(),
            );
        }
    };
    if dc_path.is_empty() || name.is_empty() {
        return Err("empty datacenter path or datastore name".to_owned());
    }
    Ok(DatastoreSpec {
        dc_path: dc_path.to_owned(),
        name: name.to_owned(),
        weight,
    })
}

/// An option with a value of the wrong type.
fn invalid(error: ConfigError) -> StoreError {
    StoreError::Config(error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(dc_path: &str, name: &str, weight: i64) -> DatastoreSpec {
        DatastoreSpec {
            dc_path: dc_path.into(),
            name: name.into(),
            weight,
        }
    }

    fn parse(options: &str) -> Result<VmwareConfig, StoreError> {
        let text = format!(
            "[vmware]\nvmware_server_host = vc.example.com\nvmware_server_username = u\n\
             vmware_server_password = p\nvmware_datastores = DC0:ds\n{options}\n"
        );
        read(&ConfigFile::parse(&text, "test").unwrap(), "vmware")
    }

    fn config_error(options: &str) -> String {
        match parse(options) {
            Err(StoreError::Config(message)) => message,
            other => panic!("{options}: {other:?}"),
        }
    }

    #[test]
    fn datastore_entries_parse_like_upstream() {
        assert_eq!(
            datastore("DC0:LocalDS_0").unwrap(),
            spec("DC0", "LocalDS_0", 0)
        );
        assert_eq!(datastore("a:b:100").unwrap(), spec("a", "b", 100));
        assert_eq!(datastore(" a : b : -3 ").unwrap(), spec("a", "b", -3));
        assert_eq!(datastore("a:b:").unwrap(), spec("a", "b", 0));
        assert_eq!(datastore("x:dc:ds:7").unwrap(), spec("x:dc", "ds", 7));
        assert_eq!(
            datastore("folder/dc:ds").unwrap(),
            spec("folder/dc", "ds", 0)
        );
        for bad in ["ds", ":ds", "dc:", "dc:ds:heavy", "x:dc:ds"] {
            assert!(datastore(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn defaults_are_upstreams() {
        let config = parse("").unwrap();
        assert_eq!(config.host, "vc.example.com");
        assert_eq!(config.api_retry_count, 10);
        assert_eq!(config.task_poll_interval, Duration::from_secs(5));
        assert_eq!(config.image_dir, ["openstack_glance"]);
        assert!(!config.insecure);
        assert_eq!(config.ca_file, None);
        assert_eq!(config.datastores, [spec("DC0", "ds", 0)]);
    }

    #[test]
    fn datastores_are_multi_valued() {
        let config =
            parse("vmware_datastores = DC1:fast:10\nvmware_datastores = DC1:slow").unwrap();
        assert_eq!(
            config.datastores,
            [
                spec("DC0", "ds", 0),
                spec("DC1", "fast", 10),
                spec("DC1", "slow", 0)
            ]
        );
        let config = parse("vmware_store_image_dir = /a//b/\nvmware_insecure = true").unwrap();
        assert_eq!(config.image_dir, ["a", "b"]);
        assert!(config.insecure);
    }

    #[test]
    fn hosts_become_authorities() {
        assert_eq!(
            authority("127.0.0.1:8989").as_deref(),
            Some("127.0.0.1:8989")
        );
        assert_eq!(
            authority("VC.Example.com").as_deref(),
            Some("vc.example.com")
        );
        assert_eq!(authority("::1").as_deref(), Some("[::1]"));
        assert_eq!(authority("[::1]:443").as_deref(), Some("[::1]"));
        for bad in ["", "a b", "u@host", "host/path", "host?x", "host:port"] {
            assert_eq!(authority(bad), None, "{bad}");
        }
    }

    #[test]
    fn bad_options_name_section_and_key() {
        for (options, key) in [
            ("vmware_api_retry_count = 0", "vmware_api_retry_count"),
            ("vmware_api_retry_count = many", "vmware_api_retry_count"),
            ("vmware_task_poll_interval = 0", "vmware_task_poll_interval"),
            ("vmware_insecure = perhaps", "vmware_insecure"),
            ("vmware_datastores = nocolon", "vmware_datastores"),
            ("vmware_server_host = a b", "vmware_server_host"),
        ] {
            let message = config_error(options);
            assert!(message.contains(&format!("[vmware] {key}")), "{message}");
        }
        let text = "[vmware]\nvmware_server_host = h\nvmware_server_username = u\n";
        let err = read(&ConfigFile::parse(text, "t").unwrap(), "vmware").unwrap_err();
        assert!(
            err.to_string()
                .contains("[vmware] vmware_server_password is required"),
            "{err}"
        );
    }
}
