"""Bookings per second: ``bookings.create_booking`` against the raw driver's check-and-insert, same run.

    .venv/bin/python bench/writes.py [--bookings 400] [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

For each database (a fresh SQLite file; a fresh PostgreSQL database if reachable) it makes ``--bookings``
bookings one after another, each in a free 15-minute slot of one of 8 staff members, three ways:

- **app, messaged customer** (the figure): ``bookings.create_booking`` as the owner for a customer with a phone (read
  as E.164) and an e-mail, at a location that sends both (SMS through a Twilio account whose placeholder credentials
  only make it count as set up: no worker runs, nothing is sent). Each booking queues its confirmation and its
  reminders (the location's 24 and 2 hours before) on both channels in its own transaction, as a real customer's
  does: the staff member's lock, the checks (location, service, customer, working hours, overlap, kiosk holds), the
  insert, its activity entry, notification and outbox rows, then the event published;
- **app, no phone or e-mail**: the same for a customer no channel reaches (no messages written), for comparison;
- **raw** (the anchor): the DB-API driver alone doing the essential part — lock (``BEGIN IMMEDIATE`` /
  ``SELECT … FOR UPDATE`` on the staff row), one overlap query, one insert, commit (SQLite with the app's
  settings: WAL, foreign keys checked).

The three take turns, one booking each, so all write to a table of the same size under the same load.

Prints rate and p50 / p99 latency of each, the messages queued per booking (read back from the outbox), and each
app rate as a ratio to the raw one (issue 33's target: the messaged customer's ≥ 0.4× raw).
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

from sqlalchemy import create_engine, func, text  # noqa: E402
from sqlmodel import select  # noqa: E402

from app.config import reset_settings  # noqa: E402
from app.models import (  # noqa: E402
    BookingCreate,
    CustomerCreate,
    LocationCreate,
    Message,
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
SMS_SET_UP = {  # placeholders that make SMS count as set up (reach.sms_ready); nothing is sent: no worker runs
    'CLIENTPULSE_TWILIO_ACCOUNT_SID': 'ACbench', 'CLIENTPULSE_TWILIO_AUTH_TOKEN': 'bench',
    'CLIENTPULSE_TWILIO_FROM': '+15005550006', 'CLIENTPULSE_TWILIO_BASE_URL': 'http://127.0.0.1:9'}
WAYS = (('messaged', 'app, messaged customer'), ('unreached', 'app, no phone or e-mail'))
"""The app's ways of booking, by the customer booked for: (key in the shop, label printed)."""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument('--bookings', type=int, default=400)
    parser.add_argument('--postgres', default='postgresql+psycopg://postgres@127.0.0.1:5432/postgres')
    report.add_option(parser)
    args = parser.parse_args()
    table = report.Table('writes', ['database', 'booked for', 'messages per booking', 'bookings/s',
                                    'p50 / p99 (ms)', 'raw driver: bookings/s', 'raw p50 / p99 (ms)', '× raw'],
                         notes=[f'{args.bookings} bookings each way, taking turns (app for a customer with phone and '
                                'e-mail, app for one without, raw). Messages per booking: outbox rows queued (the '
                                'confirmation and the 24 h and 2 h reminders, by SMS and e-mail). Anchor: the raw '
                                'driver\'s lock, overlap query, insert and commit (no names, log, notification, '
                                'messages or revision). Target (issue 33): the messaged customer\'s ≥ 0.4× raw.'])
    data = tempfile.TemporaryDirectory(prefix='clientpulse-bench-')
    os.environ.update(CLIENTPULSE_DATA_DIR=data.name, CLIENTPULSE_SCHEDULER='false', **SMS_SET_UP)
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
    ways = len(WAYS) + 1
    slots = [(shop['members'][i % STAFF], DAY + timedelta(days=i // (STAFF * 64)), (i // STAFF) % 64)
             for i in range(ways * count)]
    raw_book, close = _raw(url, shop)
    times: dict[str, list[float]] = {key: [] for key, _label in WAYS} | {'raw': []}
    try:  # one of each in turn: all write to a table of the same size, under the same load of the machine
        for turn in range(count):
            for k, (key, _label) in enumerate(WAYS):
                m, d, q = slots[turn * ways + k]
                times[key].append(_timed(lambda m=m, d=d, q=q, c=shop[key]: bookings.create_booking(BookingCreate(
                    location_id=shop['location'], customer_id=c, service_id=shop['service'], staff_member_id=m,
                    starts_at=_start(d, q)), actor=SYSTEM_ACTOR)))
            m, d, q = slots[turn * ways + len(WAYS)]
            times['raw'].append(_timed(lambda m=m, d=d, q=q: raw_book(m, _start(d, q))))
    finally:
        close()
    raw = _figures(times['raw'])
    queued = _messages_by_customer()
    for key, name in WAYS:
        app, messages = _figures(times[key]), queued.get(shop[key], 0) / count
        print(f'{label:10} {name:24} {app[0]:7.0f} bookings/s  p50 {app[1]:5.1f} ms  p99 {app[2]:5.1f} ms  '
              f'{messages:4.1f} messages/booking  {app[0] / raw[0]:.2f} × raw')
        if table is not None:
            table.add(label, name.removeprefix('app, '), f'{messages:.1f}', f'{app[0]:,.0f}',
                      f'{app[1]:.1f} / {app[2]:.1f}', f'{raw[0]:,.0f}', f'{raw[1]:.1f} / {raw[2]:.1f}',
                      f'{app[0] / raw[0]:.2f}')
    print(f'{label:10} {"raw driver (anchor)":24} {raw[0]:7.0f} bookings/s  p50 {raw[1]:5.1f} ms  '
          f'p99 {raw[2]:5.1f} ms')


def _shop() -> dict:
    location = locations.find_or_create_location(LocationCreate(name='Bench', time_zone='UTC', currency='EUR'))
    hours = [WorkingHoursBase(weekday=d, start_minute=0, end_minute=24 * 60 - 1) for d in range(7)]
    members = [staff.create_staff_member(StaffMemberCreate(location_id=location.id, name=f'Staff {i}',
                                                           working_hours=hours), actor=SYSTEM_ACTOR).id
               for i in range(STAFF)]
    service = catalog.create_service(ServiceCreate(location_id=location.id, code='CUT', name='Cut', category='',
                                                   price_cents=3000, duration_minutes=15), actor=SYSTEM_ACTOR)
    messaged = customers.create_customer(CustomerCreate(
        location_id=location.id, name='Amani Wanjiru', phone='+254 712 345 678', email='amani@example.com'),
        actor=SYSTEM_ACTOR)
    unreached = customers.create_customer(CustomerCreate(location_id=location.id, name='Alex Kim'),
                                          actor=SYSTEM_ACTOR)
    return {'location': location.id, 'members': members, 'service': service.id, 'messaged': messaged.id,
            'unreached': unreached.id}


def _messages_by_customer() -> dict[int, int]:
    """Outbox rows queued so far, by customer id (what the bookings wrote for each customer)."""
    with database.session_scope() as session:
        return dict(session.exec(select(Message.customer_id, func.count()).group_by(Message.customer_id)).all())


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
            connection.execute(insert.format(p=mark), (shop['location'], shop['messaged'], shop['service'], member,
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
                cursor.execute(insert.format(p=mark), (shop['location'], shop['messaged'], shop['service'], member,
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
