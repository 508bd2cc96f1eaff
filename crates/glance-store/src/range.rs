//! Resolving a requested [`ByteRange`] against an object's size.

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
}
