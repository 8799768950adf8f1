"""Expiry reminders and notices: scan, outbox, delivery (e-mail, webhook, in-app), calendar."""
