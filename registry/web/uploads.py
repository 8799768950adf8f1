"""Uploaded documents (signed consents, signed approvals): read, checked and hashed.

The real type comes from the file's bytes (``filetype``), never from its name or the declared
content type; only PDF, PNG, JPEG and WebP are kept, up to ``MAX_UPLOAD_BYTES``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO

import filetype

from registry.appctx import setting
from registry.core.errors import Invalid
from registry.core.hashing import sha256_hex

ALLOWED_TYPES = {
    "application/pdf": "pdf",
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/webp": "webp",
}


@dataclass(frozen=True)
class Upload:
    data: bytes
    content_type: str
    sha256: str
    filename: str


def read_upload(stream: IO[bytes], filename: str | None, field: str = "file") -> Upload:
    """Read and check an uploaded file; Invalid (naming ``field``) when it may not be kept."""
    limit = int(setting("MAX_UPLOAD_BYTES"))
    data = stream.read(limit + 1)
    if not data:
        raise Invalid("Some fields are invalid.", {field: ["The file is empty."]})
    if len(data) > limit:
        raise Invalid(
            "Some fields are invalid.", {field: [f"The file is larger than {limit} bytes."]}
        )
    kind = filetype.guess(data)
    mime = kind.mime if kind is not None else None
    if mime not in ALLOWED_TYPES:
        raise Invalid(
            "Some fields are invalid.",
            {field: ["Only PDF, PNG, JPEG or WebP documents are accepted (checked from content)."]},
        )
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1][:200] or "document"
    return Upload(data, mime, sha256_hex(data), name)
