"""Rows per second of the generic import for both real files, on SQLite and (if reachable) PostgreSQL.

    .venv/bin/python bench/import.py [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres] [--rows N]

Each run imports into a fresh database (migrated beforehand, not timed) and prints one line per
file: rows, seconds, rows/s, and the split between reading+mapping and writing. ``--rows N`` imports N rows of each
file, taken evenly from it: a quick run that checks the bench still works (tests/bench), not a measurement.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from app.config import reset_settings  # noqa: E402
from app.services import database  # noqa: E402
from app.services.accounts.access import SYSTEM_ACTOR  # noqa: E402
from app.services.imports import mapped as booking_imports  # noqa: E402
from app.services.imports import mapping  # noqa: E402
from bench import report as bench_report  # noqa: E402
from bench._sample import sampled  # noqa: E402

DATA = ROOT.parent / 'shared' / 'data'
FILES = [('KaggleV2-May-2016.csv', 'clinic-noshow.toml'), ('hotel_bookings.csv', 'hotel-bookings.toml')]


TABLE = bench_report.Table('import', ['database', 'file', 'rows', 'added', 'seconds', 'rows/s',
                                      'read + map alone (rows/s)', '× read + map'],
                           notes=['Each database fresh and migrated beforehand (not timed). Anchor: reading and '
                                  'mapping the same file without writing, same run.'])


def run(url: str, label: str, files: dict[str, Path]) -> None:
    os.environ['CLIENTPULSE_DATABASE_URL'] = url
    reset_settings()
    database.reset_engines()
    database.migrate(url)
    for name, mapping_file in FILES:
        spec = mapping.load_mapping(ROOT / 'docs' / 'mappings' / mapping_file)
        started = time.perf_counter()
        mapped = mapping.map_frame(mapping.read_table(files[name], spec), spec, file=name)
        read_seconds = time.perf_counter() - started
        started = time.perf_counter()
        report = booking_imports.import_bookings(files[name], spec, actor=SYSTEM_ACTOR)
        seconds = time.perf_counter() - started
        print(f'{label:10} {name:24} {report.rows:>7} rows ({report.added} added) {seconds:6.2f} s '
              f'{report.rows / seconds:>8.0f} rows/s '
              f'(read+map alone {read_seconds:.2f} s, {len(mapped) / read_seconds:.0f} rows/s; '
              f'{seconds / read_seconds:.1f} × read + map)')
        TABLE.add(label, f'`{name}`', f'{report.rows:,}', f'{report.added:,}', f'{seconds:.1f}',
                  f'{report.rows / seconds:,.0f}', f'{len(mapped) / read_seconds:,.0f}',
                  f'{seconds / read_seconds:.1f}')


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
        run(f'sqlite:///{folder}/bench.db', 'SQLite', files)
    name = f'clientpulse_bench_{uuid.uuid4().hex[:8]}'
    admin = create_engine(args.postgres, isolation_level='AUTOCOMMIT')
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE {name}'))
    except Exception as error:
        print(f'PostgreSQL skipped: {error.__class__.__name__}')
        TABLE.note('PostgreSQL was not reachable: only SQLite was measured.')
        return
    try:
        run(args.postgres.rsplit('/', 1)[0] + f'/{name}', 'PostgreSQL', files)
    finally:
        database.reset_engines()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS {name} WITH (FORCE)'))


if __name__ == '__main__':
    main()
