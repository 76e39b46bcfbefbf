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
