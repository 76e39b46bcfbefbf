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

And the floor of the app's own statements: every statement each app booking sent to the driver (``BEGIN`` to
``COMMIT``, as SQLAlchemy handed it to the driver, parameters included) is replayed at once by the driver alone on a
twin database (a copy made before the first booking, which then gets every booking of the three ways in the same
order, so its ids and rows stay those of the first): the same SQL and rows, without the Python around it
(validation, the rules' own reasoning, SQLAlchemy's execution). The app's rate as a ratio to that replay's tells
what the Python layer costs; the replay's ratio to the raw anchor, what the statements themselves cost.

Prints rate and p50 / p99 latency of each, the messages queued per booking (read back from the outbox), the
statements per booking, and each app rate as a ratio to the raw one (issue 33's target: the messaged customer's
≥ 0.4× raw) and to its own statements replayed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, event, func, text  # noqa: E402
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
    table = report.Table('writes', ['database', 'booked for', 'messages per booking', 'statements per booking',
                                    'bookings/s', 'p50 / p99 (ms)', 'raw driver: bookings/s', 'raw p50 / p99 (ms)',
                                    '× raw', 'its statements by the driver alone: bookings/s', '× its statements',
                                    'its statements × raw'],
                         notes=[f'{args.bookings} bookings each way, taking turns (app for a customer with phone and '
                                'e-mail, app for one without, raw). Messages per booking: outbox rows queued (the '
                                'confirmation and the 24 h and 2 h reminders, by SMS and e-mail). Statements per '
                                'booking: what the app sent to the driver, BEGIN and COMMIT included. Anchor: the raw '
                                'driver\'s lock, overlap query, insert and commit (no names, log, notification, '
                                'messages or revision). Target (issue 33): the messaged customer\'s ≥ 0.4× raw. '
                                'Its statements by the driver alone: each app booking\'s statements, as SQLAlchemy '
                                'handed them to the driver, replayed at once by the driver alone on a twin database '
                                '(the floor of those statements without the Python around them).'])
    data = tempfile.TemporaryDirectory(prefix='clientpulse-bench-')
    os.environ.update(CLIENTPULSE_DATA_DIR=data.name, CLIENTPULSE_SCHEDULER='false', **SMS_SET_UP)
    with data, tempfile.TemporaryDirectory() as folder:
        run('SQLite', f'sqlite:///{Path(folder) / "writes.db"}', args.bookings, table,
            twin=lambda url: _sqlite_twin(url, Path(folder) / 'twin.db'))
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
    def twin(url: str) -> str:  # a copy of the database: PostgreSQL copies a template nobody is connected to
        database.reset_engines()
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE {name}_twin TEMPLATE {name}'))
        return url.rsplit('/', 1)[0] + f'/{name}_twin'

    try:
        run('PostgreSQL', args.postgres.rsplit('/', 1)[0] + f'/{name}', args.bookings, table, twin=twin)
    finally:
        database.reset_engines()
        with admin.connect() as connection:
            for database_name in (name, f'{name}_twin'):
                connection.execute(text(f'DROP DATABASE IF EXISTS {database_name} WITH (FORCE)'))


