"""GenAI triage: one triage in the engine, and the final-cut check of a large cut.

``python benchmarks/bench_triage.py [--quick] [--only engine|final-cut]``

engine: the guidance's ten examples as DeclarationInputs (built in memory, as the loader hands
them over), warmed up, then every ``triage`` call timed on its own; in the same run a floor:
building one DeclarationInput plus a trivial call. Goal: p50 <= 30 us.

final-cut: a migrated SQLite registry with 1,000,000 generated assets under 10,000 declarations
(a quarter of them cleared for final output, the rest temporary or not cleared), written with
Core bulk inserts; then a 100,000-line manifest file (half the files registered, half not) is
checked as ``flask deliverables check`` does it: read line by line, looked up 500 at a time,
judged, audited. Goal: <= 5 s on SQLite. ``--quick``: 100,000 assets and 10,000 files.

RESULT triage_engine p50_us=.. p99_us=.. floor_us=..
RESULT triage_final_cut files=.. assets=.. seconds=.. blocked=.. cleared=.. not_generated=..
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import random
import resource
import statistics
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from time import perf_counter, perf_counter_ns
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from registry.rules.facts import PerformerFact, ProductionFact  # noqa: E402
from registry.rules.triage import (  # noqa: E402
    DeclarationInput,
    PipelineFact,
    StageFact,
    ToolFact,
    triage,
)

GOAL_P50_US = 30.0
GOAL_FINAL_CUT_S = 5.0
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
YES = {p: "yes" for p in ("p1", "p2", "p3", "p4", "p5")}


def examples() -> list[DeclarationInput]:
    """The guidance's ten examples (DOMAIN.md), as the loader would hand them to the engine."""
    prod = ProductionFact("P1", "production", "GO-02", "Glass Onion")
    secure = ToolFact("T1", "StudioGen Enterprise", "no", "no", "yes")
    public = ToolFact("T2", "PublicChat", "yes", "yes", "no")
    star = PerformerFact("A1", "SAG-AFTRA", False, "Mara Quill")
    pipeline = PipelineFact(
        "PL1",
        "Vendor pipe",
        (StageFact(secure, "plate cleanup"), StageFact(public, "upscale")),
    )

    def d(category: str, output: str = "temporary", **kw: Any) -> DeclarationInput:
        base: dict[str, Any] = {
            "production": prod,
            "category": category,
            "output": output,
            "principles": YES,
            "facts": frozenset(),
            "tools": (secure,),
        }
        base.update(kw)
        return DeclarationInput(**base)

    return [
        d("ideation"),
        d("background_element"),
        d("background_element", "final", facts=frozenset({"prominent", "story_relevant"})),
        d("key_creative", "final"),
        d("talent_replication", "final", performers=(star,), facts=frozenset({"talent_likeness"})),
        d("unowned_training_data", facts=frozenset({"references_protected"})),
        d("other", "final", facts=frozenset({"could_mislead", "references_protected"})),
        d("ideation", facts=frozenset({"talent_likeness", "references_protected"})),
        d("proprietary_material", facts=frozenset({"proprietary_input"}), tools=(public,)),
        d("background_element", tools=(), pipeline=pipeline),
    ]


def _trivial(inp: DeclarationInput) -> str:
    return inp.category


