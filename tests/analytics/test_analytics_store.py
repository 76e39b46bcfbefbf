"""The in-memory analytics columns: patched per event, always equal to a fresh read of the database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import text

from app.models import Booking, BookingMove, BookingStatus, PaymentMethod
from app.services import revisions
from app.services.analytics import frames as analytics_data
from app.services.analytics import store as analytics_store
from app.services.analytics.store import AnalyticsStore
from app.services.database import get_engine, session_scope
from app.services.frontdesk import bookings
from app.services.money import receipts
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
    """What a store that has never seen the location (and has no saved copy) reads."""
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
    bookings.set_status(second.id, BookingStatus.CHECKED_IN, actor=OWNER, as_of=at(DAY, '10:55'))
    receipt = receipts.pay_booking(second.id, payment_method=PaymentMethod.CARD, actor=OWNER,
                                   as_of=at(DAY, '11:50'))
    bookings.cancel_booking(moved.id, actor=OWNER, as_of=at(DAY, '08:00') - timedelta(days=2))

    after = store.columns(location.id)
    assert after is not before and after.revision > before.revision
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


def test_locations_read_together_each_get_their_own_rows_in_id_order(db):
    """One full read of several locations (their rows interleaved by id, asked for out of order) gives each location
    exactly what reading it alone gives: its own rows, in id order, in its own time zone."""
    shops = [make_location('North'), make_location('South', 'UTC'), make_location('East', 'Europe/Lisbon')]
    staffed = [(shop, make_staff_member(shop), make_service(shop), make_customer(shop)) for shop in shops]
    for hour in (9, 10, 11):
        for shop, member, service, customer in staffed[::-1] if hour == 10 else staffed:
            booking = make_booking(shop, member, service, customer, at(DAY, f'{hour:02d}:00'))
            if hour == 11:
                bookings.set_status(booking.id, BookingStatus.CHECKED_IN, actor=OWNER, as_of=at(DAY, '10:55'))
                receipts.pay_booking(booking.id, payment_method=PaymentMethod.CASH, actor=OWNER,
                                     as_of=at(DAY, '11:50'))
    asked = [shops[2].id, shops[0].id, shops[1].id]
    together = AnalyticsStore(get_engine()).columns_for(asked)
    for columns, location_id in zip(together, asked, strict=True):
        assert columns.location_id == location_id
        assert len(columns.bookings['id']) == 3 and len(columns.lines['id']) == 1
        assert np.all(np.diff(columns.bookings['id']) > 0)
        _assert_same(columns, _fresh(location_id))


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


def test_a_bulk_write_or_a_pruned_log_means_a_full_read_and_other_writers_are_seen(sqlite_db, monkeypatch):
    location = make_location()
    member, service, customer = make_staff_member(location), make_service(location), make_customer(location)
    make_booking(location, member, service, customer, at(DAY, '10:00'))
    store = analytics_store.store()
    store.columns(location.id)
    reads: list[int] = []
    original = AnalyticsStore._read_all
    monkeypatch.setattr(AnalyticsStore, '_read_all', lambda self, *args: reads.append(1) or original(self, *args))
    make_booking(location, member, service, customer, at(DAY, '11:00'))
    assert len(store.columns(location.id).bookings['id']) == 2 and reads == []  # patched, not re-read
    with session_scope(write=True) as session:  # as a bulk import does
        revisions.record(session.connection(), location.id, reload=True)
    store.columns(location.id)
    assert reads == [1]
    # a write the bus never announced (another process): the log still names it
    with session_scope(write=True) as session:
        booking = session.get(Booking, 1)
        booking.price_cents = 1
        session.add(booking)
    assert store.columns(location.id).bookings['price_cents'].tolist()[0] == 1 and reads == [1]
    with session_scope(write=True) as session:  # the log was pruned past what the store holds
        session.execute(text('DELETE FROM change_log'))
        revisions.record(session.connection(), location.id, booking_ids=[1])
        session.execute(text('DELETE FROM change_log'))
    store.columns(location.id)
    assert reads == [1, 1]


def test_a_new_process_starts_from_the_saved_copy_and_patches_it(sqlite_db, tmp_path, monkeypatch):
    location = make_location()
    member, service, customer = make_staff_member(location), make_service(location), make_customer(location)
    make_booking(location, member, service, customer, at(DAY, '10:00'))
    first = AnalyticsStore(get_engine(), tmp_path)
    first.columns(location.id)  # a full read: saved
    first.saved()
    assert (tmp_path / f'location-{location.id}.npz').exists()
    make_booking(location, member, service, customer, at(DAY, '11:00'))
    reads: list[int] = []
    original = AnalyticsStore._read_all
    monkeypatch.setattr(AnalyticsStore, '_read_all', lambda self, *args: reads.append(1) or original(self, *args))
    second = AnalyticsStore(get_engine(), tmp_path)  # "the next morning"
    _assert_same(second.columns(location.id), _fresh(location.id))
    assert reads == [1]  # only _fresh read in full; the second store patched its saved copy
    with session_scope(write=True) as session:  # the database was replaced: another token
        session.execute(text('UPDATE data_revision SET token = :t'), {'t': 'other'})
    third = AnalyticsStore(get_engine(), tmp_path)
    third.columns(location.id)
    assert reads == [1, 1]


def test_a_full_read_hands_over_its_columns_without_waiting_for_their_save(sqlite_db, tmp_path, monkeypatch):
    import threading

    import numpy

    location = make_location()
    make_booking(location, make_staff_member(location), make_service(location), make_customer(location),
                 at(DAY, '10:00'))
    real, writing, may_finish = numpy.savez, threading.Event(), threading.Event()

    def savez(*args, **kwargs):
        writing.set()
        assert may_finish.wait(10)  # a slow disk: the save waits until the reader has its columns
        real(*args, **kwargs)
    monkeypatch.setattr(numpy, 'savez', savez)
    store = AnalyticsStore(get_engine(), tmp_path)
    _assert_same(store.columns(location.id), _fresh(location.id))  # handed over while the save still waits
    assert writing.wait(10) and not (tmp_path / f'location-{location.id}.npz').exists()
    may_finish.set()
    store.saved()
    assert (tmp_path / f'location-{location.id}.npz').exists()


def test_a_save_that_fails_is_logged_and_the_columns_stay_right(sqlite_db, tmp_path, monkeypatch, caplog):
    import numpy

    location = make_location()
    make_booking(location, make_staff_member(location), make_service(location), make_customer(location),
                 at(DAY, '10:00'))

    def full_disk(*args, **kwargs):
        raise OSError(28, 'No space left on device')
    monkeypatch.setattr(numpy, 'savez', full_disk)
    store = AnalyticsStore(get_engine(), tmp_path / 'analytics')
    _assert_same(store.columns(location.id), _fresh(location.id))
    store.saved()
    assert 'could not save the analytics columns' in caplog.text
    assert list((tmp_path / 'analytics').iterdir()) == []  # its temporary file removed too


def test_two_stores_saving_the_same_location_at_once_both_succeed(sqlite_db, tmp_path, monkeypatch):
    # the app's store and another (another process, a test's) on one folder: a shared temporary name made the first
    # writer's rename fail once the second had renamed the file away (FileNotFoundError, seen in the suite)
    import numpy

    location = make_location()
    make_booking(location, make_staff_member(location), make_service(location), make_customer(location),
                 at(DAY, '10:00'))
    folder = tmp_path / 'analytics'
    first, second = AnalyticsStore(get_engine(), folder), AnalyticsStore(get_engine(), folder)
    real, writes = numpy.savez, []

    def savez(*args, **kwargs):
        real(*args, **kwargs)
        writes.append(1)
        if len(writes) == 1:  # the first store has written its file, not yet renamed it: the second saves now
            second.columns(location.id)
    monkeypatch.setattr(numpy, 'savez', savez)
    first.columns(location.id)
    first.saved()
    second.saved()
    assert len(writes) == 2
    assert [p.name for p in folder.iterdir()] == [f'location-{location.id}.npz']  # no temporary file left
    expected = _fresh(location.id)
    reads: list[int] = []
    original = AnalyticsStore._read_all
    monkeypatch.setattr(AnalyticsStore, '_read_all', lambda self, *args: reads.append(1) or original(self, *args))
    _assert_same(AnalyticsStore(get_engine(), folder).columns(location.id), expected)
    assert reads == []  # a later store started from the saved copy: it was whole


def test_a_save_removes_the_temporary_files_a_stopped_process_left_and_no_one_elses(sqlite_db, tmp_path):
    import os
    import time

    location = make_location()
    make_booking(location, make_staff_member(location), make_service(location), make_customer(location),
                 at(DAY, '10:00'))
    folder = tmp_path / 'analytics'
    folder.mkdir()
    left = folder / f'location-{location.id}.k3j9x2.tmp.npz'  # a process stopped mid-save, two hours ago
    writing = folder / f'location-{location.id}.p0q1r2.tmp.npz'  # another process saving right now
    other = folder / f'location-{location.id + 1}.z9y8x7.tmp.npz'  # another location's: its own save sweeps it
    for path in (left, writing, other):
        path.write_bytes(b'part of a save')
    hours_ago = time.time() - 2 * analytics_store.LEFTOVER_SECONDS
    os.utime(left, (hours_ago, hours_ago))
    os.utime(other, (hours_ago, hours_ago))
    store = AnalyticsStore(get_engine(), folder)
    store.columns(location.id)  # a full read, then saved
    store.saved()
    assert sorted(p.name for p in folder.iterdir()) == sorted([f'location-{location.id}.npz', writing.name,
                                                               other.name])


def test_a_locations_payments_of_a_period_are_read_by_range_not_every_receipt(sqlite_db):
    """The report's payments (``frames.load_payments``) search the receipts of each location by the period's range
    on one index (SQLite, whose planner took the location's index alone and read every receipt the location ever
    issued: 0.5 s per report at 840,000 receipts; bench/analytics.py)."""
    from sqlalchemy import event

    sent: list[tuple[str, object]] = []

    def capture(_connection, _cursor, statement, parameters, _context, _many) -> None:
        if 'FROM payment' in statement or 'FROM receipt' in statement:
            sent.append((statement, parameters))

    engine = get_engine()
    event.listen(engine, 'before_cursor_execute', capture)
    try:
        analytics_data.load_payments([1, 2], start=datetime(2030, 1, 1, tzinfo=UTC),
                                     end=datetime(2030, 2, 1, tzinfo=UTC))
    finally:
        event.remove(engine, 'before_cursor_execute', capture)
    assert len(sent) == 2
    with engine.connect() as connection:
        for statement, parameters in sent:
            plan = [row[-1] for row in connection.exec_driver_sql(f'EXPLAIN QUERY PLAN {statement}', parameters)]
            receipt = [step for step in plan if ' receipt ' in f' {step} ']
            assert receipt, plan
            assert all('ix_receipt_location_id_issued_at (location_id=? AND issued_at>? AND issued_at<?)' in step
                       for step in receipt), plan


def test_a_full_read_finds_every_bookings_source_and_every_lines_own_description(sqlite_db, monkeypatch):
    """A full read flags, in its one pass over each table, the bookings with a source and the lines of neither a
    service nor a product, and reads only their texts, by id and in chunks (or, where most bookings have a source,
    in one more pass): the same texts, whatever the chunk or the way."""
    location = make_location()
    member, service, customer = make_staff_member(location), make_service(location), make_customer(location)
    made = [make_booking(location, member, service, customer, at(DAY, f'{9 + k:02d}:00')) for k in range(5)]
    for b in made[:3]:
        bookings.set_status(b.id, BookingStatus.CHECKED_IN, actor=OWNER, as_of=b.starts_at)
    paid = [receipts.pay_booking(b.id, payment_method=PaymentMethod.CASH, actor=OWNER, as_of=at(DAY, '18:00'))
            for b in made[:3]]
    sources = {made[0].id: 'Instagram', made[2].id: 'Walk by', made[3].id: 'Instagram'}
    with session_scope(write=True) as session:
        connection = session.connection()
        for booking_id, source in sources.items():
            connection.execute(text('UPDATE booking SET source = :s WHERE id = :i'), {'s': source, 'i': booking_id})
        line_ids = [connection.execute(text('SELECT id FROM receipt_line WHERE receipt_id = :r'), {'r': r.id}
                                       ).scalar_one() for r in paid]
        own = {line_ids[0]: 'Gift wrap', line_ids[2]: 'Tip jar'}
        for line_id, description in own.items():
            connection.execute(text('UPDATE receipt_line SET service_id = NULL, description = :d WHERE id = :i'),
                               {'d': description, 'i': line_id})
        revisions.record(connection, location.id, reload=True)
    monkeypatch.setattr(analytics_store, 'SOURCES_IN_ONE_PASS', 1.0)  # by id, whatever the share
    whole = _fresh(location.id)
    monkeypatch.setattr(analytics_store, 'ID_CHUNK', 1)
    chunked = _fresh(location.id)
    monkeypatch.setattr(analytics_store, 'SOURCES_IN_ONE_PASS', 0.0)  # in one more pass, whatever the share
    one_pass = _fresh(location.id)
    for columns in (whole, chunked, one_pass):
        got = {int(i): columns.sources[code] for i, code in zip(columns.bookings['id'], columns.bookings['source'],
                                                                strict=True) if code}
        assert got == sources
        assert columns.descriptions == own
    _assert_same(whole, chunked)
    _assert_same(whole, one_pass)


PACKED_FIELDS = {'location_id': 'id', 'staff_member_id': 'id', 'customer_id': 'id', 'service_id': 'id',
                 'product_id': 'id', 'status': 'code', 'channel': 'code', 'payment_method': 'code',
                 'time_known': 'flag', 'flagged': 'flag'}


@pytest.mark.parametrize('table', ['booking', 'line'])
def test_packed_fields_are_taken_apart_exactly_at_their_bounds(db, table):
    """A first read takes groups of fields as one integer each (``store._select``) and takes them apart again: for
    every value a field may hold (ids up to the limit or -1 for none, codes -1..254, flags 0/1), on both databases,
    the same columns and types as reading each field alone."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    values = {'id': st.one_of(st.just(-1), st.just(analytics_store.PACKED_ID_LIMIT), st.integers(0, 2 ** 31 - 2)),
              'code': st.integers(-1, 254), 'flag': st.integers(0, 1)}
    packs = analytics_store.BOOKING_PACKS if table == 'booking' else analytics_store.LINE_PACKS
    names = list(dict.fromkeys(name for group in packs for name in group))
    columns = {'id': 't.id', **{name: f't.{name}' for name in names}}
    rows = st.lists(st.tuples(*(values[PACKED_FIELDS[name]] for name in names)), min_size=1, max_size=20)

    @settings(max_examples=30, deadline=None, derandomize=True, database=None)
    @given(rows)
    def check(drawn):
        with get_engine().begin() as connection:
            connection.execute(text('DROP TABLE IF EXISTS packed_probe'))
            connection.execute(text('CREATE TABLE packed_probe (id BIGINT, '
                                    + ', '.join(f'{name} BIGINT' for name in names) + ')'))
            connection.execute(text(f'INSERT INTO packed_probe VALUES (:id, {", ".join(":" + n for n in names)})'),
                               [{'id': i, **dict(zip(names, row, strict=True))} for i, row in enumerate(drawn)])
            together = AnalyticsStore._read_packed(connection, columns, 'FROM packed_probe t ORDER BY t.id', packs)
            apart = AnalyticsStore._read_packed(connection, columns, 'FROM packed_probe t ORDER BY t.id', ())
            connection.execute(text('DROP TABLE packed_probe'))
        assert together.keys() == apart.keys()
        for name in apart:
            assert together[name].dtype == apart[name].dtype and np.array_equal(together[name], apart[name]), name
        assert apart['customer_id'].tolist() == [row[names.index('customer_id')] for row in drawn]

    check()


