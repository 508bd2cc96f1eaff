//! Resolving a requested [`ByteRange`] against an object's size, and
//! reading the `Content-Range` an HTTP backend answers with.

use crate::{ByteRange, StoreError};

impl ByteRange {
    /// Fits the range to an object of `size` bytes: an `end` past the last
    /// byte is clamped to it; a `start` at or past the end of the object, or
    /// an `end` before `start`, is [`StoreError::RangeNotSatisfiable`].
    pub fn clamp_to(self, size: u64) -> Result<ByteRange, StoreError> {
        if self.start >= size || self.end < self.start {
            return Err(StoreError::RangeNotSatisfiable { size });
        }
        Ok(ByteRange {
            start: self.start,
            end: self.end.min(size - 1),
        })
    }

    /// How many bytes the range covers (`end - start + 1`).
    pub fn length(self) -> u64 {
        self.end - self.start + 1
    }
}

/// A `Content-Range` header: `bytes <first>-<last>/<size>`, where either
/// part may be `*` (`None` here).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ContentRange {
    /// The first and last byte sent.
    pub span: Option<(u64, u64)>,
    /// The full size of the object.
    pub size: Option<u64>,
}

/// Parses a `Content-Range` value (white space around the numbers is
/// allowed); `None` if it is not a valid `bytes` range.
pub fn content_range(value: &str) -> Option<ContentRange> {
    let (span, size) = value.trim().strip_prefix("bytes ")?.split_once('/')?;
    let size = match size.trim() {
        "*" => None,
        size => Some(size.parse().ok()?),
    };
    let span = match span.trim() {
        "*" => None,
        span => {
            let (first, last) = span.split_once('-')?;
            Some((first.trim().parse().ok()?, last.trim().parse().ok()?))
        }
    };
    Some(ContentRange { span, size })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(start: u64, end: u64) -> ByteRange {
        ByteRange { start, end }
    }

    #[test]
    fn clamps_end_to_last_byte() {
        assert_eq!(range(5, 100).clamp_to(10).unwrap(), range(5, 9));
        assert_eq!(range(0, 9).clamp_to(10).unwrap().length(), 10);
    }

    #[test]
    fn refuses_start_past_end_of_object() {
        for bad in [range(10, 20), range(11, 11), range(3, 2)] {
            assert!(matches!(
                bad.clamp_to(10),
                Err(StoreError::RangeNotSatisfiable { size: 10 })
            ));
        }
        assert!(range(0, 0).clamp_to(0).is_err());
    }

    #[test]
    fn content_ranges_parse() {
        assert_eq!(
            content_range("bytes 10-19/3893"),
            Some(ContentRange {
                span: Some((10, 19)),
                size: Some(3893)
            })
        );
        assert_eq!(
            content_range("bytes */42"),
            Some(ContentRange {
                span: None,
                size: Some(42)
            })
        );
        assert_eq!(
            content_range("bytes 0-9/*"),
            Some(ContentRange {
                span: Some((0, 9)),
                size: None
            })
        );
        assert_eq!(
            content_range(" bytes 0 - 9 / 10 "),
            Some(ContentRange {
                span: Some((0, 9)),
                size: Some(10)
            })
        );
        for bad in [
            "",
            "bytes",
            "items 0-1/2",
            "bytes 0-x/3",
            "bytes 5/9",
            "bytes 0-1/x",
            "bytes 0-1",
            "bytes -1/2",
            "bytes 0-1-2/3",
        ] {
            assert_eq!(content_range(bad), None, "{bad:?}");
        }
    }
}
