"""Calendar files (RFC 5545) made with the ``icalendar`` library: one booking for a message, a staff member's
bookings for a subscribed feed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from app.services import lazy

if TYPE_CHECKING:  # the real modules for readers, tools and the bundle (PyInstaller follows these)
    import icalendar
else:  # at first use, not at start (app.services.lazy)
    icalendar = lazy.module('icalendar', globals())

PRODUCT_ID = '-//ClientPulse//Bookings//EN'


@dataclass(frozen=True)
class CalendarEntry:
    """One booking as a calendar event; times aware. ``cancelled``: the event is withdrawn (STATUS:CANCELLED)."""

    uid: str
    starts_at: datetime
    ends_at: datetime
    summary: str
    location: str
    description: str = ''
    url: str = ''
    cancelled: bool = False
    sequence: int = 0


def calendar(entries: Iterable[CalendarEntry], *, name: str = '', method: str = 'PUBLISH') -> bytes:
    """A VCALENDAR of ``entries`` (times written in UTC), as bytes of ``text/calendar``."""
    cal = icalendar.Calendar()
    cal.add('prodid', PRODUCT_ID)
    cal.add('version', '2.0')
    cal.add('method', method)
    if name:
        cal.add('x-wr-calname', name)
    for entry in entries:
        event = icalendar.Event()
        event.add('uid', entry.uid)
        event.add('dtstamp', datetime.now(entry.starts_at.tzinfo))
        event.add('dtstart', entry.starts_at)
        event.add('dtend', entry.ends_at)
        event.add('summary', entry.summary)
        event.add('location', entry.location)
        event.add('sequence', entry.sequence)
        if entry.description:
            event.add('description', entry.description)
        if entry.url:
            event.add('url', entry.url)
        event.add('status', 'CANCELLED' if entry.cancelled else 'CONFIRMED')
        cal.add_component(event)
    return cal.to_ical()
