-- Guest ordering (docs/api.md §7.4). A guest is a users row with guest = 1, one per phone,
-- whose `phone` column holds 'guest:' + the phone so that it never collides with (or is
-- found as) the account a person may register for that phone later. Orders a guest places
-- keep the guest's phone in orders.guest_phone: GET /orders/lookup finds them by it, and
-- registering the phone adopts them (orders.user_id moves to the new account).
ALTER TABLE users ADD COLUMN guest INTEGER NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN guest_phone TEXT;
CREATE INDEX orders_guest_phone ON orders(guest_phone) WHERE guest_phone IS NOT NULL;
