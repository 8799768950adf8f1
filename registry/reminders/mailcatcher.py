"""A local mail catcher for development (``flask mailcatcher --port 2525``).

An aiosmtpd server on 127.0.0.1 that accepts every message, prints one line per message and
keeps each one as an ``.eml`` file in ``<DATA_DIR>/mail/``. It never relays anything.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

from registry.core.clock import utcnow


class CatchingHandler:
    """aiosmtpd handler: store and announce each message."""

    def __init__(self, folder: Path, echo: Callable[[str], None]) -> None:
        self.folder = folder
        self.echo = echo
        self._counter = itertools.count(1)
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        data: bytes = envelope.original_content or envelope.content
        with self._lock:
            number = next(self._counter)
        stamp = utcnow().strftime("%Y%m%dT%H%M%S")
        self.folder.mkdir(parents=True, exist_ok=True)
        file = self.folder / f"{stamp}-{number:05d}.eml"
        file.write_bytes(data)
        message = message_from_bytes(data, policy=default_policy)
        self.echo(
            f"[mail] to {', '.join(envelope.rcpt_tos)}: {message.get('Subject', '')} -> {file}"
        )
        return "250 Message accepted for delivery"


def start(host: str, port: int, folder: Path, echo: Callable[[str], None]) -> Any:
    """Start the server in a background thread; returns the aiosmtpd Controller (``.stop()``)."""
    try:
        from aiosmtpd.controller import Controller
    except ImportError as exc:  # pragma: no cover - aiosmtpd comes with the test extras
        raise RuntimeError("the mail catcher needs aiosmtpd: pip install -e '.[test]'") from exc
    controller = Controller(CatchingHandler(folder, echo), hostname=host, port=port)
    controller.start()
    return controller
