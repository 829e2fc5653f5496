//! Which network addresses a client ID metadata document may be fetched
//! from: public unicast addresses only, so a `client_id` cannot make the
//! server reach its own network (server-side request forgery).
//!
//! Rejected: unspecified, loopback (unless allowed for tests), private
//! (RFC 1918, IPv6 unique local), shared address space (CGNAT, RFC 6598),
//! link-local (which contains the cloud metadata address 169.254.169.254),
//! multicast, broadcast, documentation, benchmarking and reserved ranges,
//! and the cloud metadata addresses outside those ranges. IPv6 addresses
//! that embed an IPv4 address (IPv4-mapped, IPv4-compatible, NAT64, 6to4)
//! are judged by the embedded address; Teredo and local-use NAT64 are
//! rejected because their embedded address cannot be checked reliably.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Cloud metadata services reachable at addresses outside the rejected
/// ranges: Azure's wire server (168.63.129.16).
const METADATA_V4: [Ipv4Addr; 1] = [Ipv4Addr::new(168, 63, 129, 16)];

/// Returns whether the server may connect to `address` to fetch a
/// document. `allow_loopback` admits 127.0.0.0/8 and ::1, for tests only.
pub(crate) fn is_allowed(address: IpAddr, allow_loopback: bool) -> bool {
    match address {
        IpAddr::V4(v4) => is_allowed_v4(v4, allow_loopback),
        IpAddr::V6(v6) => is_allowed_v6(v6, allow_loopback),
    }
}

fn is_allowed_v4(address: Ipv4Addr, allow_loopback: bool) -> bool {
    if address.is_loopback() {
        return allow_loopback;
    }
    let [a, b, c, _] = address.octets();
    let rejected = a == 0 // "this network", including 0.0.0.0
        || a == 10
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
        || (a == 169 && b == 254) // link-local and cloud metadata
        || (a == 172 && (16..32).contains(&b))
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 192 && b == 0 && c == 2) // documentation
        || (a == 192 && b == 88 && c == 99) // deprecated 6to4 relay anycast
        || (a == 192 && b == 168)
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || (a == 198 && b == 51 && c == 100) // documentation
        || (a == 203 && b == 0 && c == 113) // documentation
        || a >= 224 // multicast, reserved and broadcast
        || METADATA_V4.contains(&address);
    !rejected
}

fn is_allowed_v6(address: Ipv6Addr, allow_loopback: bool) -> bool {
    if address.is_loopback() {
        return allow_loopback;
    }
    if let Some(embedded) = embedded_v4(address) {
        return is_allowed_v4(embedded, allow_loopback);
    }
    let segments = address.segments();
    let first = segments[0];
    let rejected = address.is_unspecified()
        || segments[..6] == [0; 6] // IPv4-compatible (deprecated)
        || (first == 0x0064 && segments[1] == 0xff9b && segments[2] == 0x0001) // local NAT64
        || (first == 0x0100 && segments[1..4] == [0; 3]) // discard-only
        || (first == 0x2001 && segments[1] < 0x0200) // IETF protocol assignments, Teredo
        || (first == 0x2001 && segments[1] == 0x0db8) // documentation
        || (first & 0xfe00) == 0xfc00 // unique local, including AWS fd00:ec2::254
        || (first & 0xffc0) == 0xfe80 // link-local
        || (first & 0xffc0) == 0xfec0 // site-local (deprecated)
        || (first & 0xff00) == 0xff00 // multicast
        || first == 0x3fff // documentation (RFC 9637)
        || !(0x2000..0x4000).contains(&first); // outside global unicast 2000::/3
    !rejected
}

/// Returns the IPv4 address embedded in an IPv4-mapped (::ffff:0:0/96),
/// NAT64 (64:ff9b::/96) or 6to4 (2002::/16) address.
fn embedded_v4(address: Ipv6Addr) -> Option<Ipv4Addr> {
    if let Some(mapped) = address.to_ipv4_mapped() {
        return Some(mapped);
    }
    let segments = address.segments();
    let octets = address.octets();
    if segments[..6] == [0x0064, 0xff9b, 0, 0, 0, 0] {
        return Some(Ipv4Addr::new(
            octets[12], octets[13], octets[14], octets[15],
        ));
    }
    if segments[0] == 0x2002 {
        return Some(Ipv4Addr::new(octets[2], octets[3], octets[4], octets[5]));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed(text: &str, allow_loopback: bool) -> bool {
        is_allowed(text.parse().unwrap(), allow_loopback)
    }

    #[test]
    fn public_addresses_are_allowed() {
        for address in [
            "93.184.215.14",
            "1.1.1.1",
            "8.8.8.8",
            "100.63.255.255",
            "100.128.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "192.0.1.1",
            "198.20.0.1",
            "223.255.255.254",
            "2606:4700:4700::1111",
            "2a00:1450:4001:81b::200e",
            "::ffff:93.184.215.14",
            "64:ff9b::808:808",
            "2002:0808:0808::1",
        ] {
            assert!(allowed(address, false), "{address} must be allowed");
        }
    }

    #[test]
    fn internal_addresses_are_rejected() {
        for address in [
            "0.0.0.0",
            "0.1.2.3",
            "10.0.0.1",
            "100.64.0.1",
            "100.100.100.200",
            "127.0.0.1",
            "127.255.255.254",
            "169.254.169.254",
            "169.254.0.1",
            "172.16.0.1",
            "172.31.255.255",
            "192.0.0.170",
            "192.0.2.1",
            "192.168.1.1",
            "198.18.0.1",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
            "168.63.129.16",
            "::",
            "::1",
            "::127.0.0.1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "::ffff:0.0.0.0",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b:1::1",
            "100::1",
            "2001::1",
            "2001:db8::1",
            "2002:7f00:0001::1",
            "2002:a9fe:a9fe::1",
            "fc00::1",
            "fd00:ec2::254",
            "fe80::1",
            "fec0::1",
            "ff02::1",
            "3fff::1",
        ] {
            assert!(!allowed(address, false), "{address} must be rejected");
        }
    }

    #[test]
    fn loopback_setting_admits_only_loopback() {
        for address in ["127.0.0.1", "::1", "::ffff:127.0.0.1"] {
            assert!(allowed(address, true), "{address} must be allowed");
        }
        for address in ["10.0.0.1", "169.254.169.254", "::", "0.0.0.0", "fd00::1"] {
            assert!(!allowed(address, true), "{address} must stay rejected");
        }
    }
}
