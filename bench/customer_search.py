"""The customer pickers' search as the desk types, at the size of a real clinic (not a test).

    .venv/bin/python bench/customer_search.py [--customers 100000] [--visits 300000] [--repeat 5] [--postgres URL]

A fresh database (SQLite, or the PostgreSQL database at ``--postgres``, emptied first) with ``--customers`` customers
at one location (names drawn from a list with accents, Kenyan and Canadian phones, e-mails) and ``--visits`` past
bookings among them, then ANALYZE (VACUUM ANALYZE on PostgreSQL: the planner's statistics and visibility map, as a
database in use has them). Each keystroke of a few searches a desk types ('w', 'wa', 'wan', … 'wanjiru kam'; '0712
3…'; a code; an e-mail) is one call of ``customers.find_customers`` (the server's side of one keystroke: the query, the
ranking by last visit, the rows read into ``CustomerRead``), timed ``--repeat`` times. The anchor, interleaved with
each keystroke: a plain indexed query of the same location (``SELECT * FROM customer WHERE location_id = ? AND code
= ?``, one row, the unique index). Printed: per search, the median and worst milliseconds per keystroke and the
median's ratio to the anchor's.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import report  # noqa: E402
from bench._fresh import fresh_database  # noqa: E402

FIRST = ['Wanjiru', 'Amani', 'Zoë', 'José', 'Aïsha', 'Émile', 'Grace', 'Kamau', 'Nkechi', 'Sam', 'Renée', 'Otieno',
         'Chloé', 'Mwangi', 'Björn', 'Fatuma', 'Inès', 'Baraka', 'Noël', 'Achieng']
LAST = ['Kamau', 'Núñez', 'Otieno', 'Müller', 'Lee', 'Mutua', 'Ochieng', 'Dubois', 'Wambui', 'Kariuki', 'Lefèvre',
        'Njoroge', 'Ngugi', 'Åberg', 'Kimani', 'Mbeki', 'Uwase', 'Mugisha', 'Ndayisaba', 'Cohen']
NOW = datetime(2031, 1, 6, 12, tzinfo=UTC)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument('--customers', type=int, default=100_000)
    parser.add_argument('--visits', type=int, default=300_000)
    parser.add_argument('--repeat', type=int, default=5)
    parser.add_argument('--postgres', default='', help='a PostgreSQL URL to run on instead of SQLite (emptied)')
    parser.add_argument('--each', action='store_true', help="also print each keystroke's median")
    report.add_option(parser)
    args = parser.parse_args()
    with fresh_database('customer_search'):
        if args.postgres:
            _use_postgres(args.postgres)
        location_id, samples = _fill(args.customers, args.visits)
        _analyze()  # the planner's statistics, as autovacuum or SQLite's optimize keep them on a database in use
        kind = 'PostgreSQL' if args.postgres else 'SQLite'
        table = report.Table(f'customer_search{"_postgres" if args.postgres else ""}',
                             ['search typed', 'keystrokes', 'median ms', 'worst ms', 'anchor ms', '× anchor'],
                             notes=[f'{kind}, {args.customers:,} customers, {args.visits:,} past visits at one '
                                    f'location; each keystroke is one customers.find_customers (a page of 20, '
                                    f'recent first), timed {args.repeat} times. Anchor, interleaved: one row by '
                                    'the (location, code) unique index.'])
        print(f'{"search":<28} {"keys":>4} {"median ms":>9} {"worst ms":>8} {"anchor ms":>9} {"× anchor":>8}')
        for typed in samples:
            found, anchor = [], []
            for end in range(1, len(typed) + 1):
                these = []
                for _ in range(args.repeat):
                    these.append(_timed(lambda q=typed[:end]: _find(location_id, q)))
                    anchor.append(_timed(lambda: _anchor(location_id, samples[3])))
                found.extend(these)
                if args.each:
                    print(f'  {typed[:end]!r:<26} {statistics.median(these):>9.2f}')
            median, worst, base = statistics.median(found), max(found), statistics.median(anchor)
            print(f'{typed:<28} {len(typed):>4} {median:>9.2f} {worst:>8.2f} {base:>9.3f} {median / base:>8.1f}')
            table.add(typed, len(typed), f'{median:.2f}', f'{worst:.2f}', f'{base:.3f}', f'{median / base:.1f}')
        from app.services import database

        database.reset_engines()
    if args.markdown:
        table.write()


def _use_postgres(url: str) -> None:
    import os

    from app.config import reset_settings
    from app.services import database
    from tests.conftest import empty_postgres

    os.environ['CLIENTPULSE_DATABASE_URL'] = url
    reset_settings()
    database.reset_engines()
    database.migrate(url)
    empty_postgres(url)


def _fill(count: int, visits: int) -> tuple[int, list[str]]:
    """The location's id, and the searches to type (a name, a phone, a code, an e-mail of customers made)."""
    from sqlmodel import select

    from app.models import Booking, Customer, LocationCreate, ServiceCreate, StaffMemberCreate
    from app.models.booking import new_booking_code
    from app.services.accounts.access import SYSTEM_ACTOR
    from app.services.catalogue import catalog, locations, staff
    from app.services.database import session_scope

    rng = random.Random(7)
    location = locations.find_or_create_location(LocationCreate(name='Clinic', time_zone='Africa/Nairobi',
                                                                currency='KES', country='KE'))
    member = staff.create_staff_member(StaffMemberCreate(location_id=location.id, name='Dr Otieno'),
                                       actor=SYSTEM_ACTOR)
    service = catalog.create_service(ServiceCreate(location_id=location.id, code='CONS', name='Consultation',
                                                   category='', price_cents=150000, duration_minutes=30),
                                     actor=SYSTEM_ACTOR)
    with session_scope(write=True) as session:
        for start in range(0, count, 20_000):
            session.add_all([Customer(
                location_id=location.id, code=f'P{i:06d}', name=f'{rng.choice(FIRST)} {rng.choice(LAST)}',
                phone=f'07{rng.randrange(10 ** 8):08d}', phone_e164=f'+2547{rng.randrange(10 ** 8):08d}',
                email=f'patient{i}@example.co.ke', created_at=NOW - timedelta(days=rng.randrange(3000)))
                for i in range(start, min(count, start + 20_000))])
            session.flush()
            session.expunge_all()
        ids = session.exec(select(Customer.id).where(Customer.location_id == location.id)).all()
        rows = []
        for _ in range(visits):
            starts = NOW - timedelta(minutes=30 * rng.randrange(1, 200_000))
            rows.append({'location_id': location.id, 'customer_id': rng.choice(ids), 'service_id': service.id,
                         'staff_member_id': member.id, 'starts_at': starts, 'ends_at': starts + timedelta(minutes=30),
                         'status': 'completed', 'channel': 'phone', 'price_cents': 150000, 'notes': '',
                         'code': new_booking_code()})
        session.bulk_insert_mappings(Booking, rows)
        someone = session.exec(select(Customer).where(Customer.location_id == location.id)
                               .order_by(Customer.id.desc())).first()
        phone = someone.phone_e164.replace('+254', '0')
    return location.id, ['wanjiru kam', 'jose nunez', f'{phone[:4]} {phone[4:7]} {phone[7:]}', someone.code.lower(),
                         someone.email[:12]]


def _analyze() -> None:
    from sqlalchemy import text

    from app.services import database

    engine = database.get_engine()
    if engine.dialect.name == 'postgresql':  # VACUUM too: index-only scans need the visibility map autovacuum keeps
        with engine.connect().execution_options(isolation_level='AUTOCOMMIT') as connection:
            connection.execute(text('VACUUM ANALYZE'))
    else:
        with engine.begin() as connection:
            connection.execute(text('ANALYZE'))


def _find(location_id: int, query: str) -> None:
    from app.services.accounts.access import SYSTEM_ACTOR
    from app.services.customers import customers

    customers.find_customers(location_id, query, actor=SYSTEM_ACTOR, now=NOW)


def _anchor(location_id: int, code: str) -> None:
    from sqlmodel import select

    from app.models import Customer
    from app.services.database import session_scope

    with session_scope() as session:
        session.exec(select(Customer).where(Customer.location_id == location_id,
                                            Customer.code == code.upper())).first()


def _timed(call) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


if __name__ == '__main__':
    main()
