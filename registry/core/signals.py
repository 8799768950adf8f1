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

The talent gate and GenAI triage (a declaration may need use requests, and a request may serve
a declaration; the triage feature sits above the gate and the gate never imports it):

``request_link_checked`` asks, before a use request that names a ``declaration_id`` is
written, whether it may serve that declaration. Receivers answer
``receiver(sender, user=User, declaration_id=str, production_id=str, performer_id=str|None)
-> str | None``: None when it may, else why not (an answer in the user's words). No answer at
all means no such declaration.

``request_decided`` is sent, in the deciding transaction, when a use request that serves a
declaration gets a new decision: ``receiver(sender, declaration_id=str, request_id=str,
at=datetime, actor_id=str|None)``. ``decisions_invalidated`` is sent by the revocation cascade
with the decisions it marked no longer valid: ``receiver(sender, decision_ids=[...],
at=datetime, actor_id=str|None)``. The triage feature triages the declarations concerned again.

``escalations_listed`` asks, for legal's queue (the gate's page), what else waits on legal:
``receiver(sender, user=User, now=datetime) -> list[dict]``, each item with ``title``,
``link``, ``level``, ``summary``, ``next_step`` and ``asked_at``, oldest first.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

consent_ended = _signals.signal("consent-ended")
performer_erased = _signals.signal("performer-erased")
consent_read_granted = _signals.signal("consent-read-granted")
request_link_checked = _signals.signal("request-link-checked")
request_decided = _signals.signal("request-decided")
decisions_invalidated = _signals.signal("decisions-invalidated")
escalations_listed = _signals.signal("escalations-listed")
