"""``new_id``: a prefix and the 128 bits (milliseconds, then randomness) in Crockford base32."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest
import time_machine

from registry.core import ids

RFC4648 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def reference(value: int) -> str:
    """The 128-bit value as 130 bits (two leading zeros) in base32, via the standard library."""
    text = base64.b32encode((value << 6).to_bytes(17, "big"))[:26]
    return text.translate(bytes.maketrans(RFC4648, ids._ALPHABET.encode())).decode()


@pytest.mark.parametrize("random", [bytes(10), b"\xff" * 10, bytes(range(10)), b"\x5a" * 10])
def test_an_id_is_its_time_and_random_bits_in_crockford_base32(
    monkeypatch: pytest.MonkeyPatch, random: bytes
) -> None:
    moment = datetime(2027, 3, 4, 5, 6, 7, 891000, tzinfo=UTC)
    monkeypatch.setattr("registry.core.ids.os.urandom", lambda n: random[:n])
    with time_machine.travel(moment, tick=False):
        made = ids.new_id("cns")
    millis = int(moment.timestamp() * 1000)
    assert made == "cns_" + reference(millis << 80 | int.from_bytes(random))


def test_ids_sort_by_creation_time() -> None:
    with time_machine.travel(datetime(2027, 1, 1, tzinfo=UTC), tick=True):
        made = [ids.new_id("x") for _ in range(50)]
    with time_machine.travel(datetime(2027, 1, 2, tzinfo=UTC), tick=False):
        later = ids.new_id("x")
    assert all(m < later for m in made) and len(set(made)) == 50
