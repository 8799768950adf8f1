"""The final cut's files as ``(name, sha256)`` pairs, streamed: a folder hashed file by file
(1 MiB blocks, sorted, hidden files and folders skipped, names relative to the folder) or a
manifest in ``sha256sum`` format (``<hash>  <name>``, ``<hash> *<name>``, or bare hashes; blank
lines and ``#`` comments skipped), the format ``flask deliverables check`` reads too.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from registry_client.errors import ManifestError

BLOCK = 1 << 20
_LINE = re.compile(r"^([0-9a-fA-F]{64})(?:\s+\*?(.+))?$")


def sha256_file(path: str | Path) -> str:
    """The SHA-256 hex digest of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        while block := handle.read(BLOCK):
            digest.update(block)
    return digest.hexdigest()


def folder_files(folder: str | Path) -> Iterator[Path]:
    """Every file under ``folder``, sorted, hidden files and folders skipped."""
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            if not name.startswith("."):
                yield Path(root, name)


def hash_folder(folder: str | Path) -> Iterator[tuple[str, str]]:
    """(path relative to ``folder``, SHA-256) of each of its files, one at a time."""
    base = Path(folder)
    for path in folder_files(base):
        yield path.relative_to(base).as_posix(), sha256_file(path)


def _unescape(name: str) -> str:
    """A name as GNU ``sha256sum`` escapes it (a line starting with a backslash)."""
    out, chars = [], iter(name)
    for char in chars:
        if char == "\\":
            following = next(chars, "")
            out.append("\n" if following == "n" else following)
        else:
            out.append(char)
    return "".join(out)


def parse_manifest(lines: Iterable[str | bytes]) -> Iterator[tuple[str, str]]:
    """(name, sha256) for each line; a bare hash is its own name. ManifestError names the
    first bad line."""
    for number, raw in enumerate(lines, start=1):
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
        text = text.strip()
        if not text or text.startswith("#"):
            continue
        escaped = text.startswith("\\")
        if escaped:
            text = text[1:]
        found = _LINE.match(text)
        if found is None:
            raise ManifestError(
                number, "expected a SHA-256 (64 hex characters), optionally followed by a name"
            )
        sha = found.group(1).lower()
        name = (found.group(2) or sha).strip()
        yield (_unescape(name) if escaped else name), sha


def read_manifest(source: str | Path | BinaryIO) -> Iterator[tuple[str, str]]:
    """The pairs of a manifest file (or an open binary stream such as stdin's buffer)."""
    if isinstance(source, (str, Path)):
        with Path(source).open("rb") as handle:
            yield from parse_manifest(handle)
    else:
        yield from parse_manifest(source)


def files_of(source: str | Path) -> Iterator[tuple[str, str]]:
    """A folder's files, hashed, or a manifest's lines."""
    return hash_folder(source) if Path(source).is_dir() else read_manifest(source)
