"""Expiry reminders and notices: scan, outbox, delivery (e-mail, webhook, in-app), calendar.
The timer that runs them is ``registry.jobs``.

May import: ``core``, ``extensions``, ``transactions``, ``appctx``, ``audit``, ``web``,
``accounts``, ``productions``, ``performers``, ``consents``.
"""
