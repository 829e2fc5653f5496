-- Self-registered clients, resource indicators (RFC 8707), initial access
-- tokens (RFC 7591 section 3) and device authorizations (RFC 8628).

-- Existing rows are dashboard apps: they get the grant types every app had
-- before, no fixed authentication method, and no registration details. The
-- defaults stay so that a server process that predates this migration can
-- still insert apps while a deployment rolls out.
ALTER TABLE clients
    DROP CONSTRAINT clients_registration_source_check,
    ADD CONSTRAINT clients_registration_source_check CHECK (
        registration_source IN ('dashboard', 'dynamic', 'metadata_document', 'device')
    ),
    -- Wire names (RFC 7591 section 2), in registration order.
    ADD COLUMN grant_types text[] NOT NULL
        DEFAULT ARRAY['authorization_code', 'refresh_token']
        CHECK (grant_types <@ ARRAY[
            'authorization_code',
            'refresh_token',
            'urn:ietf:params:oauth:grant-type:device_code'
        ]),
    -- NULL for dashboard apps, which may use any method of their type.
    ADD COLUMN auth_method text
        CHECK (auth_method IN ('none', 'client_secret_basic', 'client_secret_post')),
    ADD COLUMN resource_server boolean NOT NULL DEFAULT false,
    -- Whether the client has registration details (`Client::registration` is
    -- `Some`); the registration_* columns below are NULL otherwise.
    ADD COLUMN has_registration boolean NOT NULL DEFAULT false,
    -- SHA-256 of the RFC 7592 registration access token.
    ADD COLUMN registration_token_hash bytea
        CHECK (octet_length(registration_token_hash) = 32),
    ADD COLUMN registration_source_address text,
    -- SHA-256 of the source address and the normalised metadata.
    ADD COLUMN registration_fingerprint bytea
        CHECK (octet_length(registration_fingerprint) = 32),
    ADD COLUMN software_id text,
    ADD COLUMN software_version text,
    ADD COLUMN metadata_expires_at bigint,
    ADD COLUMN first_approved_by text,
    ADD COLUMN first_approved_at bigint,
    ADD CONSTRAINT clients_registration_details_check CHECK (
        has_registration OR (
            registration_token_hash IS NULL
            AND registration_source_address IS NULL
            AND registration_fingerprint IS NULL
            AND software_id IS NULL
            AND software_version IS NULL
            AND metadata_expires_at IS NULL
            AND first_approved_by IS NULL
            AND first_approved_at IS NULL
        )
    );

-- Finds the client an identical registration from the same source created;
-- unique, so two concurrent identical registrations cannot both be stored.
CREATE UNIQUE INDEX clients_registration_fingerprint_key ON clients (registration_fingerprint)
    WHERE registration_fingerprint IS NOT NULL;
-- Lists self-registered clients oldest first (by ID within one second), and
-- finds the unapproved ones created before a cutoff, without reading the
-- dashboard apps.
CREATE INDEX clients_self_registered_idx ON clients (created_at, id)
    WHERE registration_source <> 'dashboard';

-- Deleting a client or all its grants finds its grants and families by client.
CREATE INDEX grants_client_id_idx ON grants (client_id);
CREATE INDEX token_families_client_id_idx ON token_families (client_id);

-- The resource (RFC 8707) an authorization is for; NULL when none was named.
ALTER TABLE authorization_codes ADD COLUMN resource text;
ALTER TABLE token_families ADD COLUMN resource text;
ALTER TABLE refresh_tokens ADD COLUMN resource text;
ALTER TABLE access_tokens ADD COLUMN audience text;

CREATE TABLE initial_access_tokens (
    hash bytea PRIMARY KEY CHECK (octet_length(hash) = 32),
    label text NOT NULL,
    created_at bigint NOT NULL,
    -- NULL for a token with no end of validity.
    expires_at bigint
);

CREATE TABLE device_authorizations (
    device_code_hash bytea PRIMARY KEY CHECK (octet_length(device_code_hash) = 32),
    -- SHA-256 of the normalised user code, which a member types in.
    user_code_hash bytea NOT NULL
        CONSTRAINT device_authorizations_user_code_hash_key UNIQUE
        CHECK (octet_length(user_code_hash) = 32),
    client_id text NOT NULL,
    scopes text NOT NULL,
    resource text,
    -- The family that redemption creates.
    family_id text NOT NULL,
    issued_at bigint NOT NULL,
    expires_at bigint NOT NULL,
    -- Minimum seconds between polls; grows by 5 at each slow_down. A u32 in
    -- the core, so bigint.
    interval_seconds bigint NOT NULL CHECK (interval_seconds BETWEEN 0 AND 4294967295),
    last_polled_at bigint,
    state text NOT NULL CHECK (state IN ('pending', 'approved', 'denied', 'redeemed')),
    -- The approval: set exactly in the states approved and redeemed.
    approved_by text,
    approved_workspace_id text,
    approved_grant_id text,
    CONSTRAINT device_authorizations_approval_check CHECK (
        (state IN ('approved', 'redeemed')) = (
            approved_by IS NOT NULL
            AND approved_workspace_id IS NOT NULL
            AND approved_grant_id IS NOT NULL
        )
    )
);

-- Finds expired device authorizations for purging.
CREATE INDEX device_authorizations_expires_at_idx ON device_authorizations (expires_at);
