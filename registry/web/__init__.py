"""HTTP plumbing shared by features: authentication (Flask-Login: sessions and bearer tokens),
the error handlers, the API blueprint, navigation, public routes, the rules page.

May import: ``core``, ``extensions``, ``transactions``, ``appctx``, ``rules``.
"""
