"""How a decision's sentences name things: as people know them, ids only in brackets after.

DOMAIN.md ("Decisions"): a production by its code (and title), a performer by professional
name, a model or replica by its name, a consent by what it describes. Facts built without
names (the engine's own tests) fall back to their ids. Never a personal field: the engine is
never given one.
"""

from __future__ import annotations

from collections.abc import Iterable

from registry.rules.facts import (
    ApprovalFact,
    ConsentFact,
    ModelFact,
    PerformerFact,
    ProductionFact,
    ReplicaFact,
)

SHORT = 48  # characters of a description or note quoted in a label


def short(text: str, limit: int = SHORT) -> str:
    """The text on one line, cut at a word boundary with an ellipsis when longer than limit."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0] or flat[:limit]
    return cut.rstrip(" ,;:.") + "…"


def production(p: ProductionFact | None, fallback: str = "") -> str:
    if p is None:
        return fallback
    if not p.code:
        return p.id
    return f"{p.code} ({p.title})" if p.title else p.code


def performer(p: PerformerFact | None, fallback: str = "") -> str:
    if p is None:
        return fallback
    return p.name or p.id


def model(m: ModelFact) -> str:
    return f"{m.name} [{m.id}]" if m.name else m.id


def replica(r: ReplicaFact) -> str:
    return f"{r.name} [{r.id}]" if r.name else r.id


def consent(c: ConsentFact) -> str:
    return consent_label(c.id, c.version, c.description)


def consent_label(consent_id: str, version: int, description: str) -> str:
    """A consent as a sentence names it: what it describes, then its id and version."""
    return f'"{short(description)}" [{consent_id} v{version}]'


def consents(items: Iterable[ConsentFact]) -> str:
    unique = {(c.id, c.version): c for c in items}
    return ", ".join(consent(unique[key]) for key in sorted(unique))


def approvals(items: Iterable[ApprovalFact]) -> str:
    unique = {a.id: a for a in items}
    return ", ".join(f'"{short(unique[k].note)}" [{k}]' for k in sorted(unique))
