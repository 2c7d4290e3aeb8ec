-- Uses counted against the per-client and per-phone limits of services/limits.py (SMS
-- sends, QR-login starts): one row per accepted use, dropped once older than every window.
CREATE TABLE rate_events (
    id INTEGER PRIMARY KEY,
    bucket TEXT NOT NULL,                -- sms_client | sms_phone | qr_login_client
    subject TEXT NOT NULL,               -- the client's address, or the phone
    at REAL NOT NULL
);
CREATE INDEX rate_events_subject ON rate_events(bucket, subject, at);
CREATE INDEX rate_events_at ON rate_events(at);