def engine(quick: bool) -> str:
    mix = examples()
    n = 5_000 if quick else 60_000
    rnd = random.Random(1)
    order = [rnd.randrange(len(mix)) for _ in range(n)]
    for i in range(5_000):
        triage(mix[i % len(mix)])
    gc.collect()
    gc.disable()
    try:
        times = []
        for i in order:
            start = perf_counter_ns()
            triage(mix[i])
            times.append(perf_counter_ns() - start)
        floor = []
        first = mix[0]
        for _ in range(n):
            start = perf_counter_ns()
            _trivial(
                DeclarationInput(
                    first.production, first.category, first.output, first.principles, first.facts
                )
            )
            floor.append(perf_counter_ns() - start)
    finally:
        gc.enable()
    times.sort()
    p50 = times[len(times) // 2] / 1000
    p99 = times[int(len(times) * 0.99)] / 1000
    floor_us = statistics.median(floor) / 1000
    verdict = "ok" if p50 <= GOAL_P50_US else "OVER GOAL"
    print(f"engine: {n} triages, p50 {p50:.1f} us, p99 {p99:.1f} us ({verdict}: p50 <= 30 us)")
    print(f"floor (build an input + a call): {floor_us:.2f} us; p50 is {p50 / floor_us:.1f}x")
    return f"RESULT triage_engine p50_us={p50:.2f} p99_us={p99:.2f} floor_us={floor_us:.2f}"


def _sha(i: int) -> str:
    return hashlib.sha256(i.to_bytes(8, "big")).hexdigest()


def _populate(app: Any, assets: int, declarations: int) -> str:
    """Write the production, its declarations (version, triage, a quarter approved) and the
    assets with Core bulk inserts; returns the production's id."""
    from sqlalchemy import Table, insert

    from registry.approvals.models import Approval
    from registry.extensions import db
    from registry.productions.models import Production
    from registry.transactions import unit_of_work
    from registry.triage.models import (
        Declaration,
        DeclarationVersion,
        GeneratedAsset,
        TriageRecord,
    )

    def table(model: Any) -> Table:
        return model.__table__  # type: ignore[no-any-return]

    with app.app_context(), unit_of_work():
        db.session.add(Production(id="prd_bench", title="Bench", code="BENCH-1", created_at=NOW))
        db.session.flush()
        decls, versions, triages, approvals = [], [], [], []
        for i in range(declarations):
            did, vid, tid = f"gdl_{i:08d}", f"dv_{i:08d}", f"tri_{i:08d}"
            cleared = i % 4 == 0
            decls.append(
                {"id": did, "production_id": "prd_bench", "current_version": 1,
                 "current_triage_id": None, "triage_count": 1, "created_at": NOW}
            )  # fmt: skip
            versions.append(
                {"id": vid, "declaration_id": did, "version": 1, "title": f"use {i}",
                 "description": "bench", "category": "key_creative",
                 "output": "final" if i % 2 == 0 else "temporary", "pipeline_id": None,
                 "performer_ids": [], "facts": {}, "principles": YES, "created_at": NOW,
                 "superseded_at": None}
            )  # fmt: skip
            triages.append(
                {"id": tid, "declaration_id": did, "version_id": vid, "sequence": 1,
                 "trigger": "declaration", "level": "escalate", "approval": "written",
                 "rules": [], "needed": [], "next_step": "", "principles": YES,
                 "terms_digest": "0" * 64, "ruleset_version": "bench", "decided_at": NOW,
                 "receipt": "x"}
            )  # fmt: skip
            if cleared:
                approvals.append(
                    {"id": f"apr_{i:08d}", "declaration_id": did, "triage_id": tid,
                     "note": "ok", "evidence_sha256": "0" * 64, "approval_needed": True,
                     "clears_sources": False, "confirms_estate": False, "created_at": NOW}
                )  # fmt: skip
        db.session.execute(insert(table(Declaration)), decls)
        db.session.execute(insert(table(DeclarationVersion)), versions)
        db.session.execute(insert(table(TriageRecord)), triages)
        db.session.execute(insert(table(Approval)), approvals)
        # each declaration's current triage: tri_<n> for gdl_<n>
        db.session.connection().exec_driver_sql(
            "UPDATE declarations SET current_triage_id = 'tri_' || substr(id, 5)"
        )
        rows = []
        for i in range(assets):
            rows.append(
                {"id": f"ast_{i:010d}", "declaration_id": f"gdl_{i % declarations:08d}",
                 "production_id": "prd_bench", "name": f"shot_{i}.exr", "sha256": _sha(i),
                 "media_type": "image/x-exr", "output": "final" if i % 3 else "temporary",
                 "created_at": NOW}
            )  # fmt: skip
            if len(rows) == 50_000:
                db.session.execute(insert(table(GeneratedAsset)), rows)
                rows = []
        if rows:
            db.session.execute(insert(table(GeneratedAsset)), rows)
    return "prd_bench"


def final_cut(quick: bool) -> str:
    from benchmarks.common import fresh_app
    from registry.core.clock import utcnow
    from registry.extensions import db
    from registry.productions.models import Production
    from registry.transactions import unit_of_work
    from registry.triage.assets import parse_manifest, run_check

    assets, files, declarations = (
        (100_000, 10_000, 1_000) if quick else (1_000_000, 100_000, 10_000)
    )
    folder = Path(tempfile.mkdtemp(prefix="registry-bench-triage-"))
    app = fresh_app(DATA_DIR=str(folder))
    start = perf_counter()
    production_id = _populate(app, assets, declarations)
    took = perf_counter() - start
    print(f"wrote {assets:,} assets under {declarations:,} declarations in {took:.1f} s")
    manifest = folder / "manifest.txt"
    with manifest.open("w") as out:
        for i in range(files):
            # half registered (spread over the whole table), half never seen
            n = (i * 7919) % assets if i % 2 == 0 else assets + i
            out.write(f"{_sha(n)}  reel/{i:06d}.exr\n")
    with app.app_context(), unit_of_work():
        production = db.session.get(Production, production_id)
        assert production is not None
        start = perf_counter()
        with manifest.open("rb") as handle:
            report = run_check(production, parse_manifest(handle), actor_id=None, now=utcnow())
        seconds = perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    counts = report.counts
    verdict = "ok" if seconds <= GOAL_FINAL_CUT_S or quick else "OVER GOAL"
    print(
        f"final-cut check: {files:,} files against {assets:,} assets in {seconds:.2f} s "
        f"({verdict}: <= 5 s); peak RSS of the process {peak_mb:.0f} MB"
    )
    return (
        f"RESULT triage_final_cut files={files} assets={assets} seconds={seconds:.3f} "
        f"blocked={counts['blocked']} cleared={counts['cleared']} "
        f"not_generated={counts['not_generated']}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="smaller sizes (a smoke run)")
    parser.add_argument("--only", choices=("engine", "final-cut"))
    args = parser.parse_args(argv)
    results = []
    if args.only in (None, "engine"):
        results.append(engine(args.quick))
    if args.only in (None, "final-cut"):
        results.append(final_cut(args.quick))
    print("\n".join(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
