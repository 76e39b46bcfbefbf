"""Analytics at scale: cold report, refresh after one booking, and DuckDB on the same rows.

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python bench/analytics.py [--bookings 1000000] [--customers 50000]

Generates bookings (3 locations, 5 years, 20 staff members, 50,000 customers; receipts for completed
bookings) into a fresh SQLite file, then prints one line each:
- cold, first read: the owner's analytics report (``reports.report``) for the last 30 days of all
  locations, in a process that has never read the database (no saved columns);
- cold, new process: the same in a fresh child process that starts from the columns the first one
  saved, after one more booking was made in between (patched from the change log);
- refresh, two ways, each the median of :data:`REFRESHES`: the report after one new booking made ahead (for a day
  after the report's period, as most bookings are: the shared report stays valid) and after one change inside the
  period (a no-show of one of its days marked, or taken back: the report is computed again);
- duckdb: the same headline aggregates computed by DuckDB in memory on the same rows (the refresh's anchor; the
  median of as many runs);
- plain scan: the same columns of every booking and receipt line read by the sqlite3 module alone, one
  ``SELECT`` each, every row fetched (the cold reads' anchor: what reading the rows costs before any analytics);
with times, ratios to their anchors, and each measuring process's peak resident memory (VmHWM). The
generator runs in the parent; each measurement runs in a child process of its own.
``--keep FILE`` keeps the generated database (and reuses it on the next run).

``--sessions N`` measures instead the memory of a server holding that business: the app
(``bench/fanout_server.py app``, as ``clientpulse run`` starts it) on the generated database, signed in as its owner
in N sessions opened as a browser opens them (a third each on the dashboard, the bookings page and Analytics, whose
figures of the last 30 days are worked out for the whole business), beside a bare NiceGUI page (one label) with as
many sessions, both up at once: each one's resident memory (RSS) once idle after its first page, and once the N
sessions are open and its memory has settled (issue 33's target: the app ≤ 500 MB at 1,000,000 bookings and 100
sessions).

``--after-import`` measures instead what an owner meets after importing a real export: the hotel file
of ``../shared/data`` (119,390 bookings) is imported through the Import page's service into a fresh
database, then the analytics report of its last 30 days is timed, in the importing process (the
import leaves the columns read and saved) and in a new process (it starts from the saved copy); the
anchor, measured in the same run, is the first report of a process that has to read every row.

Quick runs that check the bench still works (tests/bench), not measurements: ``--bookings 2000 --customers 300``;
``--after-import --rows 2000`` (that many rows of the hotel file, taken evenly).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from sqlmodel import select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.config import reset_settings  # noqa: E402
from app.models import Booking, BookingStatus, Location  # noqa: E402
from app.services import database, revisions  # noqa: E402
from app.services.analytics import frames as analytics_data  # noqa: E402
from app.services.analytics import reports  # noqa: E402
from app.services.database import session_scope  # noqa: E402
from app.services.frontdesk import bookings as desk  # noqa: E402
from app.services.imports.mapped import insert_many, new_codes  # noqa: E402
from bench import report as bench_report  # noqa: E402
from bench._sample import sampled  # noqa: E402
from tests.factories import OWNER, make_booking  # noqa: E402

AS_OF = datetime(2026, 11, 21, 12, tzinfo=UTC)
REFRESHES = 5
"""How many refreshes (each after one new booking) and DuckDB runs the figures are the medians of."""
STATUSES = np.array(['completed', 'no_show', 'cancelled'])


def generate(n: int, rng: np.random.Generator, customers: int = 50_000) -> None:
    """Insert the synthetic business (driver-level bulk inserts)."""
    with session_scope(write=True) as session:
        session.add_all([Location(name=f'Shop {i}', time_zone='UTC', currency='USD') for i in range(1, 4)])
        session.flush()  # through the model: every column the schema has gets its default
        insert_many(session, 'staff_member', {'location_id': [1 + i % 3 for i in range(20)],
                                              'name': [f'Staff {i}' for i in range(20)], 'active': [True] * 20})
        insert_many(session, 'working_hours', {'staff_member_id': [s + 1 for s in range(20) for _ in range(6)],
                                               'weekday': [d for _ in range(20) for d in range(6)],
                                               'start_minute': [540] * 120, 'end_minute': [1080] * 120})
        insert_many(session, 'service', {'location_id': [1 + i % 3 for i in range(30)],
                                         'code': [f'S{i}' for i in range(30)],
                                         'name': [f'Service {i}' for i in range(30)],
                                         'category': ['Style' if i % 2 else 'Colour' for i in range(30)],
                                         'price_cents': [3000 + 500 * (i % 10) for i in range(30)],
                                         'cost_cents': [0] * 30,
                                         'duration_minutes': [30 + 15 * (i % 4) for i in range(30)],
                                         'active': [True] * 30})
        now_text = AS_OF.strftime('%Y-%m-%d %H:%M:%S.%f')
        insert_many(session, 'customer', {'location_id': [1 + i % 3 for i in range(customers)],
                                          'code': [f'C{i:05d}' for i in range(customers)],
                                          'name': [f'Customer {i}' for i in range(customers)],
                                          'phone': [''] * customers, 'email': [''] * customers,
                                          'notes': [''] * customers, 'created_at': [now_text] * customers})
        staff = rng.integers(0, 20, n)
        location = 1 + staff % 3
        customer = 1 + (rng.integers(0, customers // 3, n) * 3 + (location - 1))
        service = 1 + (rng.integers(0, 10, n) * 3 + (location - 1))
        day = pd.Timestamp(AS_OF.date() - timedelta(days=5 * 365)) + pd.to_timedelta(rng.integers(0, 5 * 365, n), 'D')
        starts = (day + pd.to_timedelta(rng.integers(18, 36, n) * 30, 'min')).tz_localize('UTC')
        ends = starts + pd.to_timedelta(30 + 15 * (rng.integers(0, 4, n)), 'min')
        status = STATUSES[rng.choice(3, n, p=[0.84, 0.06, 0.10])]
        status = np.where((starts > pd.Timestamp(AS_OF)) & (status == 'completed'), 'booked', status)
        text = lambda values: [t.strftime('%Y-%m-%d %H:%M:%S.%f') for t in values.to_pydatetime()]  # noqa: E731
        price = 3000 + 500 * ((service - 1) // 3 % 10)
        for start in range(0, n, 200_000):
            part = slice(start, min(start + 200_000, n))
            insert_many(session, 'booking', {
                'location_id': location[part].tolist(), 'customer_id': customer[part].tolist(),
                'service_id': service[part].tolist(), 'staff_member_id': (staff[part] + 1).tolist(),
                'starts_at': text(starts[part]), 'ends_at': text(ends[part]),
                'booked_at': text(starts[part] - pd.to_timedelta(rng.integers(0, 30, part.stop - part.start), 'D')),
                'status': status[part].tolist(), 'channel': ['online'] * (part.stop - part.start),
                'price_cents': price[part].tolist(), 'notes': [''] * (part.stop - part.start),
                'code': new_codes(session, part.stop - part.start)})
        paid = np.flatnonzero(status == 'completed')
        insert_many(session, 'receipt', {'location_id': location[paid].tolist(),
                                         'number': [str(i) for i in range(len(paid))],
                                         'issued_at': text(ends[paid]), 'customer_id': customer[paid].tolist(),
                                         'staff_member_id': (staff[paid] + 1).tolist(),
                                         'booking_id': (paid + 1).tolist(),
                                         'payment_method': ['card'] * len(paid)})
        insert_many(session, 'receipt_line', {'receipt_id': list(range(1, len(paid) + 1)),
                                              'service_id': service[paid].tolist(),
                                              'staff_member_id': (staff[paid] + 1).tolist(),
                                              'description': ['Service'] * len(paid), 'quantity': [1] * len(paid),
                                              'amount_cents': price[paid].tolist()})
        for location_id in (1, 2, 3):  # written without the ORM: say so, as the importer does
            revisions.record(session.connection(), location_id, reload=True)


def duckdb_aggregates(bookings: pd.DataFrame, lines: pd.DataFrame, start: datetime, end: datetime) -> dict:
    """The report's headline aggregates in DuckDB SQL (in memory, on the same rows)."""
    import duckdb
    con = duckdb.connect()
    con.register('b', bookings[['location_id', 'customer_id', 'staff', 'starts_at', 'status', 'price_cents']])
    con.register('l', lines[['customer_id', 'staff', 'issued_at', 'amount_cents', 'category']])
    window = {'s': start, 'e': end}
    return {
        'revenue_per_day': con.execute("SELECT date_trunc('day', issued_at) d, sum(amount_cents) FROM l "
                                       'WHERE issued_at >= $s AND issued_at < $e GROUP BY d', window).fetchall(),
        'rates': con.execute("SELECT avg(CASE WHEN status = 'no_show' THEN 1 ELSE 0 END) FILTER "
                             "(WHERE status <> 'cancelled'), avg(CASE WHEN status = 'cancelled' THEN 1 ELSE 0 END) "
                             'FROM b WHERE starts_at >= $s AND starts_at < $e', window).fetchall(),
        'by_staff': con.execute('SELECT staff, sum(amount_cents) FROM l WHERE issued_at >= $s AND issued_at < $e '
                                'GROUP BY staff', window).fetchall(),
        'heatmap': con.execute("SELECT dayofweek(starts_at), hour(starts_at), count(*) FROM b WHERE status <> "
                               "'cancelled' AND starts_at >= $s AND starts_at < $e GROUP BY 1, 2", window).fetchall(),
        'customers': con.execute("SELECT customer_id, count(*), min(starts_at), max(starts_at) FROM b WHERE status IN "
                                 "('completed', 'checked_in') AND starts_at < $e GROUP BY 1", {'e': end}).fetchall(),
        'ltv': con.execute('SELECT customer_id, sum(amount_cents) FROM l WHERE issued_at < $e GROUP BY 1',
                           {'e': end}).fetchall(),
        'monthly': con.execute("SELECT date_trunc('month', issued_at) m, sum(amount_cents) FROM l "
                               'GROUP BY m').fetchall(),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument('--bookings', type=int, default=1_000_000)
    parser.add_argument('--customers', type=int, default=50_000, help='customers of the generated business')
    parser.add_argument('--keep', type=Path, help='keep the generated SQLite file here and reuse it next time')
    parser.add_argument('--after-import', action='store_true', help='time the first report after an import')
    parser.add_argument('--rows', type=int, help='with --after-import: import only this many rows, taken evenly')
    parser.add_argument('--sessions', type=int, help='the memory of a server holding the business, with this many '
                                                     'sessions open')
    parser.add_argument('--settle', type=float, default=35.0,
                        help='with --sessions: seconds without growth before the memory is read (default 35: the '
                             "app's quiet collector gives freed memory back every 30 s at most)")
    parser.add_argument('--step', choices=['measure', 'restart', 'import', 'report', 'unsaved'],
                        help=argparse.SUPPRESS)  # child processes
    parser.add_argument('--hotel', type=Path, default=HOTEL, help=argparse.SUPPRESS)  # the file the import reads
    bench_report.add_option(parser)
    args = parser.parse_args()
    if args.after_import or args.step in ('import', 'report', 'unsaved'):
        _after_import(args.step, markdown=args.markdown, rows=args.rows, hotel=args.hotel)
        return
    with tempfile.TemporaryDirectory() as folder:
        path = args.keep or Path(folder) / 'bench.db'
        url = f'sqlite:///{path}'
        os.environ['CLIENTPULSE_DATABASE_URL'] = url
        os.environ['CLIENTPULSE_DATA_DIR'] = str(path.parent / f'{path.stem}-data')  # the saved columns
        reset_settings()
        if args.step:
            print(json.dumps(_measure() if args.step == 'measure' else _restart()))
            return
        for saved in (path.parent / f'{path.stem}-data' / 'analytics').rglob('*.npz'):
            saved.unlink()  # "cold" means never read before
        fresh = not path.exists()
        database.migrate(url)
        if fresh:
            started = time.perf_counter()
            generate(args.bookings, np.random.default_rng(7), args.customers)
            print(f'generated {args.bookings:,} bookings in {time.perf_counter() - started:.1f} s')
        if args.sessions:
            _memory(path, args.bookings, args.sessions, markdown=args.markdown, settle=args.settle)
            return
        # each measurement in a process of its own, so that its memory is the app's, not the generator's
        first = _child(path, 'measure')
        _book_one()  # one more change while no process runs, so the restart patches its saved copy
        again = _child(path, 'restart')
        duck, scan = first['duckdb'], first['scan']
        rows = [('refresh after one new booking made ahead (after the period)', first['refresh'], duck, 'DuckDB',
                 None, '≤ 0.5'),
                ('refresh after one change inside the period (a no-show)', first['refresh_inside'], duck, 'DuckDB',
                 None, '≤ 0.5'),
                ('cold: new process, saved columns + change log', again['cold'], scan, 'plain scan',
                 again['peak_report'], ''),
                ('cold: first read ever of the database (no saved columns)', first['cold'], scan, 'plain scan',
                 first['peak_report'], '≤ 1.5')]
        for name, took, anchor, anchor_name, peak, _target in rows:
            print(f'{name:62} {took:7.3f} s  {took / anchor:5.2f} × {anchor_name}'
                  + (f'   peak {peak:.0f} MB' if peak else ''))
        print(f'anchors: DuckDB, same aggregates on the same rows {duck:6.2f} s (in memory, frames already loaded;'
              f' that process peaked at {first["peak_all"]:.0f} MB with them); plain scan of the same columns '
              f'{scan:6.2f} s')
        if args.markdown:
            table = bench_report.Table('analytics', ['measurement', 'time (s)', '× anchor', 'anchor',
                                                     'target (issue 33)', 'peak memory (MB)'],
                                       notes=[f'{args.bookings:,} generated bookings (3 locations, 5 years, 20 staff '
                                              f'members, {args.customers:,} customers); the report of the last '
                                              '30 days, each measurement in a process of its own; each refresh the '
                                              f'median of {REFRESHES}, each after a change of its own (a booking '
                                              'for a day 400 or more days ahead; a no-show of the period taken '
                                              'back or marked again). Anchors, same '
                                              'run: DuckDB computing the same headline aggregates in memory on the '
                                              f'same rows (median of {REFRESHES}: {duck:.2f} s); a plain scan, the '
                                              'same columns of every booking and receipt line read by the sqlite3 '
                                              f'module alone, every row fetched ({scan:.2f} s).'])
            for name, took, anchor, anchor_name, peak, target in rows:
                table.add(name, f'{took:.3f}', f'{took / anchor:.2f}', anchor_name, target,
                          f'{peak:.0f}' if peak else '')
            table.write()


PAGES = ('/', '/bookings', '/analytics')
"""The pages the sessions of ``--sessions`` open, in turn."""


def _memory(path: Path, bookings: int, count: int, *, markdown: bool, settle: float = 35.0) -> None:
    """The app and a bare page, each with ``count`` sessions: their RSS idle and with the sessions (see ``--sessions``
    in the module docstring)."""
    import asyncio
    import secrets

    from app.models import Role
    from app.services.accounts import users
    from bench._sessions import PASSWORD, Server, open_session, running

    email = 'owner@demo.clientpulse'
    if users.desktop_owner() is None:  # the generated business has no account yet
        with session_scope(write=True) as session:
            users.create_in(session, email, PASSWORD, role=Role.OWNER, location_id=None, staff_member_id=None)
    plain = {k: v for k, v in os.environ.items() if not k.startswith(('PYTEST', 'NICEGUI', 'CLIENTPULSE'))}
    env = {**plain, 'CLIENTPULSE_DATABASE_URL': f'sqlite:///{path}', 'CLIENTPULSE_SCHEDULER': 'false',
           'CLIENTPULSE_DATA_DIR': os.environ['CLIENTPULSE_DATA_DIR'],
           'CLIENTPULSE_STORAGE_SECRET': secrets.token_urlsafe(32)}

    async def measure(servers: list[Server]) -> dict[str, tuple[float, float]]:
        figures, opened = {}, []
        for server in servers:
            user = email if server.kind == 'app' else None
            first = await open_session(server, '/' if user is None else '/analytics', user)
            opened.append(first)
            idle = await _settled(server, quiet=settle)
            for number in range(1, count):
                path = '/' if user is None else PAGES[number % len(PAGES)]
                opened.append(await open_session(server, path, user))
            figures[server.kind] = (idle, await _settled(server, quiet=settle))
        for session in opened:
            await session.sio.disconnect()
            await session.http.aclose()
        return figures

    with running([]) as servers:
        servers += [Server('app', env, ready=False), Server('bare', plain, ready=False)]
        for server in servers:
            server.wait_ready(300)
        figures = asyncio.run(measure(servers))
    (app_idle, app_open), (bare_idle, bare_open) = figures['app'], figures['bare']
    print(f'app, {bookings:,} bookings: idle {app_idle:6.0f} MB, with {count} sessions {app_open:6.0f} MB')
    print(f'bare NiceGUI page (anchor): idle {bare_idle:6.0f} MB, with {count} sessions {bare_open:6.0f} MB')
    print(f'with {count} sessions: {app_open / bare_open:.2f} × bare ({app_open - bare_open:.0f} MB more)')
    if markdown:
        table = bench_report.Table('analytics_memory', ['server', 'idle RSS (MB)', f'RSS with {count} sessions (MB)',
                                                        '× bare'], notes=[
            f'{bookings:,} generated bookings (as above), served by the app: one session first (Analytics, its '
            f'figures worked out), then {count} in all, a third each on the dashboard, the bookings page and '
            f'Analytics, all signed in as the owner; memory read once it had not grown for {settle:.0f} s (the app '
            'gives freed memory back to the system in its quiet moments, every 30 s at most). Anchor: a bare NiceGUI '
            'page with as many sessions, same run. Target (issue 33): ≤ 500 MB at 1,000,000 bookings and 100 '
            'sessions.'])
        table.add('bare NiceGUI page (anchor)', f'{bare_idle:.0f}', f'{bare_open:.0f}', '1.00')
        table.add('ClientPulse', f'{app_idle:.0f}', f'{app_open:.0f}', f'{app_open / bare_open:.2f}')
        table.write()


async def _settled(server, *, quiet: float = 35.0, longest: float = 180.0) -> float:
    """The server's RSS (MB) once it has not grown by 1 MB for ``quiet`` seconds (a page's figures are worked out in
    a worker thread after it opens; the app's quiet collector gives freed memory back at most every 30 s:
    ``app/live/quiet_gc.py``), or after ``longest`` seconds."""
    import asyncio
    started = last_change = time.monotonic()
    last = server.rss_mb()
    while time.monotonic() - last_change < quiet and time.monotonic() - started < longest:
        await asyncio.sleep(0.25)
        now = server.rss_mb()
        if now > last + 1:
            last, last_change = now, time.monotonic()
    return server.rss_mb()


HOTEL = ROOT.parent / 'shared' / 'data' / 'hotel_bookings.csv'
HOTEL_MAPPING = ROOT / 'docs' / 'mappings' / 'hotel-bookings.toml'
HOTEL_LAST_DAY = datetime(2017, 8, 31, tzinfo=UTC)


def _after_import(step: str | None, *, markdown: bool = False, rows: int | None = None, hotel: Path = HOTEL) -> None:
    """Parent: one fresh folder, three children (import + first report; report from the saved copy; report
    reading every row). Child: the step named. ``rows``: only that many rows of the hotel file, taken evenly (a
    quick run that checks the bench works)."""
    if step is None:
        with tempfile.TemporaryDirectory() as folder, tempfile.TemporaryDirectory() as samples:
            env = {**os.environ, 'CLIENTPULSE_DATA_DIR': folder, 'CLIENTPULSE_SCHEDULER': 'false',
                   'CLIENTPULSE_DATABASE_URL': f'sqlite:///{Path(folder) / "imported.db"}'}
            hotel = sampled(HOTEL, rows, Path(samples))
            run = lambda name: json.loads(subprocess.run(  # noqa: E731
                [sys.executable, __file__, '--step', name, '--hotel', str(hotel)], check=True, capture_output=True,
                text=True, env=env).stdout.strip().splitlines()[-1])
            imported, saved, unsaved = run('import'), run('report'), run('unsaved')
        anchor = unsaved['report']
        print(f'import of {imported["rows"]:,} bookings (hotel file, read, checked, written, columns saved) '
              f'{imported["import"]:6.2f} s')
        print(f'first report after the import, same process      {imported["report"]:6.2f} s  '
              f'{imported["report"] / anchor:5.2f} × reading every row')
        print(f'first report in a new process, saved columns      {saved["report"]:6.2f} s  '
              f'{saved["report"] / anchor:5.2f} × reading every row')
        print(f'anchor: first report of a process reading every row {anchor:6.2f} s')
        if markdown:
            table = bench_report.Table('analytics_import', ['measurement', 'time (s)', '× anchor'], notes=[
                'The hotel file imported into a fresh database, then the report of its last 30 days. Anchor: the '
                f'first report of a process that must read every row, same run ({anchor:.2f} s).'])
            table.add(f'import of {imported["rows"]:,} bookings, columns saved', f'{imported["import"]:.1f}', '')
            table.add('first report after the import, same process', f'{imported["report"]:.2f}',
                      f'{imported["report"] / anchor:.2f}')
            table.add('first report in a new process, saved columns', f'{saved["report"]:.2f}',
                      f'{saved["report"] / anchor:.2f}')
            table.write()
        return
    from app.services.accounts.access import SYSTEM_ACTOR
    from app.services.analytics import store as analytics_store
    from app.services.catalogue import locations
    from app.services.imports import mapped as booking_imports
    from app.services.imports import mapping
    database.migrate()
    if step == 'import':
        started = time.perf_counter()
        result = booking_imports.import_bookings(hotel, mapping.load_mapping(HOTEL_MAPPING), actor=SYSTEM_ACTOR)
        took = time.perf_counter() - started
        print(json.dumps({'rows': result.added, 'import': took, 'report': _hotel_report(locations)}))
        return
    if step == 'unsaved':
        for saved in (Path(os.environ['CLIENTPULSE_DATA_DIR']) / 'analytics').rglob('*.npz'):
            saved.unlink()
        analytics_store.store()  # a store without saved copies: the report reads every row
    print(json.dumps({'report': _hotel_report(locations)}))


def _hotel_report(locations) -> float:
    ids = [x.id for x in locations.list_locations(actor=OWNER)]
    last = HOTEL_LAST_DAY.date()
    started = time.perf_counter()
    reports.report(ids, last - timedelta(days=29), last, actor=OWNER, as_of=HOTEL_LAST_DAY, time_zone='Europe/Lisbon')
    return time.perf_counter() - started


def _child(path: Path, step: str) -> dict:
    out = subprocess.run([sys.executable, __file__, '--keep', str(path), '--step', step], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def _peak_mb() -> float:
    """This process's peak resident memory (VmHWM; unlike ru_maxrss it is not inherited across exec)."""
    for line in Path('/proc/self/status').read_text().splitlines():
        if line.startswith('VmHWM:'):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _measure() -> dict:
    """Cold report (first read), refreshes after one booking made ahead and one change inside the period, then
    DuckDB on the same rows."""
    last = AS_OF.date() - timedelta(days=1)
    first = last - timedelta(days=29)
    ids = [1, 2, 3]
    started = time.perf_counter()
    reports.report(ids, first, last, actor=OWNER, as_of=AS_OF, time_zone='UTC')
    cold = time.perf_counter() - started
    refreshes, inside = [], []
    for _ in range(REFRESHES):  # one booking, then the report again: the median of a few (one alone is noisy)
        _book_one()
        started = time.perf_counter()
        reports.report(ids, first, last, actor=OWNER, as_of=AS_OF, time_zone='UTC')
        refreshes.append(time.perf_counter() - started)
    marked = _a_no_show(first, last)
    for turn in range(REFRESHES):  # a change of one of the period's days: taken back, marked again, ...
        if turn % 2 == 0:
            desk.undo_status(marked, actor=OWNER)
        else:
            desk.set_status(marked, BookingStatus.NO_SHOW, actor=OWNER)
        started = time.perf_counter()
        reports.report(ids, first, last, actor=OWNER, as_of=AS_OF, time_zone='UTC')
        inside.append(time.perf_counter() - started)
    refresh = statistics.median(refreshes)
    peak_report = _peak_mb()
    bookings = analytics_data.load_bookings(ids)
    lines = analytics_data.load_lines(ids)
    window = (datetime.combine(first, datetime.min.time(), UTC),
              datetime.combine(last + timedelta(days=1), datetime.min.time(), UTC))
    ducks = []
    for _ in range(REFRESHES):
        started = time.perf_counter()
        duckdb_aggregates(bookings, lines, *window)
        ducks.append(time.perf_counter() - started)
    duck = statistics.median(ducks)
    return {'cold': cold, 'refresh': refresh, 'refresh_inside': statistics.median(inside), 'duckdb': duck,
            'scan': _plain_scan(), 'peak_report': peak_report, 'peak_all': _peak_mb()}


def _a_no_show(first, last) -> int:
    """The id of a no-show booking on one of the days ``first`` … ``last`` (UTC).

    :raises SystemExit: the generated business has none in those days (too few bookings: ask for more)"""
    start = datetime.combine(first, datetime.min.time(), UTC)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), UTC)
    with session_scope() as session:
        found = session.exec(select(Booking.id).where(Booking.status == 'no_show', Booking.starts_at >= start,
                                                      Booking.starts_at < end).order_by(Booking.id)).first()
    if found is None:
        raise SystemExit(f'no no-show between {first} and {last} to mark and take back: generate more bookings')
    return found


