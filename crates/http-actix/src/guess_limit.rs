//! Limits on guessing user codes at the device verification page
//! (RFC 8628 section 5.1).
//!
//! A user code has 20^8 (about 2.6 * 10^10) values, which is safe only
//! while attempts are rare. [`GuessLimiter`] counts wrong codes per key
//! in a sliding window: the member's session, the member's user ID (so
//! signing in again does not reset the count) and the source network (an
//! IPv4 address or an IPv6 /64, [`client_network`]). The page rejects
//! further codes with 429 once any key reaches the limit. The counts live
//! in this process's memory: processes behind a load balancer count
//! separately, and a restart clears them.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};

use oauth_apps_core::time::Timestamp;
use sha2::{Digest, Sha256};

use crate::rate_limit::client_network;

/// Wrong user codes allowed per key within [`WINDOW_SECONDS`].
pub(crate) const MAX_WRONG_CODES: usize = 10;

/// Length of the sliding window, in seconds.
pub(crate) const WINDOW_SECONDS: i64 = 600;

/// Number of keys tracked at once. When it is reached and no key has
/// aged out, every request is rejected until one does, so that flooding the
/// table with fresh addresses cannot switch the limit off.
const MAX_KEYS: usize = 100_000;

/// Counts wrong user codes per key.
pub(crate) struct GuessLimiter {
    max_failures: usize,
    window: i64,
    failures: Mutex<HashMap<String, VecDeque<Timestamp>>>,
}

impl Default for GuessLimiter {
    fn default() -> Self {
        GuessLimiter::new(MAX_WRONG_CODES, WINDOW_SECONDS)
    }
}

impl GuessLimiter {
    /// Creates a limiter that allows `max_failures` wrong codes per key
    /// within `window` seconds.
    pub(crate) fn new(max_failures: usize, window: i64) -> GuessLimiter {
        GuessLimiter {
            max_failures,
            window,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// Returns whether any of `keys` has reached the limit at `now`.
    pub(crate) fn is_limited(&self, keys: &[String], now: Timestamp) -> bool {
        let mut failures = self.failures.lock().unwrap_or_else(PoisonError::into_inner);
        if failures.len() >= MAX_KEYS {
            self.forget_old(&mut failures, now);
            if failures.len() >= MAX_KEYS {
                tracing::warn!(keys = failures.len(), "user code guess table is full");
                return true;
            }
        }
        keys.iter().any(|key| {
            failures
                .get(key)
                .is_some_and(|times| self.recent(times, now) >= self.max_failures)
        })
    }

    /// Records a wrong code for every one of `keys` at `now`.
    pub(crate) fn record_failure(&self, keys: &[String], now: Timestamp) {
        let mut failures = self.failures.lock().unwrap_or_else(PoisonError::into_inner);
        for key in keys {
            let times = failures.entry(key.clone()).or_default();
            while times.front().is_some_and(|time| now - *time >= self.window) {
                times.pop_front();
            }
            // Only the latest `max_failures` times matter for the limit.
            if times.len() >= self.max_failures {
                times.pop_front();
            }
            times.push_back(now);
        }
    }

    fn recent(&self, times: &VecDeque<Timestamp>, now: Timestamp) -> usize {
        times
            .iter()
            .filter(|time| now - **time < self.window)
            .count()
    }

    fn forget_old(&self, failures: &mut HashMap<String, VecDeque<Timestamp>>, now: Timestamp) {
        failures.retain(|_, times| times.back().is_some_and(|last| now - *last < self.window));
    }
}

/// Returns the limiter key of a session: a hash of its binding, so the
/// table contains no session cookie.
pub(crate) fn session_key(binding: &str) -> String {
    let digest = Sha256::digest(binding.as_bytes());
    let hex: String = digest[..16]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    format!("session:{hex}")
}

/// Returns the limiter key of a signed-in user.
pub(crate) fn user_key(user_id: &str) -> String {
    format!("user:{user_id}")
}

/// Returns the limiter key of a source address: its IPv4 address or IPv6
/// /64 network.
pub(crate) fn address_key(address: IpAddr) -> String {
    format!("address:{}", client_network(address))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_unix_seconds(seconds)
    }

    fn keys(names: &[&str]) -> Vec<String> {
        names.iter().map(|name| (*name).to_owned()).collect()
    }

    #[test]
    fn limit_applies_after_max_failures() {
        let limiter = GuessLimiter::new(3, 600);
        let session = keys(&["session:a"]);
        for second in 0..3 {
            assert!(
                !limiter.is_limited(&session, at(second)),
                "attempt {second}"
            );
            limiter.record_failure(&session, at(second));
        }
        assert!(limiter.is_limited(&session, at(3)));
    }

    #[test]
    fn limit_ends_when_failures_leave_window() {
        let limiter = GuessLimiter::new(2, 600);
        let session = keys(&["session:a"]);
        limiter.record_failure(&session, at(0));
        limiter.record_failure(&session, at(100));
        assert!(limiter.is_limited(&session, at(599)));
        assert!(
            !limiter.is_limited(&session, at(600)),
            "the first one aged out"
        );
    }

    #[test]
    fn any_limited_key_limits_the_request() {
        let limiter = GuessLimiter::new(1, 600);
        limiter.record_failure(&keys(&["address:10.0.0.1"]), at(0));
        let request = keys(&["session:fresh", "address:10.0.0.1"]);
        assert!(limiter.is_limited(&request, at(1)));
        assert!(!limiter.is_limited(&keys(&["session:fresh"]), at(1)));
    }

    #[test]
    fn user_limit_survives_new_session() {
        let limiter = GuessLimiter::new(2, 600);
        let first_session = vec![session_key("first"), user_key("usr_1")];
        limiter.record_failure(&first_session, at(0));
        limiter.record_failure(&first_session, at(1));
        let fresh_session = vec![session_key("second"), user_key("usr_1")];
        assert!(limiter.is_limited(&fresh_session, at(2)));
        let other_user = vec![session_key("third"), user_key("usr_2")];
        assert!(!limiter.is_limited(&other_user, at(2)));
    }

    #[test]
    fn address_key_groups_ipv6_by_64() {
        let one = address_key("2001:db8:1:2::1".parse().unwrap());
        let same_64 = address_key("2001:db8:1:2:aaaa::9".parse().unwrap());
        let other_64 = address_key("2001:db8:1:3::1".parse().unwrap());
        assert_eq!(one, "address:2001:db8:1:2::");
        assert_eq!(one, same_64);
        assert_ne!(one, other_64);
        assert_eq!(
            address_key("192.0.2.9".parse().unwrap()),
            "address:192.0.2.9"
        );
    }

    #[test]
    fn session_key_hides_binding() {
        let key = session_key("cookie-value");
        assert!(key.starts_with("session:"));
        assert!(!key.contains("cookie-value"));
        assert_eq!(key.len(), "session:".len() + 32);
    }
}
