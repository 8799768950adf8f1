"""GenAI use declarations: declare, amend (a new version, never an edit), triage, read.

``retriage`` is the only caller of ``registry.rules.triage.triage`` in the registry: a new
declaration, an amendment, a change of a tool's terms and a new or no longer valid decision of
a use request serving the declaration all come through it. It loads the facts (the version,
its tools' terms as reviewed, the pipeline's stages, the performers and which of them have an
allowed, valid use request serving the declaration), triages, stores the triage signed (the
receipt commits to the version, its facts and answers, each tool's terms, the ruleset) and
audits it, in the caller's transaction. A re-triage that leaves a cleared declaration not
cleared tells the studio contacts and the declarer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, or_, select

from registry.accounts.models import User
from registry.audit.services import AuditEntry
from registry.audit.trail import record_all
from registry.core.errors import Forbidden, Invalid, NotFound
from registry.core.hashing import canonical_json, sha256_hex
from registry.core.ids import new_id
from registry.extensions import db
from registry.gate import facts as bridge
from registry.gate.use_requests.models import DecisionRecord, UseRequest
from registry.gate.use_requests.validity import Validity, validities
from registry.productions.access import can_see_production, member_production_ids
from registry.receipts.signer import sign
from registry.reminders import events as webhook_events
from registry.rules.facts import PerformerFact, ProductionFact
from registry.rules.triage import DeclarationInput, Triage, touches_talent, triage
from registry.rules.triage_table import MATRIX, PRINCIPLE_WORDS
from registry.rules.vocabulary import DECLARATION_FACTS, PRINCIPLES
from registry.triage import notices, tools
from registry.triage.clearance import Clearance, allowed_performers, clearances
from registry.triage.models import (
    Declaration,
    DeclarationTool,
    DeclarationVersion,
    GenAITool,
    Pipeline,
    TriageRecord,
)
from registry.triage.schemas import contradictions

READERS = ("admin", "vfx_lead", "legal")
DECLARERS = ("admin", "vfx_lead")
TRIGGERS = ("declaration", "amendment", "tool_terms", "use_request")
CONTENT_FIELDS = (
    "title",
    "description",
    "category",
    "output",
    "tool_ids",
    "pipeline_id",
    "performer_ids",
    "principles",
    "facts",
)


# -- who sees what ------------------------------------------------------------------------------


def can_see(user: User, production_id: str) -> bool:
    if user.role == "vfx_lead":
        return can_see_production(user, production_id)
    return user.role in READERS


def visible_declaration(user: User, declaration_id: str, *, lock: bool = False) -> Declaration:
    """The declaration, or NotFound (also for a production the user may not see)."""
    if not user.has_role(*READERS):
        raise Forbidden("Your role may not read declarations.")
    if lock:
        decl = db.session.execute(
            select(Declaration)
            .where(Declaration.id == declaration_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).scalar_one_or_none()
    else:
        decl = db.session.get(Declaration, declaration_id)
    if decl is None or not can_see(user, decl.production_id):
        raise NotFound("No such declaration.")
    return decl


def current_version(decl: Declaration) -> DeclarationVersion:
    version = db.session.execute(
        select(DeclarationVersion).where(
            DeclarationVersion.declaration_id == decl.id,
            DeclarationVersion.version == decl.current_version,
        )
    ).scalar_one()
    return version


def current_triage(decl: Declaration) -> TriageRecord:
    row = db.session.get(TriageRecord, decl.current_triage_id)
    assert row is not None, "every stored declaration has a triage"
    return row


def tool_ids_of(version_id: str) -> list[str]:
    return list(
        db.session.execute(
            select(DeclarationTool.tool_id)
            .where(DeclarationTool.version_id == version_id)
            .order_by(DeclarationTool.position)
        ).scalars()
    )


def declarations_query(user: User, filters: dict[str, Any]) -> Select[Any]:
    """Declarations the user may see, newest first (``level`` filtered in SQL; ``cleared``,
    which is computed when read, by ``filter_cleared``)."""
    stmt = select(Declaration).order_by(Declaration.created_at.desc(), Declaration.id.desc())
    if user.role == "vfx_lead":
        stmt = stmt.where(Declaration.production_id.in_(member_production_ids(user)))
    elif user.role not in READERS:
        raise Forbidden("Your role may not read declarations.")
    if filters.get("production_id"):
        stmt = stmt.where(Declaration.production_id == filters["production_id"])
    if filters.get("level"):
        stmt = stmt.join(TriageRecord, TriageRecord.id == Declaration.current_triage_id).where(
            TriageRecord.level == filters["level"]
        )
    return stmt


def filter_cleared(stmt: Select[Any], cleared: bool, now: datetime) -> Select[Any]:
    """``stmt`` narrowed to the declarations whose clearance now is ``cleared``."""
    decls = list(db.session.execute(stmt).scalars())
    found = clearances(decls, now)
    keep = [d.id for d in decls if found[d.id].cleared is cleared]
    return stmt.where(Declaration.id.in_(keep))


# -- loading the facts --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Loaded:
    input: DeclarationInput
    terms: dict[str, Any]  # each tool's terms as reviewed, and the pipeline's stages
    tool_ids: list[str]


def _performers(ids: list[str]) -> tuple[PerformerFact, ...]:
    found = []
    for performer_id in ids:
        fact = bridge.performer_fact(db.session, performer_id)
        found.append(fact if fact is not None else PerformerFact(performer_id, None, False))
    return tuple(found)


def load(decl: Declaration, version: DeclarationVersion, now: datetime) -> Loaded:
    production = bridge.production_fact(db.session, decl.production_id)
    assert production is not None
    tool_ids = tool_ids_of(version.id)
    by_id = tools.tools_by_id(tool_ids)
    used = [by_id[i] for i in tool_ids if i in by_id]
    terms: dict[str, Any] = {"tools": [tools.terms_of(t) for t in used], "pipeline": None}
    pipeline = None
    if version.pipeline_id:
        row = db.session.get(Pipeline, version.pipeline_id)
        assert row is not None
        pipeline, stage_tools = tools.pipeline_fact(row)
        terms["pipeline"] = {
            "id": row.id,
            "name": row.name,
            "stages": [
                {
                    "does": s.does,
                    "trains": s.trains,
                    "sources": [[src.description, src.clearance] for src in s.sources],
                    "touches_likeness": s.touches_likeness,
                    "tool": tools.terms_of(t),
                }
                for s, t in zip(pipeline.stages, stage_tools, strict=False)
            ],
        }
    performer_ids = list(version.performer_ids or ())
    allowed = allowed_performers([decl.id], now).get(decl.id, set()) if performer_ids else set()
    inp = DeclarationInput(
        production=production,
        category=version.category,
        output=version.output,
        principles=dict(version.principles or {}),
        facts=frozenset(k for k, v in (version.facts or {}).items() if v),
        tools=tuple(tools.tool_fact(t) for t in used),
        pipeline=pipeline,
        performers=_performers(performer_ids),
        allowed=frozenset(allowed),
    )
    return Loaded(inp, terms, tool_ids)


# -- triage: the one path to the engine ---------------------------------------------------------


def _rules(result: Triage) -> list[dict[str, str]]:
    return [
        {"id": r.id, "section": r.section, "reason": r.reason, "outcome": r.outcome}
        for r in result.rules
    ]


def receipt_payload(
    decl: Declaration,
    version: DeclarationVersion,
    loaded: Loaded,
    result: Triage,
    triage_id: str,
    sequence: int,
    now: datetime,
) -> dict[str, Any]:
    """What a triage receipt commits to (DOMAIN.md): the declaration's version, its facts and
    principle answers (declared and counted), the terms of each tool as reviewed, the
    performers and which of them had an allowed use request, and what was decided under which
    ruleset."""
    production: ProductionFact = loaded.input.production
    return {
        "typ": "triage",
        "triage_id": triage_id,
        "declaration_id": decl.id,
        "sequence": sequence,
        "version_id": version.id,
        "version": version.version,
        "production_id": decl.production_id,
        "production_code": production.code,
        "title": version.title,
        "category": version.category,
        "output": version.output,
        "facts": {name: bool((version.facts or {}).get(name)) for name in DECLARATION_FACTS},
        "principles_declared": {p: (version.principles or {}).get(p, "unsure") for p in PRINCIPLES},
        "principles_counted": dict(result.principles),
        "terms": loaded.terms,
        "performers": [{"id": p.id, "name": p.name} for p in loaded.input.performers],
        "allowed_performers": sorted(loaded.input.allowed),
        "level": result.level,
        "approval": result.approval,
        "rules": [r.id for r in result.rules],
        "needed": list(result.needed),
        "decided_at": now.isoformat(),
        "ruleset_version": result.ruleset_version,
    }


def retriage(
    decl: Declaration,
    now: datetime,
    *,
    trigger: str,
    actor_id: str | None = None,
    version: DeclarationVersion | None = None,
) -> TriageRecord:
    """Triage the declaration's current version as of ``now`` and store it as its current
    triage (signed, audited); earlier triages are kept. Tells people when it got worse."""
    version = version if version is not None else current_version(decl)
    before = clearances([decl], now)[decl.id] if decl.current_triage_id else None
    previous = db.session.get(TriageRecord, decl.current_triage_id) if before is not None else None
    loaded = load(decl, version, now)
    result = triage(loaded.input)
    sequence = decl.triage_count + 1
    triage_id = new_id("tri")
    payload = receipt_payload(decl, version, loaded, result, triage_id, sequence, now)
    receipt = sign(payload)
    row = TriageRecord(
        id=triage_id,
        declaration_id=decl.id,
        version_id=version.id,
        sequence=sequence,
        trigger=trigger,
        level=result.level,
        approval=result.approval,
        rules=_rules(result),
        needed=list(result.needed),
        next_step=result.next_step,
        principles=dict(result.principles),
        terms_digest=sha256_hex(canonical_json(loaded.terms)),
        ruleset_version=result.ruleset_version,
        decided_at=now,
        decided_by=actor_id,
        receipt=receipt,
    )
    db.session.add(row)
    db.session.flush()
    decl.current_triage_id = triage_id
    decl.triage_count = sequence
    db.session.flush()
    record_all(
        [
            AuditEntry(
                "triage.made",
                "declaration",
                decl.id,
                {**payload, "trigger": trigger, "receipt_sha256": sha256_hex(receipt.encode())},
                actor_id,
            )
        ]
    )
    if result.level == "escalate" and (
        previous is None or previous.level != "escalate" or previous.version_id != version.id
    ):  # newly escalated: the production's webhook is told (``reminders.events``)
        webhook_events.declaration_escalated(
            declaration_id=decl.id,
            production_id=decl.production_id,
            version=version.version,
            triage_id=triage_id,
            trigger=trigger,
            approval=result.approval,
            rules=[r.id for r in result.rules],
            decided_at=now,
            ruleset_version=result.ruleset_version,
        )
    if before is not None and before.cleared:
        after = clearances([decl], now)[decl.id]
        if not after.cleared:
            notices.worse(decl, version.title, after.reason, now)
    return row


# -- declaring and amending ---------------------------------------------------------------------


def _check_references(data: dict[str, Any]) -> None:
    """422 naming the field for ids from nowhere and for a pipeline that touches a performer's
    likeness when the declaration names none; nothing is written before this passes."""
    errors: dict[str, list[str]] = {}
    known = tools.tools_by_id(data.get("tool_ids") or ())
    for i, tool_id in enumerate(data.get("tool_ids") or ()):
        if tool_id not in known:
            errors[f"tool_ids.{i}"] = ["No tool with this id."]
    pipeline_id = data.get("pipeline_id")
    if pipeline_id:
        pipeline = db.session.get(Pipeline, pipeline_id)
        if pipeline is None:
            errors["pipeline_id"] = ["No pipeline with this id."]
        elif not data.get("performer_ids"):
            touching = [s.position for s in tools.stages_of(pipeline_id) if s.touches_likeness]
            if touching:
                errors["performer_ids"] = [
                    f"Stage {touching[0]} of the pipeline touches a performer's likeness or "
                    "voice: name the performers it touches."
                ]
    for i, performer_id in enumerate(data.get("performer_ids") or ()):
        if bridge.performer_fact(db.session, performer_id) is None:
            errors[f"performer_ids.{i}"] = ["No performer with this id."]
    if errors:
        raise Invalid("Some fields are invalid.", errors)


def _add_version(
    decl: Declaration, number: int, data: dict[str, Any], user: User, now: datetime
) -> DeclarationVersion:
    version = DeclarationVersion(
        id=new_id("dv"),
        declaration_id=decl.id,
        version=number,
        title=data["title"],
        description=data["description"],
        category=data["category"],
        output=data["output"],
        pipeline_id=data.get("pipeline_id") or None,
        performer_ids=list(data.get("performer_ids") or ()),
        facts={name: bool((data.get("facts") or {}).get(name)) for name in DECLARATION_FACTS},
        principles={p: v for p, v in (data.get("principles") or {}).items() if p in PRINCIPLES},
        created_by=user.id,
        created_at=now,
        superseded_at=None,
    )
    db.session.add(version)
    db.session.flush()
    db.session.add_all(
        DeclarationTool(version_id=version.id, position=i, tool_id=tool_id)
        for i, tool_id in enumerate(data.get("tool_ids") or ())
    )
    db.session.flush()
    return version


def _content(version: DeclarationVersion, tool_ids: list[str]) -> dict[str, Any]:
    return {
        "title": version.title,
        "description": version.description,
        "category": version.category,
        "output": version.output,
        "tool_ids": tool_ids,
        "pipeline_id": version.pipeline_id,
        "performer_ids": list(version.performer_ids or ()),
        "principles": dict(version.principles or {}),
        "facts": dict(version.facts or {}),
    }


def declare(
    data: dict[str, Any], *, user: User, now: datetime
) -> tuple[Declaration, DeclarationVersion, TriageRecord]:
    """Store a declaration and triage it at once; the studio contacts are told."""
    if not user.has_role(*DECLARERS):
        raise Forbidden("Your role may not declare GenAI uses.")
    production_id = data["production_id"]
    if bridge.production_fact(db.session, production_id) is None or not can_see_production(
        user, production_id
    ):
        raise NotFound("No such production.", {"production_id": ["No such production."]})
    _check_references(data)
    decl = Declaration(
        id=new_id("gdl"),
        production_id=production_id,
        current_version=1,
        current_triage_id=None,
        triage_count=0,
        created_by=user.id,
        created_at=now,
    )
    db.session.add(decl)
    db.session.flush()
    version = _add_version(decl, 1, data, user, now)
    record_all(
        [
            AuditEntry(
                "declaration.created",
                "declaration",
                decl.id,
                {
                    "production_id": production_id,
                    "version": 1,
                    **_content(version, list(data.get("tool_ids") or ())),
                },
                user.id,
            )
        ]
    )
    row = retriage(decl, now, trigger="declaration", actor_id=user.id, version=version)
    notices.declared(decl, version.title, row.level, now)
    return decl, version, row


def amend(
    declaration_id: str, changes: dict[str, Any], *, user: User, now: datetime
) -> tuple[Declaration, DeclarationVersion, TriageRecord]:
    """A new version with the changed fields (the rest as they were), triaged again."""
    if not user.has_role(*DECLARERS):
        raise Forbidden("Your role may not amend declarations.")
    decl = visible_declaration(user, declaration_id, lock=True)
    old = current_version(decl)
    merged = {**_content(old, tool_ids_of(old.id)), **changes}
    if "tool_ids" in changes and changes["tool_ids"] and "pipeline_id" not in changes:
        merged["pipeline_id"] = None  # naming tools replaces the pipeline
    if changes.get("pipeline_id") and "tool_ids" not in changes:
        merged["tool_ids"] = []  # and naming a pipeline replaces the tools
    if merged == _content(old, tool_ids_of(old.id)):
        raise Invalid("Nothing changed.", {"_schema": ["Change at least one field."]})
    errors = contradictions(merged)
    if errors:
        raise Invalid("Some fields are invalid.", errors)
    _check_references(merged)
    old.superseded_at = now
    decl.current_version = old.version + 1
    version = _add_version(decl, decl.current_version, merged, user, now)
    record_all(
        [
            AuditEntry(
                "declaration.amended",
                "declaration",
                decl.id,
                {"version": version.version, "changed": sorted(changes), **_content(
                    version, merged["tool_ids"])},
                user.id,
            )
        ]
    )  # fmt: skip
    row = retriage(decl, now, trigger="amendment", actor_id=user.id, version=version)
    notices.amended(decl, version.title, row.level, now)
    return decl, version, row


def change_tool(
    tool_id: str, data: dict[str, Any], *, user: User, now: datetime
) -> tuple[GenAITool, list[str]]:
    """A new review of a tool's terms; when the terms changed, every declaration whose current
    version uses the tool (directly or through a pipeline stage) is triaged again. Returns the
    tool and the ids of the declarations triaged again."""
    tool, changed = tools.review_tool(tool_id, data, user=user, now=now)
    if not changed:
        return tool, []
    direct = select(DeclarationTool.version_id).where(DeclarationTool.tool_id == tool_id)
    pipelines = tools.pipelines_using(tool_id)
    stmt = select(Declaration).join(
        DeclarationVersion,
        (DeclarationVersion.declaration_id == Declaration.id)
        & (DeclarationVersion.version == Declaration.current_version),
    )
    condition = or_(
        DeclarationVersion.id.in_(direct), DeclarationVersion.pipeline_id.in_(pipelines)
    )
    decls = list(db.session.execute(stmt.where(condition).order_by(Declaration.id)).scalars())
    for decl in decls:
        retriage(decl, now, trigger="tool_terms", actor_id=user.id)
    return tool, [d.id for d in decls]


# -- presenting ---------------------------------------------------------------------------------


def _allowed(d: DecisionRecord, valid: dict[str, Validity]) -> bool:
    return d.outcome == "allow" and valid[d.id].valid


def needed_requests(
    decl: Declaration, version: DeclarationVersion, now: datetime
) -> list[dict[str, Any]]:
    """For each performer the version names: the use request serving the declaration that
    counts (an allowed, valid one if any, else the newest), or none yet."""
    performer_ids = list(version.performer_ids or ())
    if not performer_ids:
        return []
    reqs = list(
        db.session.execute(
            select(UseRequest)
            .where(UseRequest.declaration_id == decl.id)
            .order_by(UseRequest.created_at.desc(), UseRequest.id.desc())
        ).scalars()
    )
    decisions = {
        d.id: d
        for d in db.session.execute(
            select(DecisionRecord).where(
                DecisionRecord.id.in_([r.current_decision_id for r in reqs])
            )
        ).scalars()
    }
    valid = validities(db.session, list(decisions.values()), now)
    out = []
    for performer_id in performer_ids:
        fact = bridge.performer_fact(db.session, performer_id)
        mine = [r for r in reqs if r.performer_id == performer_id]
        allowed = [r for r in mine if _allowed(decisions[str(r.current_decision_id)], valid)]
        best = allowed[0] if allowed else (mine[0] if mine else None)
        d = decisions[str(best.current_decision_id)] if best is not None else None
        out.append(
            {
                "performer_id": performer_id,
                "performer_name": fact.name if fact is not None else performer_id,
                "request_id": best.id if best is not None else None,
                "outcome": d.outcome if d is not None else None,
                "valid": valid[d.id].valid if d is not None else None,
                "allowed": d is not None and d.outcome == "allow" and valid[d.id].valid,
            }
        )
    return out


def present_triage(row: TriageRecord, clearance: Clearance) -> dict[str, Any]:
    next_step = row.next_step
    if clearance.refused:
        next_step = "legal refused this use; amend the declaration to ask again"
    elif clearance.cleared and row.level == "escalate":
        next_step = "go ahead: legal has cleared this use"
    return {
        "id": row.id,
        "sequence": row.sequence,
        "trigger": row.trigger,
        "level": row.level,
        "approval": row.approval,
        "rules": row.rules,
        "needed": row.needed,
        "cleared": clearance.cleared,
        "cleared_reason": clearance.reason,
        "refused": clearance.refused,
        "next_step": next_step,
        "principles": row.principles,
        "ruleset_version": row.ruleset_version,
        "decided_at": row.decided_at,
        "receipt": row.receipt,
    }


def present(decls: list[Declaration], now: datetime) -> list[dict[str, Any]]:
    """Each declaration with its current version and triage, cleared as of ``now``."""
    found = clearances(decls, now)
    out = []
    for decl in decls:
        version = current_version(decl)
        row = current_triage(decl)
        category = version.category
        out.append(
            {
                "id": decl.id,
                "production_id": decl.production_id,
                "version": version.version,
                **_content(version, tool_ids_of(version.id)),
                "matrix": {"use": MATRIX[category][0], "action": MATRIX[category][1]},
                "use_requests": needed_requests(decl, version, now),
                "created_by": decl.created_by,
                "created_at": decl.created_at,
                "triage": present_triage(row, found[decl.id]),
            }
        )
    return out


def versions_of(decl: Declaration) -> list[DeclarationVersion]:
    return list(
        db.session.execute(
            select(DeclarationVersion)
            .where(DeclarationVersion.declaration_id == decl.id)
            .order_by(DeclarationVersion.version)
        ).scalars()
    )


def triages_of(decl: Declaration) -> list[TriageRecord]:
    return list(
        db.session.execute(
            select(TriageRecord)
            .where(TriageRecord.declaration_id == decl.id)
            .order_by(TriageRecord.sequence)
        ).scalars()
    )


def principle_words() -> dict[str, str]:
    return dict(PRINCIPLE_WORDS)


def talent_touched(decl: Declaration, now: datetime) -> bool:
    version = current_version(decl)
    return touches_talent(load(decl, version, now).input)
