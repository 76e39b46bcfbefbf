"""The in-memory analytics columns: patched per event, always equal to a fresh read of the database."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np

from app.models import BookingMove, BookingStatus, PaymentMethod
from app.services import analytics_data, analytics_store, bookings, events, receipts
from app.services.analytics_store import AnalyticsStore
from app.services.database import get_engine
from tests.factories import (
    OWNER,
    at,
    make_booking,
    make_customer,
    make_location,
    make_service,
    make_staff_member,
)

DAY = date(2030, 3, 11)
EPOCH = datetime(1970, 1, 1)


def _fresh(location_id: int) -> analytics_store.LocationColumns:
    """What a store that has never seen the location reads."""
    return AnalyticsStore(get_engine()).columns(location_id)


def _assert_same(got: analytics_store.LocationColumns, expected: analytics_store.LocationColumns) -> None:
    for table in ('bookings', 'lines'):
        mine, theirs = getattr(got, table), getattr(expected, table)
        assert mine.keys() == theirs.keys()
        for name in mine:
            assert np.array_equal(mine[name], theirs[name]), (table, name)
    assert got.descriptions == expected.descriptions


def test_every_change_is_patched_in_and_matches_a_fresh_read(db):
    location = make_location()
    member, other = make_staff_member(location), make_staff_member(location, 'Becky')
    service = make_service(location)
    customer = make_customer(location)
    store = analytics_store.store()
    first = make_booking(location, member, service, customer, at(DAY, '10:00'))
    before = store.columns(location.id)
    assert before.bookings['id'].tolist() == [first.id]

    second = make_booking(location, member, service, None, at(DAY, '11:00'))  # a walk-in: no customer
    moved = bookings.move_booking(first.id, BookingMove(starts_at=at(DAY, '14:00'), staff_member_id=other.id),
                                  actor=OWNER)
    bookings.set_status(second.id, BookingStatus.CHECKED_IN, actor=OWNER)
    receipt = receipts.pay_booking(second.id, payment_method=PaymentMethod.CARD, actor=OWNER,
                                   as_of=at(DAY, '11:50'))
    bookings.cancel_booking(moved.id, actor=OWNER, as_of=at(DAY, '08:00') - timedelta(days=2))

    after = store.columns(location.id)
    assert after is not before and after.version == events.version(location.id)
    _assert_same(after, _fresh(location.id))
    row = dict(zip(after.bookings['id'].tolist(), range(2), strict=True))
    assert after.bookings['staff_member_id'][row[first.id]] == other.id
    assert analytics_store.STATUSES[after.bookings['status'][row[first.id]]] == 'cancelled'
    assert after.bookings['notice_days'][row[first.id]] == 2
    assert after.bookings['customer_id'][row[second.id]] == -1
    assert after.lines['receipt_id'].tolist() == [receipt.id]
    assert after.lines['amount_cents'].tolist() == [service.price_cents]
    # local wall time at the location (Toronto, UTC−4 in March after the DST change)
    assert after.bookings['local_start'][row[second.id]] == (datetime(2030, 3, 11, 11) - EPOCH).total_seconds()


def test_frames_follow_the_columns(sqlite_db):
    location = make_location()
    member, service, customer = make_staff_member(location), make_service(location), make_customer(location)
    make_booking(location, member, service, customer, at(DAY, '10:00'))
    frame = analytics_data.load_bookings([location.id])
    assert frame['staff'].tolist() == ['JJ'] and frame['service'].tolist() == ["Women's cut"]
    assert frame['status'].tolist() == ['booked'] and frame['customer_id'].tolist() == [customer.id]
    assert frame['starts_at'].tolist() == [at(DAY, '10:00')]
    assert frame['local_start'].tolist() == [datetime(2030, 3, 11, 10, 0)]
    make_booking(location, member, service, customer, at(DAY, '12:00'))
    assert len(analytics_data.load_bookings([location.id])) == 2  # the event brought the new row in


def test_an_import_or_a_gap_in_the_bus_history_means_a_full_read(sqlite_db, monkeypatch):
    location = make_location()
    member, service, customer = make_staff_member(location), make_service(location), make_customer(location)
    make_booking(location, member, service, customer, at(DAY, '10:00'))
    store = analytics_store.store()
    store.columns(location.id)
    reads: list[int] = []
    original = AnalyticsStore._read_all
    monkeypatch.setattr(AnalyticsStore, '_read_all',
                        lambda self, *args: reads.append(1) or original(self, *args))
    make_booking(location, member, service, customer, at(DAY, '11:00'))
    store.columns(location.id)
    assert reads == []  # one booking: patched, not re-read
    events.publish(events.DataImported(location_id=location.id))
    store.columns(location.id)
    assert reads == [1]
    monkeypatch.setattr(events, 'changes', lambda *_: None)  # the bus no longer holds the history
    make_booking(location, member, service, customer, at(DAY, '12:00'))
    assert len(store.columns(location.id).bookings['id']) == 3 and reads == [1, 1]


def test_the_bus_keeps_a_bounded_history_per_location():
    bus = events.InProcessBus(history=3)
    for i in range(5):
        bus.publish(events.DataImported(location_id=1, summary=str(i)))
    bus.publish(events.DataImported(location_id=2))
    assert bus.version(1) == 5
    assert [e.summary for e in bus.changes(1, 2)] == ['2', '3', '4']
    assert bus.changes(1, 5) == []
    assert bus.changes(1, 1) is None  # event 2 is no longer kept
    assert bus.changes(3, 0) == []
