-- certbind's shared store: clients, the files they name, registry settings, signing keys
-- (private keys sealed under the key-encryption key), and revoked token ids.
-- Applied by `certbind db migrate` in one transaction; never edit an applied migration, add one.

CREATE TABLE registry_settings (
    id            boolean PRIMARY KEY DEFAULT true CHECK (id),
    -- the registry's top-level trust_anchors (file names, as in certbind.toml)
    trust_anchors jsonb   NOT NULL DEFAULT '[]'::jsonb,
    clock_skew    bigint
);
INSERT INTO registry_settings (id) VALUES (true);

-- Files the registry names (trust anchors, pem_file, jwks_file), by the name it uses.
CREATE TABLE registry_files (
    name       text        PRIMARY KEY,
    content    bytea       NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE clients (
    client_id  text PRIMARY KEY,
    -- the client as a [[clients]] table of certbind.toml (checked by certbind-core on the way in
    -- and on every read)
    definition jsonb NOT NULL CHECK (definition ->> 'client_id' = client_id),
    origin     text  NOT NULL CHECK (origin IN ('import', 'registration')),
    -- RFC 7591 metadata as registered (returned by RFC 7592 reads); NULL for imported clients
    metadata   jsonb,
    -- SHA-256 of the RFC 7592 registration access token; the token itself is never stored
    registration_token_sha256 bytea CHECK (octet_length(registration_token_sha256) = 32),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE signing_keys (
    kid          text        PRIMARY KEY,
    algorithm    text        NOT NULL,
    -- AES-256-GCM under the key-encryption key: 12-byte nonce || ciphertext || 16-byte tag,
    -- with the kid as additional data; the plaintext is the PKCS#8 PEM private key
    sealed_key   bytea       NOT NULL,
    -- first 8 bytes (hex) of SHA-256 of the key-encryption key, to name a wrong CERTBIND_KEK
    kek_id       text        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    -- published from creation, signs from this time on
    signs_from   timestamptz NOT NULL
);

CREATE TABLE revoked_tokens (
    jti        text        PRIMARY KEY,
    client_id  text        NOT NULL,
    -- the token's exp: the row is purged after it
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX revoked_tokens_expires_at ON revoked_tokens (expires_at);
