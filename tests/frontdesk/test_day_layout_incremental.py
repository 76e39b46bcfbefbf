"""The day view's layout redrawn from the last one (only the staff members whose bookings changed) equals the layout
drawn in full, whatever changed between two lists: bookings added, cancelled, taken away, moved in time or to
another staff member, renamed, their customer's reach or their no-show risk changed (issue 33's busy day: a booking
must not cost every open day view the whole day)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from app.models import BookingRead, BookingStatus, Channel
from app.pages.frontdesk.bookings import _DayLayout
from app.services.analytics.noshow import Risk

DAY = datetime(2030, 3, 4, 8, tzinfo=UTC)
RISKS = (None, Risk('medium', 0.2, ('booked 40 days ahead',)), Risk('high', 0.4, ('2 earlier no-shows',)))


def _booking(booking_id: int, staff: int, quarter: int, quarters: int, status: BookingStatus, name: str
             ) -> BookingRead:
    start = DAY + timedelta(minutes=15 * quarter)
    return BookingRead(id=booking_id, location_id=1, service_id=1, staff_member_id=staff, starts_at=start,
                       ends_at=start + timedelta(minutes=15 * quarters), status=status, channel=Channel.PHONE,
                       price_cents=0, booked_at=None, cancelled_at=None, cancelled_by=None, notice_days=None,
                       customer_name=name, service_name='Cut', staff_name=f'Staff {staff}')


bookings = st.builds(_booking, st.integers(1, 12), st.integers(1, 3), st.integers(0, 40), st.integers(0, 4),
                     st.sampled_from([BookingStatus.BOOKED, BookingStatus.CONFIRMED, BookingStatus.CANCELLED]),
                     st.sampled_from(['Alex', 'Sam']))
changes = st.lists(st.tuples(st.sampled_from(['add', 'drop', 'cancel', 'rename', 'later', 'staff', 'reach', 'risk']),
                              st.integers(0, 11), bookings, st.sampled_from(RISKS)), max_size=4)


def _drawn(layout: _DayLayout) -> tuple:
    return layout.blocks, layout.clashes, layout.all_known, layout.extent


def _changed(listed: dict[int, BookingRead], unreached: frozenset[int], risks: dict[int, Risk], change: tuple
             ) -> frozenset[int]:
    """Apply one change to the day (``listed`` and ``risks`` in place, as a patched list: the others stay the very
    same objects); the customers not reached after it."""
    kind, index, fresh, risk = change
    if kind == 'add' or not listed:
        listed[fresh.id] = fresh
        return unreached
    booking = list(listed.values())[index % len(listed)]
    updates = {'cancel': {'status': BookingStatus.CANCELLED}, 'rename': {'customer_name': 'Kim'},
               'later': {'starts_at': booking.starts_at + timedelta(minutes=30),
                         'ends_at': booking.ends_at + timedelta(minutes=30)},
               'staff': {'staff_member_id': booking.staff_member_id % 3 + 1}}
    if kind == 'drop':
        del listed[booking.id]
    elif kind == 'reach':
        return unreached ^ {booking.id}
    elif kind == 'risk':
        risks.pop(booking.id, None) if risk is None else risks.__setitem__(booking.id, risk)
    else:
        listed[booking.id] = booking.model_copy(update=updates[kind])
    return unreached


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(st.lists(bookings, max_size=12, unique_by=lambda b: b.id), st.lists(changes, min_size=1, max_size=6))
def test_a_layout_redrawn_from_the_last_one_equals_one_drawn_in_full(first, steps):
    listed = {b.id: b for b in first}
    unreached: frozenset[int] = frozenset()
    risks: dict[int, Risk] = {}
    previous = _DayLayout.of(sorted(listed.values(), key=lambda b: b.starts_at), 'UTC')
    for step in steps:
        for change in step:
            unreached = _changed(listed, unreached, risks, change)
        day = sorted(listed.values(), key=lambda b: b.starts_at)
        again = _DayLayout.of(day, 'UTC', dict(risks), unreached, previous=previous)
        assert _drawn(again) == _drawn(_DayLayout.of(day, 'UTC', dict(risks), unreached))
        previous = again


def test_a_booking_changed_redraws_its_staff_members_column_only():
    a, b = _booking(1, 1, 0, 4, BookingStatus.BOOKED, 'Alex'), _booking(2, 2, 0, 4, BookingStatus.BOOKED, 'Sam')
    first = _DayLayout.of([a, b], 'UTC')
    renamed = b.model_copy(update={'customer_name': 'Kim'})
    again = _DayLayout.of([a, renamed], 'UTC', previous=first)
    assert again.columns[1] is first.columns[1]  # Alex's staff member: untouched
    assert again.columns[2] is not first.columns[2] and again.blocks[2][2]['text'].endswith('Kim · Cut')
    flagged = _DayLayout.of([a, renamed], 'UTC', unreached=frozenset({1}), previous=again)
    assert flagged.columns[2] is again.columns[2] and flagged.columns[1] is not again.columns[1]
    assert flagged.blocks[1][1]['unreached'] and not again.blocks[1][1]['unreached']
