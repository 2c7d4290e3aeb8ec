-- kshop fake backend schema. Times are epoch seconds (REAL) on the backend clock;
-- money is INTEGER fen.

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    phone TEXT NOT NULL UNIQUE,
    nickname TEXT NOT NULL,
    password_hash TEXT,
    payment_password_hash TEXT,
    two_factor_enabled INTEGER NOT NULL DEFAULT 0,
    real_name TEXT,
    id_number_masked TEXT,
    balance_fen INTEGER NOT NULL DEFAULT 0 CHECK (balance_fen >= 0),
    red_packet_fen INTEGER NOT NULL DEFAULT 0 CHECK (red_packet_fen >= 0),
    bnpl_enabled INTEGER NOT NULL DEFAULT 0,
    bnpl_limit_fen INTEGER NOT NULL DEFAULT 150000,
    bnpl_used_fen INTEGER NOT NULL DEFAULT 0 CHECK (bnpl_used_fen >= 0),
    pay_failures INTEGER NOT NULL DEFAULT 0,
    pay_locked_until REAL,
    created_at REAL NOT NULL
);

CREATE TABLE linked_logins (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    provider TEXT NOT NULL,          -- wechat | qq | ssh
    external_id TEXT NOT NULL,       -- openid, or an SSH key's SHA256 fingerprint
    label TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL,
    last_used_at REAL,               -- ssh: the last session started with the key
    UNIQUE (provider, external_id)
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE sms_codes (
    id INTEGER PRIMARY KEY,
    phone TEXT NOT NULL,
    purpose TEXT NOT NULL,           -- login | register | reset
    code TEXT NOT NULL,
    sent_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    used INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX sms_codes_phone ON sms_codes(phone, sent_at);

-- Failed login attempts per phone, for the 5-strikes / 15-minute lockout.
CREATE TABLE login_failures (
    phone TEXT PRIMARY KEY,
    failures INTEGER NOT NULL DEFAULT 0,
    locked_until REAL
);

CREATE TABLE oauth_devices (
    device_code TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    approved_user_id INTEGER REFERENCES users(id),
    consumed INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE categories (
    id INTEGER PRIMARY KEY,
    parent_id INTEGER REFERENCES categories(id),
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    position INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE brands (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    category_id INTEGER NOT NULL REFERENCES categories(id)
);

CREATE TABLE products (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    brand TEXT NOT NULL,
    category_id INTEGER NOT NULL REFERENCES categories(id),
    price_fen INTEGER NOT NULL,          -- lowest SKU price
    original_price_fen INTEGER,          -- list price before the current promotion
    stock INTEGER NOT NULL DEFAULT 0,    -- sum of SKU stock, kept in step with skus
    sales INTEGER NOT NULL DEFAULT 0,
    rating REAL NOT NULL DEFAULT 5.0,
    review_count INTEGER NOT NULL DEFAULT 0,
    description TEXT NOT NULL DEFAULT '',
    returnable INTEGER NOT NULL DEFAULT 1,
    return_window_days INTEGER NOT NULL DEFAULT 7,
    non_returnable_reason TEXT,          -- customised | perishable | virtual
    promotions TEXT NOT NULL DEFAULT '[]',  -- JSON list of {type, label_zh, label_en}
    created_at REAL NOT NULL
);
-- Search indexes (storage/catalogue.py, bench/search_api.py). Each holds every column a
-- product list filters or sorts on, so a search reads only index pages and opens a
-- product's row just for the page it answers: walking a sort order (many matches),
-- reading one category or brand, or looking up the ids a keyword matched (products_facets).
CREATE INDEX products_sales ON products(sales DESC, id DESC, category_id, brand, price_fen, stock, created_at);
CREATE INDEX products_price ON products(price_fen, id, category_id, brand, stock, sales, created_at);
CREATE INDEX products_new ON products(created_at DESC, id DESC, category_id, brand, price_fen, stock, sales);
CREATE INDEX products_category ON products(category_id, brand, price_fen, stock, sales, created_at);
CREATE INDEX products_brand ON products(brand, category_id, price_fen, stock, sales, created_at);
CREATE INDEX products_facets ON products(id, category_id, brand, price_fen, stock, sales, created_at);

CREATE VIRTUAL TABLE products_fts USING fts5(name, brand, content='products', content_rowid='id', tokenize='trigram');
CREATE TRIGGER products_ai AFTER INSERT ON products BEGIN
    INSERT INTO products_fts(rowid, name, brand) VALUES (new.id, new.name, new.brand);
END;
CREATE TRIGGER products_ad AFTER DELETE ON products BEGIN
    INSERT INTO products_fts(products_fts, rowid, name, brand) VALUES ('delete', old.id, old.name, old.brand);
END;
CREATE TRIGGER products_au AFTER UPDATE OF name, brand ON products BEGIN
    INSERT INTO products_fts(products_fts, rowid, name, brand) VALUES ('delete', old.id, old.name, old.brand);
    INSERT INTO products_fts(rowid, name, brand) VALUES (new.id, new.name, new.brand);
END;
-- Search words of 1–2 characters (手机, T恤), which trigrams cannot see: name and brand
-- written one token per character (each character, spaces and brackets included, as its
-- code point in base 36), so a phrase query finds exactly the substrings LIKE '%w%' finds.
-- Written by storage/catalogue.index_short_words for every new product.
CREATE VIRTUAL TABLE products_chars USING fts5(name, brand, tokenize='unicode61 remove_diacritics 0');

CREATE TABLE skus (
    id INTEGER PRIMARY KEY,
    product_id INTEGER NOT NULL REFERENCES products(id),
    specs TEXT NOT NULL,                 -- JSON object {名: 值}
    price_fen INTEGER NOT NULL CHECK (price_fen > 0),
    stock INTEGER NOT NULL CHECK (stock >= 0)
);
CREATE INDEX skus_product ON skus(product_id);

CREATE TABLE images (
    id INTEGER PRIMARY KEY,
    png BLOB NOT NULL
);
CREATE TABLE product_images (
    product_id INTEGER NOT NULL REFERENCES products(id),
    image_id INTEGER NOT NULL REFERENCES images(id),
    position INTEGER NOT NULL,
    PRIMARY KEY (product_id, position)
);

CREATE TABLE reviews (
    id INTEGER PRIMARY KEY,
    product_id INTEGER NOT NULL REFERENCES products(id),
    user_id INTEGER REFERENCES users(id),
    order_item_id INTEGER UNIQUE REFERENCES order_items(id),
    author TEXT NOT NULL,               -- shown masked, e.g. 王**
    rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    text TEXT NOT NULL,
    specs TEXT NOT NULL DEFAULT '{}',
    created_at REAL NOT NULL
);
CREATE INDEX reviews_product ON reviews(product_id, created_at DESC, id DESC);

CREATE TABLE shipping_templates (
    province TEXT PRIMARY KEY,           -- '*' is the default row
    base_fen INTEGER NOT NULL,
    free_over_fen INTEGER,               -- NULL: never free
    days_min INTEGER NOT NULL,
    days_max INTEGER NOT NULL
);

CREATE TABLE cart_items (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    sku_id INTEGER NOT NULL REFERENCES skus(id),
    qty INTEGER NOT NULL CHECK (qty > 0),
    selected INTEGER NOT NULL DEFAULT 1,
    added_price_fen INTEGER NOT NULL,    -- price when added, to flag changes
    created_at REAL NOT NULL,
    UNIQUE (user_id, sku_id)
);

CREATE TABLE addresses (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    phone TEXT NOT NULL,
    province TEXT NOT NULL,
    city TEXT NOT NULL,
    district TEXT NOT NULL,
    detail TEXT NOT NULL,
    is_default INTEGER NOT NULL DEFAULT 0,
    deleted INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL
);
CREATE INDEX addresses_user ON addresses(user_id);

CREATE TABLE coupon_templates (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,                  -- platform | store | new_user | check_in
    title_zh TEXT NOT NULL,
    title_en TEXT NOT NULL,
    threshold_fen INTEGER NOT NULL DEFAULT 0,
    discount_fen INTEGER NOT NULL CHECK (discount_fen > 0),
    brand TEXT,                          -- store coupons apply to one brand's goods
    valid_days INTEGER NOT NULL,
    claimable INTEGER NOT NULL DEFAULT 1 -- shown in the claim centre
);

CREATE TABLE user_coupons (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    template_id INTEGER NOT NULL REFERENCES coupon_templates(id),
    status TEXT NOT NULL DEFAULT 'usable', -- usable | used (expired is derived from expires_at)
    claimed_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    used_order_id INTEGER REFERENCES orders(id)
);
CREATE INDEX user_coupons_user ON user_coupons(user_id, status);

CREATE TABLE check_ins (
    user_id INTEGER NOT NULL REFERENCES users(id),
    day TEXT NOT NULL,                   -- YYYY-MM-DD in Asia/Shanghai
    coupon_id INTEGER REFERENCES user_coupons(id),
    PRIMARY KEY (user_id, day)
);

CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    order_no TEXT NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES users(id),
    status TEXT NOT NULL,                -- pending_payment | awaiting_shipment | shipped | completed | cancelled
    after_sale_status TEXT NOT NULL DEFAULT 'none', -- none | in_progress | refunded | closed
    subtotal_fen INTEGER NOT NULL,
    shipping_fen INTEGER NOT NULL,
    discount_fen INTEGER NOT NULL,
    total_fen INTEGER NOT NULL CHECK (total_fen >= 0),
    refunded_fen INTEGER NOT NULL DEFAULT 0,
    coupon_id INTEGER REFERENCES user_coupons(id),
    payment_method TEXT NOT NULL,        -- chosen at checkout; the paying method after pay
    paid_method TEXT,
    address TEXT NOT NULL,               -- JSON snapshot of the address
    address_id INTEGER REFERENCES addresses(id),
    remark TEXT NOT NULL DEFAULT '',
    invoice TEXT,                        -- JSON {type, title, tax_id?} or NULL
    cancel_reason TEXT,
    carrier TEXT,
    tracking_no TEXT UNIQUE,
    est_earliest TEXT,
    est_latest TEXT,
    created_at REAL NOT NULL,
    paid_at REAL,
    shipped_at REAL,
    delivered_at REAL,
    completed_at REAL,
    cancelled_at REAL
);
CREATE INDEX orders_user ON orders(user_id, created_at DESC, id DESC);
CREATE INDEX orders_status ON orders(status, created_at);

CREATE TABLE order_items (
    id INTEGER PRIMARY KEY,
    order_id INTEGER NOT NULL REFERENCES orders(id),
    product_id INTEGER NOT NULL REFERENCES products(id),
    sku_id INTEGER NOT NULL REFERENCES skus(id),
    name TEXT NOT NULL,
    specs TEXT NOT NULL,
    price_fen INTEGER NOT NULL,
    qty INTEGER NOT NULL CHECK (qty > 0),
    discount_share_fen INTEGER NOT NULL DEFAULT 0,  -- this line's part of the order discount
    refunded INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX order_items_order ON order_items(order_id);

CREATE TABLE order_events (
    id INTEGER PRIMARY KEY,
    order_id INTEGER NOT NULL REFERENCES orders(id),
    status TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    at REAL NOT NULL
);
CREATE INDEX order_events_order ON order_events(order_id, at);

CREATE TABLE payments (
    id INTEGER PRIMARY KEY,
    order_id INTEGER NOT NULL REFERENCES orders(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    method TEXT NOT NULL,
    amount_fen INTEGER NOT NULL,
    status TEXT NOT NULL,                -- pending | succeeded | failed
    failure_reason TEXT,
    qr_payload TEXT,
    bank_card_id INTEGER REFERENCES bank_cards(id),
    created_at REAL NOT NULL,
    expires_at REAL,
    finished_at REAL
);
CREATE INDEX payments_order ON payments(order_id);
CREATE INDEX payments_status ON payments(status, created_at);

-- Parcels: an order's shipment, or an after-sale's return parcel.
CREATE TABLE parcels (
    tracking_no TEXT PRIMARY KEY,
    carrier TEXT NOT NULL,               -- SF | ZTO | YTO | JD | EMS | YD
    origin TEXT NOT NULL,                -- city it leaves from (never a street address)
    destination TEXT NOT NULL,           -- city it goes to (never a street address)
    created_at REAL NOT NULL,
    delivered_at REAL
);
CREATE INDEX parcels_undelivered ON parcels(delivered_at);

CREATE TABLE logistics_events (
    id INTEGER PRIMARY KEY,
    tracking_no TEXT NOT NULL,
    at REAL NOT NULL,
    status TEXT NOT NULL,                -- collected | in_transit | out_for_delivery | delivered | exception
    location TEXT NOT NULL,
    text_zh TEXT NOT NULL,
    text_en TEXT NOT NULL
);
CREATE INDEX logistics_events_no ON logistics_events(tracking_no, at);

CREATE TABLE uploads (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    filename TEXT NOT NULL,
    data BLOB NOT NULL,
    created_at REAL NOT NULL
);

CREATE TABLE after_sales (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    order_id INTEGER NOT NULL REFERENCES orders(id),
    type TEXT NOT NULL,                  -- refund_only | return_refund
    status TEXT NOT NULL,
    reason TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    amount_fen INTEGER NOT NULL CHECK (amount_fen > 0),
    refund_to TEXT NOT NULL,             -- original | red_packet
    item_ids TEXT NOT NULL,              -- JSON list of order_item ids
    photo_ids TEXT NOT NULL DEFAULT '[]',
    merchant_pays_return INTEGER NOT NULL DEFAULT 0,
    return_carrier TEXT,
    return_tracking_no TEXT,
    pickup TEXT,                         -- JSON {address, slot} when a courier collects
    appeal_reason TEXT,
    merchant_note TEXT,
    deadline_at REAL,                    -- merchant must answer by then
    refunded_at REAL,
    refund_account TEXT,                 -- where the money went (payments.refund's answer)
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL             -- when it entered its current status
);
CREATE INDEX after_sales_user ON after_sales(user_id, created_at DESC);
CREATE INDEX after_sales_status ON after_sales(status, deadline_at);

CREATE TABLE after_sale_events (
    id INTEGER PRIMARY KEY,
    after_sale_id INTEGER NOT NULL REFERENCES after_sales(id),
    status TEXT NOT NULL,
    actor TEXT NOT NULL,                 -- user | merchant | platform | system
    note TEXT NOT NULL DEFAULT '',       -- typed by a person, shown as is
    note_key TEXT,                       -- a system note, localized when shown
    note_params TEXT,                    -- JSON parameters of note_key's template
    at REAL NOT NULL
);
CREATE INDEX after_sale_events_as ON after_sale_events(after_sale_id, at);

CREATE TABLE bank_cards (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    bank TEXT NOT NULL,
    last4 TEXT NOT NULL,
    card_hash TEXT NOT NULL,             -- to refuse binding the same card twice; never the number
    holder_name TEXT NOT NULL,
    removed INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL
);
CREATE INDEX bank_cards_user ON bank_cards(user_id);

CREATE TABLE wallet_transactions (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    account TEXT NOT NULL,               -- balance | red_packet | bank_card | alipay | wechat_pay | bnpl
    kind TEXT NOT NULL,                  -- topup | payment | refund | repayment | check_in
    amount_fen INTEGER NOT NULL,         -- signed: + into the account, - out of it
    order_id INTEGER REFERENCES orders(id),
    note TEXT NOT NULL DEFAULT '',
    at REAL NOT NULL
);
CREATE INDEX wallet_transactions_user ON wallet_transactions(user_id, at DESC, id DESC);

CREATE TABLE bnpl_bills (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    order_id INTEGER NOT NULL REFERENCES orders(id),
    amount_fen INTEGER NOT NULL,
    repaid_fen INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    due_at REAL,                         -- set when the order is received
    repaid_at REAL,
    cancelled INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX bnpl_bills_user ON bnpl_bills(user_id);

CREATE TABLE support_threads (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    order_id INTEGER REFERENCES orders(id),
    subject TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open', -- open | escalated | closed
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE TABLE support_messages (
    id INTEGER PRIMARY KEY,
    thread_id INTEGER NOT NULL REFERENCES support_threads(id),
    sender TEXT NOT NULL,                -- user | merchant | platform
    text TEXT NOT NULL,
    created_at REAL NOT NULL,
    answered INTEGER NOT NULL DEFAULT 0  -- a user message the simulator has replied to
);
CREATE INDEX support_messages_thread ON support_messages(thread_id, id);

CREATE TABLE idempotency_keys (
    user_id INTEGER NOT NULL,
    key TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    body_hash TEXT NOT NULL,
    state TEXT NOT NULL,                 -- in_flight | done
    status_code INTEGER,
    response TEXT,
    created_at REAL NOT NULL,
    PRIMARY KEY (user_id, key)
);

CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
