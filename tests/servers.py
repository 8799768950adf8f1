"""Real servers on 127.0.0.1 for the tests: SMTP (aiosmtpd) and HTTP (webhooks).

Both count what actually arrives and can be scripted to refuse the next N attempts.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class SmtpSink:
    """What the SMTP server accepted, and scripted refusals by recipient."""

    messages: list[EmailMessage] = field(default_factory=list)
    refused: int = 0
    fail_next: dict[str, int] = field(default_factory=dict)
    always_fail: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def by_header(self, name: str) -> list[str]:
        with self.lock:
            return [str(m[name]) for m in self.messages]

    def count(self) -> int:
        with self.lock:
            return len(self.messages)


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.sink.lock:
            for rcpt in envelope.rcpt_tos:
                if rcpt in self.sink.always_fail:
                    self.sink.refused += 1
                    return "451 4.3.0 Mailbox temporarily unavailable (scripted)"
                if self.sink.fail_next.get(rcpt, 0) > 0:
                    self.sink.fail_next[rcpt] -= 1
                    self.sink.refused += 1
                    return "451 4.3.0 Try again later (scripted)"
            message = message_from_bytes(envelope.original_content, policy=default_policy)
            message["X-Test-Envelope-To"] = ",".join(envelope.rcpt_tos)
            self.sink.messages.append(message)
        return "250 OK"


def start_smtp(**controller_kwargs: Any) -> tuple[SmtpSink, Controller]:
    sink = SmtpSink()
    port = free_port()
    controller = Controller(_Handler(sink), hostname="127.0.0.1", port=port, **controller_kwargs)
    controller.start()
    sink.url = f"smtp://127.0.0.1:{port}"
    return sink, controller


@dataclass
class HookSink:
    """What the webhook receiver accepted (status 2xx), and scripted failures."""

    received: list[dict[str, Any]] = field(default_factory=list)
    fail_next: int = 0
    always_fail: bool = False
    attempts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def events(self) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.received)


def start_webhook_server() -> tuple[HookSink, ThreadingHTTPServer]:
    sink = HookSink()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with sink.lock:
                sink.attempts += 1
                fail = sink.always_fail or sink.fail_next > 0
                if sink.fail_next > 0:
                    sink.fail_next -= 1
                if not fail:
                    sink.received.append(
                        {
                            "body": body,
                            "json": json.loads(body),
                            "headers": {k.lower(): v for k, v in self.headers.items()},
                            "path": self.path,
                        }
                    )
            self.send_response(503 if fail else 204)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    sink.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/registry"
    return sink, server


Stop = Callable[[], None]
