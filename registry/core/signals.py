"""Signals between features, so that no feature imports another's services to react to it.

``consent_ended`` is sent, inside the transaction that ends them, when consent versions stop
being valid by revocation (the gate marks the decisions that relied on them no longer valid and
suspends models trained under them; the reminders feature notifies the people concerned), and
by the expiry cascade job when versions have expired.

Receivers are called as ``receiver(sender, version_ids=[...], reason="revoked"|"expired",
at=datetime, actor_id=str|None)``.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

consent_ended = _signals.signal("consent-ended")
