//! diesel table definitions, matching the SQL in `migrations/`.
//!
//! Names are unqualified, so every query runs in the schema that the
//! connection's `search_path` selects.

diesel::table! {
    workspaces (id) {
        id -> Text,
        name -> Text,
        created_at -> Int8,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        display_name -> Text,
        password_hash -> Nullable<Text>,
        created_at -> Int8,
    }
}

diesel::table! {
    memberships (workspace_id, user_id) {
        workspace_id -> Text,
        user_id -> Text,
        role -> Text,
    }
}

diesel::table! {
    clients (id) {
        id -> Text,
        position -> Int8,
        workspace_id -> Nullable<Text>,
        name -> Text,
        description -> Text,
        homepage_url -> Nullable<Text>,
        client_type -> Text,
        redirect_uris -> Array<Text>,
        allowed_scopes -> Text,
        default_scopes -> Text,
        pkce_mode -> Text,
        environment -> Text,
        registration_source -> Text,
        status -> Text,
        created_at -> Int8,
        grant_types -> Array<Text>,
        auth_method -> Nullable<Text>,
        resource_server -> Bool,
        has_registration -> Bool,
        registration_token_hash -> Nullable<Bytea>,
        registration_source_address -> Nullable<Text>,
        registration_fingerprint -> Nullable<Bytea>,
        software_id -> Nullable<Text>,
        software_version -> Nullable<Text>,
        metadata_expires_at -> Nullable<Int8>,
        first_approved_by -> Nullable<Text>,
        first_approved_at -> Nullable<Int8>,
    }
}

diesel::table! {
    client_secrets (client_id, position) {
        client_id -> Text,
        position -> Int4,
        hash -> Bytea,
        created_at -> Int8,
        expires_at -> Nullable<Int8>,
    }
}

diesel::table! {
    grants (id) {
        id -> Text,
        position -> Int8,
        user_id -> Text,
        client_id -> Text,
        workspace_id -> Text,
        scopes -> Text,
        created_at -> Int8,
        updated_at -> Int8,
    }
}

diesel::table! {
    authorization_codes (hash) {
        hash -> Bytea,
        client_id -> Text,
        redirect_uri -> Text,
        user_id -> Text,
        workspace_id -> Text,
        grant_id -> Text,
        scopes -> Text,
        code_challenge -> Nullable<Text>,
        resource -> Nullable<Text>,
        family_id -> Text,
        issued_at -> Int8,
        expires_at -> Int8,
        redeemed_at -> Nullable<Int8>,
    }
}

diesel::table! {
    token_families (id) {
        id -> Text,
        grant_id -> Text,
        client_id -> Text,
        user_id -> Text,
        workspace_id -> Text,
        scopes -> Text,
        resource -> Nullable<Text>,
        created_at -> Int8,
        revoked_at -> Nullable<Int8>,
    }
}

diesel::table! {
    access_tokens (hash) {
        hash -> Bytea,
        family_id -> Text,
        client_id -> Text,
        user_id -> Text,
        workspace_id -> Text,
        scopes -> Text,
        audience -> Nullable<Text>,
        issued_at -> Int8,
        expires_at -> Int8,
        revoked_at -> Nullable<Int8>,
    }
}

diesel::table! {
    refresh_tokens (hash) {
        hash -> Bytea,
        family_id -> Text,
        client_id -> Text,
        user_id -> Text,
        workspace_id -> Text,
        scopes -> Text,
        resource -> Nullable<Text>,
        issued_at -> Int8,
        expires_at -> Int8,
        state -> Text,
    }
}

diesel::table! {
    initial_access_tokens (hash) {
        hash -> Bytea,
        label -> Text,
        created_at -> Int8,
        expires_at -> Nullable<Int8>,
    }
}

diesel::table! {
    device_authorizations (device_code_hash) {
        device_code_hash -> Bytea,
        user_code_hash -> Bytea,
        client_id -> Text,
        scopes -> Text,
        resource -> Nullable<Text>,
        family_id -> Text,
        issued_at -> Int8,
        expires_at -> Int8,
        interval_seconds -> Int8,
        last_polled_at -> Nullable<Int8>,
        state -> Text,
        approved_by -> Nullable<Text>,
        approved_workspace_id -> Nullable<Text>,
        approved_grant_id -> Nullable<Text>,
    }
}

diesel::joinable!(client_secrets -> clients (client_id));
diesel::joinable!(access_tokens -> token_families (family_id));
diesel::joinable!(refresh_tokens -> token_families (family_id));

diesel::allow_tables_to_appear_in_same_query!(
    clients,
    client_secrets,
    token_families,
    access_tokens,
    refresh_tokens,
    authorization_codes,
    grants,
);

diesel::define_sql_function! {
    /// SQL `coalesce` of two nullable `bigint` values: the first that is not NULL.
    fn coalesce(
        value: diesel::sql_types::Nullable<diesel::sql_types::Int8>,
        fallback: diesel::sql_types::Nullable<diesel::sql_types::Int8>,
    ) -> diesel::sql_types::Nullable<diesel::sql_types::Int8>;
}
