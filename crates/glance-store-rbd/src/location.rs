//! Location URLs: `rbd://<fsid>/<pool>/<image>/<snapshot>` with every part
//! percent-quoted (as Python's `urllib.parse.quote(part, '')`), and the
//! legacy `rbd://<image>` of images in the store's pool, taken verbatim.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use std::fmt;

/// The scheme prefix.
const PREFIX: &str = "rbd://";

/// The snapshot `put` creates and protects (upstream's `DEFAULT_SNAPNAME`).
pub(crate) const SNAPSHOT: &str = "snap";

/// Bytes quoted in a component: all but letters, digits and `_.-~`.
const QUOTED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'_')
    .remove(b'.')
    .remove(b'-')
    .remove(b'~');

/// Where an image's data lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Location {
    /// `rbd://<image>`: an image in the store's pool, read at its head.
    Legacy {
        /// The image name.
        image: String,
    },
    /// `rbd://<fsid>/<pool>/<image>/<snapshot>`: what `put` writes.
    Snapshot {
        /// The cluster fsid.
        fsid: String,
        /// The pool.
        pool: String,
        /// The image name.
        image: String,
        /// The snapshot holding the data.
        snapshot: String,
    },
}

impl Location {
    /// Parses a location; `None` if it is not an rbd URL of either form or
    /// has an empty component.
    pub(crate) fn parse(url: &str) -> Option<Location> {
        let pieces: Vec<&str> = url.strip_prefix(PREFIX)?.split('/').collect();
        if pieces.iter().any(|piece| piece.is_empty()) {
            return None;
        }
        match pieces[..] {
            [image] => Some(Location::Legacy {
                image: image.to_owned(),
            }),
            [fsid, pool, image, snapshot] => Some(Location::Snapshot {
                fsid: unquote(fsid)?,
                pool: unquote(pool)?,
                image: unquote(image)?,
                snapshot: unquote(snapshot)?,
            }),
            _ => None,
        }
    }

    /// The image name.
    pub(crate) fn image(&self) -> &str {
        match self {
            Location::Legacy { image } | Location::Snapshot { image, .. } => image,
        }
    }

    /// The snapshot to read, `None` for the head.
    pub(crate) fn snapshot(&self) -> Option<&str> {
        match self {
            Location::Legacy { .. } => None,
            Location::Snapshot { snapshot, .. } => Some(snapshot),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Legacy { image } => write!(f, "{PREFIX}{image}"),
            Location::Snapshot {
                fsid,
                pool,
                image,
                snapshot,
            } => write!(
                f,
                "{PREFIX}{}/{}/{}/{}",
                quote(fsid),
                quote(pool),
                quote(image),
                quote(snapshot)
            ),
        }
    }
}

/// A quoted component.
fn quote(part: &str) -> percent_encoding::PercentEncode<'_> {
    utf8_percent_encode(part, QUOTED)
}

/// An unquoted component; `None` if it is not UTF-8 once decoded.
fn unquote(part: &str) -> Option<String> {
    percent_decode_str(part)
        .decode_utf8()
        .ok()
        .map(|text| text.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(fsid: &str, pool: &str, image: &str, snapshot: &str) -> Location {
        Location::Snapshot {
            fsid: fsid.into(),
            pool: pool.into(),
            image: image.into(),
            snapshot: snapshot.into(),
        }
    }

    #[test]
    fn parses_the_four_part_form() {
        let url = "rbd://6e2ee780-b3ad-4ce8-80ae-5089ff8745cc/images/3f5c/snap";
        let location = Location::parse(url).unwrap();
        assert_eq!(
            location,
            snapshot(
                "6e2ee780-b3ad-4ce8-80ae-5089ff8745cc",
                "images",
                "3f5c",
                "snap"
            )
        );
        assert_eq!(location.image(), "3f5c");
        assert_eq!(location.snapshot(), Some("snap"));
        assert_eq!(location.to_string(), url);
    }

    #[test]
    fn parses_the_legacy_form_verbatim() {
        let location = Location::parse("rbd://my%20image").unwrap();
        assert_eq!(
            location,
            Location::Legacy {
                image: "my%20image".into()
            }
        );
        assert_eq!(location.snapshot(), None);
        assert_eq!(location.to_string(), "rbd://my%20image");
    }

    #[test]
    fn quotes_and_unquotes_components() {
        let location = snapshot("f/s:id", "po ol", "ïmage@x", "sn~ap_1.-");
        let url = location.to_string();
        assert_eq!(url, "rbd://f%2Fs%3Aid/po%20ol/%C3%AFmage%40x/sn~ap_1.-");
        assert_eq!(Location::parse(&url).unwrap(), location);
        assert_eq!(
            Location::parse("rbd://a/b%2fc/d%25e/f").unwrap(),
            snapshot("a", "b/c", "d%e", "f")
        );
    }

    #[test]
    fn refuses_other_shapes() {
        for url in [
            "rbd://",
            "rbd:///images/x/snap",
            "rbd://fsid/images/x/",
            "rbd://fsid/images/x",
            "rbd://fsid/images",
            "rbd://fsid/images/x/snap/more",
            "rbd://a//b/c",
            "rbd://fsid/images/%FF/snap",
            "file:///images/x",
            "RBD://x",
            "x",
        ] {
            assert_eq!(Location::parse(url), None, "{url}");
        }
    }
}
