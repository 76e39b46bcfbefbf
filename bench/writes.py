"""Bookings per second: ``bookings.create_booking`` against the raw driver's check-and-insert, same run.

    .venv/bin/python bench/writes.py [--bookings 400] [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

For each database (a fresh SQLite file; a fresh PostgreSQL database if reachable) it makes ``--bookings``
bookings one after another, each in a free 15-minute slot of one of 8 staff members, two ways:

- **app**: ``bookings.create_booking`` as the owner — the staff member's lock, the checks (location, service,
  customer, working hours, overlap, kiosk holds), the insert, its activity entry and notification, in one
  transaction, then the event published;
- **raw** (the anchor): the DB-API driver alone doing the essential part — lock (``BEGIN IMMEDIATE`` /
  ``SELECT … FOR UPDATE`` on the staff row), one overlap query, one insert, commit (SQLite with the app's
  settings: WAL, foreign keys checked).

The two take turns, one booking each, so both write to a table of the same size under the same load.

Prints rate and p50 / p99 latency of each and the app's rate as a share of the raw one.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from app.config import reset_settings  # noqa: E402
from app.models import (  # noqa: E402
    BookingCreate,
    CustomerCreate,
    LocationCreate,
    ServiceCreate,
    StaffMemberCreate,
    WorkingHoursBase,
)
from app.models.booking import new_booking_code  # noqa: E402
from app.services import database  # noqa: E402
from app.services.accounts.access import SYSTEM_ACTOR  # noqa: E402
from app.services.catalogue import catalog, locations, staff  # noqa: E402
from app.services.customers import customers  # noqa: E402
from app.services.frontdesk import bookings  # noqa: E402
from bench import report  # noqa: E402

STAFF = 8
DAY = date(2031, 1, 6)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument('--bookings', type=int, default=400)
    parser.add_argument('--postgres', default='postgresql+psycopg://postgres@127.0.0.1:5432/postgres')
    report.add_option(parser)
    args = parser.parse_args()
    table = report.Table('writes', ['database', 'app: bookings/s', 'app p50 / p99 (ms)', 'raw driver: bookings/s',
                                    'raw p50 / p99 (ms)', 'app ÷ raw'],
                         notes=[f'{args.bookings} bookings each way, taking turns. Anchor: the raw driver\'s lock, '
                                'overlap query, insert and commit (no names, log, notification or revision).'])
    data = tempfile.TemporaryDirectory(prefix='clientpulse-bench-')
    os.environ['CLIENTPULSE_DATA_DIR'] = data.name
    os.environ['CLIENTPULSE_SCHEDULER'] = 'false'
    with data, tempfile.TemporaryDirectory() as folder:
        run('SQLite', f'sqlite:///{Path(folder) / "writes.db"}', args.bookings, table)
        _postgres(args, table)
    if args.markdown:
        table.write()


def _postgres(args: argparse.Namespace, table: report.Table) -> None:
    name = f'clientpulse_bench_{uuid.uuid4().hex[:8]}'
    admin = create_engine(args.postgres, isolation_level='AUTOCOMMIT')
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE {name}'))
    except Exception as error:
        print(f'PostgreSQL at {args.postgres} is not reachable ({error}); only SQLite was measured.')
        table.note('PostgreSQL was not reachable: only SQLite was measured.')
        return
    try:
        run('PostgreSQL', args.postgres.rsplit('/', 1)[0] + f'/{name}', args.bookings, table)
    finally:
        database.reset_engines()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS {name} WITH (FORCE)'))


def run(label: str, url: str, count: int, table: report.Table | None = None) -> None:
    os.environ['CLIENTPULSE_DATABASE_URL'] = url
    reset_settings()
    database.reset_engines()
    database.migrate(url)
    shop = _shop()
    slots = [(m, DAY + timedelta(days=i // (STAFF * 64)), (i // STAFF) % 64) for i, m in enumerate(
        [shop['members'][i % STAFF] for i in range(2 * count)])]
    raw_book, close = _raw(url, shop)
    app_times, raw_times = [], []
    try:  # one of each in turn: both write to a table of the same size, under the same load of the machine
        for (m, d, q), (rm, rd, rq) in zip(slots[:count], slots[count:], strict=True):
            app_times.append(_timed(lambda m=m, d=d, q=q: bookings.create_booking(BookingCreate(
                location_id=shop['location'], customer_id=shop['customer'], service_id=shop['service'],
                staff_member_id=m, starts_at=_start(d, q)), actor=SYSTEM_ACTOR)))
            raw_times.append(_timed(lambda m=rm, d=rd, q=rq: raw_book(m, _start(d, q))))
    finally:
        close()
    app, raw = _figures(app_times), _figures(raw_times)
    print(f'{label:10} app  {app[0]:7.0f} bookings/s  p50 {app[1]:5.1f} ms  p99 {app[2]:5.1f} ms')
    print(f'{label:10} raw  {raw[0]:7.0f} bookings/s  p50 {raw[1]:5.1f} ms  p99 {raw[2]:5.1f} ms   '
          f'app = {app[0] / raw[0] * 100:4.0f} % of the raw rate')
    if table is not None:
        table.add(label, f'{app[0]:,.0f}', f'{app[1]:.1f} / {app[2]:.1f}', f'{raw[0]:,.0f}',
                  f'{raw[1]:.1f} / {raw[2]:.1f}', f'{app[0] / raw[0] * 100:.0f} %')


def _shop() -> dict:
    location = locations.find_or_create_location(LocationCreate(name='Bench', time_zone='UTC', currency='EUR'))
    hours = [WorkingHoursBase(weekday=d, start_minute=0, end_minute=24 * 60 - 1) for d in range(7)]
    members = [staff.create_staff_member(StaffMemberCreate(location_id=location.id, name=f'Staff {i}',
                                                           working_hours=hours), actor=SYSTEM_ACTOR).id
               for i in range(STAFF)]
    service = catalog.create_service(ServiceCreate(location_id=location.id, code='CUT', name='Cut', category='',
                                                   price_cents=3000, duration_minutes=15), actor=SYSTEM_ACTOR)
    customer = customers.create_customer(CustomerCreate(location_id=location.id, name='Alex Kim'),
                                         actor=SYSTEM_ACTOR)
    return {'location': location.id, 'members': members, 'service': service.id, 'customer': customer.id}


def _start(day: date, quarter: int) -> datetime:
    return datetime.combine(day, datetime.min.time(), UTC) + timedelta(minutes=15 * quarter + 6 * 60)


def _raw(url: str, shop: dict):
    """The essential check-and-insert through the DB-API driver, one transaction a booking: ``(book(member, starts),
    close())``. SQLite with the app's settings (WAL, foreign keys checked)."""
    overlap = ('SELECT 1 FROM booking WHERE staff_member_id = {p} AND status IN (\'booked\', \'confirmed\', '
               '\'checked_in\', \'completed\') AND starts_at < {p} AND ends_at > {p} LIMIT 1')
    insert = ('INSERT INTO booking (location_id, customer_id, service_id, staff_member_id, starts_at, ends_at, notes, '
              'status, channel, price_cents, booked_at, code) VALUES ({p}, {p}, {p}, {p}, {p}, {p}, \'\', \'booked\', '
              '\'phone\', 3000, {p}, {p})')
    if url.startswith('sqlite'):
        import sqlite3
        connection = sqlite3.connect(url.split('///', 1)[1], isolation_level=None)
        connection.execute('PRAGMA journal_mode=WAL')
        connection.execute('PRAGMA foreign_keys=ON')  # as the app's connections: the insert checks its references
        mark, text_time = '?', lambda t: t.replace(tzinfo=None).isoformat(sep=' ', timespec='microseconds')

        def book(member: int, starts: datetime) -> None:
            ends = starts + timedelta(minutes=15)
            connection.execute('BEGIN IMMEDIATE')
            if connection.execute(overlap.format(p=mark), (member, text_time(ends), text_time(starts))).fetchone():
                raise RuntimeError('taken')
            connection.execute(insert.format(p=mark), (shop['location'], shop['customer'], shop['service'], member,
                                                       text_time(starts), text_time(ends),
                                                       text_time(datetime.now(UTC)), new_booking_code()))
            connection.execute('COMMIT')
    else:
        import psycopg
        connection = psycopg.connect(url.replace('postgresql+psycopg', 'postgresql'))
        mark = '%s'

        def book(member: int, starts: datetime) -> None:
            ends = starts + timedelta(minutes=15)
            with connection.transaction(), connection.cursor() as cursor:
                cursor.execute('SELECT id FROM staff_member WHERE id = %s FOR UPDATE', (member,))
                cursor.execute(overlap.format(p=mark), (member, ends, starts))
                if cursor.fetchone():
                    raise RuntimeError('taken')
                cursor.execute(insert.format(p=mark), (shop['location'], shop['customer'], shop['service'], member,
                                                       starts, ends, datetime.now(UTC), new_booking_code()))
    return book, connection.close


def _timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def _figures(times: list[float]) -> tuple[float, float, float]:
    ordered = sorted(times)
    return (len(times) / sum(times), statistics.median(ordered) * 1000,
            ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000)


if __name__ == '__main__':
    main()
