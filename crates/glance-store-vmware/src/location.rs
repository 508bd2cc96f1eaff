//! Location URLs, as upstream writes them:
//! `vsphere://<host>/folder/<image_dir>/<image_id>?dcPath=<dc>&dsName=<ds>`.

use percent_encoding::percent_decode_str;
use url::Url;
use url::form_urlencoded;

/// The scheme of the location URLs.
const SCHEME: &str = "vsphere://";

/// The URL path prefix of datastore files on the server.
const FOLDER: &str = "/folder/";

/// A datastore file named by a location URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Location {
    /// The location URL.
    pub(crate) url: String,
    /// The same file over https (`/folder` access on the server).
    pub(crate) https: Url,
    /// The datacenter's inventory path (`dcPath`), if given.
    pub(crate) dc_path: Option<String>,
    /// The datastore name (`dsName`).
    pub(crate) ds_name: String,
    /// The file's path inside the datastore, decoded (`dir/image_id`).
    pub(crate) file: String,
}

impl Location {
    /// The location of a new image `image_id` in `image_dir` on the datastore
    /// `ds_name` of datacenter `dc_path`, on the server `host` (an authority).
    pub(crate) fn new(
        host: &str,
        image_dir: &[String],
        image_id: &str,
        dc_path: &str,
        ds_name: &str,
    ) -> Option<Location> {
        let mut https = Url::parse(&format!("https://{host}/folder")).ok()?;
        https
            .path_segments_mut()
            .ok()?
            .extend(image_dir)
            .push(image_id);
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("dcPath", dc_path)
            .append_pair("dsName", ds_name)
            .finish();
        https.set_query(Some(&query));
        let mut file = image_dir.join("/");
        if !file.is_empty() {
            file.push('/');
        }
        file.push_str(image_id);
        Some(Location {
            url: format!("{SCHEME}{}", https.as_str().strip_prefix("https://")?),
            https,
            dc_path: Some(dc_path.to_owned()),
            ds_name: ds_name.to_owned(),
            file,
        })
    }

    /// Parses a location URL (ours or one upstream Glance wrote) if it
    /// names a file on the server `host`: the `vsphere` scheme, that host,
    /// a path under `/folder/` and a `dsName`.
    pub(crate) fn parse(url: &str, host: &str) -> Option<Location> {
        let rest = url
            .strip_prefix(SCHEME)
            .filter(|rest| !rest.starts_with('/'))?;
        let https = Url::parse(&format!("https://{rest}")).ok()?;
        let authority = match https.port() {
            Some(port) => format!("{}:{port}", https.host_str()?),
            None => https.host_str()?.to_owned(),
        };
        if authority != host || !https.username().is_empty() || https.password().is_some() {
            return None;
        }
        let path = https.path().strip_prefix(FOLDER)?;
        let file = percent_decode_str(path).decode_utf8().ok()?.into_owned();
        if file.split('/').any(str::is_empty) {
            return None;
        }
        let (mut dc_path, mut ds_name) = (None, None);
        for (key, value) in https.query_pairs() {
            match key.as_ref() {
                "dcPath" if dc_path.is_none() => dc_path = Some(value.into_owned()),
                "dsName" if ds_name.is_none() => ds_name = Some(value.into_owned()),
                _ => {}
            }
        }
        let ds_name = ds_name.filter(|name| !name.is_empty())?;
        Some(Location {
            url: url.to_owned(),
            https,
            dc_path: dc_path.filter(|path| !path.is_empty()),
            ds_name,
            file,
        })
    }

