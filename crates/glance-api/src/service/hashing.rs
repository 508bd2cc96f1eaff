//! Digests computed while data streams: each on its own thread, fed by a
//! small bounded channel, so an upload is bounded by the slower hash.
//!
//! With the default `openssl` feature the digests come from OpenSSL (its md5
//! and sha512 are 20-40 % faster here); without it, from RustCrypto.

use bytes::Bytes;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

#[cfg(not(any(feature = "openssl", feature = "pure-rust")))]
compile_error!(
    "glance-api needs a digest implementation: enable the `openssl` or `pure-rust` feature"
);

/// Chunks queued per hasher before the upload waits for it.
const QUEUE: usize = 4;

/// A running digest.
pub trait Digest: Send {
    /// Adds data.
    fn update(&mut self, data: &[u8]);
    /// Returns the digest bytes.
    fn finish(self: Box<Self>) -> Vec<u8>;
}

#[cfg(feature = "openssl")]
impl Digest for openssl::hash::Hasher {
    fn update(&mut self, data: &[u8]) {
        // Updating an in-memory OpenSSL digest context only fails on allocation failure.
        openssl::hash::Hasher::update(self, data).expect("OpenSSL digest update");
    }
    fn finish(mut self: Box<Self>) -> Vec<u8> {
        openssl::hash::Hasher::finish(&mut self)
            .expect("OpenSSL digest finish")
            .to_vec()
    }
}

/// Creates a hasher for an upstream `hashing_algorithm` name.
#[cfg(feature = "openssl")]
pub fn new_digest(algorithm: &str) -> Option<Box<dyn Digest>> {
    use openssl::hash::{Hasher, MessageDigest};
    let md = match algorithm {
        "sha512" => MessageDigest::sha512(),
        "sha384" => MessageDigest::sha384(),
        "sha256" => MessageDigest::sha256(),
        "sha224" => MessageDigest::sha224(),
        "sha1" => MessageDigest::sha1(),
        "md5" => MessageDigest::md5(),
        _ => return None,
    };
    Hasher::new(md).ok().map(|h| Box::new(h) as Box<dyn Digest>)
}

#[cfg(all(feature = "pure-rust", not(feature = "openssl")))]
impl Digest for Box<dyn digest::DynDigest + Send> {
    fn update(&mut self, data: &[u8]) {
        digest::DynDigest::update(self.as_mut(), data);
    }
    fn finish(self: Box<Self>) -> Vec<u8> {
        digest::DynDigest::finalize(*self).to_vec()
    }
}

/// Creates a hasher for an upstream `hashing_algorithm` name.
#[cfg(all(feature = "pure-rust", not(feature = "openssl")))]
pub fn new_digest(algorithm: &str) -> Option<Box<dyn Digest>> {
    let d: Box<dyn digest::DynDigest + Send> = match algorithm {
        "sha512" => Box::new(sha2::Sha512::default()),
        "sha384" => Box::new(sha2::Sha384::default()),
        "sha256" => Box::new(sha2::Sha256::default()),
        "sha224" => Box::new(sha2::Sha224::default()),
        "sha1" => Box::new(sha1::Sha1::default()),
        "md5" => Box::new(md5::Md5::default()),
        _ => return None,
    };
    Some(Box::new(d))
}

/// The digest length in bytes of a `hashing_algorithm` name, taken from the
/// digest itself (`None` for an unknown name).
pub fn digest_len(algorithm: &str) -> Option<usize> {
    new_digest(algorithm).map(|d| d.finish().len())
}

/// Whether `value` is whole bytes of hex (an even number of hex digits).
pub fn is_hex(value: &str) -> bool {
    value.len().is_multiple_of(2) && value.bytes().all(|b| b.is_ascii_hexdigit())
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// A digest running on a blocking thread.
pub struct Hasher {
    tx: mpsc::Sender<Bytes>,
    task: JoinHandle<String>,
}

impl Hasher {
    /// Starts hashing with `digest`.
    pub fn spawn(mut digest: Box<dyn Digest>) -> Self {
        let (tx, mut rx) = mpsc::channel::<Bytes>(QUEUE);
        let task = tokio::task::spawn_blocking(move || {
            while let Some(chunk) = rx.blocking_recv() {
                digest.update(&chunk);
            }
            hex(&digest.finish())
        });
        Self { tx, task }
    }

    /// Feeds a chunk, waiting while the hasher is behind.
    pub async fn feed(&self, chunk: Bytes) {
        // The receiver only goes away if the thread panicked; finish() reports that.
        let _ = self.tx.send(chunk).await;
    }

    /// Ends the input and returns the hex digest.
    pub async fn finish(self) -> Option<String> {
        drop(self.tx);
        self.task.await.ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn digests_match_known_values() {
        let md5 = Hasher::spawn(new_digest("md5").unwrap());
        let sha = Hasher::spawn(new_digest("sha512").unwrap());
        let s256 = Hasher::spawn(new_digest("sha256").unwrap());
        for part in [&b"hello "[..], &b"world"[..]] {
            md5.feed(Bytes::from_static(part)).await;
            sha.feed(Bytes::from_static(part)).await;
            s256.feed(Bytes::from_static(part)).await;
        }
        assert_eq!(
            md5.finish().await.unwrap(),
            "5eb63bbbe01eeed093cb22bb8f5acdc3"
        );
        assert!(
            sha.finish()
                .await
                .unwrap()
                .starts_with("309ecc489c12d6eb4cc40f50c902f2b4")
        );
        assert_eq!(
            s256.finish().await.unwrap(),
            "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"
        );
        assert!(new_digest("crc32").is_none());
    }
}
