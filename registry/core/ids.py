"""Opaque, time-sortable identifiers: a short type prefix and 26 Crockford base32 characters."""

from __future__ import annotations

import base64
import os
import time

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
_FROM_RFC4648 = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", _ALPHABET.encode())


def new_id(prefix: str) -> str:
    """A new id such as ``prd_01jd3...``: 48 bits of milliseconds then 80 random bits.

    The 128 bits, read as 130 (two leading zero bits), make 26 base32 characters: ids sort by
    creation time. Shifted left by 6 they fill 17 whole bytes, whose first 26 base32 characters
    are exactly those 130 bits.
    """
    value = (int(time.time() * 1000) & 0xFFFF_FFFF_FFFF) << 80 | int.from_bytes(os.urandom(10))
    text = base64.b32encode((value << 6).to_bytes(17, "big"))[:26].translate(_FROM_RFC4648)
    return f"{prefix}_{text.decode()}"
