//! Stateless signed tokens: `base64url(json payload).base64url(HMAC-SHA256)`.
//!
//! Nothing is stored per token, so a token stays valid until it expires even
//! if the user's role assignment is removed or the password changes after it
//! was issued; keep the token lifetime short if that matters. Replacing
//! `token.key` revokes every token at once.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::sign::Signer;
use serde::{Deserialize, Serialize};

use crate::IdentityError;

/// What a valid token says about its bearer. glance-api builds its request
/// context from this.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenInfo {
    /// The user's id.
    pub user_id: String,
    /// The user's name (in the default domain).
    pub user_name: String,
    /// The project the token is scoped to; `None` for an unscoped token.
    pub project_id: Option<String>,
    /// The scoped project's name; `None` for an unscoped token.
    pub project_name: Option<String>,
    /// Role names on the project, implied roles included (`admin` brings
    /// `member` and `reader`); empty for an unscoped token.
    pub roles: Vec<String>,
    /// Authentication methods that produced the token (`password`, `token`).
    pub methods: Vec<String>,
    /// When the token was issued (microsecond precision).
    pub issued_at: DateTime<Utc>,
    /// When the token stops being valid (microsecond precision).
    pub expires_at: DateTime<Utc>,
    /// Keystone audit ids: this token's own first, then the one of the token
    /// it was re-scoped from, if any.
    pub audit_ids: Vec<String>,
}

impl TokenInfo {
    /// Whether the token carries `role` (case-insensitive).
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r.eq_ignore_ascii_case(role))
    }
}

/// A freshly issued token and what it says.
#[derive(Clone)]
pub struct IssuedToken {
    /// The bearer string to send as `X-Auth-Token` (a secret: do not log it).
    pub token: String,
    /// The decoded content.
    pub info: TokenInfo,
}

impl fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedToken")
            .field("token", &"<redacted>")
            .field("info", &self.info)
            .finish()
    }
}

/// Signs and checks tokens with one 32-byte HMAC key.
pub(crate) struct TokenSigner {
    key: PKey<Private>,
}

impl fmt::Debug for TokenSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenSigner(<key>)")
    }
}

impl TokenSigner {
    /// A signer using `key` as the HMAC-SHA256 key.
    pub(crate) fn new(key: &[u8]) -> Result<TokenSigner, IdentityError> {
        Ok(TokenSigner {
            key: PKey::hmac(key)?,
        })
    }

    /// Encodes and signs `info`.
    pub(crate) fn sign(&self, info: &TokenInfo) -> Result<String, IdentityError> {
        let payload = serde_json::to_vec(info).map_err(|_| IdentityError::TokenMalformed)?;
        let payload = URL_SAFE_NO_PAD.encode(payload);
        let mac = URL_SAFE_NO_PAD.encode(self.mac(payload.as_bytes())?);
        Ok(format!("{payload}.{mac}"))
    }

    /// Checks the signature (in constant time) and then the expiry of `token`.
    pub(crate) fn verify(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<TokenInfo, IdentityError> {
        let (payload, mac) = token.split_once('.').ok_or(IdentityError::TokenMalformed)?;
        let given = URL_SAFE_NO_PAD
            .decode(mac)
            .map_err(|_| IdentityError::TokenMalformed)?;
        let expected = self.mac(payload.as_bytes())?;
        if given.len() != expected.len() || !openssl::memcmp::eq(&given, &expected) {
            return Err(IdentityError::TokenSignature);
        }
        let json = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| IdentityError::TokenMalformed)?;
        let info: TokenInfo =
            serde_json::from_slice(&json).map_err(|_| IdentityError::TokenMalformed)?;
        if now >= info.expires_at {
            return Err(IdentityError::TokenExpired(info.expires_at));
        }
        Ok(info)
    }

    fn mac(&self, data: &[u8]) -> Result<Vec<u8>, IdentityError> {
        let mut signer = Signer::new(MessageDigest::sha256(), &self.key)?;
        signer.update(data)?;
        Ok(signer.sign_to_vec()?)
    }
}

/// A new random audit id, in Keystone's format (22 URL-safe base64 characters).
pub(crate) fn audit_id() -> Result<String, IdentityError> {
    let mut bytes = [0u8; 16];
    openssl::rand::rand_bytes(&mut bytes)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use super::*;

    fn info(expires_in: TimeDelta) -> TokenInfo {
        let now = Utc::now();
        TokenInfo {
            user_id: "u1".into(),
            user_name: "alice".into(),
            project_id: Some("p1".into()),
            project_name: Some("demo".into()),
            roles: vec!["member".into(), "reader".into()],
            methods: vec!["password".into()],
            issued_at: now,
            expires_at: now + expires_in,
            audit_ids: vec![audit_id().unwrap()],
        }
    }

    #[test]
    fn round_trip() {
        let signer = TokenSigner::new(&[7; 32]).unwrap();
        let info = info(TimeDelta::hours(1));
        let token = signer.sign(&info).unwrap();
        assert_eq!(signer.verify(&token, Utc::now()).unwrap(), info);
        assert!(info.has_role("MEMBER"));
        assert!(!info.has_role("admin"));
    }

    #[test]
    fn tampered_payload_is_rejected() {
        let signer = TokenSigner::new(&[7; 32]).unwrap();
        let token = signer.sign(&info(TimeDelta::hours(1))).unwrap();
        let (payload, mac) = token.split_once('.').unwrap();
        let mut json = URL_SAFE_NO_PAD.decode(payload).unwrap();
        let text = String::from_utf8(json.clone())
            .unwrap()
            .replace("member", "admin_");
        json = text.into_bytes();
        let forged = format!("{}.{mac}", URL_SAFE_NO_PAD.encode(json));
        assert!(matches!(
            signer.verify(&forged, Utc::now()),
            Err(IdentityError::TokenSignature)
        ));
        let truncated = &token[..token.len() - 3];
        assert!(matches!(
            signer.verify(truncated, Utc::now()),
            Err(IdentityError::TokenSignature)
        ));
    }

    #[test]
    fn other_key_is_rejected() {
        let token = TokenSigner::new(&[7; 32])
            .unwrap()
            .sign(&info(TimeDelta::hours(1)))
            .unwrap();
        let other = TokenSigner::new(&[8; 32]).unwrap();
        assert!(matches!(
            other.verify(&token, Utc::now()),
            Err(IdentityError::TokenSignature)
        ));
    }

    #[test]
    fn expired_is_rejected() {
        let signer = TokenSigner::new(&[7; 32]).unwrap();
        let token = signer.sign(&info(TimeDelta::seconds(-1))).unwrap();
        assert!(matches!(
            signer.verify(&token, Utc::now()),
            Err(IdentityError::TokenExpired(_))
        ));
    }

    #[test]
    fn malformed_is_rejected() {
        let signer = TokenSigner::new(&[7; 32]).unwrap();
        for bad in ["", "abc", "a.b.c", "!!.??"] {
            assert!(
                matches!(
                    signer.verify(bad, Utc::now()),
                    Err(IdentityError::TokenMalformed | IdentityError::TokenSignature)
                ),
                "{bad}"
            );
        }
        assert!(matches!(
            signer.verify("abc", Utc::now()),
            Err(IdentityError::TokenMalformed)
        ));
    }

    #[test]
    fn debug_hides_token() {
        let issued = IssuedToken {
            token: "secret-token".into(),
            info: info(TimeDelta::hours(1)),
        };
        assert!(!format!("{issued:?}").contains("secret-token"));
    }
}