def run(label: str, url: str, count: int, table: report.Table | None = None, *,
        twin: Callable[[str], str] | None = None) -> None:
    """Book ``count`` times each way on the database at ``url``; with ``twin`` (makes a copy of that database and
    returns its URL), each app booking's statements are also replayed by the driver alone on the copy."""
    os.environ['CLIENTPULSE_DATABASE_URL'] = url
    reset_settings()
    database.reset_engines()
    database.migrate(url)
    shop = _shop()
    ways = len(WAYS) + 1
    slots = [(shop['members'][i % STAFF], DAY + timedelta(days=i // (STAFF * 64)), (i // STAFF) % 64)
             for i in range(ways * count)]
    twin_url = twin(url) if twin is not None else None
    raw_book, close = _raw(url, shop)
    twin_book, twin_close = _raw(twin_url, shop) if twin_url else (None, lambda: None)
    replay, replay_close = _replayer(twin_url) if twin_url else (None, lambda: None)
    sent: list[tuple[str | None, object, bool]] = []  # what the app handed the driver for one booking
    engine = database.get_engine()

    def capture(_connection, _cursor, statement, parameters, _context, executemany) -> None:
        sent.append((statement, parameters, executemany))

    def committed(_connection) -> None:
        sent.append((None, None, False))

    event.listen(engine, 'before_cursor_execute', capture)
    event.listen(engine, 'commit', committed)
    times: dict[str, list[float]] = {key: [] for key, _label in WAYS} | {'raw': []}
    replayed: dict[str, list[float]] = {key: [] for key, _label in WAYS}
    statements: dict[str, int] = dict.fromkeys(times, 0)
    try:  # one of each in turn: all write to a table of the same size, under the same load of the machine
        for turn in range(count):
            for k, (key, _label) in enumerate(WAYS):
                m, d, q = slots[turn * ways + k]
                sent.clear()
                times[key].append(_timed(lambda m=m, d=d, q=q, c=shop[key]: bookings.create_booking(BookingCreate(
                    location_id=shop['location'], customer_id=c, service_id=shop['service'], staff_member_id=m,
                    starts_at=_start(d, q)), actor=SYSTEM_ACTOR)))
                statements[key] += len(sent)
                if replay is not None:
                    work = list(sent)
                    replayed[key].append(_timed(lambda work=work: replay(work)))
            m, d, q = slots[turn * ways + len(WAYS)]
            times['raw'].append(_timed(lambda m=m, d=d, q=q: raw_book(m, _start(d, q))))
            if twin_book is not None:  # the twin gets the anchor's booking too (not timed): the same rows, same ids
                twin_book(m, _start(d, q))
    finally:
        event.remove(engine, 'before_cursor_execute', capture)
        event.remove(engine, 'commit', committed)
        close()
        twin_close()
        replay_close()
    raw = _figures(times['raw'])
    queued = _messages_by_customer()
    for key, name in WAYS:
        app, messages = _figures(times[key]), queued.get(shop[key], 0) / count
        floor = _figures(replayed[key]) if replayed[key] else None
        print(f'{label:10} {name:24} {app[0]:7.0f} bookings/s  p50 {app[1]:5.1f} ms  p99 {app[2]:5.1f} ms  '
              f'{messages:4.1f} messages/booking  {statements[key] / count:4.1f} statements  '
              f'{app[0] / raw[0]:.2f} × raw' + (f'  its statements alone {floor[0]:7.0f}/s ({floor[0] / raw[0]:.2f} '
                                                f'× raw): app {app[0] / floor[0]:.2f} × them' if floor else ''))
        if table is not None:
            table.add(label, name.removeprefix('app, '), f'{messages:.1f}', f'{statements[key] / count:.0f}',
                      f'{app[0]:,.0f}', f'{app[1]:.1f} / {app[2]:.1f}', f'{raw[0]:,.0f}',
                      f'{raw[1]:.1f} / {raw[2]:.1f}', f'{app[0] / raw[0]:.2f}',
                      f'{floor[0]:,.0f}' if floor else '', f'{app[0] / floor[0]:.2f}' if floor else '',
                      f'{floor[0] / raw[0]:.2f}' if floor else '')
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


def _sqlite_twin(url: str, path: Path) -> str:
    """A copy of the SQLite database at ``url`` in ``path`` (SQLite's online backup); its URL."""
    import sqlite3
    with sqlite3.connect(url.split('///', 1)[1]) as source, sqlite3.connect(path) as copy:
        source.backup(copy)
    return f'sqlite:///{path}'


def _replayer(url: str):
    """``(replay(sent), close())``: ``replay`` hands the driver, on the database at ``url``, the statements one app
    booking sent (``(statement, parameters, executemany)``; a ``None`` statement is the commit) exactly as SQLAlchemy
    handed them to its driver; SQLite with the app's connection settings."""
    if url.startswith('sqlite'):
        import sqlite3
        connection = sqlite3.connect(url.split('///', 1)[1], isolation_level=None)
        for pragma in ('foreign_keys=ON', 'journal_mode=WAL', 'busy_timeout=30000'):  # as app/services/database.py
            connection.execute(f'PRAGMA {pragma}')
        cursor = connection.cursor()

        def commit() -> None:
            cursor.execute('COMMIT')
    else:
        import psycopg
        connection = psycopg.connect(url.replace('postgresql+psycopg', 'postgresql'))
        cursor = connection.cursor()
        commit = connection.commit

    def replay(sent: list[tuple[str | None, object, bool]]) -> None:
        for statement, parameters, many in sent:
            if statement is None:
                commit()
            elif many:
                cursor.executemany(statement, parameters)
            else:
                cursor.execute(statement, parameters)
                if cursor.description is not None:
                    cursor.fetchall()
    return replay, connection.close


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
