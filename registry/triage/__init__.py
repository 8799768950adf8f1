"""GenAI use declarations and their triage (DOMAIN.md, T1-T5): the guidance's other half.

``tools.py`` (GenAI tools with their reviewed data terms, vendor pipelines: T4),
``declarations.py`` (declare, amend, and ``retriage``: the one caller of the engine's
``triage``; the triage stored and signed), ``clearance.py`` (``cleared``, computed when read),
``approvals.py`` (legal clears or refuses), ``assets.py`` (generated assets and the final-cut
check, T5), ``notices.py`` (who is told), ``receivers.py`` (the gate's signals: a use request
serving a declaration, decided or no longer valid), ``cli.py`` (``deliverables check``),
``api.py``, ``pages.py``, ``forms.py``, ``schemas.py``, ``demo.py``.

It decides through ``registry.rules.triage`` (pure), keeps its approvals and refusals in
``registry.approvals`` and signs with ``registry.receipts``, like the talent gate; it tells
people through the reminders outbox. It reads the gate's use requests (a talent-touching
declaration needs them allowed) and hears of their decisions through ``core.signals``.

May import: ``core``, ``extensions``, ``transactions``, ``appctx``, ``audit``, ``web``,
``accounts``, ``productions``, ``performers``, ``receipts``, ``rules``, ``approvals``,
``reminders``, ``gate``.
"""
