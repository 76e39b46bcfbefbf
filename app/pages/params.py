"""Reading what the address bar says: any text at all, turned into a value a page can use or a message.

A page never fails on its URL: a date that is not one, or is out of range (``?day=9999-12-31`` would
overflow on the next day's bounds), becomes the page's default or the nearest date it can show, with a
line saying so; numbers and text are checked the same way.
"""

from __future__ import annotations

from datetime import date

from nicegui import ui

from app.pages.formatting import short_day
from app.services.i18n import N_, _

FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2199, 12, 31)
"""The days pages show (as imports accept): far enough for any history, clear of date arithmetic's limits."""
WHATS = (N_('day'), N_('first day'), N_('last day'), N_('reference day'))
"""What pages call the day an address names (``what=``), marked for translation; shown with ``_(what)``."""


def day(text: str | None, default: date, *, what: str = N_('day')) -> tuple[date, str | None]:
    """The date ``text`` names (``YYYY-MM-DD``), else ``default``; clamped to 1900–2199. Returns the date and,
    when the text was not used as given, a message for the person (None otherwise). ``what`` names the day (an
    English text marked with ``N_``, e.g. ``'first day'``)."""
    if not text:
        return default, None
    parsed = _parsed(text)
    if parsed is None:
        return default, _('"{text}" is not a date (YYYY-MM-DD); showing {day} as the {what}.').format(
            text=clean(text, 40), day=short_day(default), what=_(what))
    if parsed < FIRST_DAY or parsed > LAST_DAY:
        nearest = min(max(parsed, FIRST_DAY), LAST_DAY)
        return nearest, _('Dates from {first} to {last} only: showing {day} as the {what}.').format(
            first=FIRST_DAY.year, last=LAST_DAY.year, day=short_day(nearest), what=_(what))
    return parsed, None


def optional_day(text: str | None, *, what: str) -> tuple[date | None, str | None]:
    """As :func:`day`, for a filter that may be left open: no text or text that is not a date gives None."""
    if not text:
        return None, None
    if _parsed(text) is None:
        return None, _('"{text}" is not a date (YYYY-MM-DD); the {what} is left open.').format(
            text=clean(text, 40), what=_(what))
    return day(text, LAST_DAY, what=what)


def _parsed(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def whole_number(text: str | None) -> int | None:
    """A positive whole number (an id) from ``text``, or None: nothing else is one (``-1``, ``1e3``, 20 digits)."""
    text = (text or '').strip()
    if not text.isascii() or not text.isdigit() or len(text) > 9:
        return None
    return int(text)


def clean(text: str | None, most: int = 200) -> str:
    """``text`` cut to ``most`` characters, without control characters (a NUL breaks PostgreSQL queries)."""
    return ''.join(c for c in (text or '')[:most] if c.isprintable())


def notice(message: str | None) -> None:
    """Show what became of an address's parameter (nothing when ``message`` is None)."""
    if message:
        ui.label(message).classes('text-warning').mark('url-notice')
