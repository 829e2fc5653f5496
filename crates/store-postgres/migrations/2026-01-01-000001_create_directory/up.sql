-- Workspaces, users and their memberships.

CREATE TABLE workspaces (
    id text PRIMARY KEY,
    name text NOT NULL,
    created_at bigint NOT NULL
);

CREATE TABLE users (
    id text PRIMARY KEY,
    -- Stored already normalised (trimmed, lowercase); login looks users up by it.
    email text NOT NULL CONSTRAINT users_email_key UNIQUE,
    display_name text NOT NULL,
    -- PHC string; NULL for users who sign in through an embedding service.
    password_hash text,
    created_at bigint NOT NULL
);

CREATE TABLE memberships (
    workspace_id text NOT NULL,
    user_id text NOT NULL,
    role text NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'guest')),
    PRIMARY KEY (workspace_id, user_id)
);

-- Lists the workspaces of one user; the primary key serves lookups by workspace.
CREATE INDEX memberships_user_id_idx ON memberships (user_id);
