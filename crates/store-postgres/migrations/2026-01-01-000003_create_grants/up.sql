-- Grants: the consent one user gave one client in one workspace.

CREATE TABLE grants (
    id text PRIMARY KEY,
    -- Insertion order, which breaks ties between grants created in the same second.
    position bigint GENERATED ALWAYS AS IDENTITY,
    user_id text NOT NULL,
    client_id text NOT NULL,
    workspace_id text NOT NULL,
    -- Space-delimited scope tokens (RFC 6749 section 3.3).
    scopes text NOT NULL,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL,
    -- One grant per (user, client, workspace): the target of the upsert that
    -- records an approval, and the index of the consent lookup. Its leading
    -- column also serves the list of a user's grants.
    CONSTRAINT grants_user_client_workspace_key UNIQUE (user_id, client_id, workspace_id)
);
