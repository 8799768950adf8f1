"""The tamper-evident audit trail: a hash chain of events with signed checkpoints.

May import: ``core``, ``extensions``, ``transactions``, ``appctx``, ``receipts``, ``web``.
"""
