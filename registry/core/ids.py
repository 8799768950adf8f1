"""Opaque, time-sortable identifiers: a short type prefix and 26 Crockford base32 characters."""

from __future__ import annotations

import os
import time

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
# Every pair of base32 characters, indexed by the 10 bits they encode.
_PAIRS = tuple(high + low for high in _ALPHABET for low in _ALPHABET)
_SHIFTS = tuple(range(120, -1, -10))


def new_id(prefix: str) -> str:
    """A new id such as ``prd_01jd3...``: 48 bits of milliseconds then 80 random bits.

    The 128 bits, read as a 130-bit number (two leading zero bits), are written as 26 base32
    characters, most significant first, so ids sort by creation time. Two characters are looked
    up at a time (bulk imports make two ids per row).
    """
    value = (int(time.time() * 1000) & 0xFFFF_FFFF_FFFF) << 80 | int.from_bytes(os.urandom(10))
    pairs = _PAIRS
    return prefix + "_" + "".join([pairs[(value >> shift) & 1023] for shift in _SHIFTS])


_RANDOM_CHARS = bytes(_ALPHABET.encode()[b & 31] for b in range(256))


def batch_ids(prefix: str, count: int) -> list[str]:
    """``count`` new ids in ``new_id``'s format, made in one go (bulk writes).

    Of ``new_id``'s 26 characters the first 10 hold only the milliseconds (and leading zero
    bits), the same for the whole batch: they are taken from one ``new_id`` call. The 16 others
    carry the 80 random bits: here one ``os.urandom`` call and a byte translation (256 % 32 == 0,
    so each character is uniform). They are returned in ascending order, so a batch goes into its
    indexes in order and its ids sort as the batch was given (an import's ids follow its lines).
    """
    head = new_id(prefix)[: len(prefix) + 11]
    tail = os.urandom(16 * count).translate(_RANDOM_CHARS).decode()
    return sorted(f"{head}{tail[i : i + 16]}" for i in range(0, 16 * count, 16))
