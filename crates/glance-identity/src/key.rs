//! The token signing key: 32 random bytes in `token.key` (mode 0600).

use std::fs;
use std::io;
use std::path::Path;

use crate::IdentityError;
use crate::secure_file;

/// Length of the HMAC-SHA256 key in bytes.
const KEY_LEN: usize = 32;

/// Reads `path`, creating it with a fresh random key first if it is missing.
/// Two processes racing to create it end up with the same key.
pub(crate) fn load_or_create(path: &Path) -> Result<Vec<u8>, IdentityError> {
    match fs::read(path) {
        Ok(key) => check(path, key),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let mut key = vec![0u8; KEY_LEN];
            openssl::rand::rand_bytes(&mut key)?;
            match secure_file::write_new(path, &key) {
                Ok(()) => Ok(key),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    let key = fs::read(path).map_err(IdentityError::io(path))?;
                    check(path, key)
                }
                Err(e) => Err(IdentityError::io(path)(e)),
            }
        }
        Err(e) => Err(IdentityError::io(path)(e)),
    }
}

fn check(path: &Path, key: Vec<u8>) -> Result<Vec<u8>, IdentityError> {
    if key.len() == KEY_LEN {
        Ok(key)
    } else {
        Err(IdentityError::BadKey(path.to_path_buf()))
    }
}
