"""Generated assets and the final-cut check (T5).

An asset is registered under a declaration by the SHA-256 of its file; it may be registered
before the declaration is cleared (mock-ups are allowed), it simply cannot be delivered. The
check takes the final cut's files (name, SHA-256) as a stream, looks them up 500 at a time and
judges each with ``registry.rules.triage.check_file``: ``cleared``, ``blocked`` (a temporary
asset, a declaration not cleared for final output, or an asset of another production, of which
nothing is named) or ``not_generated``. Declarations are judged once per check, as of its
start. Manifests are ``sha256sum`` output (``<hash>  <name>``) or bare hashes, one per line.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select

from registry.accounts.models import User
from registry.audit.trail import record
from registry.core.chunks import chunked
from registry.core.errors import Forbidden, Invalid, NotFound
from registry.core.ids import new_id
from registry.extensions import db
from registry.productions.access import can_see_production
from registry.productions.models import Production
from registry.rules.triage import AssetFact, FileCheck, check_file
from registry.triage.clearance import clearances
from registry.triage.declarations import DECLARERS, current_version, visible_declaration
from registry.triage.models import Declaration, DeclarationVersion, GeneratedAsset

CHECKERS = ("admin", "vfx_lead", "legal")
CHUNK = 500
_LINE = re.compile(r"^([0-9a-fA-F]{64})(?:\s+\*?(.+))?$")


# -- assets -------------------------------------------------------------------------------------


def register(
    declaration_id: str, data: dict[str, Any], *, user: User, now: datetime
) -> GeneratedAsset:
    if not user.has_role(*DECLARERS):
        raise Forbidden("Your role may not register generated assets.")
    decl = visible_declaration(user, declaration_id)
    sha = data["sha256"].lower()
    if data["output"] == "final" and current_version(decl).output != "final":
        raise Invalid(
            "Some fields are invalid.",
            {
                "output": [
                    "The declaration is for temporary output: amend it to final output before "
                    "registering a final asset."
                ]
            },
        )
    if db.session.execute(
        select(GeneratedAsset.id).where(
            GeneratedAsset.declaration_id == decl.id, GeneratedAsset.sha256 == sha
        )
    ).first():
        raise Invalid(
            "Some fields are invalid.",
            {"sha256": ["A file with this SHA-256 is already registered under the declaration."]},
        )
    asset = GeneratedAsset(
        id=new_id("ast"),
        declaration_id=decl.id,
        production_id=decl.production_id,
        name=data["name"],
        sha256=sha,
        media_type=data["media_type"],
        output=data["output"],
        created_by=user.id,
        created_at=now,
    )
    db.session.add(asset)
    db.session.flush()
    record(
        "asset.registered",
        "declaration",
        decl.id,
        {
            "asset_id": asset.id,
            "sha256": sha,
            "output": asset.output,
            "media_type": asset.media_type,
        },
        actor_id=user.id,
    )
    return asset


def assets_query(decl: Declaration) -> Select[Any]:
    return (
        select(GeneratedAsset)
        .where(GeneratedAsset.declaration_id == decl.id)
        .order_by(GeneratedAsset.created_at, GeneratedAsset.id)
    )


# -- manifests ----------------------------------------------------------------------------------


class ManifestError(ValueError):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line


def parse_manifest(lines: Iterable[str | bytes]) -> Iterator[tuple[str, str]]:
    """(name, sha256) for each line of ``sha256sum`` output or bare hashes; blank lines and
    ``#`` comments are skipped. Raises ManifestError naming the first bad line."""
    for number, raw in enumerate(lines, start=1):
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
        text = text.strip()
        if not text or text.startswith("#"):
            continue
        found = _LINE.match(text)
        if found is None:
            raise ManifestError(
                number, "expected a SHA-256 (64 hex characters), optionally followed by a name"
            )
        sha = found.group(1).lower()
        yield (found.group(2) or sha).strip(), sha


# -- the final-cut check ------------------------------------------------------------------------