def test_ids_beyond_what_a_pack_holds_are_read_field_by_field(db, monkeypatch):
    location = make_location()
    member, service, customer = make_staff_member(location), make_service(location), make_customer(location)
    booking = make_booking(location, member, service, customer, at(DAY, '11:00'))
    bookings.set_status(booking.id, BookingStatus.CHECKED_IN, actor=OWNER, as_of=at(DAY, '10:55'))
    receipts.pay_booking(booking.id, payment_method=PaymentMethod.CASH, actor=OWNER, as_of=at(DAY, '11:50'))
    asked: list[tuple] = []  # the packs each read asked for
    select = analytics_store._select
    monkeypatch.setattr(analytics_store, '_select',
                        lambda columns, packs: asked.append(packs) or select(columns, packs))
    packed = _fresh(location.id)
    assert asked == [analytics_store.BOOKING_PACKS, analytics_store.LINE_PACKS]
    with get_engine().connect() as connection:
        assert analytics_store._packable(connection)
        monkeypatch.setattr(analytics_store, 'PACKED_ID_LIMIT', max(member.id, service.id, customer.id) - 1)
        assert not analytics_store._packable(connection)
    asked.clear()
    _assert_same(_fresh(location.id), packed)
    assert asked == [(), ()]  # field by field
    assert packed.bookings['customer_id'].tolist() == [customer.id]
    assert packed.lines['staff_member_id'].tolist() == [member.id]
