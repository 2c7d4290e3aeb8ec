-- Products of three kinds (docs/api.md §7.1). A virtual product (卡密/会员/点卡) is
-- delivered as codes the moment it is paid; a service (上门/到店服务) is booked for a
-- 2-hour slot, each slot taking at most `slot_capacity` bookings.
ALTER TABLE products ADD COLUMN kind TEXT NOT NULL DEFAULT 'physical'
    CHECK (kind IN ('physical', 'virtual', 'service'));
ALTER TABLE products ADD COLUMN slot_capacity INTEGER CHECK (slot_capacity IS NULL OR slot_capacity > 0);
UPDATE products SET kind = 'virtual' WHERE non_returnable_reason = 'virtual';

-- An order holds goods of one kind. A service order books one slot (`slot_starts_at`,
-- epoch seconds; the slot lasts 2 h), carries the buyer's 服务需求 and may be moved once
-- (`rescheduled_at`). A virtual order's codes are shown to its owner on request; the first
-- time sets `codes_viewed_at`, after which a refund is no longer possible.
ALTER TABLE orders ADD COLUMN kind TEXT NOT NULL DEFAULT 'physical'
    CHECK (kind IN ('physical', 'virtual', 'service'));
ALTER TABLE orders ADD COLUMN service_note TEXT;
ALTER TABLE orders ADD COLUMN slot_starts_at REAL;
ALTER TABLE orders ADD COLUMN rescheduled_at REAL;
ALTER TABLE orders ADD COLUMN codes_viewed_at REAL;
CREATE INDEX orders_awaiting_service ON orders(slot_starts_at) WHERE status = 'awaiting_service';

-- Bookings held per service slot, reserved like stock: a guarded update never takes a slot
-- past its product's capacity; a row appears with a slot's first booking.
CREATE TABLE slot_bookings (
    product_id INTEGER NOT NULL REFERENCES products(id),
    starts_at REAL NOT NULL,
    booked INTEGER NOT NULL CHECK (booked >= 0),
    PRIMARY KEY (product_id, starts_at)
) WITHOUT ROWID;

-- The codes a paid virtual order delivered: one per unit bought.
CREATE TABLE delivery_codes (
    id INTEGER PRIMARY KEY,
    order_id INTEGER NOT NULL REFERENCES orders(id),
    order_item_id INTEGER NOT NULL REFERENCES order_items(id),
    code TEXT NOT NULL UNIQUE,
    expires_at REAL NOT NULL
);
CREATE INDEX delivery_codes_order ON delivery_codes(order_id, id);