@dataclass
class Report:
    items: list[tuple[str, str, FileCheck]] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    digest: Any = field(default_factory=hashlib.sha256)

    @property
    def ok(self) -> bool:
        return self.counts["blocked"] == 0

    def blocking_first(self) -> list[tuple[str, str, FileCheck]]:
        order = {"blocked": 0, "cleared": 1, "not_generated": 2}
        return sorted(self.items, key=lambda item: order[item[2].status])

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "counts": {s: self.counts[s] for s in ("cleared", "blocked", "not_generated")},
            "items": [
                {
                    "name": name,
                    "sha256": sha,
                    "status": found.status,
                    "declaration_id": found.declaration_id,
                    "reason": found.reason,
                }
                for name, sha, found in self.items
            ],
        }


def checkable_production(user: User | None, production_id: str) -> Production:
    """The production, for a check by ``user`` (None: the operator, on the command line)."""
    if user is not None and not user.has_role(*CHECKERS):
        raise Forbidden("Your role may not check deliverables.")
    production = db.session.get(Production, production_id)
    if production is None or (user is not None and not can_see_production(user, production_id)):
        raise NotFound("No such production.")
    return production


class _Judge:
    """Declarations judged once per check: (final output, cleared now)."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.known: dict[str, tuple[bool, bool]] = {}

    def learn(self, declaration_ids: Iterable[str]) -> None:
        wanted = sorted(set(declaration_ids) - self.known.keys())
        for chunk in chunked(wanted, CHUNK):
            decls = list(
                db.session.execute(select(Declaration).where(Declaration.id.in_(chunk))).scalars()
            )
            finals = {
                declaration_id: output
                for declaration_id, output in db.session.execute(
                    select(DeclarationVersion.declaration_id, DeclarationVersion.output).where(
                        DeclarationVersion.declaration_id.in_(chunk),
                        DeclarationVersion.superseded_at.is_(None),
                    )
                )
            }
            found = clearances(decls, self.now)
            for decl in decls:
                self.known[decl.id] = (finals.get(decl.id) == "final", found[decl.id].cleared)


def check(
    production_id: str, files: Iterable[tuple[str, str]], now: datetime
) -> Iterator[tuple[str, str, FileCheck]]:
    """Judge each (name, sha256) of the production's final cut, in the order given."""
    judge = _Judge(now)
    for chunk in chunked(files, CHUNK):
        shas = sorted({sha for _, sha in chunk})
        by_sha: dict[str, list[tuple[str, str, str, str]]] = defaultdict(list)
        for row in db.session.execute(
            select(
                GeneratedAsset.sha256,
                GeneratedAsset.id,
                GeneratedAsset.production_id,
                GeneratedAsset.declaration_id,
                GeneratedAsset.output,
            ).where(GeneratedAsset.sha256.in_(shas))
        ):
            by_sha[row.sha256].append((row.id, row.production_id, row.declaration_id, row.output))
        judge.learn(d for rows in by_sha.values() for _, p, d, _ in rows if p == production_id)
        for name, sha in chunk:
            assets = tuple(
                AssetFact(
                    asset_id,
                    owner,
                    declaration_id,
                    output,
                    *judge.known.get(declaration_id, (False, False)),
                )
                for asset_id, owner, declaration_id, output in by_sha.get(sha, ())
            )
            yield name, sha, check_file(production_id, assets)


def run_check(
    production: Production,
    files: Iterable[tuple[str, str]],
    *,
    actor_id: str | None,
    now: datetime,
) -> Report:
    """Check every file, keep the report, and audit that the cut was checked (the counts and
    the SHA-256 of the list checked; no names)."""
    report = Report()
    for name, sha, found in check(production.id, files, now):
        report.items.append((name, sha, found))
        report.counts[found.status] += 1
        report.digest.update(f"{sha} {name}\n".encode())
    if not report.items:
        raise Invalid("Some fields are invalid.", {"files": ["The list of files is empty."]})
    record(
        "deliverables.checked",
        "production",
        production.id,
        {
            "files": len(report.items),
            "counts": dict(report.counts),
            "ok": report.ok,
            "list_sha256": report.digest.hexdigest(),
        },
        actor_id=actor_id,
    )
    return report