def _plain_scan() -> float:
    """Seconds the sqlite3 module alone takes to read the columns the analytics keep of every booking and receipt
    line (as stored: times as text, statuses as words), one ``SELECT`` each, every row fetched in chunks."""
    import sqlite3
    connection = sqlite3.connect(os.environ['CLIENTPULSE_DATABASE_URL'].split('///', 1)[1])
    started = time.perf_counter()
    for sql in ('SELECT id, location_id, customer_id, staff_member_id, service_id, starts_at, ends_at, booked_at, '
                'status, channel, price_cents, notice_days, cancelled_at, time_known, source FROM booking',
                'SELECT l.id, r.location_id, l.receipt_id, r.issued_at, r.customer_id, l.staff_member_id, '
                'l.service_id, l.product_id, r.payment_method, bk.channel, l.amount_cents, l.description '
                'FROM receipt_line l JOIN receipt r ON r.id = l.receipt_id '
                'LEFT JOIN booking bk ON bk.id = r.booking_id'):
        cursor = connection.execute(sql)
        while cursor.fetchmany(50_000):
            pass
    took = time.perf_counter() - started
    connection.close()
    return took


def _restart() -> dict:
    """A new process's first report: from the columns saved by the first, patched with the log."""
    last = AS_OF.date() - timedelta(days=1)
    started = time.perf_counter()
    reports.report([1, 2, 3], last - timedelta(days=29), last, actor=OWNER, as_of=AS_OF, time_zone='UTC')
    return {'cold': time.perf_counter() - started, 'peak_report': _peak_mb()}


def _book_one() -> None:
    from app.models import CustomerRead, LocationRead, ServiceRead, StaffMemberRead
    from app.services.catalogue import locations
    from app.services.customers import customers
    from app.services.errors import SlotUnavailableError
    location = locations.get_location(1, actor=OWNER)
    member = StaffMemberRead(id=1, location_id=1, name='Staff 0', active=True)
    service = ServiceRead(id=1, location_id=1, code='S0', name='Service 0', duration_minutes=30, price_cents=3000)
    customer: CustomerRead = customers.get_customer(1, actor=OWNER)
    day = AS_OF.date() + timedelta(days=400)
    for offset in range(1000):  # a free slot (a kept database holds the earlier runs' bookings)
        start = datetime.combine(day + timedelta(days=offset // 8), datetime.min.time(), UTC) + timedelta(
            hours=9 + offset % 8)
        if start.weekday() > 5:
            continue
        try:
            make_booking(LocationRead.model_validate(location), member, service, customer, start, by=OWNER)
        except SlotUnavailableError:
            continue
        return


if __name__ == '__main__':
    main()
