"""Expiry reminders and notifications: scan, outbox, delivery (e-mail, webhook, in-app), calendar."""
