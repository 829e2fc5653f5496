//! Codes and tokens as a client presents them (the text) and as the store keeps
//! them (the record), bound to the test member, workspace and family.

use std::time::Duration;

use super::support::{FAMILY, NOW, REDIRECT_URI, USER, WORKSPACE, scopes};
use crate::code::{AuthorizationCode, CodeState};
use crate::ids::{ClientId, FamilyId, GrantId, UserId, WorkspaceId};
use crate::pkce::CodeChallenge;
use crate::random::SequenceRandom;
use crate::secret::{Secret, SecretKind};
use crate::time::Timestamp;
use crate::token::{AccessTokenRecord, RefreshState, RefreshTokenRecord};

/// A secret's text and its stored record.
pub struct Issued<R> {
    /// What the client presents.
    pub text: String,
    /// What the store returns for the text's hash.
    pub record: R,
}

fn secret_text(kind: SecretKind) -> Secret {
    Secret::generate(kind, &SequenceRandom::default())
}

fn seconds_ago(seconds: i64) -> Timestamp {
    Timestamp::from_unix_seconds(NOW.unix_seconds() - seconds)
}

/// Returns a code for `client_id` as the store returns it once redeemed at
/// [`NOW`], with `scope` and an optional PKCE `challenge`.
pub fn code(client_id: &str, scope: &str, challenge: Option<&str>) -> Issued<AuthorizationCode> {
    let secret = secret_text(SecretKind::AuthorizationCode);
    let record = AuthorizationCode {
        hash: secret.hash(),
        client_id: ClientId::new(client_id),
        redirect_uri: REDIRECT_URI.into(),
        user_id: UserId::new(USER),
        workspace_id: WorkspaceId::new(WORKSPACE),
        grant_id: GrantId::new("grt_first"),
        scopes: scopes(scope),
        challenge: challenge.map(|text| CodeChallenge::parse(text).unwrap()),
        resource: None,
        family_id: FamilyId::new(FAMILY),
        issued_at: seconds_ago(10),
        expires_at: NOW + Duration::from_secs(50),
        state: CodeState::Redeemed { at: NOW },
    };
    Issued {
        text: secret.expose().to_owned(),
        record,
    }
}

/// Returns an active access token of `client_id` with `scope`.
pub fn access_token(client_id: &str, scope: &str) -> Issued<AccessTokenRecord> {
    let secret = secret_text(SecretKind::AccessToken);
    let record = AccessTokenRecord {
        hash: secret.hash(),
        family_id: FamilyId::new(FAMILY),
        client_id: ClientId::new(client_id),
        user_id: UserId::new(USER),
        workspace_id: WorkspaceId::new(WORKSPACE),
        scopes: scopes(scope),
        audience: None,
        issued_at: seconds_ago(100),
        expires_at: NOW + Duration::from_secs(1000),
        revoked_at: None,
    };
    Issued {
        text: secret.expose().to_owned(),
        record,
    }
}

/// Returns an active refresh token of `client_id` with `scope`.
pub fn refresh_token(client_id: &str, scope: &str) -> Issued<RefreshTokenRecord> {
    let secret = secret_text(SecretKind::RefreshToken);
    let record = RefreshTokenRecord {
        hash: secret.hash(),
        family_id: FamilyId::new(FAMILY),
        client_id: ClientId::new(client_id),
        user_id: UserId::new(USER),
        workspace_id: WorkspaceId::new(WORKSPACE),
        scopes: scopes(scope),
        resource: None,
        issued_at: seconds_ago(100),
        expires_at: NOW + Duration::from_secs(1000),
        state: RefreshState::Active,
    };
    Issued {
        text: secret.expose().to_owned(),
        record,
    }
}
