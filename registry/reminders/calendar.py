"""The private calendar feed: the expiry dates of the consents a user may see, as iCalendar.

One VEVENT per current, unrevoked consent version (from 30 days ago on), with the consent id in
the UID so that an amendment moves the event rather than adding one, and its version as the
SEQUENCE. Names the performer by professional name only. Google, Outlook and Apple calendars
subscribe to the URL and refresh it (hinted hourly).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from icalendar import Alarm, Calendar, Event

from registry.accounts.models import User
from registry.appctx import setting
from registry.core.clock import bounded
from registry.reminders.queries import live_expiries

PAST = timedelta(days=30)
MAX_EVENTS = 5000


def feed(user: User, now: datetime) -> bytes:
    base = str(setting("BASE_URL")).rstrip("/")
    calendar = Calendar()
    calendar.add("prodid", "-//Talent consent registry//Consent expiries//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "Consent expiries")
    calendar.add("x-wr-caldesc", f"Expiry dates of the consents {user.email} may see")
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    for item in live_expiries(user, now - PAST, None, MAX_EVENTS):
        event = Event()
        event.add("uid", f"consent-{item.consent_id}@talent-consent-registry")
        event.add("sequence", item.version)
        event.add("dtstamp", now)
        # within the accepted range, whatever the row holds (an older row may hold 9999)
        expires = bounded(item.expires_at)
        event.add("dtstart", expires)
        event.add("dtend", expires + timedelta(minutes=30))
        event.add(
            "summary",
            f"Consent expires: {item.professional_name} ({item.production_code})",
        )
        purposes = ", ".join(p.replace("_", " ") for p in item.purposes)
        event.add(
            "description",
            f"The consent of {item.professional_name} for {item.production_title} "
            f"({item.production_code}) expires. Consent {item.consent_id}, version "
            f"{item.version}. Purposes: {purposes}.\n{base}/reminders",
        )
        event.add("url", f"{base}/reminders")
        event.add("categories", ["Consent expiry"])
        event.add("transp", "TRANSPARENT")
        event.add("status", "CONFIRMED")
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"Consent of {item.professional_name} expires tomorrow")
        alarm.add("trigger", timedelta(days=-1))
        event.add_component(alarm)
        calendar.add_component(event)
    return bytes(calendar.to_ical())
