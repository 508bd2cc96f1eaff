//! Digests computed while data streams: each on its own thread, fed by a
//! small bounded channel, so an upload is bounded by the slower hash.

use bytes::Bytes;
use digest::DynDigest;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Chunks queued per hasher before the upload waits for it.
const QUEUE: usize = 4;

/// Creates a hasher for an upstream `hashing_algorithm` name.
pub fn new_digest(algorithm: &str) -> Option<Box<dyn DynDigest + Send>> {
    Some(match algorithm {
        "sha512" => Box::new(sha2::Sha512::default()),
        "sha384" => Box::new(sha2::Sha384::default()),
        "sha256" => Box::new(sha2::Sha256::default()),
        "sha224" => Box::new(sha2::Sha224::default()),
        "sha1" => Box::new(sha1::Sha1::default()),
        "md5" => Box::new(md5::Md5::default()),
        _ => return None,
    })
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
    pub fn spawn(mut digest: Box<dyn DynDigest + Send>) -> Self {
        let (tx, mut rx) = mpsc::channel::<Bytes>(QUEUE);
        let task = tokio::task::spawn_blocking(move || {
            while let Some(chunk) = rx.blocking_recv() {
                digest.update(&chunk);
            }
            hex(&digest.finalize())
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
        for part in [&b"hello "[..], &b"world"[..]] {
            md5.feed(Bytes::from_static(part)).await;
            sha.feed(Bytes::from_static(part)).await;
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
        assert!(new_digest("crc32").is_none());
    }
}
