"""Use requests, their decisions and legal's written approvals of them: the gate every
replication, alteration or re-use passes.

Its services import no other gate feature's services (only their tables and ``gate.facts``).
"""
