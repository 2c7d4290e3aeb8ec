"""Login, account and security: logging in (SMS, password, QR, registering), real-name
verification, the account settings and their dialogs, the address book."""
