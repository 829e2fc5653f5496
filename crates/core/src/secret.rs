//! Bearer secrets: authorization codes, access and refresh tokens, client
//! secrets and API keys.
//!
//! Every secret is 256 random bits, written as a type prefix, 43 base62
//! characters and a 6-character base62 CRC-32 checksum of the rest (for
//! example `oat_` + 43 + 6 characters). The prefix and checksum let secret
//! scanners recognise a leaked value and let the server reject a mistyped one
//! without a store lookup. Stores keep only the SHA-256 [`SecretHash`].

use std::fmt;

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::random::RandomSource;

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const BODY_LEN: usize = 43;
const CHECKSUM_LEN: usize = 6;

/// Purpose of a secret; each kind has its own prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SecretKind {
    /// Authorization code (RFC 6749 section 4.1.2).
    AuthorizationCode,
    /// Access token (RFC 6749 section 1.4).
    AccessToken,
    /// Refresh token (RFC 6749 section 1.5).
    RefreshToken,
    /// Client secret of a confidential client.
    ClientSecret,
    /// Workspace API key.
    ApiKey,
    /// Registration access token (RFC 7592).
    RegistrationToken,
    /// Initial access token for dynamic registration (RFC 7591 section 3).
    InitialAccessToken,
    /// Device code (RFC 8628 section 3.2).
    DeviceCode,
}

impl SecretKind {
    /// Returns the prefix that starts every secret of this kind.
    pub const fn prefix(self) -> &'static str {
        match self {
            SecretKind::AuthorizationCode => "oac_",
            SecretKind::AccessToken => "oat_",
            SecretKind::RefreshToken => "ort_",
            SecretKind::ClientSecret => "ocs_",
            SecretKind::ApiKey => "oak_",
            SecretKind::RegistrationToken => "orat_",
            SecretKind::InitialAccessToken => "oiat_",
            SecretKind::DeviceCode => "odc_",
        }
    }

    /// Returns the kind whose prefix starts `value`, if any.
    pub fn of(value: &str) -> Option<SecretKind> {
        [
            SecretKind::AuthorizationCode,
            SecretKind::AccessToken,
            SecretKind::RefreshToken,
            SecretKind::ClientSecret,
            SecretKind::ApiKey,
            SecretKind::RegistrationToken,
            SecretKind::InitialAccessToken,
            SecretKind::DeviceCode,
        ]
        .into_iter()
        .find(|kind| value.starts_with(kind.prefix()))
    }
}

/// A value is not a well-formed secret of the expected kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MalformedSecret {
    /// The value does not start with the kind's prefix.
    #[error("the value does not start with the expected prefix")]
    WrongPrefix,
    /// The value has the wrong length or characters outside base62.
    #[error("the value has the wrong length or characters")]
    WrongShape,
    /// The checksum does not match, so the value was mistyped or forged.
    #[error("the checksum does not match")]
    WrongChecksum,
}

/// A bearer secret in plain text. It redacts itself in `Debug`, is not
/// `Clone`, and gives its value only through [`Secret::expose`].
pub struct Secret {
    kind: SecretKind,
    value: String,
}

impl Secret {
    /// Generates a new secret of `kind` from 256 random bits.
    pub fn generate(kind: SecretKind, random: &dyn RandomSource) -> Secret {
        let mut bytes = [0u8; 32];
        random.fill(&mut bytes);

        let mut value = String::with_capacity(kind.prefix().len() + BODY_LEN + CHECKSUM_LEN);
        value.push_str(kind.prefix());
        value.push_str(&encode_base62(&bytes, BODY_LEN));
        let checksum = crc32fast::hash(value.as_bytes());
        value.push_str(&encode_base62(&checksum.to_be_bytes(), CHECKSUM_LEN));
        Secret { kind, value }
    }

    /// Parses a secret of `kind` received from a client, checking its prefix,
    /// shape and checksum.
    pub fn parse(kind: SecretKind, value: &str) -> Result<Secret, MalformedSecret> {
        let rest = value
            .strip_prefix(kind.prefix())
            .ok_or(MalformedSecret::WrongPrefix)?;
        if rest.len() != BODY_LEN + CHECKSUM_LEN || !rest.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Err(MalformedSecret::WrongShape);
        }

