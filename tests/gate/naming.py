"""Decisions name things as people know them: no id without the name it stands for.

``names_of_rows`` reads every row the test created (each test runs in a transaction of its
own, rolled back afterwards) and maps its id to the name a person knows it by;
``assert_named`` then checks every sentence of a decision shown to a person (reasons, the
rules only considered, missing items, the next step, why it is no longer valid): wherever an id
appears, its name appears in the same sentence.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select

from registry.approvals.models import Approval
from registry.consents.models import ConsentVersion
from registry.extensions import db
from registry.gate.enhancement_models.models import EnhancementModel
from registry.gate.replicas.models import Replica
from registry.performers.models import Performer
from registry.productions.models import Production
from registry.rules.labels import short


def names_of_rows() -> dict[str, str]:
    names: dict[str, str] = {}
    for pid, code, title in db.session.execute(
        select(Production.id, Production.code, Production.title)
    ):
        names[pid] = f"{code} ({title})"
    for pid, name in db.session.execute(select(Performer.id, Performer.professional_name)):
        names[pid] = name
    for cid, description in db.session.execute(
        select(ConsentVersion.consent_id, ConsentVersion.description)
    ):
        names[cid] = short(description).removesuffix("…")  # quoted whole or cut
    for table in (EnhancementModel, Replica):
        for oid, name in db.session.execute(select(table.id, table.name)):
            names[oid] = name
    for aid, note in db.session.execute(select(Approval.id, Approval.note)):
        names[aid] = short(note)
    return names


def sentences(decision: dict[str, Any]) -> Iterator[str]:
    for rule in (*decision["rules"], *decision.get("considered", ())):
        yield rule["reason"]
    yield from decision["missing"]
    yield decision["next_step"]
    if decision.get("invalidated_reason"):
        yield decision["invalidated_reason"]


def assert_named(decision: dict[str, Any], names: dict[str, str] | None = None) -> int:
    """Every id in a sentence of the decision comes with its name; returns how many ids were
    found named."""
    return assert_texts_named(list(sentences(decision)), names)


def assert_texts_named(texts: list[str], names: dict[str, str] | None = None) -> int:
    """Every id in each text comes with its name; returns how many ids were found named."""
    names = names if names is not None else names_of_rows()
    found = 0
    for text in texts:
        for oid, name in names.items():
            if oid in text:
                assert name in text, f"{oid} without {name!r} in: {text}"
                found += 1
    return found
