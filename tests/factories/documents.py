"""Evidence documents (a PDF, a PNG) and SHA-256 digests."""

from __future__ import annotations

import hashlib
import secrets

# A minimal, valid one-page PDF (its type is recognised from the bytes).
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


def unique_pdf() -> bytes:
    """A distinct PDF each call (so each consent has evidence of its own)."""
    return PDF + f"%{secrets.token_hex(8)}\n".encode()


def sha256_of(data: bytes) -> str:
    """The SHA-256 hex digest of ``data`` (a document's evidence hash)."""
    return hashlib.sha256(data).hexdigest()


def sha(label: str = "") -> str:
    """A well-formed SHA-256 hex digest: of ``label``, or random when none is given."""
    return hashlib.sha256(label.encode()).hexdigest() if label else secrets.token_hex(32)
