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

-- Subscriptions (周期购, POST /subscriptions): one order placed and paid per period on
-- the backend clock. `next_on` is the date (China) of the period to place next;
-- `attempts` counts its failed placements (retried a day apart, three times);
-- `anchor_on` gives monthly periods their day of the month.
CREATE TABLE subscriptions (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    sku_id INTEGER NOT NULL REFERENCES skus(id),
    qty INTEGER NOT NULL,
    address_id INTEGER NOT NULL REFERENCES addresses(id),
    payment_method TEXT NOT NULL,
    bank_card_id INTEGER,
    every TEXT NOT NULL,
    status TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    next_on TEXT NOT NULL,
    anchor_on TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX subscriptions_user ON subscriptions(user_id, created_at);
CREATE INDEX subscriptions_due ON subscriptions(status, next_on);

-- What became of each period: placed (with its order), failing (retries left) or
-- skipped. One row per period: a period is never placed twice.
CREATE TABLE subscription_periods (
    id INTEGER PRIMARY KEY,
    subscription_id INTEGER NOT NULL REFERENCES subscriptions(id),
    period_on TEXT NOT NULL,
    status TEXT NOT NULL,
    order_id INTEGER REFERENCES orders(id),
    attempts INTEGER NOT NULL DEFAULT 0,
    error_code TEXT,
    error_zh TEXT,
    error_en TEXT,
    at REAL NOT NULL,
    UNIQUE (subscription_id, period_on)
);
