//! Single-range requests, as upstream accepts them (`Range`, or the legacy
//! request `Content-Range`).

use crate::error::ApiError;
use glance_store::ByteRange;

/// A requested range, before it is resolved against the image size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeSpec {
    /// `bytes=a-b` or `bytes=a-` (end `None`).
    FromTo(u64, Option<u64>),
    /// `bytes=-n`: the last `n` bytes.
    Suffix(u64),
}

impl RangeSpec {
    /// Parses a `Range` header value. `Ok(None)` means "ignore" (not bytes).
    pub fn parse_range(value: &str) -> Result<Option<Self>, ApiError> {
        let Some(spec) = value.trim().strip_prefix("bytes=") else {
            return Ok(None);
        };
        if spec.contains(',') {
            return Err(ApiError::BadRequest(
                "Requests with multiple ranges are not supported in Glance. You may make multiple single-range requests instead.".into(),
            ));
        }
        let (a, b) = spec
            .trim()
            .split_once('-')
            .ok_or(ApiError::RangeNotSatisfiable { size: 0 })?;
        let num = |s: &str| {
            s.trim()
                .parse::<u64>()
                .map_err(|_| ApiError::RangeNotSatisfiable { size: 0 })
        };
        Ok(Some(match (a.trim(), b.trim()) {
            ("", n) => Self::Suffix(num(n)?),
            (s, "") => Self::FromTo(num(s)?, None),
            (s, e) => Self::FromTo(num(s)?, Some(num(e)?)),
        }))
    }

    /// Parses a legacy request `Content-Range: bytes a-b/*` header value.
    pub fn parse_content_range(value: &str) -> Result<Option<Self>, ApiError> {
        let Some(spec) = value.trim().strip_prefix("bytes ") else {
            return Ok(None);
        };
        let range = spec.split('/').next().unwrap_or("");
        Self::parse_range(&format!("bytes={range}"))
    }

    /// Resolves against the object size; 416 when unsatisfiable.
    pub fn resolve(self, size: u64) -> Result<ByteRange, ApiError> {
        let unsatisfiable = ApiError::RangeNotSatisfiable { size };
        match self {
            Self::Suffix(0) => Err(unsatisfiable),
            Self::Suffix(n) => {
                if size == 0 {
                    return Err(unsatisfiable);
                }
                Ok(ByteRange {
                    start: size.saturating_sub(n),
                    end: size - 1,
                })
            }
            Self::FromTo(start, end) => {
                let end = end.unwrap_or(u64::MAX).min(size.saturating_sub(1));
                if start >= size || end < start {
                    return Err(unsatisfiable);
                }
                Ok(ByteRange { start, end })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(s: &str, size: u64) -> Result<ByteRange, ApiError> {
        RangeSpec::parse_range(s)?.unwrap().resolve(size)
    }

    #[test]
    fn ranges() {
        assert_eq!(r("bytes=0-9", 100).unwrap(), ByteRange { start: 0, end: 9 });
        assert_eq!(
            r("bytes=90-", 100).unwrap(),
            ByteRange { start: 90, end: 99 }
        );
        assert_eq!(
            r("bytes=-5", 100).unwrap(),
            ByteRange { start: 95, end: 99 }
        );
        assert_eq!(
            r("bytes=-500", 100).unwrap(),
            ByteRange { start: 0, end: 99 }
        );
        assert_eq!(
            r("bytes=50-1000", 100).unwrap(),
            ByteRange { start: 50, end: 99 }
        );
        assert!(matches!(
            r("bytes=100-", 100),
            Err(ApiError::RangeNotSatisfiable { size: 100 })
        ));
        assert!(matches!(
            r("bytes=9-3", 100),
            Err(ApiError::RangeNotSatisfiable { .. })
        ));
        assert!(matches!(
            r("bytes=x-3", 100),
            Err(ApiError::RangeNotSatisfiable { .. })
        ));
        assert!(matches!(
            RangeSpec::parse_range("bytes=0-1,5-6"),
            Err(ApiError::BadRequest(_))
        ));
        assert_eq!(RangeSpec::parse_range("items=0-1").unwrap(), None);
        assert_eq!(
            RangeSpec::parse_content_range("bytes 2-3/*").unwrap(),
            Some(RangeSpec::FromTo(2, Some(3)))
        );
    }
}
