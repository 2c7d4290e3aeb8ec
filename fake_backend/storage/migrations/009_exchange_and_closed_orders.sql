-- §7.2 exchanges and §7.3 closed orders.
-- An exchange names the replacement SKU per order item (JSON [{item_id, sku_id}]); the
-- stock of the replacements is taken when the merchant approves (replacement_reserved)
-- and put back when the exchange is withdrawn; the merchant reships them as a parcel.
-- An exchange keeps the value of its items in amount_fen (the column is CHECKed > 0):
-- it is what the buyer gets back should it become a return because of missing stock.
ALTER TABLE after_sales ADD COLUMN exchange_items TEXT;
ALTER TABLE after_sales ADD COLUMN replacement_reserved INTEGER NOT NULL DEFAULT 0;
ALTER TABLE after_sales ADD COLUMN replacement_carrier TEXT;
ALTER TABLE after_sales ADD COLUMN replacement_tracking_no TEXT;
ALTER TABLE after_sales ADD COLUMN reshipped_at REAL;
-- The platform's answer to an appeal: approved | upheld (NULL before it decided).
ALTER TABLE after_sales ADD COLUMN appeal_outcome TEXT;
CREATE INDEX after_sales_reshipped ON after_sales(status, reshipped_at);

-- An order whose every item was refunded is `closed` (交易关闭), whatever state it was in;
-- one with some items refunded keeps its state with after_sale_status `refunded_partly`.
ALTER TABLE orders ADD COLUMN closed_at REAL;
UPDATE orders SET status = 'closed', closed_at = cancelled_at
 WHERE status = 'cancelled' AND cancel_reason = 'all_refunded';
UPDATE orders SET status = 'closed', closed_at = COALESCE(completed_at, delivered_at, shipped_at)
 WHERE status IN ('shipped', 'completed')
   AND NOT EXISTS (SELECT 1 FROM order_items oi WHERE oi.order_id = orders.id AND oi.refunded = 0);
UPDATE orders SET after_sale_status = 'refunded_partly'
 WHERE after_sale_status = 'refunded'
   AND EXISTS (SELECT 1 FROM order_items oi WHERE oi.order_id = orders.id AND oi.refunded = 0);
