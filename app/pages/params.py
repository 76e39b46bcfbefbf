"""Reading what the address bar says: any text at all, turned into a value a page can use or a message.

A page never fails on its URL: a date that is not one, or is out of range (``?day=9999-12-31`` would
overflow on the next day's bounds), becomes the page's default or the nearest date it can show, with a
line saying so; numbers and text are checked the same way.
"""

from __future__ import annotations

from datetime import date

from nicegui import ui

FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2199, 12, 31)
"""The days pages show (as imports accept): far enough for any history, clear of date arithmetic's limits."""


def day(text: str | None, default: date, *, what: str = 'day') -> tuple[date, str | None]:
    """The date ``text`` names (``YYYY-MM-DD``), else ``default``; clamped to 1900–2199. Returns the date and,
    when the text was not used as given, a message for the person (None otherwise)."""
    if not text:
        return default, None
    shown = clean(text, 40)
    try:
        parsed = date.fromisoformat(text.strip())
    except ValueError:
        return default, f'"{shown}" is not a date (YYYY-MM-DD); showing {default:%d %b %Y} as the {what}.'
    if parsed < FIRST_DAY or parsed > LAST_DAY:
        nearest = min(max(parsed, FIRST_DAY), LAST_DAY)
        return nearest, (f'Dates from {FIRST_DAY.year} to {LAST_DAY.year} only: showing {nearest:%d %b %Y} as the '
                         f'{what}.')
    return parsed, None


def optional_day(text: str | None, *, what: str) -> tuple[date | None, str | None]:
    """As :func:`day`, for a filter that may be left open: no text or text that is not a date gives None."""
    if not text:
        return None, None
    parsed, message = day(text, LAST_DAY, what=what)
    if message and 'is not a date' in message:
        return None, f'"{clean(text, 40)}" is not a date (YYYY-MM-DD); the {what} is left open.'
    return parsed, message


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
