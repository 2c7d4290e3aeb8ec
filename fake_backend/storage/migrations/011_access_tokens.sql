-- Personal access tokens (POST /me/tokens): bearer tokens for scripts, limited to their
-- scopes. Only the token's SHA-256 is kept; a revoked token keeps its row (revoked_at) so
-- that using it again is answered "revoked" rather than "unknown".
CREATE TABLE access_tokens (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    scopes TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    last_used_at REAL,
    revoked_at REAL
);
CREATE INDEX access_tokens_user ON access_tokens(user_id, created_at);