        let (signed, checksum) = value.split_at(value.len() - CHECKSUM_LEN);
        let expected = encode_base62(
            &crc32fast::hash(signed.as_bytes()).to_be_bytes(),
            CHECKSUM_LEN,
        );
        if !bool::from(expected.as_bytes().ct_eq(checksum.as_bytes())) {
            return Err(MalformedSecret::WrongChecksum);
        }
        Ok(Secret {
            kind,
            value: value.to_owned(),
        })
    }

    /// Returns the kind of this secret.
    pub fn kind(&self) -> SecretKind {
        self.kind
    }

    /// Returns the plain-text value. Callers send it to its owner once and
    /// store only [`Secret::hash`].
    pub fn expose(&self) -> &str {
        &self.value
    }

    /// Returns the SHA-256 hash that stores keep in place of the value.
    pub fn hash(&self) -> SecretHash {
        SecretHash::of(&self.value)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({}<redacted>)", self.kind.prefix())
    }
}

/// SHA-256 of a secret's full text: what stores keep and look up by.
#[derive(Clone, Copy, Eq)]
pub struct SecretHash([u8; 32]);

impl SecretHash {
    /// Hashes any secret text, well-formed or not.
    pub fn of(value: &str) -> SecretHash {
        SecretHash(Sha256::digest(value.as_bytes()).into())
    }

    /// Wraps a hash read from a store.
    pub const fn from_bytes(bytes: [u8; 32]) -> SecretHash {
        SecretHash(bytes)
    }

    /// Returns the 32 hash bytes.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Returns the hash as 64 lowercase hex characters.
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|byte| format!("{byte:02x}")).collect()
    }
}

impl PartialEq for SecretHash {
    /// Compares in constant time, so that timing reveals nothing of a stored hash.
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl std::hash::Hash for SecretHash {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

impl fmt::Debug for SecretHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretHash({}…)", &self.to_hex()[..8])
    }
}

/// Encodes `bytes` as a big-endian base62 number of exactly `width` digits.
fn encode_base62(bytes: &[u8], width: usize) -> String {
    let mut number = bytes.to_vec();
    let mut digits = vec![b'0'; width];
    for slot in digits.iter_mut().rev() {
        let mut remainder = 0u32;
        for byte in number.iter_mut() {
            let accumulator = (remainder << 8) | u32::from(*byte);
            *byte = (accumulator / 62) as u8;
            remainder = accumulator % 62;
        }
        *slot = BASE62[remainder as usize];
    }
    digits.into_iter().map(char::from).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::SequenceRandom;

    #[test]
    fn generated_secret_parses_back() {
        let random = SequenceRandom::default();
        let secret = Secret::generate(SecretKind::AccessToken, &random);
        let parsed = Secret::parse(SecretKind::AccessToken, secret.expose()).unwrap();
        assert_eq!(parsed.hash(), secret.hash());
        assert_eq!(secret.expose().len(), 4 + BODY_LEN + CHECKSUM_LEN);
        assert!(secret.expose().starts_with("oat_"));
    }

    #[test]
    fn parse_rejects_changed_character() {
        let secret = Secret::generate(SecretKind::RefreshToken, &SequenceRandom::default());
        let mut text = secret.expose().to_owned();
        let flipped = if text.as_bytes()[10] == b'a' {
            "b"
        } else {
            "a"
        };
        text.replace_range(10..11, flipped);
        assert_eq!(
            Secret::parse(SecretKind::RefreshToken, &text).unwrap_err(),
            MalformedSecret::WrongChecksum
        );
    }

    #[test]
    fn parse_rejects_other_kind() {
        let secret = Secret::generate(SecretKind::RefreshToken, &SequenceRandom::default());
        assert_eq!(
            Secret::parse(SecretKind::AccessToken, secret.expose()).unwrap_err(),
            MalformedSecret::WrongPrefix
        );
    }

    #[test]
    fn parse_rejects_wrong_length() {
        assert_eq!(
            Secret::parse(SecretKind::AccessToken, "oat_abc").unwrap_err(),
            MalformedSecret::WrongShape
        );
    }

    #[test]
    fn debug_redacts_value() {
        let secret = Secret::generate(SecretKind::ClientSecret, &SequenceRandom::default());
        let shown = format!("{secret:?}");
        assert_eq!(shown, "Secret(ocs_<redacted>)");
        assert!(!shown.contains(&secret.expose()[4..]));
    }

    #[test]
    fn kind_is_found_by_prefix() {
        assert_eq!(SecretKind::of("ort_xyz"), Some(SecretKind::RefreshToken));
        assert_eq!(SecretKind::of("zzz_xyz"), None);
    }

    #[test]
    fn base62_of_zero_is_all_zero_digits() {
        assert_eq!(encode_base62(&[0, 0], 3), "000");
        assert_eq!(encode_base62(&[0, 61], 2), "0z");
        assert_eq!(encode_base62(&[0, 62], 2), "10");
    }
}
