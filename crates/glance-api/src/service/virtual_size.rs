//! The virtual disk size recorded on upload, read from the image header
//! (only for `bare` containers, as upstream does). The full streaming format
//! inspector with its safety checks belongs to the glance-format crate.

/// Bytes of the stream kept to read headers from.
pub const HEADER_LEN: usize = 512;

/// qcow2 magic, `QFI\xfb`.
const QCOW2_MAGIC: [u8; 4] = [b'Q', b'F', b'I', 0xfb];

/// The virtual size of uploaded data, if its format tells one.
pub fn virtual_size(
    disk_format: Option<&str>,
    container_format: Option<&str>,
    header: &[u8],
    size: u64,
) -> Option<i64> {
    if container_format != Some("bare") {
        return None;
    }
    match disk_format? {
        "raw" => i64::try_from(size).ok(),
        "qcow2" if header.len() >= 32 && header[..4] == QCOW2_MAGIC => {
            let bytes: [u8; 8] = header[24..32].try_into().ok()?;
            i64::try_from(u64::from_be_bytes(bytes)).ok()
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qcow2_header_and_raw() {
        let mut h = vec![0u8; 512];
        h[..4].copy_from_slice(&QCOW2_MAGIC);
        h[24..32].copy_from_slice(&(64u64 << 20).to_be_bytes());
        assert_eq!(
            virtual_size(Some("qcow2"), Some("bare"), &h, 196_616),
            Some(64 << 20)
        );
        assert_eq!(virtual_size(Some("qcow2"), Some("ovf"), &h, 196_616), None);
        assert_eq!(
            virtual_size(Some("qcow2"), Some("bare"), &[0u8; 512], 10),
            None
        );
        assert_eq!(virtual_size(Some("raw"), Some("bare"), &[], 10), Some(10));
        assert_eq!(virtual_size(Some("iso"), Some("bare"), &h, 10), None);
    }
}
