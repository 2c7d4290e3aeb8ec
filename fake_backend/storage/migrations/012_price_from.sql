-- A product's price is its lowest in-stock SKU's (the lowest of all while none is in
-- stock): a sold-out cheap spec no longer sets the price a list shows. `price_varies`:
-- its SKUs differ in price, so lists say "¥60起".
ALTER TABLE products ADD COLUMN price_varies INTEGER NOT NULL DEFAULT 0;
UPDATE products SET
    price_varies = (SELECT COUNT(DISTINCT price_fen) > 1 FROM skus WHERE product_id = products.id),
    price_fen = COALESCE(
        (SELECT MIN(price_fen) FROM skus WHERE product_id = products.id AND stock > 0),
        (SELECT MIN(price_fen) FROM skus WHERE product_id = products.id),
        price_fen
    );