    /// The datastore path of the file: `[<ds>] <dir>/<image_id>`.
    pub(crate) fn datastore_path(&self) -> String {
        format!("[{}] {}", self.ds_name, self.file)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "8b4a5f3c-0a55-4b8e-9d7e-2f1b6d6a1e10";

    fn dir(segments: &[&str]) -> Vec<String> {
        segments.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn new_locations_have_upstreams_form() {
        let loc = Location::new(
            "127.0.0.1:8989",
            &dir(&["openstack_glance"]),
            ID,
            "DC0",
            "LocalDS_0",
        )
        .unwrap();
        assert_eq!(
            loc.url,
            format!(
                "vsphere://127.0.0.1:8989/folder/openstack_glance/{ID}?dcPath=DC0&dsName=LocalDS_0"
            )
        );
        assert_eq!(
            loc.https.as_str(),
            format!(
                "https://127.0.0.1:8989/folder/openstack_glance/{ID}?dcPath=DC0&dsName=LocalDS_0"
            )
        );
        assert_eq!(
            loc.datastore_path(),
            format!("[LocalDS_0] openstack_glance/{ID}")
        );
        assert_eq!(Location::parse(&loc.url, "127.0.0.1:8989"), Some(loc));
    }

    #[test]
    fn odd_names_are_encoded_and_round_trip() {
        let loc = Location::new("vc", &dir(&["a b", "c"]), ID, "folder/dc 1", "ds&1").unwrap();
        assert_eq!(
            loc.url,
            format!("vsphere://vc/folder/a%20b/c/{ID}?dcPath=folder%2Fdc+1&dsName=ds%261")
        );
        let parsed = Location::parse(&loc.url, "vc").unwrap();
        assert_eq!(parsed.dc_path.as_deref(), Some("folder/dc 1"));
        assert_eq!(parsed.ds_name, "ds&1");
        assert_eq!(parsed.datastore_path(), format!("[ds&1] a b/c/{ID}"));
        let root = Location::new("vc", &[], ID, "dc", "ds").unwrap();
        assert_eq!(
            root.url,
            format!("vsphere://vc/folder/{ID}?dcPath=dc&dsName=ds")
        );
        assert_eq!(root.file, ID);
    }

    #[test]
    fn upstream_locations_parse() {
        let url = format!("vsphere://127.0.0.1/folder/openstack_glance/{ID}?dsName=ds1&dcPath=dc1");
        let loc = Location::parse(&url, "127.0.0.1").unwrap();
        assert_eq!(loc.url, url);
        assert_eq!(loc.dc_path.as_deref(), Some("dc1"));
        assert_eq!(loc.ds_name, "ds1");
        assert_eq!(loc.file, format!("openstack_glance/{ID}"));
        assert_eq!(
            loc.https.as_str(),
            format!("https://127.0.0.1/folder/openstack_glance/{ID}?dsName=ds1&dcPath=dc1")
        );
        let no_dc = Location::parse("vsphere://[::1]:443/folder/x/y?dsName=ds", "[::1]").unwrap();
        assert_eq!(no_dc.dc_path, None);
        assert_eq!(no_dc.datastore_path(), "[ds] x/y");
        let case = Location::parse(
            "vsphere://VC.example.COM/folder/x?dsName=d",
            "vc.example.com",
        );
        assert!(case.is_some());
    }

    #[test]
    fn foreign_or_malformed_locations_are_refused() {
        for url in [
            "vsphere://other-host/folder/dir/id?dcPath=dc&dsName=ds",
            "vsphere://vc:444/folder/dir/id?dcPath=dc&dsName=ds",
            "https://vc/folder/dir/id?dcPath=dc&dsName=ds",
            "vsphere:///vc/folder/dir/id?dsName=ds",
            "vsphere://vc/dir/id?dcPath=dc&dsName=ds",
            "vsphere://vc/folder/?dsName=ds",
            "vsphere://vc/folder/dir//id?dsName=ds",
            "vsphere://vc/folder/dir/id?dcPath=dc",
            "vsphere://vc/folder/dir/id?dcPath=dc&dsName=",
            "vsphere://user:pw@vc/folder/dir/id?dsName=ds",
            "file:///folder/dir/id",
            "",
        ] {
            assert_eq!(Location::parse(url, "vc"), None, "{url}");
        }
    }
}
