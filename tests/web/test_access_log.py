"""gunicorn, started as ``make run`` starts it, never writes a calendar token or a performer
search (possibly a legal name) to its access log."""

from __future__ import annotations

import secrets
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

from registry.web.access_log import redact
from tests.gunicorn import get_status, served

REDACTIONS = [
    ("GET /calendar/abc123.ics?x=1 HTTP/1.1", "GET /calendar/[redacted]?x=1 HTTP/1.1"),
    ("/api/v1/consents/cns_1", "/api/v1/consents/cns_1"),
    ("GET /performers?q=Jane+Doe&page=2 HTTP/1.1", "GET /performers?q=[redacted]&page=2 HTTP/1.1"),
    ("page=2&q=Jane%20Doe", "page=2&q=[redacted]"),
    ("q=Doe", "q=[redacted]"),
    ("/api/v1/audit?seq=4&faq=1", "/api/v1/audit?seq=4&faq=1"),
    (
        "/login?next=%2Fperformers%3Fq%3DJane%2BDoe%26page%3D2&x=1",
        "/login?next=%2Fperformers%3Fq%3D[redacted]&x=1",
    ),
    ("next=%252Fp%253Fq%253DDoe%2526x", "next=%252Fp%253Fq%253D[redacted]"),
    ("GET /performers?%71=Jane HTTP/1.1", "GET /performers?%71=[redacted] HTTP/1.1"),
]


@pytest.mark.parametrize(("logged", "expected"), REDACTIONS)
def test_redact_hides_calendar_tokens_and_search_terms_only(logged: str, expected: str) -> None:
    assert redact(logged) == expected


@pytest.mark.parametrize(
    "partly",
    [
        "/login?next=%2Fperformers%3Fq=Doe",
        "/login?next=/performers?q%3DDoe%26page%3D2",
        "/login?next=%2Fperformers%3Fpage=2%26q=Doe",
    ],
)
def test_a_search_in_a_partly_encoded_next_is_redacted(partly: str) -> None:
    """``next`` encoded only in part (as a hand-made link or ``url_for(next=...)`` may be)."""
    assert "Doe" not in redact(partly) and "[redacted]" in redact(partly)


@pytest.mark.parametrize("depth", [0, 1, 2, 3])
def test_a_search_with_separators_in_it_is_redacted_whole_at_any_depth(depth: int) -> None:
    """A term with ``&``, ``+``, ``%`` and quotes, in a URL nested ``depth`` times in ``next``
    (as the sign-in page receives it): none of it is logged, the other parameters are."""
    url = "/performers?" + urlencode({"q": 'Smith & Jones + "O%Neil"', "page": 2})
    for _ in range(depth):
        url = "/login?" + urlencode({"next": url, "page": 7})
    logged = redact(f"GET {url} HTTP/1.1")
    for part in ("Smith", "Jones", "Neil"):
        assert part not in logged, logged
    assert logged.count("[redacted]") == 1 and logged.endswith(" HTTP/1.1")
    assert ("page=7" in logged) == (depth > 0) and "page" in logged.split("[redacted]")[1]


def test_the_access_log_has_the_request_but_not_the_token(tmp_path: Path) -> None:
    token = secrets.token_urlsafe(24)
    log = tmp_path / "access.log"
    text = ""
    with served(
        tmp_path / "data", tmp_path / "log.db", workers=1, args=("--access-logfile", str(log))
    ) as base:
        assert get_status(f"{base}/calendar/{token}.ics") == 404
        # Signed out, the search is redirected to the sign-in page, which carries it in ``next``.
        assert get_status(f"{base}/performers?q=Zelda+Quackenbush&page=2") == 200
        for _ in range(50):
            text = log.read_text() if log.exists() else ""
            if "/calendar/" in text and "GET /login" in text:
                break
            time.sleep(0.1)
    assert "GET /calendar/[redacted] HTTP/1.1" in text and " 404 " in text
    assert token not in text
    assert "GET /performers?q=[redacted]&page=2 HTTP/1.1" in text
    assert "GET /login?next=%2Fperformers%3Fq%3D[redacted] HTTP/1.1" in text
    assert "Quackenbush" not in text
