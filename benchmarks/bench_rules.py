"""How long one decision takes: `python benchmarks/bench_rules.py [--decisions N] [--seed S]`.

Builds, in memory, a mix of all five request kinds (allow, escalate and deny cases of each,
about five candidate consents per request, as the bridge would hand them over), warms up, then
times every `decide` call on its own with time.perf_counter_ns. In the same run it times a
floor: building one DecisionInput from the same parts plus a trivial function call, so the
figures can be read against what the interpreter on this machine costs anyway.

Goals: p50 <= 30 us, p99 <= 150 us per decision. The last line is machine-readable:
RESULT rules p50_us=.. p99_us=.. floor_us=..
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from time import perf_counter_ns

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from registry.rules import (  # noqa: E402
    ApprovalFact,
    ConsentFact,
    DecisionInput,
    ModelFact,
    PerformerFact,
    ProductionFact,
    ReplicaFact,
    RequestFacts,
    SourceFact,
    decide,
)

GOAL_P50_US = 30.0
GOAL_P99_US = 150.0
NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
SHA = "ab" * 32


def consent(
    id: str,
    performer: str = "A1",
    production: str = "P1",
    purposes: tuple[str, ...] = ("digital_replica",),
    media: tuple[str, ...] = ("likeness", "voice"),
    **kw: object,
) -> ConsentFact:
    fields: dict[str, object] = {
        "description": "Digital double of the lead for the rooftop stunt, episode 3",
        "evidence_sha256": SHA,
        "guild_compliant": True,
        "signed_by": "performer",
        "effective_from": NOW - timedelta(days=30),
        "expires_at": NOW + timedelta(days=365),
    }
    fields.update(kw)
    return ConsentFact(
        id,
        1,
        performer,
        production,
        frozenset(purposes),
        frozenset(media),
        **fields,  # type: ignore[arg-type]
    )


def build_mix() -> list[DecisionInput]:
    """Sixteen requests: an allow, an escalate and a deny of each kind, names on every fact."""
    a1 = PerformerFact("A1", "SAG-AFTRA", False, "Mara Quill")
    a2 = PerformerFact("A2", None, False, "Jonah Vale")
    dead = PerformerFact("A1", None, True, "Edith Marr")
    p1, p3, pitch = (
        ProductionFact("P1", "production", "GO-02", "Glass Onion"),
        ProductionFact("P3", "production", "NH-01", "Night Harbour"),
        ProductionFact("X1", "pitch", "PX-7", "Orchard pitch"),
    )
    # ~5 candidates: the one that counts among others of other productions, purposes, states.
    noise = (
        consent("N1", production="P2"),
        consent("N2", purposes=("model_training",), expires_at=NOW - timedelta(days=1)),
        consent("N3", purposes=("digital_alteration",), revoked_at=NOW - timedelta(days=2)),
        consent("N4", production="P3", purposes=("model_reuse",)),
    )
    replica_k = consent("K1")
    alter_k = consent("K2", purposes=("visual_adr", "digital_alteration"))
    train_k = consent("K3", purposes=("model_training",))
    reuse = (
        consent("U1", production="X1", purposes=("model_reuse",)),
        consent("U2", performer="A2", production="X1", purposes=("model_reuse",)),
    )
    approve = (ApprovalFact("AP1", "approved", SHA),)
    clears = (ApprovalFact("AP2", "approved; sources cleared", SHA, True),)
    model = ModelFact(
        "M1",
        "P1",
        ("A1", "A2"),
        (SourceFact("dailies", "owned"), SourceFact("ADR sessions", "cleared")),
        False,
        (
            consent("T1", purposes=("model_training",)),
            consent("T2", performer="A2", purposes=("model_training",)),
        ),
        (a1, a2),
        "Harbour voice clean-up",
        p1,
    )
    suspended = ModelFact(
        "M2",
        "P1",
        ("A1",),
        (SourceFact("dailies", "owned"),),
        False,
        (consent("T3", purposes=("model_training",), revoked_at=NOW - timedelta(hours=1)),),
        (a1,),
        "Old clean-up",
        p1,
    )
    rep = ReplicaFact(
        "R1", "A1", "P1", frozenset({"likeness", "voice"}), (replica_k,), "Mara double", p1
    )
    facts = RequestFacts
    like = frozenset({"likeness"})

    def req(kind: str, **kw: object) -> DecisionInput:
        base: dict[str, object] = {
            "production": p1,
            "performer": a1,
            "media": like,
            "facts": facts(),
            "consents": (*noise, replica_k, alter_k, train_k)[:5],
            "now": NOW,
        }
        base.update(kw)
        return DecisionInput(kind, **base)  # type: ignore[arg-type]

    with_k = (*noise, replica_k)
    return [
        req("replica.create", consents=with_k, approvals=approve),
        req("replica.create", consents=with_k),
        req("replica.create", performer=dead, consents=with_k),
        req("replica.use", replica=rep, facts=facts(as_recorded=True)),
        req("replica.use", replica=rep, consents=with_k),
        req("replica.use", replica=rep, production=p3, facts=facts(safety=True)),
        req("alteration", facts=facts(changes=frozenset({"noise_reduction", "pitch"}))),
        req("alteration", consents=(*noise, alter_k), facts=facts(new_dialogue=True)),
        req("alteration", facts=facts(changes=frozenset({"other"}))),
        req("model.use", performer=None, model=model),
        req("model.use", performer=None, model=model, production=pitch, consents=reuse),
        req("model.use", performer=None, model=model, production=pitch, consents=noise),
        req("model.use", performer=None, model=suspended),
        req("model.train", consents=(*noise, train_k), approvals=approve),
        req(
            "model.train",
            consents=(*noise, train_k),
            facts=facts(training_sources=(SourceFact("celebrity faces", "uncleared"),)),
            approvals=approve,
        ),
        req(
            "model.train",
            facts=facts(training_sources=(SourceFact("x", "owned"),)),
            approvals=clears,
        ),
    ]


def _trivial(inp: DecisionInput) -> str:
    return inp.kind


def percentile(sorted_ns: list[int], q: float) -> float:
    index = min(len(sorted_ns) - 1, max(0, round(q * (len(sorted_ns) - 1))))
    return sorted_ns[index] / 1000.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--decisions", type=int, default=60_000)
    parser.add_argument("--warmup", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="fewer decisions (a smoke run)")
    args = parser.parse_args(argv)
    n = 5_000 if args.quick else max(args.decisions, 20_000)

    mix = build_mix()
    outcomes = {(i.kind, decide(i).outcome) for i in mix}
    assert len(outcomes) == 15, outcomes  # allow, escalate and deny of each of the five kinds
    rnd = random.Random(args.seed)
    order = [rnd.randrange(len(mix)) for _ in range(n)]

    for i in range(args.warmup):
        decide(mix[i % len(mix)])

    gc.collect()
    times: list[int] = [0] * n
    clock = perf_counter_ns
    for j, index in enumerate(order):
        inp = mix[index]
        t0 = clock()
        decide(inp)
        times[j] = clock() - t0

    # The floor: build a DecisionInput from the same parts and make one trivial call.
    floor: list[int] = [0] * n
    parts = [
        (m.kind, m.production, m.performer, m.media, m.facts, m.consents, m.now, m.model,
         m.replica, m.approvals)
        for m in mix
    ]  # fmt: skip
    for j, index in enumerate(order):
        part = parts[index]
        t0 = clock()
        _trivial(DecisionInput(*part))
        floor[j] = clock() - t0

    times.sort()
    floor.sort()
    p50, p99, p999 = percentile(times, 0.5), percentile(times, 0.99), percentile(times, 0.999)
    f50 = percentile(floor, 0.5)
    mean = statistics.fmean(times) / 1000.0
    print(f"python {sys.version.split()[0]}, {n} decisions over {len(mix)} requests")
    print("mix: " + ", ".join(f"{k}:{o}" for k, o in sorted(outcomes)))
    f99 = percentile(floor, 0.99)
    print(f"decide  p50 {p50:7.2f} us  p99 {p99:7.2f} us  p99.9 {p999:7.2f} us  mean {mean:.2f} us")
    print(f"floor   p50 {f50:7.2f} us  p99 {f99:7.2f} us  (build a DecisionInput + a trivial call)")
    print(f"ratio   p50 decide / floor = {p50 / f50:.1f}x")
    met = p50 <= GOAL_P50_US and p99 <= GOAL_P99_US
    print(
        f"goals   p50 <= {GOAL_P50_US:g} us and p99 <= {GOAL_P99_US:g} us: "
        + ("met" if met else "NOT met")
    )
    print(f"RESULT rules p50_us={p50:.2f} p99_us={p99:.2f} floor_us={f50:.2f}")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
