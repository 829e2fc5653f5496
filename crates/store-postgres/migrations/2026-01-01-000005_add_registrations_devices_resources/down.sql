DROP TABLE device_authorizations;
DROP TABLE initial_access_tokens;

ALTER TABLE access_tokens DROP COLUMN audience;
ALTER TABLE refresh_tokens DROP COLUMN resource;
ALTER TABLE token_families DROP COLUMN resource;
ALTER TABLE authorization_codes DROP COLUMN resource;

DROP INDEX token_families_client_id_idx;
DROP INDEX grants_client_id_idx;
DROP INDEX clients_self_registered_idx;
DROP INDEX clients_registration_fingerprint_key;

-- Fails while a self-registered client of a new source is stored.
ALTER TABLE clients
    DROP CONSTRAINT clients_registration_details_check,
    DROP COLUMN first_approved_at,
    DROP COLUMN first_approved_by,
    DROP COLUMN metadata_expires_at,
    DROP COLUMN software_version,
    DROP COLUMN software_id,
    DROP COLUMN registration_fingerprint,
    DROP COLUMN registration_source_address,
    DROP COLUMN registration_token_hash,
    DROP COLUMN has_registration,
    DROP COLUMN resource_server,
    DROP COLUMN auth_method,
    DROP COLUMN grant_types,
    DROP CONSTRAINT clients_registration_source_check,
    ADD CONSTRAINT clients_registration_source_check CHECK (
        registration_source IN ('dashboard', 'dynamic')
    );
