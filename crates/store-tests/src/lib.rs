//! Conformance suite that every oauth-apps store backend must pass.
//!
//! Each case is a public async function that takes a fresh, empty store and
//! checks one documented semantic of the traits in
//! [`oauth_apps_core::store`]: lookups, uniqueness conflicts, grant merging,
//! single-use codes (RFC 6749 section 4.1.2), refresh token rotation with
//! reuse detection (OAuth 2.1 section 4.3.1, RFC 9700 section 4.14.2),
//! revocation, and the atomicity of the guarded operations under 32
//! concurrent callers. Cases panic on the first failed check, with a
//! message that names the record and the expected value.
//!
//! A backend runs the whole suite with one macro call in an integration
//! test, passing the path of an `async fn() -> S` that returns a new, empty
//! store (for PostgreSQL, one on a fresh database):
//!
//! ```ignore
//! async fn empty_store() -> MemoryStore {
//!     MemoryStore::new()
//! }
//!
//! oauth_apps_store_tests::conformance_tests!(empty_store);
//! ```
//!
//! The macro expands to one `#[tokio::test]` per case, in a module per
//! concept (`directory`, `clients`, `grants`, `codes`, `tokens`,
//! `concurrency`), so a failure is reported as, for example,
//! `codes::redeem_twice_revokes_family`. The calling crate needs `tokio`
//! with the `macros` and `rt-multi-thread` features as a dev-dependency.
//!
//! Not covered: what a backend does with records that refer to missing ones
//! (for example a membership of an unknown workspace), which the traits
//! leave open.

#![warn(missing_docs)]

pub mod checks;
pub mod clients;
pub mod codes;
pub mod concurrency;
pub mod directory;
pub mod fixtures;
pub mod grants;
pub mod tokens;

/// Expands to one `#[tokio::test]` per conformance case, each run on a
/// fresh store from `$factory`, an `async fn() -> S` where
/// `S: oauth_apps_core::store::Store + 'static`.
#[macro_export]
macro_rules! conformance_tests {
    ($factory:path) => {
        $crate::__conformance_cases! {
            $factory;
            directory {
                workspace_insert_then_find,
                workspace_duplicate_id_conflicts,
                unknown_workspace_not_found,
                user_insert_then_find,
                user_duplicate_id_conflicts,
                user_duplicate_email_conflicts,
                unknown_user_not_found,
                membership_put_then_find,
                membership_put_replaces_role,
                memberships_of_user_lists_all,
            }
            clients {
                client_insert_then_find,
                client_duplicate_id_conflicts,
                unknown_client_not_found,
                clients_of_workspace_oldest_first,
            }
            grants {
                save_grant_inserts_new,
                save_grant_merges_scopes,
                find_grant_matches_whole_key,
                grants_of_user_oldest_first,
                revoke_grant_deletes_grant,
                revoke_grant_revokes_tokens,
                revoke_grant_spares_other_grants,
                revoke_unknown_grant_returns_false,
            }
            codes {
                redeem_code_first_time,
                redeem_creates_active_family,
                redeem_twice_revokes_family,
                redeem_twice_revokes_later_tokens,
                redeem_at_expiry_is_expired,
                redeem_after_expiry_still_detects_reuse,
                redeem_unknown_code_not_found,
            }
            tokens {
                tokens_insert_then_find,
                access_token_without_refresh,
                unknown_tokens_not_found,
                rotate_refresh_token_rotates,
                rotate_new_token_again,
                rotate_reused_token_revokes_family,
                rotate_at_expiry_is_expired,
                rotate_in_revoked_family_is_revoked,
                rotate_unknown_token_not_found,
                revoke_access_token_revokes_one,
                revoke_unknown_access_token_returns_false,
                revoke_family_revokes_tokens,
                revoke_family_spares_other_families,
                revoke_unknown_family_returns_false,
            }
            concurrency {
                concurrent_redemptions_one_winner,
                concurrent_rotations_one_winner,
                concurrent_grant_saves_merge,
                concurrent_duplicate_emails_one_wins,
                revoke_grant_races_rotations,
            }
        }
    };
}

/// Generates a test module per concept and a test per case. Only
/// [`conformance_tests!`] calls it.
#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_cases {
    ($factory:path; $($module:ident { $($case:ident),* $(,)? })*) => {
        $(
            mod $module {
                #[allow(unused_imports)]
                use super::*;

                $(
                    #[::tokio::test(flavor = "multi_thread", worker_threads = 4)]
                    async fn $case() {
                        let store = ::std::sync::Arc::new($factory().await);
                        $crate::$module::$case(store).await;
                    }
                )*
            }
        )*
    };
}
