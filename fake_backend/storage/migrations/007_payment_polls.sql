-- When a client last asked after a pending QR payment (GET /payments/{id}), on the
-- backend clock; NULL while none has. The merchant simulator pays only codes polled
-- lately: a code whose screen was left is not scanned by anyone (services/payments.py).
ALTER TABLE payments ADD COLUMN polled_at REAL;
