//! Who may call the daemon: callers that present the shared secret
//! (`[registry] shared_secret`, else the generated
//! `<state_path>/registry.secret`) in the `X-Glance-Registry-Secret` header,
//! or, with `[paste_deploy] flavor = keystone`, a Keystone token with the
//! admin or service role in `X-Auth-Token`. Everyone else gets 401.

use crate::SetupError;
use crate::server::Failure;
use crate::wire::{ErrorKind, SECRET_HEADER};
use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use glance_auth::KeystoneValidator;
use glance_config::Secret;
use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;
use std::sync::Arc;

/// Random bytes in a generated secret (written as 64 hex digits).
const SECRET_BYTES: usize = 32;

/// Roles a Keystone token needs to reach the daemon.
const ROLES: [&str; 2] = ["admin", "service"];

/// How the daemon checks its callers.
pub enum Guard {
    /// The caller must send this secret in `X-Glance-Registry-Secret`.
    SharedSecret(Secret),
    /// The caller must send a Keystone token (`X-Auth-Token`) with the
    /// admin or service role.
    Keystone(Arc<KeystoneValidator>),
}

impl Guard {
    /// Admits a request by its headers, or says why not: 401 for missing or
    /// wrong credentials, 503 when Keystone cannot be asked.
    pub(crate) async fn check(&self, headers: &HeaderMap) -> Result<(), Failure> {
        match self {
            Guard::SharedSecret(secret) => match headers.get(SECRET_HEADER) {
                Some(sent) if secret_matches(secret, sent.as_bytes()) => Ok(()),
                Some(_) => Err(unauthorized("wrong registry secret")),
                None => Err(unauthorized("no registry secret")),
            },
            Guard::Keystone(validator) => {
                let token = headers
                    .get("x-auth-token")
                    .and_then(|t| t.to_str().ok())
                    .ok_or_else(|| unauthorized("no X-Auth-Token"))?;
                match validator.validate(token).await {
                    Ok(t) if t.roles.iter().any(|r| ROLES.contains(&r.as_str())) => Ok(()),
                    Ok(t) => Err(unauthorized(&format!(
                        "the token of user {} has neither the admin nor the service role",
                        t.user_id
                    ))),
                    Err(e) if e.is_unauthorized() => Err(unauthorized(&e.to_string())),
                    Err(e) => Err(Failure::new(
                        ErrorKind::Unavailable {
                            reason: e.to_string(),
                        },
                        e.to_string(),
                    )),
                }
            }
        }
    }
}

/// A 401 saying why.
fn unauthorized(why: &str) -> Failure {
    Failure::new(ErrorKind::Unauthorized, why.to_owned())
}

/// Middleware: runs the request only if the guard admits it.
pub(crate) async fn require(
    State(guard): State<Arc<Guard>>,
    request: Request,
    next: Next,
) -> Response {
    match guard.check(request.headers()).await {
        Ok(()) => next.run(request).await,
        Err(refusal) => {
            tracing::warn!(
                "refused {} {}: {}",
                request.method(),
                request.uri().path(),
                refusal.message()
            );
            refusal.into_response()
        }
    }
}

/// Compares in constant time: both sides are hashed first, so neither the
/// content nor the length of the secret leaks through timing.
fn secret_matches(secret: &Secret, sent: &[u8]) -> bool {
    let want = openssl::sha::sha256(secret.expose().as_bytes());
    let got = openssl::sha::sha256(sent);
    openssl::memcmp::eq(&want, &got)
}

/// The secret to use: `configured` (`[registry] shared_secret`) if set, else
/// the content of `file`, created with a fresh random secret (mode 0600, in
/// a 0700 directory if that is missing too) when it does not exist. Two
/// processes racing to create it end up with the same secret.
pub(crate) fn load_secret(configured: Option<&Secret>, file: &Path) -> Result<Secret, SetupError> {
    if let Some(secret) = configured {
        return Ok(secret.clone());
    }
    let io_err = |source| SetupError::SecretFile {
        path: file.to_path_buf(),
        source,
    };
    match fs::read_to_string(file) {
        Ok(text) => read_secret(file, &text),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let mut bytes = [0u8; SECRET_BYTES];
            openssl::rand::rand_bytes(&mut bytes)?;
            let secret: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            match write_new(file, secret.as_bytes()) {
                Ok(()) => {
                    tracing::info!("generated the registry secret {}", file.display());
                    Ok(Secret::new(secret))
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    read_secret(file, &fs::read_to_string(file).map_err(io_err)?)
                }
                Err(e) => Err(io_err(e)),
            }
        }
        Err(e) => Err(io_err(e)),
    }
}

/// The secret in a file's text; warns when others may read the file.
fn read_secret(file: &Path, text: &str) -> Result<Secret, SetupError> {
    if let Ok(meta) = fs::metadata(file)
        && meta.permissions().mode() & 0o077 != 0
    {
        tracing::warn!(
            "the registry secret {} is readable by other users: chmod 600 it",
            file.display()
        );
    }
    match text.trim() {
        "" => Err(SetupError::EmptySecret(file.to_path_buf())),
        secret => Ok(Secret::new(secret)),
    }
}

/// Creates `path` holding `bytes` (mode 0600) only if it does not exist yet
/// (`AlreadyExists` otherwise); it never appears half-written.
fn write_new(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let mut random = [0u8; 8];
    openssl::rand::rand_bytes(&mut random).map_err(io::Error::other)?;
    let suffix: String = random.iter().map(|b| format!("{b:02x}")).collect();
    let tmp = dir.join(format!(".{name}.{suffix}.tmp"));
    let result = (|| {
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::hard_link(&tmp, path)?;
        fs::File::open(dir)?.sync_all()
    })();
    // The temp name is gone either way; the link (if made) keeps the data.
    let _ = fs::remove_file(&tmp);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn configured_secret_wins_and_no_file_is_made() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("registry.secret");
        let s = load_secret(Some(&Secret::new("conf")), &file).unwrap();
        assert_eq!(s.expose(), "conf");
        assert!(!file.exists());
    }

    #[test]
    fn the_file_is_generated_once_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("new/registry.secret");
        let first = load_secret(None, &file).unwrap();
        assert_eq!(first.expose().len(), 64);
        assert!(first.expose().bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(mode(&file), 0o600);
        assert_eq!(mode(file.parent().unwrap()), 0o700);
        assert_eq!(load_secret(None, &file).unwrap(), first);
        let leftovers: Vec<_> = fs::read_dir(file.parent().unwrap()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temp files remain");
    }

    #[test]
    fn racing_creators_agree() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("registry.secret");
        let secrets: Vec<Secret> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|_| s.spawn(|| load_secret(None, &file).unwrap()))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(secrets.iter().all(|s| *s == secrets[0]));
    }

    #[test]
    fn an_operator_written_file_is_trimmed_and_empty_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("registry.secret");
        fs::write(&file, "  copied secret \n").unwrap();
        assert_eq!(load_secret(None, &file).unwrap().expose(), "copied secret");
        fs::write(&file, "\n").unwrap();
        assert!(matches!(
            load_secret(None, &file),
            Err(SetupError::EmptySecret(_))
        ));
    }

    #[test]
    fn comparison_needs_the_exact_secret() {
        let s = Secret::new("abc");
        assert!(secret_matches(&s, b"abc"));
        for wrong in [&b"abd"[..], b"ab", b"abcd", b""] {
            assert!(!secret_matches(&s, wrong));
        }
    }
}
