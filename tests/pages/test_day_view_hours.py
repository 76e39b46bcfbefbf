"""The day view's hours: working hours and bookings, whole hours; a short booking's drawn height does not count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from app.pages.bookings import _hours_shown


def _booking(hhmm: str, minutes: int, *, known: bool = True) -> SimpleNamespace:
    start = datetime(2030, 3, 4, int(hhmm[:2]), int(hhmm[3:]), tzinfo=UTC)
    return SimpleNamespace(starts_at=start, ends_at=start + timedelta(minutes=minutes), duration_known=known)


def test_a_short_booking_at_the_end_of_the_day_adds_no_empty_hour():
    jordan = SimpleNamespace(working_hours=[SimpleNamespace(weekday=0, start_minute=10 * 60, end_minute=20 * 60)])
    assert _hours_shown([jordan], [_booking('19:45', 15)], 0, 'UTC') == (8 * 60, 20 * 60)
    # an imported booking without a length is drawn as a 20-minute marker: that one does need the room
    assert _hours_shown([jordan], [_booking('19:50', 0, known=False)], 0, 'UTC') == (8 * 60, 21 * 60)
    assert _hours_shown([jordan], [_booking('20:30', 45)], 0, 'UTC') == (8 * 60, 22 * 60)
