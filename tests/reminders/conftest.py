"""Fixtures for the reminder tests: a real SMTP server and a real webhook receiver on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.reminders.servers import HookSink, SmtpSink, start_smtp, start_webhook_server


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    sink, controller = start_smtp()
    try:
        yield sink
    finally:
        controller.stop()


@pytest.fixture
def hooks() -> Iterator[HookSink]:
    sink, server = start_webhook_server()
    try:
        yield sink
    finally:
        server.shutdown()
        server.server_close()
