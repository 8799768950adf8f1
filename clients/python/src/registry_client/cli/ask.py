"""``registry-ask``: "May I use this?" before a render, or a decision read again by request
id. Exits 0 on a valid allow, 2 on escalate, 3 on deny or a decision no longer valid, 1 on
error; prints the rules with their reasons, what is missing and the decision's next step."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn, TextIO

from registry_client import receipts
from registry_client.cli.common import (
    EXIT_ERROR,
    EXIT_ESCALATE,
    EXIT_OK,
    EXIT_STOP,
    Parser,
    client_from,
    connection_flags,
    fail,
)
from registry_client.client import RegistryClient
from registry_client.errors import ReceiptError, RegistryError
from registry_client.models import (
    CHANGES,
    CLEARANCES,
    MEDIA,
    REQUEST_KINDS,
    Decision,
    Facts,
    RequestRecord,
    TrainingSource,
    UseRequest,
)

_FACT_FLAGS = (
    ("as_recorded", "output stays substantially as scripted, performed or recorded"),
    ("safety", "depicts an activity a human cannot perform for safety reasons"),
    ("unrecognizable", "the performer is not recognisable in the output"),
    ("dubbing_or_double_permitted", "dubbing or a double is permitted by contract"),
    ("alters_tone_delivery_or_intent", "changes tone, delivery or intent"),
    ("new_dialogue", "new dialogue (visual ADR)"),
    ("may_harm_reputation", "may harm the performer's reputation"),
)


def exit_code(decision: Decision) -> int:
    """0 for a valid allow, 2 for an escalate, 3 for a deny or a decision no longer valid."""
    if not decision.valid:
        return EXIT_STOP
    return {"allow": EXIT_OK, "escalate": EXIT_ESCALATE}.get(decision.outcome, EXIT_STOP)


def _parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="registry-ask",
        description=(
            'Ask the registry "May I use this?" before a render. Exits 0 on allow, 2 on '
            "escalate, 3 on deny (or a decision no longer valid), 1 on error; prints the rules "
            "with their reasons, what is missing and the next step."
        ),
    )
    what = parser.add_argument_group("the use request")
    what.add_argument("--kind", choices=REQUEST_KINDS)
    what.add_argument("--production", help="the production's id or code, where the output goes")
    what.add_argument("--performer", help="the performer's id (not for model.use)")
    what.add_argument("--model", help="the enhancement model's id (model.use)")
    what.add_argument("--replica", help="the replica's id (replica.use)")
    what.add_argument(
        "--media",
        action="append",
        default=[],
        metavar="MEDIUM",
        help=f"repeat or comma-separate: {', '.join(MEDIA)}",
    )
    what.add_argument("--description", help="what will be made, for which scene")
    what.add_argument("--declaration", help="the GenAI use declaration this request serves")
    facts = parser.add_argument_group("facts (not given: false or empty)")
    for name, text in _FACT_FLAGS:
        facts.add_argument("--" + name.replace("_", "-"), action="store_true", help=text)
    facts.add_argument(
        "--change",
        action="append",
        default=[],
        choices=CHANGES,
        metavar="CHANGE",
        help=f"a change made (repeat): {', '.join(CHANGES)}",
    )
    facts.add_argument(
        "--training-source",
        action="append",
        default=[],
        metavar="CLEARANCE:DESCRIPTION",
        help=f"model.train: a source, CLEARANCE one of {', '.join(CLEARANCES)} (repeat)",
    )
    again = parser.add_argument_group("reading a decision instead of asking")
    again.add_argument(
        "--request",
        metavar="REQUEST_ID",
        help="read this request's current decision (no new request; no other request flags)",
    )
    out = parser.add_argument_group("output")
    out.add_argument(
        "--verify",
        action="store_true",
        help="verify the decision's signed receipt offline against the registry's JWK Set",
    )
    out.add_argument(
        "--jwks", type=Path, help="verify against this saved JWK Set (implies --verify)"
    )
    out.add_argument("--receipt-out", type=Path, help="write the decision's receipt (JWS) here")
    out.add_argument("--json", action="store_true", help="print the request as JSON instead")
    out.add_argument(
        "--idempotency-key",
        help="your key for this request (e.g. the render job's id): asking again with it "
        "returns the same request, decided as it stands now",
    )
    connection_flags(parser)
    return parser


_ASK_FIELDS = ("kind", "production", "performer", "model", "replica", "description", "declaration")


def _media(values: Sequence[str], parser: argparse.ArgumentParser) -> tuple[str, ...]:
    media = [m.strip() for value in values for m in value.split(",") if m.strip()]
    for medium in media:
        if medium not in MEDIA:
            parser.error(f"--media: {medium!r} is not one of {', '.join(MEDIA)}")
    return tuple(dict.fromkeys(media))


def _sources(values: Sequence[str], parser: argparse.ArgumentParser) -> tuple[TrainingSource, ...]:
    sources = []
    for value in values:
        clearance, _, description = value.partition(":")
        if clearance not in CLEARANCES or not description.strip():
            parser.error(
                f"--training-source {value!r}: expected CLEARANCE:DESCRIPTION, CLEARANCE one "
                f"of {', '.join(CLEARANCES)}"
            )
        sources.append(TrainingSource(description.strip(), clearance))
    return tuple(sources)


def _use_request(
    args: argparse.Namespace, parser: argparse.ArgumentParser, client: RegistryClient
) -> UseRequest:
    missing = [
        flag
        for flag, value in (
            ("--kind", args.kind),
            ("--production", args.production),
            ("--media", args.media),
            ("--description", args.description),
        )
        if not value
    ]
    if missing:
        parser.error(f"asking needs {', '.join(missing)} (or --request to read a decision)")
    facts = Facts(
        **{name: bool(getattr(args, name)) for name, _ in _FACT_FLAGS},
        changes=tuple(dict.fromkeys(args.change)),
        training_sources=_sources(args.training_source, parser),
    )
    return UseRequest(
        kind=args.kind,
        production_id=client.production(args.production).id,
        media=_media(args.media, parser),
        description=args.description,
        performer_id=args.performer,
        replica_id=args.replica,
        model_id=args.model,
        declaration_id=args.declaration,
        facts=facts,
    )


def print_decision(record: RequestRecord, out: TextIO = sys.stdout) -> None:
    """The decision as a pipeline engineer reads it: outcome, rules and reasons, what is
    missing, the next step."""
    decision = record.decision
    headline = decision.outcome.upper()
    if not decision.valid:
        headline = f"NO LONGER VALID (was {decision.outcome})"
    print(
        f"{headline}: {record.kind}, request {record.id} "
        f"(decision {decision.id}, ruleset {decision.ruleset_version})",
        file=out,
    )
    if not decision.valid and decision.invalidated_reason:
        print(f"Invalidated: {decision.invalidated_reason}", file=out)
    print("Rules that decided it:", file=out)
    for rule in decision.rules:
        pushed = f" [{rule.outcome}]" if rule.outcome else ""
        print(f"  {rule.id} {rule.section}{pushed}: {rule.reason}", file=out)
    if decision.considered:
        print("Also weighed (did not decide it):", file=out)
        for rule in decision.considered:
            print(f"  {rule.id} {rule.section}: {rule.reason}", file=out)
    if decision.missing:
        print("Missing:", file=out)
        for item in decision.missing:
            print(f"  - {item}", file=out)
    if decision.valid_until is not None:
        print(f"Valid until: {decision.valid_until.isoformat()}", file=out)
    print(f"Next step: {decision.next_step}", file=out)


def run(argv: Sequence[str] | None = None) -> int:
    """``registry-ask`` with these arguments; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.request:
        given = [f"--{name}" for name in _ASK_FIELDS if getattr(args, name)]
        given += ["--media"] if args.media else []
        given += ["--idempotency-key"] if args.idempotency_key else []
        if given:
            parser.error(f"--request reads a decision: drop {', '.join(given)}")
    try:
        jwks = receipts.load_jwks(args.jwks) if args.jwks else None
        client = client_from(args, jwks)
        if args.request:
            record = client.get_request(args.request)
        else:
            record = client.ask(
                _use_request(args, parser, client), idempotency_key=args.idempotency_key
            )
        if args.receipt_out:
            args.receipt_out.write_text(record.decision.receipt + "\n", encoding="utf-8")
        payload = client.verify_decision(record.decision) if args.verify or args.jwks else None
    except ReceiptError as exc:
        print(f"registry-ask: the decision's receipt does not verify: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except (RegistryError, OSError, ValueError) as exc:
        return fail("registry-ask", exc)
    if args.json:
        print(json.dumps(record.raw, indent=2, sort_keys=True))
    else:
        print_decision(record)
        if payload is not None:
            kid = receipts.header_of(record.decision.receipt).get("kid")
            print(
                f"Receipt: verified offline (EdDSA, key {kid}): decision {payload['decision_id']}"
                f", outcome {payload['outcome']}"
            )
    return exit_code(record.decision)


def main() -> NoReturn:
    sys.exit(run())
