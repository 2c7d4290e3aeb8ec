-- The demo account's seeded history is a showcase: an order of every state and an
-- after-sale of every kind, for a sales demo. The merchant simulator (`--merchant auto`)
-- leaves what is marked here as it was seeded (else it shipped the order to ship, decided
-- the refund and the appeal within seconds of the start, and those tabs were empty);
-- it moves everything done in the session. The platform's time rules still apply.
ALTER TABLE orders ADD COLUMN showcase INTEGER NOT NULL DEFAULT 0;
ALTER TABLE after_sales ADD COLUMN showcase INTEGER NOT NULL DEFAULT 0;
ALTER TABLE parcels ADD COLUMN showcase INTEGER NOT NULL DEFAULT 0;
