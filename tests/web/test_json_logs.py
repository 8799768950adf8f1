"""JSON log lines, in-process: a line written while a request runs carries that request's id,
and one written outside any request carries none. (The real server's logs:
``test_gunicorn_logs_and_metrics.py``.)"""

from __future__ import annotations

import io
import json
import logging
import os
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask, request_finished
from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.web import logs
from registry.web.access_log import redact
from tests.web.test_access_log import REDACTIONS


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """What the root logger writes through a JSON handler, as the server's handlers do."""
    buffer = io.StringIO()
    handler = logs.json_handler(logging.StreamHandler(buffer))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield buffer
    finally:
        root.removeHandler(handler)


def parsed(buffer: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def test_a_line_logged_during_a_request_is_json_with_its_id(
    app: Flask, client: FlaskClient, captured: io.StringIO
) -> None:
    def answered(sender: Flask, response: Any, **_: Any) -> None:
        logging.getLogger("registry.test").warning("answered %s", response.status_code)

    request_finished.connect(answered, app)
    try:
        client.get("/healthz", headers={"X-Request-Id": "log-1"})
        generated = client.get("/no/such/page").headers["X-Request-Id"]
    finally:
        request_finished.disconnect(answered, app)
    logging.getLogger("registry.test").warning("between requests")
    first, second, outside = parsed(captured)
    assert first.pop("time").endswith("+00:00")
    assert first == {
        "level": "WARNING",
        "logger": "registry.test",
        "pid": os.getpid(),
        "message": "answered 200",
        "request_id": "log-1",
    }
    assert second["message"] == "answered 404" and second["request_id"] == generated
    assert outside["message"] == "between requests" and "request_id" not in outside


def test_extra_fields_and_tracebacks_stay_inside_the_json_line(captured: io.StringIO) -> None:
    log = logging.getLogger("registry.test")
    try:
        raise ValueError("line one\nline two")
    except ValueError:
        log.exception("it broke", extra={"job": "reminders"})
    (line,) = parsed(captured)
    assert line["message"] == "it broke" and line["job"] == "reminders"
    assert "ValueError: line one\nline two" in line["exc_info"]


def test_configure_writes_json_lines_once_for_processes_outside_gunicorn() -> None:
    buffer = io.StringIO()
    root = logging.getLogger()
    before, level = list(root.handlers), logging.getLogger("registry").level
    logs.configure(stream=buffer)
    logs.configure(stream=io.StringIO())  # a second app in the same process adds nothing
    try:
        added = [h for h in root.handlers if h not in before]
        assert len(added) == 1
        logging.getLogger("registry.jobs.test").info("scan done")
    finally:
        for handler in added:
            root.removeHandler(handler)
        logging.getLogger("registry").setLevel(level)
    (line,) = parsed(buffer)
    assert (line["level"], line["logger"], line["message"]) == (
        "INFO",
        "registry.jobs.test",
        "scan done",
    )


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(["q", "Q", "=", "%", "3D", "3d", "25", "&", "?", "/calendar/", "x", " "]),
        max_size=12,
    ).map("".join)
    | st.text(max_size=40)
)
def test_the_access_logs_shortcut_redacts_exactly_what_redact_does(value: str) -> None:
    """The JSON access log skips ``redact`` on values it cannot change (the common case)."""
    assert logs._redacted(value) == redact(value)


@pytest.mark.parametrize(("logged", "expected"), REDACTIONS)
def test_the_shortcut_redacts_every_known_case(logged: str, expected: str) -> None:
    assert logs._redacted(logged) == expected
