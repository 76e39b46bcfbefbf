"""The shared cache: one computation per data version, however many sessions ask."""

from __future__ import annotations

import threading
import time
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from app.services import events
from app.services.caching import VersionedCache


def test_computed_once_per_version_and_again_after_a_change(sqlite_db):
    cache: VersionedCache[int] = VersionedCache()
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        time.sleep(0.05)  # slow enough for the other askers to arrive meanwhile
        return len(calls)

    results: list[int] = []
    askers = [threading.Thread(target=lambda: results.append(cache.get('k', [7], compute))) for _ in range(10)]
    for asker in askers:
        asker.start()
    for asker in askers:
        asker.join()
    assert results == [1] * 10 and len(calls) == 1
    events.publish(events.DataImported(location_id=8))  # another location: still valid
    assert cache.get('k', [7], compute) == 1
    events.publish(events.BookingChanged(booking_id=1, location_id=7, staff_member_id=1, day=date(2030, 1, 1),
                                         change='created', status='booked'))
    assert cache.get('k', [7], compute) == 2
    assert len(calls) == 2


def test_a_value_is_trusted_for_max_age_and_the_oldest_goes_beyond_max_entries(sqlite_db):
    aged: VersionedCache[int] = VersionedCache(max_age=0.05)
    calls: list[int] = []
    assert aged.get('k', [7], lambda: calls.append(1) or len(calls)) == 1
    assert aged.get('k', [7], lambda: calls.append(1) or len(calls)) == 1  # still fresh
    time.sleep(0.06)  # another process may have written meanwhile: read again
    assert aged.get('k', [7], lambda: calls.append(1) or len(calls)) == 2
    small: VersionedCache[str] = VersionedCache(max_entries=2)
    for key in ('a', 'b', 'c'):
        small.get(key, [7], lambda k=key: k)
    assert small.get('a', [7], lambda: 'again') == 'again'  # 'a' was the oldest: dropped for 'c'
    assert small.get('c', [7], lambda: 'again') == 'c'


def test_the_staff_list_is_shared_until_a_staff_event_not_a_booking(sqlite_db):
    from app.services.catalogue import staff
    from tests.factories import OWNER, make_location, make_staff_member

    location = make_location()
    make_staff_member(location, 'JJ')
    first = staff.list_staff(location.id, actor=OWNER)
    events.publish(events.BookingChanged(booking_id=1, location_id=location.id, staff_member_id=1,
                                         day=date(2030, 1, 1), change='created', status='booked'))
    assert staff.list_staff(location.id, actor=OWNER) is first  # a booking does not read the staff again
    make_staff_member(location, 'BECKY')  # publishes StaffChanged
    second = staff.list_staff(location.id, actor=OWNER)
    assert [m.name for m in second] == ['BECKY', 'JJ']
    events.publish(events.DataImported(location_id=location.id))  # an import may add staff members
    assert staff.list_staff(location.id, actor=OWNER) is not second


def _booking(day: date, previous_day: date | None = None, location_id: int = 7) -> events.BookingChanged:
    return events.BookingChanged(booking_id=1, location_id=location_id, staff_member_id=1, day=day,
                                 change='moved' if previous_day else 'created', status='booked',
                                 previous_day=previous_day)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(
    st.builds(_booking, st.dates(date(2030, 1, 1), date(2030, 1, 9)),
              st.none() | st.dates(date(2030, 1, 1), date(2030, 1, 9))),
    st.builds(events.ReceiptCreated, receipt_id=st.just(1), location_id=st.just(7),
              day=st.dates(date(2030, 1, 1), date(2030, 1, 9)), amount_cents=st.just(100)),
    st.builds(events.DataImported, location_id=st.just(7)),
    st.builds(events.ChatChanged, location_id=st.just(7), conversation_id=st.just(1), change=st.just('typing'),
              side=st.just('staff'))),
    max_size=12))
def test_a_version_through_a_day_changes_exactly_for_the_events_that_may_concern_that_day(published):
    bus = events.InProcessBus()
    days = [date(2030, 1, d) for d in range(1, 11)]
    for event in published:
        before = {day: bus.version(7, through=day) for day in days}
        bus.publish(event)
        for day in days:
            concerns = (min(event.day, event.previous_day or event.day) <= day
                        if isinstance(event, events.BookingChanged) else isinstance(event, events.DATA_EVENTS))
            assert bus.version(7, through=day) == before[day] + concerns, (event, day)
        assert bus.version(7) == bus.version(7, through=date.max)
    bus.invalidate()  # missed events: every version through every day changes
    assert all(bus.version(7, through=day) > 0 for day in days)


def test_a_value_of_past_days_stays_while_only_later_days_change(sqlite_db):
    cache: VersionedCache[int] = VersionedCache()
    calls: list[int] = []

    def value() -> int:
        return cache.get('k', [7, 8], lambda: calls.append(1) or len(calls), through={7: date(2030, 1, 10)})

    assert value() == 1
    events.publish(_booking(date(2030, 1, 11)))  # booked for the day after: still valid
    events.publish(_booking(date(2030, 1, 20), previous_day=date(2030, 1, 12)))  # moved between later days
    cache.get('other', [7], lambda: 0)  # dropping outdated values keeps it too
    assert value() == 1
    events.publish(_booking(date(2030, 1, 5), previous_day=date(2030, 1, 20)))  # moved into the days it covers
    assert value() == 2
    events.publish(_booking(date(2030, 1, 20), previous_day=date(2030, 1, 10)))  # moved out of them
    assert value() == 3
    events.publish(events.ReceiptCreated(receipt_id=1, location_id=7, day=date(2030, 1, 20), amount_cents=5))
    assert value() == 4  # a payment dated later may be for an earlier receipt
    events.publish(_booking(date(2031, 1, 1), location_id=8))  # a location ``through`` does not name: any day
    assert value() == 5
