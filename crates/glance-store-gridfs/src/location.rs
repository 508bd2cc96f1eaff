//! The location URLs of GridFS images: `gridfs://<image id>`.
//!
//! As upstream, a location names only the file, never the server or the
//! database, so no connection details end up in glance's database.

/// The scheme prefix of every location this driver writes and reads.
const PREFIX: &str = "gridfs://";

/// The location of the GridFS file holding `image_id`.
pub(crate) fn url(image_id: &str) -> String {
    format!("{PREFIX}{image_id}")
}

/// The GridFS file id a location names, if it is a `gridfs://<id>` URL.
pub(crate) fn file_id(url: &str) -> Option<&str> {
    url.strip_prefix(PREFIX).filter(|id| valid_id(id))
}

/// Whether `id` can be the file id of a location: non-empty, and without
/// anything that would make `gridfs://<id>` a URL with a path, query,
/// fragment, user or port, or that cannot appear in a URL at all.
pub(crate) fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && !id.chars().any(|c| {
            matches!(c, '/' | '?' | '#' | '@' | ':' | '\\' | '%')
                || c.is_whitespace()
                || c.is_control()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "6a1f2c3d-0b4e-4f5a-9c8d-7e6f5a4b3c2d";

    #[test]
    fn an_image_id_round_trips_through_its_location() {
        let location = url(ID);
        assert_eq!(location, format!("gridfs://{ID}"));
        assert_eq!(file_id(&location), Some(ID));
    }

    #[test]
    fn other_schemes_and_shapes_are_refused() {
        for bad in [
            "",
            "gridfs://",
            "gridfs:/abc",
            "GRIDFS://abc",
            "file:///var/lib/glance/images/abc",
            "swift://abc",
            "gridfs://abc/def",
            "gridfs://abc/",
            "gridfs://abc?x=1",
            "gridfs://abc#frag",
            "gridfs://user@abc",
            "gridfs://host:27017",
            "gridfs://a b",
            "gridfs://a%2Fb",
            "gridfs://a\\b",
            "gridfs://a\nb",
        ] {
            assert_eq!(file_id(bad), None, "{bad:?} must not be a gridfs location");
        }
    }

    #[test]
    fn image_ids_that_cannot_be_locations_are_invalid() {
        assert!(valid_id(ID));
        assert!(valid_id("plain-name_1.2"));
        for bad in ["", "a/b", "a?b", "a#b", "a b", "a:b", "a\0b"] {
            assert!(!valid_id(bad), "{bad:?}");
        }
    }
}
