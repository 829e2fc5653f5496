//! Conformance suite that every oauth-apps store backend must pass.
//!
//! Each case is a public async function that takes a fresh, empty store and
//! checks one documented semantic of the traits in
//! [`oauth_apps_core::store`]: lookups, uniqueness conflicts, grant merging,
//! single-use codes (RFC 6749 section 4.1.2), refresh token rotation with
//! reuse detection (OAuth 2.1 section 4.3.1, RFC 9700 section 4.14.2),
//! revocation, client updates and deletion, self-registered clients
//! (RFC 7591), initial access tokens, device authorizations (RFC 8628),
//! resource indicators (RFC 8707), and the atomicity of the guarded
//! operations under 32 concurrent callers. Cases panic on the first failed check, with a
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
//! `concurrency`, `client_removal`, `registrations`, `initial_access`,
//! `devices`, `resources`, `races`), so a failure is reported as, for example,
//! `codes::redeem_twice_revokes_family`. The calling crate needs `tokio`
//! with the `macros` and `rt-multi-thread` features as a dev-dependency.
//!
//! Not covered: what a backend does with records that refer to missing ones
//! (for example a membership of an unknown workspace), which the traits
//! leave open.

#![warn(missing_docs)]

pub mod checks;
pub mod client_removal;
pub mod clients;
pub mod codes;
pub mod concurrency;
pub mod devices;
pub mod directory;
pub mod fixtures;
pub mod grants;
pub mod initial_access;
pub mod races;
pub mod registrations;
pub mod resources;
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
            client_removal {
                update_client_replaces_fields,
                update_unknown_client_returns_false,
                delete_client_removes_client,
                delete_client_revokes_grants_and_tokens,
                delete_unknown_client_returns_false,
                revoke_client_grants_revokes_all,
            }
            registrations {
                find_client_by_fingerprint_matches,
                registered_clients_oldest_first,
                record_first_approval_sets_once,
                record_first_approval_skips_dashboard_apps,
                delete_unapproved_registrations_selects,
                delete_unapproved_registrations_revokes_tokens,
            }
            initial_access {
                initial_access_token_insert_then_find,
                initial_access_token_duplicate_conflicts,
                unknown_initial_access_token_not_found,
            }
            devices {
                device_insert_then_find,
                device_duplicate_codes_conflict,
                unknown_device_not_found,
                device_approve_then_poll_redeems,
                device_deny_then_poll_denied,
                device_decide_twice_already_decided,
                device_expired_rejects_decisions_and_polls,
                device_pending_poll_stores_time,
                device_fast_poll_slows_down,
                device_poll_after_redeem_rejected,
            }
            resources {
                client_new_fields_round_trip,
                code_resource_round_trips,
                tokens_audience_round_trips,
                device_resource_round_trips,
            }
            races {
                concurrent_device_polls_one_redeemed,
                concurrent_device_decisions_one_wins,
                delete_client_races_rotations,
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
