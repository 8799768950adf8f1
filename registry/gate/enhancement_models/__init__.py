"""Enhancement models: registered on one production, never re-bound; status computed at read;
a suspended one cured by linking a new training consent.

Its services import no other gate feature's services (only their tables and ``gate.facts``).
"""
