"""What the engine answers: a decision is data (stored, signed, explained), never an exception."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class FiredRule:
    """A rule that fired: its ID, guidance section, one-line reason and the outcome it pushes."""

    id: str
    section: str
    reason: str
    outcome: str


@dataclass(frozen=True, slots=True)
class Decision:
    """The engine's answer.

    `basis` is None unless `outcome` is allow. `rules`: the rules that decided the outcome, in
    rule-id order. On a deny those are the rules that denied; every other rule that fired (an
    exception that held, a consent that was valid) did not move it and is in `considered`. On
    an escalate or an allow every rule that fired is a ground of it (the consent or exception
    it stands on and the rules that ask for approval), and `considered` is empty.
    `consent_ids` and `valid_until` describe the consents relied on (empty / None on a deny:
    nothing is permitted, so nothing is relied on). `missing` lists, in plain words, only what
    can turn the decision into an allow (empty on an allow; never written approval on a deny,
    R14). `next_step` says in one sentence what to do now (the reader adds any date, in their
    own time zone). `exception` names the customary exception that applied, if one did.
    """

    outcome: str
    basis: str | None
    rules: tuple[FiredRule, ...]
    consent_ids: tuple[str, ...]
    missing: tuple[str, ...]
    valid_until: datetime | None
    ruleset_version: str
    approval_ids: tuple[str, ...] = ()
    exception: str | None = None
    considered: tuple[FiredRule, ...] = ()
    next_step: str = ""

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return tuple(rule.id for rule in self.rules)
