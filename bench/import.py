"""Rows per second of the generic import for both real files, on SQLite and (if reachable) PostgreSQL, against the
raw driver writing the same rows.

    .venv/bin/python bench/import.py [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres] [--rows N]

Each database kind gets two fresh databases, migrated beforehand (not timed): one the import writes to, one the
anchor writes to. For each file, in the same run:

- **import** (the figure): ``imports.mapped.import_bookings`` as the owner — reading and mapping the file, the
  locations, staff members, services and customers it names (with the customers' search words), its bookings, in one
  transaction, then the analytics columns saved;
- **anchor**: the rows that import just wrote (read back from its database, not timed) — the same staff members,
  services, customers, customer words and bookings, the same columns (those ``app/services/imports/mapped.py``
  writes, ids included) — inserted into the other database by the driver alone in one transaction: SQLite
  ``executemany`` with the sqlite3 module (the app's settings: WAL, foreign keys checked), PostgreSQL ``COPY … FROM
  STDIN`` with psycopg. The location rows are copied beforehand, untimed (one or two rows).

Prints per file: rows, seconds and rows/s of the import, the anchor's rows/s, the import's rate as a ratio to it
(issue 33's target: ≥ 0.7× executemany / COPY) and, apart, the seconds of reading + mapping the file alone.
``--rows N`` imports N rows of each file, taken evenly from it: a quick run that checks the bench still works
(tests/bench), not a measurement.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from sqlalchemy import create_engine, insert, select, text  # noqa: E402
from sqlalchemy.orm import configure_mappers  # noqa: E402

from app.config import reset_settings  # noqa: E402
from app.models import Location  # noqa: E402
from app.services import database  # noqa: E402
from app.services.accounts.access import SYSTEM_ACTOR  # noqa: E402
from app.services.imports import mapped as booking_imports  # noqa: E402
from app.services.imports import mapping  # noqa: E402
from bench import report as bench_report  # noqa: E402
from bench._sample import sampled  # noqa: E402

DATA = ROOT.parent / 'shared' / 'data'
FILES = [('KaggleV2-May-2016.csv', 'clinic-noshow.toml'), ('hotel_bookings.csv', 'hotel-bookings.toml')]
COLUMNS = {  # what app/services/imports/mapped.py writes to each table (its _related_row, word_rows, _booking_columns)
    'staff_member': ('id', 'location_id', 'name', 'active'),
    'service': ('id', 'location_id', 'code', 'name', 'category', 'price_cents', 'cost_cents', 'duration_minutes',
                'active'),
    'customer': ('id', 'location_id', 'code', 'name', 'phone', 'email', 'notes', 'created_at'),
    'customer_word': ('location_id', 'word', 'customer_id'),
    'booking': ('id', 'location_id', 'customer_id', 'service_id', 'staff_member_id', 'starts_at', 'ends_at',
                'booked_at', 'status', 'cancelled_at', 'channel', 'source', 'time_known', 'price_cents', 'notes',
                'import_key', 'code'),
}
"""Table → columns, in the order the anchor inserts them (a row's references first)."""
NEWER = {'customer_word': 'customer_id'}
"""The column telling a table's rows added by an import (``id`` where not named): higher than before it."""


TABLE = bench_report.Table('import', ['database', 'file', 'rows', 'added', 'seconds', 'rows/s',
                                      'anchor: raw driver (rows/s)', '× anchor', 'read + map alone (s)'],
                           notes=['Each database fresh and migrated beforehand (not timed). Anchor, same run: the '
                                  'rows the import wrote (staff members, services, customers, their search words, '
                                  'bookings; the same columns) inserted into a second fresh database by the driver '
                                  'alone in one transaction: SQLite executemany (sqlite3), PostgreSQL COPY (psycopg). '
                                  'The import\'s seconds include reading and mapping the file (shown apart) and '
                                  'saving the analytics columns. Target (issue 33): ≥ 0.7× the anchor.'])


def run(url: str, anchor_url: str, label: str, files: dict[str, Path]) -> None:
    os.environ['CLIENTPULSE_DATABASE_URL'] = url
    reset_settings()
    database.reset_engines()
    database.migrate(url)
    database.migrate(anchor_url)
    # the ORM's mappers, configured at a process's first ORM query (~0.25 s here): a serving app has done it before
    # anyone imports, so the first file's import is not charged with it
    configure_mappers()
    anchor_name = 'COPY' if label == 'PostgreSQL' else 'executemany'
    for name, mapping_file in FILES:
        spec = mapping.load_mapping(ROOT / 'docs' / 'mappings' / mapping_file)
        started = time.perf_counter()
        mapping.map_frame(mapping.read_table(files[name], spec), spec, file=name)
        read_seconds = time.perf_counter() - started
        before = _last_keys(url)
        started = time.perf_counter()
        report = booking_imports.import_bookings(files[name], spec, actor=SYSTEM_ACTOR)
        seconds = time.perf_counter() - started
        anchor_seconds = _anchor(url, anchor_url, before)
        rate, anchor_rate = report.rows / seconds, report.added / anchor_seconds
        print(f'{label:10} {name:24} {report.rows:>7} rows ({report.added} added) {seconds:6.2f} s '
              f'{rate:>8.0f} rows/s; {anchor_name} {anchor_seconds:6.2f} s {anchor_rate:>8.0f} rows/s; '
              f'{rate / anchor_rate:.2f} × {anchor_name} (read + map alone {read_seconds:.2f} s)')
        TABLE.add(label, f'`{name}`', f'{report.rows:,}', f'{report.added:,}', f'{seconds:.1f}', f'{rate:,.0f}',
                  f'{anchor_rate:,.0f} ({anchor_name})', f'{rate / anchor_rate:.2f}', f'{read_seconds:.1f}')


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument('--postgres', default='postgresql+psycopg://postgres@127.0.0.1:5432/postgres')
    parser.add_argument('--rows', type=int, help='import only this many rows of each file, taken evenly')
    bench_report.add_option(parser)
    args = parser.parse_args()
    try:
        with tempfile.TemporaryDirectory() as samples:
            _run_both(args, {name: sampled(DATA / name, args.rows, Path(samples)) for name, _ in FILES})
    finally:
        if args.markdown:
            TABLE.write()


def _run_both(args: argparse.Namespace, files: dict[str, Path]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        run(f'sqlite:///{folder}/bench.db', f'sqlite:///{folder}/anchor.db', 'SQLite', files)
    name = f'clientpulse_bench_{uuid.uuid4().hex[:8]}'
    admin = create_engine(args.postgres, isolation_level='AUTOCOMMIT')
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE {name}'))
            connection.execute(text(f'CREATE DATABASE {name}_anchor'))
    except Exception as error:
        print(f'PostgreSQL skipped: {error.__class__.__name__}')
        TABLE.note('PostgreSQL was not reachable: only SQLite was measured.')
        return
    try:
        server = args.postgres.rsplit('/', 1)[0]
        run(f'{server}/{name}', f'{server}/{name}_anchor', 'PostgreSQL', files)
    finally:
        database.reset_engines()
        with admin.connect() as connection:
            for database_name in (name, f'{name}_anchor'):
                connection.execute(text(f'DROP DATABASE IF EXISTS {database_name} WITH (FORCE)'))


def _anchor(url: str, anchor_url: str, before: dict[str, int]) -> float:
    """Copy the rows written to ``url`` since ``before`` (:func:`_last_keys`) into ``anchor_url`` by the raw
    driver, timed: the seconds of the one transaction inserting them (locations copied first, untimed)."""
    new_locations = select(Location.__table__).where(Location.__table__.c.id > before['location'])
    source_engine, target_engine = create_engine(url), create_engine(anchor_url)
    try:
        with source_engine.connect() as source, target_engine.begin() as target:
            located = [dict(row._mapping) for row in source.execute(new_locations)]
            if located:
                target.execute(insert(Location.__table__), located)
    finally:
        source_engine.dispose()
        target_engine.dispose()
    with _driver(url) as source:
        rows = {table: source.execute(f'SELECT {", ".join(columns)} FROM {table} WHERE '
                                      f'{NEWER.get(table, "id")} > {before[table]}').fetchall()
                for table, columns in COLUMNS.items()}
    with _driver(anchor_url) as target:
        started = time.perf_counter()
        if isinstance(target, sqlite3.Connection):
            target.execute('BEGIN')
            for table, columns in COLUMNS.items():
                target.executemany(f'INSERT INTO {table} ({", ".join(columns)}) '
                                   f'VALUES ({", ".join("?" * len(columns))})', rows[table])
            target.execute('COMMIT')
        else:
            with target.transaction(), target.cursor() as cursor:
                for table, columns in COLUMNS.items():
                    with cursor.copy(f'COPY {table} ({", ".join(columns)}) FROM STDIN') as copy:
                        for row in rows[table]:
                            copy.write_row(row)
        return time.perf_counter() - started


def _last_keys(url: str) -> dict[str, int]:
    """The highest key of each table :data:`COLUMNS` names (and of ``location``) so far: 0 for an empty one."""
    tables = {'location': 'id'} | {table: NEWER.get(table, 'id') for table in COLUMNS}
    with _driver(url) as connection:
        return {table: connection.execute(f'SELECT COALESCE(MAX({key}), 0) FROM {table}').fetchone()[0]
                for table, key in tables.items()}


@contextmanager
def _driver(url: str) -> Iterator[sqlite3.Connection | psycopg.Connection]:
    """A DB-API connection to ``url`` in autocommit: sqlite3 with the app's settings (WAL, foreign keys checked,
    a busy timeout), or psycopg."""
    if url.startswith('sqlite'):
        connection = sqlite3.connect(url.split('///', 1)[1], isolation_level=None)
        connection.execute('PRAGMA foreign_keys=ON')
        connection.execute('PRAGMA journal_mode=WAL')
        connection.execute('PRAGMA busy_timeout=30000')
    else:
        connection = psycopg.connect(url.replace('postgresql+psycopg', 'postgresql'), autocommit=True)
    try:
        yield connection
    finally:
        connection.close()


if __name__ == '__main__':
    main()
