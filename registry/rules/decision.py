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

    `basis` is None unless `outcome` is allow. `rules` lists every rule that fired, in rule-id
    order. `consent_ids` and `valid_until` describe the consents relied on (empty / None on a
    deny: nothing is permitted, so nothing is relied on). `missing` lists, in plain words, what
    is missing for an allow (empty on an allow). `exception` names the customary exception that
    applied, if one did.
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

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return tuple(rule.id for rule in self.rules)
