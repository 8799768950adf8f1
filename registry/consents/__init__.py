"""Consents: scoped, versioned, evidenced, revocable; status computed from the clock. Also a
performer's own page, with their consents on a timeline.

May import: ``core``, ``extensions``, ``transactions``, ``appctx``, ``audit``, ``web``,
``accounts``, ``productions``, ``performers``, ``receipts``, ``rules``. The gate reads its tables;
it never imports the gate (a vfx_lead's read is granted through ``core.signals``).
"""
