//! Multipart part sizes within S3's limits: at most 10,000 parts of 5 MiB
//! to 5 GiB (the last may be smaller), for objects up to 5 TiB.

/// Most parts one multipart upload may have.
pub(crate) const MAX_PARTS: u16 = 10_000;

/// Largest part S3 takes.
const MAX_PART_SIZE: u64 = 5 << 30;

/// Parts sent before the part size of an upload of unknown size doubles.
const PARTS_PER_DOUBLING: u16 = 500;

/// How big each part of one upload is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PartSizes {
    /// The image size is known: one size for every part, raised above the
    /// configured chunk size when that is needed to fit in 10,000 parts.
    Fixed(u64),
    /// The image size is unknown: parts start at the chunk size and double
    /// every [`PARTS_PER_DOUBLING`] parts (up to 5 GiB), so that 10,000
    /// parts reach S3's 5 TiB maximum object even from 5 MiB chunks, while
    /// small images keep small parts.
    Growing(u64),
}

impl PartSizes {
    /// The plan for an upload of `size` bytes (if known) with parts of
    /// `chunk_size` bytes preferred.
    pub(crate) fn new(chunk_size: u64, size: Option<u64>) -> PartSizes {
        match size {
            Some(size) => PartSizes::Fixed(chunk_size.max(size.div_ceil(u64::from(MAX_PARTS)))),
            None => PartSizes::Growing(chunk_size),
        }
    }

    /// The size of part `number` (1-based).
    pub(crate) fn size(self, number: u16) -> u64 {
        match self {
            PartSizes::Fixed(size) => size,
            PartSizes::Growing(chunk) => {
                let doublings = u32::from(number.saturating_sub(1) / PARTS_PER_DOUBLING);
                chunk
                    .saturating_mul(1u64 << doublings.min(63))
                    .min(MAX_PART_SIZE)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1 << 20;
    const MAX_OBJECT_SIZE: u64 = 5 << 40;

    fn total(sizes: PartSizes) -> u64 {
        (1..=MAX_PARTS).map(|n| sizes.size(n)).sum()
    }

    #[test]
    fn known_sizes_keep_the_chunk_size_while_it_fits() {
        let sizes = PartSizes::new(10 * MIB, Some(3 << 30));
        assert_eq!(sizes, PartSizes::Fixed(10 * MIB));
        assert_eq!(sizes.size(1), 10 * MIB);
        assert_eq!(sizes.size(MAX_PARTS), 10 * MIB);
        assert_eq!(PartSizes::new(5 * MIB, Some(0)), PartSizes::Fixed(5 * MIB));
        // 10,000 parts of 10 MiB hold exactly this much.
        let limit = 10 * MIB * u64::from(MAX_PARTS);
        assert_eq!(
            PartSizes::new(10 * MIB, Some(limit)),
            PartSizes::Fixed(10 * MIB)
        );
        assert_eq!(
            PartSizes::new(10 * MIB, Some(limit + 1)),
            PartSizes::Fixed(10 * MIB + 1)
        );
    }

    #[test]
    fn known_sizes_up_to_5_tib_fit_in_10000_parts() {
        for chunk in [5 * MIB, 10 * MIB, 64 * MIB] {
            for size in [
                100 * MIB,
                97 << 30,
                1 << 40,
                MAX_OBJECT_SIZE - 1,
                MAX_OBJECT_SIZE,
            ] {
                let part = PartSizes::new(chunk, Some(size)).size(1);
                assert!(part >= chunk);
                assert!(part <= MAX_PART_SIZE, "{size}: part of {part} bytes");
                assert!(
                    size.div_ceil(part) <= u64::from(MAX_PARTS),
                    "{size} bytes in parts of {part} need {} parts",
                    size.div_ceil(part)
                );
            }
        }
    }

    #[test]
    fn unknown_sizes_grow_to_reach_5_tib_in_10000_parts() {
        for chunk in [5 * MIB, 10 * MIB, 100 * MIB, 5 << 30] {
            let sizes = PartSizes::new(chunk, None);
            assert_eq!(sizes, PartSizes::Growing(chunk));
            assert!(
                total(sizes) >= MAX_OBJECT_SIZE,
                "chunk {chunk}: 10,000 parts hold only {} bytes",
                total(sizes)
            );
            for n in 1..=MAX_PARTS {
                let size = sizes.size(n);
                assert!((chunk..=MAX_PART_SIZE).contains(&size), "part {n}: {size}");
                assert!(n == 1 || size >= sizes.size(n - 1), "part {n} shrank");
            }
        }
    }

    #[test]
    fn unknown_sizes_keep_small_parts_for_small_images() {
        let sizes = PartSizes::new(10 * MIB, None);
        assert_eq!(sizes.size(1), 10 * MIB);
        assert_eq!(sizes.size(PARTS_PER_DOUBLING), 10 * MIB);
        assert_eq!(sizes.size(PARTS_PER_DOUBLING + 1), 20 * MIB);
        assert_eq!(sizes.size(2 * PARTS_PER_DOUBLING + 1), 40 * MIB);
        assert_eq!(sizes.size(MAX_PARTS), 5 << 30);
    }
}
