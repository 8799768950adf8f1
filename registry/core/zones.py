"""Time zones for people: dates are stored and compared in UTC, shown and entered in a person's
zone. "Days left" is computed one way, in UTC, whatever zone shows the date.

Imports the standard library only (and the clock).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from math import ceil
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from registry.core.clock import as_utc

DEFAULT_ZONE = "UTC"


def valid_zone(name: str | None) -> bool:
    """Whether ``name`` is an IANA zone this machine knows (``Europe/Paris``, ``UTC``)."""
    if not name or len(name) > 64 or name.startswith(("/", ".")) or ".." in name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def zone(name: str | None) -> tzinfo:
    """The zone called ``name``, or UTC when it is empty or unknown."""
    return ZoneInfo(name) if name and valid_zone(name) else UTC


def zone_names() -> list[str]:
    """Every zone name, UTC first, then sorted."""
    names = sorted(n for n in available_timezones() if "/" in n and not n.startswith("Etc/"))
    return [DEFAULT_ZONE, *names]


def to_local(value: datetime, name: str | None) -> datetime:
    """``value`` (UTC, or naive meaning UTC) in the zone called ``name``."""
    return as_utc(value).astimezone(zone(name))


def from_local(value: datetime | date, name: str | None) -> datetime:
    """What a person typed in their zone, in UTC. A date without a time means the end of that
    local day (23:59:59); a naive time is read in the zone; an aware one is kept."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(23, 59, 59))
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone(name))
    return value.astimezone(UTC)


def days_left(expires_at: datetime, now: datetime) -> int:
    """Whole days until ``expires_at``, counted in UTC and rounded up (a consent ending in 30
    hours has 2 days left; one that ended has 0)."""
    return max(0, ceil((as_utc(expires_at) - as_utc(now)) / timedelta(days=1)))
