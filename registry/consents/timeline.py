"""The consent timeline picture: each consent's validity window as a bar per production and
purpose, today marked, drawn on the server as SVG (no JavaScript). Readable without seeing it:
each bar can be focused and says what it shows, and a table after the picture lists the same."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from markupsafe import Markup, escape

from registry.consents.models import ConsentVersion
from registry.consents.status import status_of
from registry.core.clock import bounded, utcnow

WIDTH = 960
LABEL = 230
ROW = 30
TOP = 46
BAR = 16
COLOURS = {
    "active": "#17693a",
    "pending": "#c68a00",
    "expired": "#a11d2b",
    "revoked": "#a11d2b",
    "superseded": "#9aa3b2",
}


@dataclass(frozen=True)
class Bar:
    row: tuple[str, str]
    start: datetime
    end: datetime
    faded_end: datetime | None
    status: str
    label: str
    href: str | None


def _bars(
    versions: Iterable[ConsentVersion],
    codes: Mapping[str, str],
    links: Mapping[str, str],
    now: datetime,
) -> list[Bar]:
    bars = []
    for v in versions:
        status = status_of(v, now)
        # Drawn within the accepted range, whatever a row holds (an older row may hold 9999).
        begins = bounded(v.effective_from)
        end = bounded(v.expires_at)
        faded_end = None
        if v.superseded_at is not None and bounded(v.superseded_at) < end:
            end = max(bounded(v.superseded_at), begins)
        if v.revoked_at is not None and bounded(v.revoked_at) < end:
            faded_end, end = end, max(bounded(v.revoked_at), begins)
        code = codes.get(v.production_id, v.production_id)
        label = (
            f"{code} v{v.version} {status}: {v.effective_from:%Y-%m-%d} to {v.expires_at:%Y-%m-%d}"
            + (f", revoked {v.revoked_at:%Y-%m-%d}" if v.revoked_at else "")
        )
        for purpose in v.purposes:
            bars.append(
                Bar(
                    (code, purpose),
                    begins,
                    end,
                    faded_end,
                    status,
                    label,
                    links.get(v.consent_id),
                )
            )
    return bars


def _ticks(start: datetime, end: datetime) -> list[tuple[datetime, str, str]]:
    """(moment, label, year label or "") for grid lines: months (or quarters, or years)."""
    span = (end - start).days
    if span > 3 * 365:
        every = max(1, (end.year - start.year) // 15)  # at most about 15 year lines
        return [
            (datetime(year, 1, 1, tzinfo=UTC), str(year), "")
            for year in range(start.year + 1, end.year + 1)
            if year % every == 0
        ]
    step = 1 if span <= 400 else 3
    ticks: list[tuple[datetime, str, str]] = []
    year, month = start.year, start.month
    while True:
        month += 1
        if month > 12:
            year, month = year + 1, 1
        moment = datetime(year, month, 1, tzinfo=UTC)
        if moment >= end:
            return ticks
        if (month - 1) % step == 0:
            year_label = str(year) if month == 1 or not ticks else ""
            ticks.append((moment, moment.strftime("%b"), year_label))


def render(
    versions: Iterable[ConsentVersion],
    codes: Mapping[str, str],
    links: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> Markup:
    """The SVG markup (safe to embed) for the given consent versions."""
    now = now or utcnow()
    bars = _bars(versions, codes, links or {}, now)
    if not bars:
        return Markup('<p class="muted">No consents recorded yet.</p>')
    rows = sorted({b.row for b in bars})
    start = min(min(b.start for b in bars), now) - timedelta(days=15)
    end = max(max((b.faded_end or b.end) for b in bars), now) + timedelta(days=15)
    total = (end - start).total_seconds()
    plot = WIDTH - LABEL - 10

    def x(moment: datetime) -> float:
        return round(LABEL + plot * (moment - start).total_seconds() / total, 1)

    height = TOP + ROW * len(rows) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="group" aria-labelledby="tl-title tl-desc">',
        '<title id="tl-title">Consent timeline</title>',
        f'<desc id="tl-desc">Validity of each consent by production and purpose; today is '
        f"{now:%Y-%m-%d}.</desc>",
        "<style>text{font:12px system-ui,sans-serif;fill:#1d2430}.tick{fill:#5b6577}"
        ".grid{stroke:#e3e7ee}.year{font-weight:600}.today{stroke:#1f5fbf;stroke-width:2}</style>",
    ]
    for moment, text, year in _ticks(start, end):
        px = x(moment)
        parts.append(f'<line class="grid" x1="{px}" y1="{TOP - 8}" x2="{px}" y2="{height - 6}"/>')
        if px < WIDTH - 30:
            parts.append(f'<text class="tick" x="{px + 2}" y="{TOP - 12}">{escape(text)}</text>')
        if year and px < WIDTH - 30:
            parts.append(f'<text class="tick year" x="{px + 2}" y="{TOP - 26}">{year}</text>')
    for index, (code, purpose) in enumerate(rows):
        y = TOP + index * ROW
        label = f"{code} · {purpose.replace('_', ' ')}"
        parts.append(f'<text x="6" y="{y + BAR - 3}">{escape(label)}</text>')
    for bar in bars:
        y = TOP + rows.index(bar.row) * ROW
        colour = COLOURS[bar.status]
        x1, x2 = x(bar.start), x(bar.end)
        opacity = 0.45 if bar.status == "superseded" else 0.85
        shape = (
            f'<rect class="bar {bar.status}" x="{x1}" y="{y}" width="{max(x2 - x1, 2)}" '
            f'height="{BAR}" rx="3" fill="{colour}" fill-opacity="{opacity}">'
            f"<title>{escape(bar.label)}</title></rect>"
        )
        if bar.faded_end is not None:
            x3 = x(bar.faded_end)
            shape += (
                f'<rect x="{x2}" y="{y}" width="{max(x3 - x2, 0)}" height="{BAR}" rx="3" '
                f'fill="none" stroke="{colour}" stroke-dasharray="4 3"/>'
            )
        said = escape(f"{bar.row[1].replace('_', ' ')}, {bar.label}")
        if bar.href:  # a link: focusable, and named for what the bar shows
            shape = f'<a href="{escape(bar.href)}" aria-label="{said}">{shape}</a>'
        else:
            shape = f'<g tabindex="0" role="img" aria-label="{said}">{shape}</g>'
        parts.append(shape)
    today = x(now)
    parts.append(
        f'<line class="today" x1="{today}" y1="{TOP - 8}" x2="{today}" y2="{height - 6}"/>'
    )
    parts.append(f'<text x="{today + 3}" y="{height - 8}" fill="#1f5fbf">today</text>')
    parts.append("</svg>")
    parts.append(_table(bars))
    return Markup("".join(parts))


def _table(bars: list[Bar]) -> str:
    """The timeline as a table, for screen readers and for reading exact dates."""
    rows = []
    for bar in sorted(bars, key=lambda b: (b.row, b.start)):
        code, purpose = bar.row
        name = escape(code)
        if bar.href:
            name = Markup(f'<a href="{escape(bar.href)}">{name}</a>')
        rows.append(
            f"<tr><td>{name}</td><td>{escape(purpose.replace('_', ' '))}</td>"
            f"<td>{escape(bar.status)}</td><td>{escape(bar.label)}</td></tr>"
        )
    return (
        '<details class="timeline-table"><summary>The timeline as a table</summary>'
        '<div class="table-scroll"><table class="timeline-table"><caption>Consent validity by '
        'production and purpose</caption><thead><tr><th scope="col">Production</th>'
        '<th scope="col">Purpose</th><th scope="col">Status</th><th scope="col">Version and '
        "dates</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table></div></details>"
    )
