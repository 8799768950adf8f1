"""The one clock: every "now" in the registry comes from here, always aware and in UTC."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
"""The range every date the registry accepts must fall in (API and pages refuse others)."""


def bounded(value: datetime) -> datetime:
    """``value`` moved into [EARLIEST, LATEST]: for drawing and date arithmetic on whatever a
    row holds (rows recorded before dates were bounded may hold year 1 or 9999)."""
    return min(max(as_utc(value), EARLIEST), LATEST)


def as_utc(value: datetime) -> datetime:
    """Normalise an aware datetime to UTC; a naive one is taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
