//! A bounded, time-limited cache of validated tokens, keyed by the SHA-256 of
//! the token so raw tokens are never kept. Time is passed in by the caller,
//! which keeps expiry testable.

use super::ValidatedToken;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The cache key of a token: its SHA-256.
pub type TokenKey = [u8; 32];

/// Hashes a token into its cache key.
pub fn token_key(token: &str) -> TokenKey {
    Sha256::digest(token.as_bytes()).into()
}

/// Validated tokens, each until `min(token expiry, token_cache_time)`.
#[derive(Debug)]
pub struct TokenCache {
    entries: Mutex<HashMap<TokenKey, (Instant, Arc<ValidatedToken>)>>,
    capacity: usize,
    lifetime: Duration,
}

impl TokenCache {
    /// A cache of at most `capacity` tokens, each kept at most `lifetime`.
    pub fn new(capacity: usize, lifetime: Duration) -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
            capacity,
            lifetime,
        }
    }

    /// The cached validation of `key`, if still fresh at `now`.
    pub fn get(&self, key: &TokenKey, now: Instant) -> Option<Arc<ValidatedToken>> {
        let mut entries = self.lock();
        match entries.get(key) {
            Some((until, token)) if now < *until => Some(Arc::clone(token)),
            Some(_) => {
                entries.remove(key);
                None
            }
            None => None,
        }
    }

    /// Remembers a validation made at `now` for `min(valid_for, lifetime)`;
    /// `valid_for` is what remains of the token's own life.
    pub fn insert(
        &self,
        key: TokenKey,
        token: Arc<ValidatedToken>,
        valid_for: Duration,
        now: Instant,
    ) {
        let keep = valid_for.min(self.lifetime);
        if keep.is_zero() || self.capacity == 0 {
            return;
        }
        let mut entries = self.lock();
        if entries.len() >= self.capacity && !entries.contains_key(&key) {
            entries.retain(|_, (until, _)| now < *until);
            if entries.len() >= self.capacity {
                // Still full of live entries: drop the one expiring soonest.
                let soonest = entries.iter().min_by_key(|(_, (until, _))| *until);
                if let Some(k) = soonest.map(|(k, _)| *k) {
                    entries.remove(&k);
                }
            }
        }
        entries.insert(key, (now + keep, token));
    }

    /// How many entries are held (fresh or not yet purged).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether the cache holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<TokenKey, (Instant, Arc<ValidatedToken>)>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(user: &str) -> Arc<ValidatedToken> {
        Arc::new(ValidatedToken {
            user_id: user.into(),
            user_name: None,
            project_id: Some("p".into()),
            project_name: None,
            roles: vec!["member".into()],
            expires_at: chrono::Utc::now(),
        })
    }

    const MIN: Duration = Duration::from_secs(60);

    #[test]
    fn keys_are_hashes() {
        assert_eq!(token_key("abc"), token_key("abc"));
        assert_ne!(token_key("abc"), token_key("abd"));
    }

    #[test]
    fn entry_lives_for_cache_time_when_token_lives_longer() {
        let cache = TokenCache::new(10, 5 * MIN);
        let t0 = Instant::now();
        cache.insert(token_key("a"), token("u"), 60 * MIN, t0);
        assert!(cache.get(&token_key("a"), t0 + 4 * MIN).is_some());
        assert!(cache.get(&token_key("a"), t0 + 5 * MIN).is_none());
        assert!(cache.is_empty());
    }

    #[test]
    fn entry_lives_until_token_expiry_when_sooner() {
        let cache = TokenCache::new(10, 5 * MIN);
        let t0 = Instant::now();
        cache.insert(token_key("a"), token("u"), MIN, t0);
        assert!(
            cache
                .get(&token_key("a"), t0 + MIN - Duration::from_millis(1))
                .is_some()
        );
        assert!(cache.get(&token_key("a"), t0 + MIN).is_none());
    }

    #[test]
    fn zero_lifetime_disables_caching() {
        let t0 = Instant::now();
        let cache = TokenCache::new(10, Duration::ZERO);
        cache.insert(token_key("a"), token("u"), MIN, t0);
        assert!(cache.get(&token_key("a"), t0).is_none());
        let cache = TokenCache::new(10, MIN);
        cache.insert(token_key("a"), token("u"), Duration::ZERO, t0);
        assert!(cache.get(&token_key("a"), t0).is_none());
    }

    #[test]
    fn bounded() {
        let cache = TokenCache::new(3, 5 * MIN);
        let t0 = Instant::now();
        cache.insert(token_key("expired"), token("u"), MIN, t0);
        cache.insert(token_key("b"), token("u"), 3 * MIN, t0);
        cache.insert(token_key("c"), token("u"), 4 * MIN, t0);
        let later = t0 + 2 * MIN;
        cache.insert(token_key("d"), token("u"), 4 * MIN, later);
        assert_eq!(cache.len(), 3, "the expired entry was purged");
        cache.insert(token_key("e"), token("u"), 4 * MIN, later);
        assert_eq!(cache.len(), 3);
        assert!(
            cache.get(&token_key("b"), later).is_none(),
            "soonest evicted"
        );
        for k in ["c", "d", "e"] {
            assert!(cache.get(&token_key(k), later).is_some(), "{k}");
        }
    }
}
