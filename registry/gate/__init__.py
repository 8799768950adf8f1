"""The talent gate: "may I use this performer?" asked before every use, and answered.

``use_requests/`` (ask, decide, re-evaluate, approve, decline), ``enhancement_models/``
(register, clear a source, retire), ``replicas/`` (register from an allowed request),
``facts.py`` (rows -> the facts the rules read: the one bridge to ``registry.rules``) and
``cascade.py`` (a consent that ends invalidates the decisions relying on it).

May import: ``core``, ``web``, ``rules``, ``accounts``, ``productions``, ``performers``,
``consents``, ``audit``, ``approvals``, ``receipts``, ``reminders`` (notices). Nothing outside
the gate imports it except ``app``, ``cli``, ``jobs``, ``demo`` and ``triage`` (a declaration
needs use requests; the gate hears of triage only through ``core.signals``). Inside it, the
sub-features import each other's tables (``models.py``) freely; their services depend in one
direction: ``enhancement_models`` < ``use_requests`` < ``replicas``.
"""
