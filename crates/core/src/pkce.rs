//! Proof Key for Code Exchange (RFC 7636), S256 only.
//!
//! The `plain` method is rejected: OAuth 2.1 section 4.1.1 allows it only
//! for clients that cannot hash, and every client this server serves can.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// A PKCE parameter breaks RFC 7636; the message says which rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PkceError {
    /// The method is not `S256`.
    #[error("code_challenge_method {0:?} is not supported: use S256")]
    UnsupportedMethod(String),
    /// No method was sent, which RFC 7636 section 4.3 reads as `plain`.
    #[error(
        "code_challenge_method is missing, and its default (plain) is not supported: send code_challenge_method=S256"
    )]
    MissingMethod,
    /// The challenge is not an S256 value: 43 base64url characters.
    #[error("code_challenge must be the 43-character base64url SHA-256 of the code_verifier")]
    MalformedChallenge,
    /// The verifier is not 43 to 128 characters of the RFC 7636 alphabet.
    #[error("code_verifier must be 43 to 128 characters of A-Z, a-z, 0-9, '-', '.', '_', '~'")]
    MalformedVerifier,
}

/// Checks the RFC 7636 section 4.1 grammar shared by verifiers and challenges.
fn is_pkce_string(value: &str) -> bool {
    (43..=128).contains(&value.len())
        && value
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~'))
}

/// The transformation a client applied to its verifier. Only S256 exists here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChallengeMethod {
    /// `BASE64URL(SHA256(ASCII(code_verifier)))`.
    S256,
}

impl ChallengeMethod {
    /// Parses `code_challenge_method`. An absent method means `plain` by
    /// RFC 7636 section 4.3, so it is rejected like `plain`.
    pub fn parse(method: Option<&str>) -> Result<ChallengeMethod, PkceError> {
        match method {
            Some("S256") => Ok(ChallengeMethod::S256),
            Some(other) => Err(PkceError::UnsupportedMethod(other.to_owned())),
            None => Err(PkceError::MissingMethod),
        }
    }

    /// Returns the method's wire name.
    pub const fn as_str(self) -> &'static str {
        "S256"
    }
}

/// A code challenge received with an authorization request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeChallenge(String);

impl CodeChallenge {
    /// Parses `code_challenge`.
    pub fn parse(value: &str) -> Result<CodeChallenge, PkceError> {
        // BASE64URL of a 32-byte SHA-256 digest is always 43 characters, so
        // any other length could never be satisfied by a verifier.
        let base64url = value
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_'));
        if value.len() != 43 || !base64url {
            return Err(PkceError::MalformedChallenge);
        }
        Ok(CodeChallenge(value.to_owned()))
    }

    /// Computes the S256 challenge of a verifier.
    pub fn s256(verifier: &CodeVerifier) -> CodeChallenge {
        CodeChallenge(URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.0.as_bytes())))
    }

    /// Returns whether `verifier` hashes to this challenge, comparing in
    /// constant time.
    pub fn is_satisfied_by(&self, verifier: &CodeVerifier) -> bool {
        let computed = CodeChallenge::s256(verifier);
        computed.0.as_bytes().ct_eq(self.0.as_bytes()).into()
    }

    /// Returns the challenge as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A code verifier sent to the token endpoint. It redacts itself in `Debug`
/// and is not `Clone`.
pub struct CodeVerifier(String);

impl CodeVerifier {
    /// Parses `code_verifier`.
    pub fn parse(value: &str) -> Result<CodeVerifier, PkceError> {
        if !is_pkce_string(value) {
            return Err(PkceError::MalformedVerifier);
        }
        Ok(CodeVerifier(value.to_owned()))
    }

    /// Returns the verifier's text.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for CodeVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CodeVerifier(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7636 appendix B.
    const RFC_VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const RFC_CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    #[test]
    fn rfc7636_appendix_b_vector() {
        let verifier = CodeVerifier::parse(RFC_VERIFIER).unwrap();
        assert_eq!(CodeChallenge::s256(&verifier).as_str(), RFC_CHALLENGE);
        assert!(
            CodeChallenge::parse(RFC_CHALLENGE)
                .unwrap()
                .is_satisfied_by(&verifier)
        );
    }

    #[test]
    fn wrong_verifier_is_rejected() {
        let challenge = CodeChallenge::parse(RFC_CHALLENGE).unwrap();
        let other = CodeVerifier::parse(&"a".repeat(43)).unwrap();
        assert!(!challenge.is_satisfied_by(&other));
    }

    #[test]
    fn plain_and_missing_methods_are_rejected() {
        assert!(matches!(
            ChallengeMethod::parse(Some("plain")),
            Err(PkceError::UnsupportedMethod(_))
        ));
        assert_eq!(ChallengeMethod::parse(None), Err(PkceError::MissingMethod));
        assert!(matches!(
            ChallengeMethod::parse(Some("s256")),
            Err(PkceError::UnsupportedMethod(_))
        ));
        assert_eq!(
            ChallengeMethod::parse(Some("S256")),
            Ok(ChallengeMethod::S256)
        );
    }

    #[test]
    fn challenge_is_exactly_43_base64url_characters() {
        assert!(CodeChallenge::parse(&"A".repeat(43)).is_ok());
        assert!(CodeChallenge::parse(&"A".repeat(42)).is_err());
        assert!(CodeChallenge::parse(&"A".repeat(44)).is_err());
        assert!(CodeChallenge::parse(&"A".repeat(128)).is_err());
        for extra in ['.', '~', '+', '/', '='] {
            let challenge = format!("{}{extra}", "A".repeat(42));
            assert!(CodeChallenge::parse(&challenge).is_err(), "{challenge}");
        }
    }

    #[test]
    fn verifier_length_bounds() {
        assert!(CodeVerifier::parse(&"a".repeat(42)).is_err());
        assert!(CodeVerifier::parse(&"a".repeat(43)).is_ok());
        assert!(CodeVerifier::parse(&"a".repeat(128)).is_ok());
        assert!(CodeVerifier::parse(&"a".repeat(129)).is_err());
    }

    #[test]
    fn verifier_alphabet() {
        assert!(CodeVerifier::parse(&format!("{}-._~", "a".repeat(40))).is_ok());
        assert!(CodeVerifier::parse(&format!("{}+", "a".repeat(43))).is_err());
        assert!(CodeVerifier::parse(&format!("{}=", "a".repeat(43))).is_err());
        assert!(CodeVerifier::parse(&format!("{} ", "a".repeat(43))).is_err());
    }

    #[test]
    fn verifier_debug_is_redacted() {
        let verifier = CodeVerifier::parse(RFC_VERIFIER).unwrap();
        assert_eq!(format!("{verifier:?}"), "CodeVerifier(<redacted>)");
    }
}
