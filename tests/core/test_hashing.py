"""Canonical JSON (orjson) writes the same bytes as the ``json`` module's sorted, compact,
UTF-8 form for every kind of value the registry hashes, so no hash or signature changes."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from registry.core.hashing import canonical_json, content_hash, sha256_hex


def reference(value: Any) -> bytes:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    ).encode()


text = st.text(st.characters(exclude_categories=["Cs"]), max_size=30)
leaves = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | text
    | st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=-5))]))
    | st.datetimes()
    | st.dates()
)
values = st.recursive(
    leaves,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(text, inner, max_size=5),
    max_leaves=30,
)


@settings(max_examples=400, deadline=None)
@given(values)
def test_same_bytes_as_the_json_module(value: Any) -> None:
    assert canonical_json(value) == reference(value)


def test_escapes_and_order() -> None:
    value = {"b": '\x00\x1f"\\\u2028é', "a": [1, True, None], "c": {"z": 1, "y": 2}}
    assert canonical_json(value) == reference(value)
    assert canonical_json(value).startswith(b'{"a":[1,true,null],"b":"\\u0000\\u001f\\"\\\\')


def test_integer_keys_and_big_integers() -> None:
    assert canonical_json({2: "b", 10: "a"}) == reference({2: "b", 10: "a"})
    assert canonical_json(2**70) == b"1180591620717411303424"  # beyond orjson: the json module


def test_hash_of_known_content() -> None:
    content = {"version_id": "cnv_1", "at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)}
    expected = sha256_hex(b'{"at":"2026-01-02 03:04:05+00:00","version_id":"cnv_1"}')
    assert content_hash(content) == expected
    assert canonical_json(date(2026, 1, 2)) == b'"2026-01-02"'


def test_other_types_are_written_as_the_json_module_writes_them() -> None:
    from collections import namedtuple
    from dataclasses import dataclass
    from decimal import Decimal
    from uuid import UUID

    point = namedtuple("point", "x y")

    @dataclass
    class Pair:
        a: int

    for value in (
        point(1, 2),
        {"p": point("a", None)},
        (1, "two"),
        Decimal("1.50"),
        UUID("12345678-1234-5678-1234-567812345678"),
        Pair(3),
        {"k": [Decimal("2"), datetime(2026, 1, 1, tzinfo=UTC)]},
    ):
        assert canonical_json(value) == reference(value), value
