//! Conversions between column values and core types. A stored value that
//! fails to convert back is corrupt data and becomes
//! [`StoreError::Internal`].

use oauth_apps_core::client::{
    ClientStatus, ClientType, Environment, GrantType, PkceMode, RegistrationSource,
    TokenEndpointAuthMethod,
};
use oauth_apps_core::error::StoreError;
use oauth_apps_core::permission::Role;
use oauth_apps_core::scope::ScopeSet;
use oauth_apps_core::secret::SecretHash;
use oauth_apps_core::store::StoreResult;
use oauth_apps_core::time::Timestamp;
use oauth_apps_core::token::RefreshState;

/// Builds a hash from a `bytea` column, which the schema limits to 32 bytes.
pub(crate) fn hash_from_column(bytes: Vec<u8>) -> StoreResult<SecretHash> {
    let array: [u8; 32] = bytes.try_into().map_err(|bytes: Vec<u8>| {
        StoreError::Internal(format!(
            "stored hash has {} bytes, expected 32",
            bytes.len()
        ))
    })?;
    Ok(SecretHash::from_bytes(array))
}

/// Parses a space-delimited scope column.
pub(crate) fn scopes_from_column(text: &str) -> StoreResult<ScopeSet> {
    ScopeSet::parse(text).map_err(|error| StoreError::Internal(format!("stored scopes: {error}")))
}

/// Converts a Unix-seconds column.
pub(crate) const fn timestamp(seconds: i64) -> Timestamp {
    Timestamp::from_unix_seconds(seconds)
}

/// An enum stored as a lowercase text column, with a `CHECK` constraint
/// listing the same names.
pub(crate) trait TextEnum: Sized {
    /// Returns the column text of `self`.
    fn to_column(self) -> &'static str;

    /// Parses a column text.
    fn from_column(text: &str) -> StoreResult<Self>;
}

/// Implements [`TextEnum`] from one list of variants and names. The `match`
/// in `to_column` is exhaustive, so a new variant fails to compile until it
/// has a name here.
macro_rules! text_enum {
    ($type:ident { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl TextEnum for $type {
            fn to_column(self) -> &'static str {
                match self {
                    $($type::$variant => $name,)+
                }
            }

            fn from_column(text: &str) -> StoreResult<Self> {
                match text {
                    $($name => Ok($type::$variant),)+
                    other => Err(StoreError::Internal(format!(
                        "stored value {other:?} is not a {}",
                        stringify!($type)
                    ))),
                }
            }
        }
    };
}

text_enum!(ClientType { Public => "public", Confidential => "confidential" });
text_enum!(PkceMode { Required => "required", Optional => "optional" });
text_enum!(Environment {
    Production => "production",
    Staging => "staging",
    Development => "development",
});
text_enum!(RegistrationSource {
    Dashboard => "dashboard",
    Dynamic => "dynamic",
    MetadataDocument => "metadata_document",
    Device => "device",
});
text_enum!(TokenEndpointAuthMethod {
    None => "none",
    ClientSecretBasic => "client_secret_basic",
    ClientSecretPost => "client_secret_post",
});
text_enum!(ClientStatus { Active => "active", Suspended => "suspended" });
text_enum!(Role { Owner => "owner", Admin => "admin", Member => "member", Guest => "guest" });
text_enum!(RefreshState { Active => "active", Rotated => "rotated", Revoked => "revoked" });

/// Column text of [`RegistrationSource::Dashboard`].
pub(crate) const DASHBOARD: &str = "dashboard";

/// Parses a grant type column element, which holds the wire name.
pub(crate) fn grant_type_from_column(text: &str) -> StoreResult<GrantType> {
    GrantType::parse(text)
        .ok_or_else(|| StoreError::Internal(format!("stored value {text:?} is not a grant type")))
}

/// Converts a `bigint` column holding a `u32`, such as a polling interval.
pub(crate) fn u32_from_column(value: i64) -> StoreResult<u32> {
    u32::try_from(value)
        .map_err(|_| StoreError::Internal(format!("stored value {value} does not fit a u32")))
}

/// Column text of [`RefreshState::Active`].
pub(crate) const ACTIVE: &str = "active";
/// Column text of [`RefreshState::Rotated`].
pub(crate) const ROTATED: &str = "rotated";

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trips<T: TextEnum + Copy + PartialEq + std::fmt::Debug>(variants: &[T]) {
        for variant in variants {
            let text = variant.to_column();
            assert_eq!(T::from_column(text).unwrap(), *variant, "{text}");
        }
        assert!(T::from_column("unknown").is_err());
    }

    #[test]
    fn enums_round_trip() {
        round_trips(&[ClientType::Public, ClientType::Confidential]);
        round_trips(&[PkceMode::Required, PkceMode::Optional]);
        round_trips(&[
            Environment::Production,
            Environment::Staging,
            Environment::Development,
        ]);
        round_trips(&[
            RegistrationSource::Dashboard,
            RegistrationSource::Dynamic,
            RegistrationSource::MetadataDocument,
            RegistrationSource::Device,
        ]);
        round_trips(&[
            TokenEndpointAuthMethod::None,
            TokenEndpointAuthMethod::ClientSecretBasic,
            TokenEndpointAuthMethod::ClientSecretPost,
        ]);
        round_trips(&[ClientStatus::Active, ClientStatus::Suspended]);
        round_trips(&[Role::Owner, Role::Admin, Role::Member, Role::Guest]);
        round_trips(&[
            RefreshState::Active,
            RefreshState::Rotated,
            RefreshState::Revoked,
        ]);
    }

    #[test]
    fn constants_match_names() {
        assert_eq!(RefreshState::Active.to_column(), ACTIVE);
        assert_eq!(RefreshState::Rotated.to_column(), ROTATED);
        assert_eq!(RegistrationSource::Dashboard.to_column(), DASHBOARD);
    }

    #[test]
    fn grant_types_parse_wire_names() {
        for grant_type in [
            GrantType::AuthorizationCode,
            GrantType::RefreshToken,
            GrantType::DeviceCode,
        ] {
            assert_eq!(
                grant_type_from_column(grant_type.as_str()).unwrap(),
                grant_type
            );
        }
        assert!(grant_type_from_column("implicit").is_err());
    }

    #[test]
    fn interval_must_fit_u32() {
        assert_eq!(u32_from_column(5).unwrap(), 5);
        assert!(u32_from_column(-1).is_err());
        assert!(u32_from_column(i64::from(u32::MAX) + 1).is_err());
    }

    #[test]
    fn short_hash_is_rejected() {
        assert!(hash_from_column(vec![0; 31]).is_err());
        assert_eq!(
            hash_from_column(vec![7; 32]).unwrap(),
            SecretHash::from_bytes([7; 32])
        );
    }
}
