"""Signals between features, so that no feature imports another's services to react to it.

``consent_ended`` is sent, inside the transaction that ends them, when consent versions stop
being valid by revocation (the gate marks the decisions that relied on them no longer valid and
suspends models trained under them; the reminders feature notifies the people concerned), and
by the expiry cascade job when versions have expired.

Receivers are called as ``receiver(sender, version_ids=[...], reason="revoked"|"expired",
at=datetime, actor_id=str|None)``.

``performer_erased`` is sent, inside the erasing transaction, when a performer's personal data
is shredded: every feature that keeps something sealed under their data key clears its own
copy (the consents feature clears its evidence documents), so erasure needs no other
feature's tables. Receivers: ``receiver(sender, performer_id=str)``.

``consent_read_granted`` asks whether a user the consents feature would refuse may read part of
a consent: a vfx_lead may read a consent a decision of their production relied on (the gate
knows its decisions). Receivers answer ``receiver(sender, user=User, consent_id=str) -> bool``.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

consent_ended = _signals.signal("consent-ended")
performer_erased = _signals.signal("performer-erased")
consent_read_granted = _signals.signal("consent-read-granted")
