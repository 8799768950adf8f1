"""Dates on the pages, in the signed-in person's time zone with UTC on hover: the Jinja global
``local_time`` that every ``when`` macro uses, and the zone pages read typed dates in.

May import flask, flask_login, markupsafe and registry.core.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from typing import Any

from flask import Flask
from flask_login import current_user
from markupsafe import Markup, escape

from registry.core.clock import as_utc
from registry.core.zones import DEFAULT_ZONE, days_left, from_local, to_local, zone


def user_zone() -> str:
    """The signed-in person's zone name (UTC when none is set or nobody is signed in)."""
    name = getattr(current_user, "time_zone", None) if current_user else None
    return str(name) if name else DEFAULT_ZONE


def user_tz() -> tzinfo:
    """The signed-in person's zone, for sentences written in Python (a decision's next step)."""
    return zone(user_zone())


def local_time(value: datetime | None, with_time: bool = True) -> Markup:
    """``<time datetime="…Z" title="… UTC">`` showing ``value`` in the person's zone."""
    if value is None:
        return Markup('<span class="muted">—</span>')
    utc = as_utc(value)
    name = user_zone()
    local = to_local(utc, name)
    shown = local.strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")
    label = "UTC" if name == DEFAULT_ZONE else local.strftime("%Z")
    return Markup('<time datetime="{}" title="{} UTC">{} {}</time>').format(
        utc.isoformat().replace("+00:00", "Z"),
        utc.strftime("%Y-%m-%d %H:%M"),
        shown,
        escape(label),
    )


def local_input(value: datetime | None) -> datetime | None:
    """A stored UTC time as a naive local time, to fill a ``datetime-local`` input."""
    return to_local(value, user_zone()).replace(tzinfo=None) if value is not None else None


def typed_to_utc(value: datetime | date | None) -> datetime | None:
    """A typed date or time, read in the person's zone, in UTC (a bare date: end of local day)."""
    return from_local(value, user_zone()) if value is not None else None


def install(app: Flask) -> None:
    app.jinja_env.globals["local_time"] = local_time
    app.jinja_env.globals["user_zone"] = user_zone
    app.jinja_env.globals["days_left"] = days_left
    app.jinja_env.globals["utc"] = UTC


def typed_iso(field: Any) -> str | None:
    """A date-time form field's value read in the person's zone, as UTC ISO 8601. Typed as a
    bare date (``2027-01-31``) it means the end of that local day."""
    if field.data is None:
        return None
    raw = str((field.raw_data or [""])[0]).strip()
    value = field.data
    if raw and "T" not in raw and " " not in raw:  # a date without a time
        value = value.date() if isinstance(value, datetime) else value
    moment = typed_to_utc(value)
    return moment.isoformat() if moment is not None else None
