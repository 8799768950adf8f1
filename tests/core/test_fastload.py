"""The bulk import's fast path answers exactly what ``ConsentInSchema.load`` answers, or defers.

``FastLoader`` may only ever say "this row loads to X" when the schema itself loads it to X; for
anything else it must answer None (the import then asks the schema, which names the errors).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import Schema, ValidationError, fields, validates

from registry.consents.schemas import ConsentInSchema
from registry.consents.validation import PerformerInfo, ProductionInfo, SnapshotLookups
from registry.core.fastload import FastLoader, Unsupported

NOW = datetime.now(UTC).replace(microsecond=0)
LOOKUPS = SnapshotLookups(
    {
        "prf_alive": PerformerInfo("prf_alive", "Alive", deceased=False, erased=False),
        "prf_late": PerformerInfo("prf_late", "Late", deceased=True, erased=False),
        "prf_erased": PerformerInfo("prf_erased", "Erased", deceased=False, erased=True),
    },
    {"prd_one": ProductionInfo("prd_one", "ONE", "One")},
)
SCHEMA = ConsentInSchema(lookups=LOOKUPS)
LOADER = FastLoader(SCHEMA)


def _at(days: float, offset_hours: int = 0) -> str:

    zone = timezone(timedelta(hours=offset_hours))
    return (NOW + timedelta(days=days)).astimezone(zone).isoformat()


def valid_row(**overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "performer_id": "prf_alive",
        "production_id": "prd_one",
        "purposes": ["digital_replica", "model_training"],
        "media": ["likeness", "voice"],
        "description": "Replica of the face for the night exterior of scene 12",
        "signed_by": "performer",
        "signed_at": _at(-3),
        "evidence_sha256": "ab" * 32,
        "guild_compliant": True,
        "expires_at": _at(300),
    }
    row.update(overrides)
    return row


VALUES: dict[str, list[Any]] = {
    "performer_id": ["prf_alive", "prf_late", "prf_erased", "prf_nobody", " prf_alive ", "", 7],
    "production_id": ["prd_one", "prd_none", "x" * 41, None, ["prd_one"]],
    "purposes": [
        ["digital_replica"],
        ["synthetic_voice"],
        ["visual_adr", "visual_adr"],
        [],
        ["mind_reading"],
        "digital_replica",
        [1],
        ("digital_replica",),
        ["digital_replica"] * 8,
    ],
    "media": [["likeness"], ["voice"], ["smell"], [], None, ["likeness", "voice", "performance"]],
    "description": [
        "Replica of the face for the night exterior of scene 12",
        "  Replica of the face for the night exterior of scene 12  ",
        "too short",
        "all uses",
        "x" * 5001,
        b"Replica of the face for the night exterior of scene 12",
        None,
    ],
    "signed_by": ["performer", "representative", "estate", "agent", None],
    "signed_at": [_at(-3), _at(-3, 5), _at(2), "2026-11-20T00:00:00", "yesterday", 1, None],
    "evidence_sha256": ["ab" * 32, "AB" * 32, " " + "ab" * 32, "ab" * 31, "zz" * 32, None],
    "guild_compliant": [True, False, "true", 1, 0, "maybe", None],
    "restrictions": ["No marketing use.", "", None, "x" * 5001, 3],
    "effective_from": [_at(-1), _at(400), _at(-1, -8), None, "soon"],
    "expires_at": [_at(300), _at(300, 9), _at(-1), _at(-4), "never", None],
}


@st.composite
def rows(draw: st.DrawFn) -> dict[str, Any]:
    row = valid_row()
    for name, choices in VALUES.items():
        action = draw(st.sampled_from(["keep"] * 6 + ["change", "drop"]))
        if action == "change":
            row[name] = draw(st.sampled_from(choices))
        elif action == "drop":
            row.pop(name, None)
    if draw(st.booleans()) and draw(st.booleans()):
        row[draw(st.sampled_from(["colour", "id", "status"]))] = "x"
    return row


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows())
def test_the_fast_path_agrees_with_the_schema_or_defers(row: dict[str, Any]) -> None:
    fast = LOADER(dict(row))
    try:
        expected = SCHEMA.load(dict(row))
    except ValidationError:
        assert fast is None, "the fast path accepted a row the schema refuses"
        return
    assert fast is None or fast == expected


@pytest.mark.parametrize(
    "row",
    [
        valid_row(),
        valid_row(restrictions="No marketing use.", effective_from=_at(-1, 2)),
        valid_row(performer_id="prf_late", signed_by="estate", guild_compliant=False),
        valid_row(
            purposes=["synthetic_voice"],
            media=["voice"],
            evidence_sha256="AB" * 32,
            restrictions=None,
        ),
    ],
)
def test_the_fast_path_loads_valid_rows_itself(row: dict[str, Any]) -> None:
    fast = LOADER(dict(row))
    assert fast is not None, "a valid row was left to the slow path"
    assert fast == SCHEMA.load(dict(row))
    assert fast["evidence_sha256"] == row["evidence_sha256"].lower()


def test_a_remembered_value_is_not_reused_for_an_equal_value_of_another_type() -> None:
    class Count(Schema):
        n = fields.Integer(required=True)

    loader = FastLoader(Count())
    assert loader({"n": 1}) == {"n": 1}
    with pytest.raises(ValidationError):
        Count().load({"n": True})
    assert loader({"n": True}) is None  # True == 1, but the schema refuses True


def test_schemas_using_what_the_fast_path_cannot_reproduce_are_refused() -> None:
    class Renamed(Schema):
        name = fields.String(data_key="Name")

    class FieldValidator(Schema):
        name = fields.String()

        @validates("name")
        def check(self, value: str, **_: Any) -> None:
            if value == "x":
                raise ValidationError("no")

    for schema in (Renamed(), FieldValidator(), ConsentInSchema(many=True)):
        with pytest.raises(Unsupported):
            FastLoader(schema)
