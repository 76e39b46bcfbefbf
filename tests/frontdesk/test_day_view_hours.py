"""The day view's hours: working hours and bookings, whole hours; a short booking's drawn height does not count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from app.models import BookingRead, BookingStatus, Channel
from app.pages.frontdesk.bookings import _DayLayout, _hours_shown

pytestmark = pytest.mark.usefixtures('shop')  # made before the app starts (tests/fixtures/pages.py)


def _booking(hhmm: str, minutes: int, *, known: bool = True, booking_id: int = 1) -> BookingRead:
    start = datetime(2030, 3, 4, int(hhmm[:2]), int(hhmm[3:]), tzinfo=UTC)
    return BookingRead(id=booking_id, location_id=1, service_id=1, staff_member_id=1, starts_at=start,
                       ends_at=start + timedelta(minutes=minutes if known else 0), status=BookingStatus.BOOKED,
                       channel=Channel.PHONE if known else Channel.IMPORT, price_cents=0, booked_at=None,
                       cancelled_at=None, cancelled_by=None, notice_days=None, customer_name='Alex',
                       service_name='Cut', staff_name='Jordan')


def _hours(*items: BookingRead) -> tuple[int, int]:
    jordan = SimpleNamespace(working_hours=[SimpleNamespace(weekday=0, start_minute=10 * 60, end_minute=20 * 60)])
    return _hours_shown([jordan], _DayLayout.of(list(items), 'UTC').extent, 0)


def test_a_short_booking_at_the_end_of_the_day_adds_no_empty_hour():
    assert _hours(_booking('19:45', 15)) == (8 * 60, 20 * 60)
    # an imported booking without a length is drawn as a 20-minute marker: that one does need the room
    assert _hours(_booking('19:50', 0, known=False)) == (8 * 60, 21 * 60)
    assert _hours(_booking('20:30', 45)) == (8 * 60, 22 * 60)
    assert _hours(_booking('06:10', 30)) == (6 * 60, 20 * 60)
    assert _hours() == (8 * 60, 20 * 60)


def test_the_layout_groups_blocks_by_staff_member_and_marks_clashes():
    a, b = _booking('10:00', 60, booking_id=1), _booking('10:30', 30, booking_id=2)
    layout = _DayLayout.of([a, b], 'UTC')
    assert set(layout.blocks[1]) == {1, 2} and layout.clashes == {1, 2} and layout.all_known
    assert 'overlaps another booking' in layout.blocks[1][1]['title']
    assert layout.blocks[1][1]['style']['border'] == '2px solid #e53935'
    # the same bookings read again give equal blocks: nothing to redraw
    assert _DayLayout.of([a.model_copy(), b.model_copy()], 'UTC').blocks == layout.blocks
    later = timedelta(hours=3)
    moved = a.model_copy(update={'starts_at': a.starts_at + later, 'ends_at': a.ends_at + later})
    again = _DayLayout.of([moved, b], 'UTC')
    assert again.blocks[1][1] != layout.blocks[1][1] and not again.clashes


def test_a_booking_read_again_unchanged_is_not_formatted_again():
    a, b = _booking('10:00', 60, booking_id=1), _booking('12:00', 30, booking_id=2)
    first = _DayLayout.of([a, b], 'UTC')
    again = _DayLayout.of([a.model_copy(), b.model_copy()], 'UTC')  # the day listed again after a booking
    assert again.blocks[1][1] is first.blocks[1][1] and again.blocks[1][2] is first.blocks[1][2]
    renamed = b.model_copy(update={'customer_name': 'Sam'})
    changed = _DayLayout.of([a, renamed], 'UTC')
    assert changed.blocks[1][1] is first.blocks[1][1] and changed.blocks[1][2]['text'] == '12:00 Sam · Cut'
    assert _DayLayout.of([a], 'Europe/Paris').blocks[1][1]['text'] == '11:00 Alex · Cut'  # the zone is part of the key


def test_a_15_minute_block_ends_before_the_next_booking_starts():
    from app.pages.frontdesk.grid import PX_PER_MINUTE
    layout = _DayLayout.of([_booking('10:00', 15, booking_id=1), _booking('10:15', 15, booking_id=2)], 'UTC')
    first, second = layout.blocks[1][1], layout.blocks[1][2]
    assert first['start'] * PX_PER_MINUTE + float(first['style']['height'][:-2]) <= second['start'] * PX_PER_MINUTE
