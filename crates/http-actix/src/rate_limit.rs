//! An in-process token bucket per client network, which limits dynamic
//! client registrations.
//!
//! Each IPv4 address, and each IPv6 /64 network ([`client_network`]), may
//! make `per_minute` requests in a burst, and regains one every
//! `60 / per_minute` seconds. The buckets live in this process only, so N
//! processes behind a load balancer allow up to N times the rate, and every
//! client behind one proxy or NAT shares one bucket.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Default number of registrations per minute and address.
pub const DEFAULT_REGISTRATIONS_PER_MINUTE: u32 = 20;

/// Number of tracked addresses above which full buckets are dropped, so a
/// flood of addresses cannot grow the map without bound.
const MAX_TRACKED_ADDRESSES: usize = 10_000;

/// Returns the network that limits per address count `address` in: the
/// address itself for IPv4, and its /64 prefix for IPv6, because one
/// subscriber usually gets a whole /64 and can use any address in it. An
/// IPv4-mapped IPv6 address counts as its IPv4 address.
pub(crate) fn client_network(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let prefix = u128::from(v6) & !u128::from(u64::MAX);
                IpAddr::V6(Ipv6Addr::from(prefix))
            }
        },
    }
}

struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// Token buckets keyed by client network ([`client_network`]).
pub(crate) struct RateLimiter {
    per_minute: u32,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

impl RateLimiter {
    /// Allows `per_minute` requests per minute and address; 0 allows none.
    pub(crate) fn per_minute(per_minute: u32) -> RateLimiter {
        RateLimiter {
            per_minute,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for the network of `address`, or returns how long
    /// to wait for the next one.
    pub(crate) fn check(&self, address: IpAddr) -> Result<(), Duration> {
        self.check_at(address, Instant::now())
    }

    fn check_at(&self, address: IpAddr, now: Instant) -> Result<(), Duration> {
        let network = client_network(address);
        if self.per_minute == 0 {
            return Err(Duration::from_secs(60));
        }
        let capacity = f64::from(self.per_minute);
        let per_second = capacity / 60.0;
        // A poisoned lock only means another request panicked mid-update;
        // the counts are still usable.
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if buckets.len() >= MAX_TRACKED_ADDRESSES {
            buckets.retain(|_, bucket| {
                refill(bucket, now, per_second, capacity);
                bucket.tokens < capacity
            });
        }

        let bucket = buckets.entry(network).or_insert(Bucket {
            tokens: capacity,
            updated: now,
        });
        refill(bucket, now, per_second, capacity);
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            return Ok(());
        }
        let wait = (1.0 - bucket.tokens) / per_second;
        Err(Duration::from_secs_f64(wait.ceil().max(1.0)))
    }
}

fn refill(bucket: &mut Bucket, now: Instant, per_second: f64, capacity: f64) {
    let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
    bucket.tokens = (bucket.tokens + elapsed * per_second).min(capacity);
    bucket.updated = now;
}

#[cfg(test)]
mod tests {
    use super::*;

    const ADDRESS: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 1));
    const OTHER: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 2));

    #[test]
    fn burst_then_rejected() {
        let limiter = RateLimiter::per_minute(3);
        let now = Instant::now();
        for attempt in 0..3 {
            assert!(limiter.check_at(ADDRESS, now).is_ok(), "attempt {attempt}");
        }
        assert_eq!(limiter.check_at(ADDRESS, now), Err(Duration::from_secs(20)));
    }

    #[test]
    fn addresses_have_own_buckets() {
        let limiter = RateLimiter::per_minute(1);
        let now = Instant::now();
        assert!(limiter.check_at(ADDRESS, now).is_ok());
        assert!(limiter.check_at(ADDRESS, now).is_err());
        assert!(limiter.check_at(OTHER, now).is_ok());
    }

    #[test]
    fn tokens_refill_over_time() {
        let limiter = RateLimiter::per_minute(2);
        let start = Instant::now();
        assert!(limiter.check_at(ADDRESS, start).is_ok());
        assert!(limiter.check_at(ADDRESS, start).is_ok());
        assert!(limiter.check_at(ADDRESS, start).is_err());
        let later = start + Duration::from_secs(30);
        assert!(limiter.check_at(ADDRESS, later).is_ok());
        assert!(limiter.check_at(ADDRESS, later).is_err());
    }

    #[test]
    fn ipv6_addresses_share_their_64_bucket() {
        let limiter = RateLimiter::per_minute(1);
        let now = Instant::now();
        let first: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let same_64: IpAddr = "2001:db8:1:2:ffff:ffff:ffff:ffff".parse().unwrap();
        let other_64: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert!(limiter.check_at(first, now).is_ok());
        assert!(limiter.check_at(same_64, now).is_err());
        assert!(limiter.check_at(other_64, now).is_ok());
    }

    #[test]
    fn client_network_of_addresses() {
        let cases = [
            ("192.0.2.7", "192.0.2.7"),
            ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::"),
            ("::ffff:192.0.2.7", "192.0.2.7"),
            ("::1", "::"),
        ];
        for (address, network) in cases {
            let address: IpAddr = address.parse().unwrap();
            let network: IpAddr = network.parse().unwrap();
            assert_eq!(client_network(address), network, "{address}");
        }
    }

    #[test]
    fn zero_allows_nothing() {
        let limiter = RateLimiter::per_minute(0);
        assert!(limiter.check(ADDRESS).is_err());
    }
}
