"""Users, their roles, API tokens and login sessions.

May import: ``core``, ``extensions``, ``transactions``, ``audit``, ``web``.
"""
