"""Prometheus metrics at ``/metrics``, behind a token of their own.

On only when ``REGISTRY_METRICS_TOKEN`` is set: then ``/metrics`` answers a scraper that sends
``Authorization: Bearer <that token>`` and refuses anyone else (401); without the setting there
is no such route (404) and no hook runs. The token is not an API token: it reads figures, never
records, and a scraper holding it is no user of the registry.

What a scrape shows:

- measured in the web processes (``prometheus_client``): request latency by route (Flask's URL
  rule, e.g. ``/api/v1/requests/<request_id>``, never the raw path), method and status;
  failed sign-ins by step (password, second factor, enrolment) and refused ones (locked or
  throttled); failed API token checks. Under gunicorn these are kept per worker in
  ``PROMETHEUS_MULTIPROC_DIR`` (set up by ``gunicorn.conf.py``) and summed at every scrape,
  whichever worker answers it;
- read from the database at scrape time (``domain_metrics``): decisions, triages, reminder
  deliveries, the audit chains: right across processes and hosts, whoever wrote them.

May import: ``core``, ``extensions`` (and ``web``).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import time
from collections.abc import Iterable
from typing import Any, cast

from flask import Flask, Response, current_app, g, request
from prometheus_client import CollectorRegistry, Counter, Histogram, multiprocess
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import Metric

from registry.extensions import db
from registry.web.domain_metrics import DomainCollector

log = logging.getLogger("registry.metrics")
EXTENSION = "registry.metrics"
MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"
_LOCAL = CollectorRegistry()
_STARTED = "registry_metrics_started"

LATENCY = Histogram(
    "registry_http_request_duration_seconds",
    "Time to answer a request, by route (URL rule), method and status.",
    ("route", "method", "status"),
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=_LOCAL,
)
SIGN_IN_FAILURES = Counter(
    "registry_sign_in_failures",
    "Failed sign-ins (a wrong password or code), by step.",
    ("step",),
    registry=_LOCAL,
)
SIGN_IN_REFUSALS = Counter(
    "registry_sign_in_refusals",
    "Sign-ins refused before any check (too many failures: throttled or locked), by step.",
    ("step",),
    registry=_LOCAL,
)
TOKEN_FAILURES = Counter(
    "registry_api_token_failures",
    "API requests refused (401) although they presented a bearer token.",
    registry=_LOCAL,
)
SIGN_IN_STEPS = {
    "accounts.login": "password",
    "accounts.second_factor": "second_factor",
    "accounts.enrol": "enrolment",
}


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def _start() -> None:
    g.setdefault(_STARTED, time.perf_counter())


def _observe(response: Response) -> Response:
    started = g.pop(_STARTED, None)
    status = response.status_code
    if started is not None:
        rule = request.url_rule
        route = rule.rule if rule is not None else "<unmatched>"
        LATENCY.labels(route, request.method, str(status)).observe(time.perf_counter() - started)
    if status in (401, 429) and request.method == "POST":
        step = SIGN_IN_STEPS.get(request.endpoint or "")
        if step is not None:
            (SIGN_IN_FAILURES if status == 401 else SIGN_IN_REFUSALS).labels(step).inc()
    if status == 401 and request.path.startswith("/api/") and "Authorization" in request.headers:
        TOKEN_FAILURES.inc()
    return response


class _Process:
    """This process's own metrics, or every web worker's under gunicorn (multiprocess mode)."""

    def collect(self) -> Iterable[Metric]:
        folder = os.environ.get(MULTIPROC_DIR)
        if folder:
            collector = multiprocess.MultiProcessCollector(None, path=folder)  # type: ignore[no-untyped-call]
            return cast(Iterable[Metric], collector.collect())  # type: ignore[no-untyped-call]
        return _LOCAL.collect()


def _refused() -> Response:
    response = Response("a metrics token is needed\n", 401, mimetype="text/plain")
    response.headers["WWW-Authenticate"] = 'Bearer realm="registry metrics"'
    return response


def scrape() -> Any:
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    expected: bytes = current_app.extensions[EXTENSION]
    if scheme.lower() != "bearer" or not hmac.compare_digest(_digest(presented.strip()), expected):
        return _refused()
    registry = CollectorRegistry()
    registry.register(_Process())
    registry.register(DomainCollector(db.engine))
    encoder, content_type = choose_encoder(request.headers.get("Accept", ""))
    response = Response(encoder(registry), mimetype=None, content_type=content_type)
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    """``/metrics`` and its hooks, if ``METRICS_TOKEN`` is set (``registry.config`` checks its
    length); the timer starts before every other hook."""
    token = app.config.get("METRICS_TOKEN")
    if not token:
        return
    if os.environ.get("SERVER_SOFTWARE", "").startswith("gunicorn") and not os.environ.get(
        MULTIPROC_DIR
    ):
        log.warning(
            "%s is not set: each gunicorn worker reports only its own request figures (start "
            "gunicorn with the project's gunicorn.conf.py, which sets it)",
            MULTIPROC_DIR,
        )
    app.extensions[EXTENSION] = _digest(str(token))
    app.add_url_rule("/metrics", "metrics", scrape)
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request(_observe)
