-- Which server process holds an in-flight key (`pid:boot`): a key left in flight by a
-- process that died mid-request (killed, crashed) can be claimed again after a restart.
ALTER TABLE idempotency_keys ADD COLUMN owner TEXT;
