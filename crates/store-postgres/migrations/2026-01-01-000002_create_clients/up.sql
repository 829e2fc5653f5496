-- OAuth clients and the hashes of their secrets.

CREATE TABLE clients (
    id text PRIMARY KEY,
    -- Insertion order, which breaks ties between clients created in the same second.
    position bigint GENERATED ALWAYS AS IDENTITY,
    -- NULL for clients that registered themselves (RFC 7591).
    workspace_id text,
    name text NOT NULL,
    description text NOT NULL,
    homepage_url text,
    client_type text NOT NULL CHECK (client_type IN ('public', 'confidential')),
    -- Exact strings in registration order, compared without normalisation.
    redirect_uris text[] NOT NULL,
    -- Space-delimited scope tokens (RFC 6749 section 3.3).
    allowed_scopes text NOT NULL,
    default_scopes text NOT NULL,
    pkce_mode text NOT NULL CHECK (pkce_mode IN ('required', 'optional')),
    environment text NOT NULL CHECK (environment IN ('production', 'staging', 'development')),
    registration_source text NOT NULL CHECK (registration_source IN ('dashboard', 'dynamic')),
    status text NOT NULL CHECK (status IN ('active', 'suspended')),
    created_at bigint NOT NULL
);

-- Lists a workspace's apps oldest first without a sort.
CREATE INDEX clients_workspace_id_idx ON clients (workspace_id, created_at, position);

CREATE TABLE client_secrets (
    client_id text NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    -- Index in the client's list of secrets, which keeps their order.
    position integer NOT NULL,
    -- SHA-256 of the secret text; the secret itself is never stored.
    hash bytea NOT NULL CHECK (octet_length(hash) = 32),
    created_at bigint NOT NULL,
    expires_at bigint,
    PRIMARY KEY (client_id, position)
);
