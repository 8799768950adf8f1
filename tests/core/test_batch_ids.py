"""Ids made in batches (outbox, bulk import) have the format of ``new_id`` and sort with them."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import time_machine

from registry.core.ids import batch_ids, new_id

CROCKFORD = re.compile(r"^rem_[0-9a-hjkmnp-tv-z]{26}$")


def test_batch_ids_look_like_new_ids_and_share_their_time_prefix() -> None:
    with time_machine.travel(datetime(2027, 1, 1, tzinfo=UTC), tick=False):
        singles = [new_id("rem") for _ in range(200)]
        batch = batch_ids("rem", 10_000)
    assert len(set(batch)) == len(batch)
    for value in batch + singles:
        assert CROCKFORD.match(value), value
    # the time prefix (10 characters) is the same as new_id's in the same millisecond
    assert {v[:14] for v in batch} == {v[:14] for v in singles}
    assert len({v[14] for v in batch}) == 32  # the random part uses the whole alphabet


def test_batch_ids_sort_after_earlier_ids() -> None:
    with time_machine.travel(datetime(2027, 1, 1, tzinfo=UTC), tick=False) as clock:
        before = new_id("rem")
        clock.shift(timedelta(milliseconds=1))
        batch = batch_ids("rem", 100)
        clock.shift(timedelta(milliseconds=1))
        after = new_id("rem")
    assert all(before < value < after for value in batch)
