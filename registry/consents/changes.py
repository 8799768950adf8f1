"""What changed between two versions of a consent, field by field, as a person reads it: lists
(purposes, media) as what was added and removed, everything else as before and after. Works on
the versions as ``services.views`` shows them; pure (no database)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise
from typing import Any

FIELDS: tuple[tuple[str, str], ...] = (
    ("purposes", "Purposes"),
    ("media", "Media"),
    ("description", "Description"),
    ("restrictions", "Restrictions"),
    ("guild_compliant", "Complies with guild requirements"),
    ("signed_by", "Signed by"),
    ("signed_at", "Signed at"),
    ("effective_from", "Effective from"),
    ("expires_at", "Expires at"),
    ("evidence_sha256", "Signed document (SHA-256)"),
)
LISTS = frozenset({"purposes", "media"})


@dataclass(frozen=True)
class Change:
    name: str
    label: str
    before: Any = None
    after: Any = None
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    @property
    def is_time(self) -> bool:
        return isinstance(self.before, datetime) or isinstance(self.after, datetime)


def changes(older: dict[str, Any], newer: dict[str, Any]) -> list[Change]:
    """The fields that differ from ``older`` to ``newer`` (in ``FIELDS`` order)."""
    found = []
    for name, label in FIELDS:
        if name not in older or name not in newer:
            continue
        before, after = older[name], newer[name]
        if name in LISTS:
            was, now = list(before or []), list(after or [])
            added = [v for v in now if v not in was]
            removed = [v for v in was if v not in now]
            if added or removed:
                found.append(Change(name, label, was, now, added, removed))
        elif before != after:
            found.append(Change(name, label, before, after))
    return found


def history_changes(history: list[dict[str, Any]]) -> dict[int, list[Change]]:
    """version number -> what changed from the version before it (oldest first in)."""
    ordered = sorted(history, key=lambda v: v["version"])
    return {newer["version"]: changes(older, newer) for older, newer in pairwise(ordered)}
