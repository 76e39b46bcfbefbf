"""The shared cache: one computation per data version, however many sessions ask."""

from __future__ import annotations

import threading
import time
from datetime import date

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
