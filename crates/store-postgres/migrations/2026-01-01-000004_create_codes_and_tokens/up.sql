-- Token families, authorization codes, access tokens and refresh tokens.
-- Secrets are stored only as their SHA-256 hash, which is the primary key.

CREATE TABLE token_families (
    id text PRIMARY KEY,
    -- No foreign key: a family outlives its grant, revoked, when the grant is deleted.
    grant_id text NOT NULL,
    client_id text NOT NULL,
    user_id text NOT NULL,
    workspace_id text NOT NULL,
    scopes text NOT NULL,
    created_at bigint NOT NULL,
    revoked_at bigint
);

-- Finds the families to revoke with a grant.
CREATE INDEX token_families_grant_id_idx ON token_families (grant_id);

CREATE TABLE authorization_codes (
    hash bytea PRIMARY KEY CHECK (octet_length(hash) = 32),
    client_id text NOT NULL,
    redirect_uri text NOT NULL,
    user_id text NOT NULL,
    workspace_id text NOT NULL,
    grant_id text NOT NULL,
    scopes text NOT NULL,
    -- RFC 7636 S256 challenge, when the request had one.
    code_challenge text,
    -- The family that redemption creates.
    family_id text NOT NULL,
    issued_at bigint NOT NULL,
    expires_at bigint NOT NULL,
    -- NULL while issued; set exactly once by redemption.
    redeemed_at bigint
);

-- Finds expired codes for purging.
CREATE INDEX authorization_codes_expires_at_idx ON authorization_codes (expires_at);

CREATE TABLE access_tokens (
    hash bytea PRIMARY KEY CHECK (octet_length(hash) = 32),
    family_id text NOT NULL REFERENCES token_families (id),
    client_id text NOT NULL,
    user_id text NOT NULL,
    workspace_id text NOT NULL,
    scopes text NOT NULL,
    issued_at bigint NOT NULL,
    expires_at bigint NOT NULL,
    revoked_at bigint
);

-- Revokes every token of a family; also backs the foreign key.
CREATE INDEX access_tokens_family_id_idx ON access_tokens (family_id);
-- Finds expired tokens for purging.
CREATE INDEX access_tokens_expires_at_idx ON access_tokens (expires_at);

CREATE TABLE refresh_tokens (
    hash bytea PRIMARY KEY CHECK (octet_length(hash) = 32),
    family_id text NOT NULL REFERENCES token_families (id),
    client_id text NOT NULL,
    user_id text NOT NULL,
    workspace_id text NOT NULL,
    scopes text NOT NULL,
    issued_at bigint NOT NULL,
    expires_at bigint NOT NULL,
    state text NOT NULL CHECK (state IN ('active', 'rotated', 'revoked'))
);

-- Revokes every token of a family and checks whether a family still has a
-- live refresh token; also backs the foreign key.
CREATE INDEX refresh_tokens_family_id_idx ON refresh_tokens (family_id, expires_at);
-- Finds expired tokens for purging.
CREATE INDEX refresh_tokens_expires_at_idx ON refresh_tokens (expires_at);
