"""The owner's Excel report of the hotel file (119,390 bookings) with every booking in it: how long it takes.

    .venv/bin/python bench/exports.py [--rows N]

Imports ``../shared/data/hotel_bookings.csv`` into a fresh SQLite database in a temporary folder, builds the
analytics report of both hotels over the file's whole period (2015-07-01 … 2017-08-31), then times, each once:
- report: building the report (``reports.build_report``);
- excel: the download the page's *Excel* button makes (``exports.export_for_download``: every section, figures
  only, with progress);
- pdf and csv: the other two report downloads;
- every booking (Excel) and every booking (CSV): the detail downloads, all 119,390 bookings, with progress;
- anchor: openpyxl's write-only mode writing the same number of rows of 12 plain values, no formats — the
  floor for any .xlsx writer in this stack, measured in the same run (13 values: the detail's columns).
Prints seconds and each time as a ratio to the anchor. The target (issue 17) is the Excel file in ≤ 10 s.
``--rows N`` imports N rows of the file taken evenly from it (and the anchor writes N rows): a quick run that checks
the bench still works (tests/bench), not a measurement.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from _fresh import fresh_database  # noqa: E402  (bench/, beside this file)
from _sample import sampled  # noqa: E402

from bench import report as bench_report  # noqa: E402

HOTEL = ROOT.parent / 'shared' / 'data' / 'hotel_bookings.csv'
MAPPING = ROOT / 'docs' / 'mappings' / 'hotel-bookings.toml'
PERIOD = (date(2015, 7, 1), date(2017, 8, 31))
ANCHOR_ROWS = 119_390


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument('--rows', type=int, help='import only this many rows, taken evenly from the file')
    bench_report.add_option(parser)
    args = parser.parse_args()
    anchor_rows = args.rows or ANCHOR_ROWS
    with fresh_database('hotel') as folder:
        from openpyxl import Workbook

        from app.services.analytics import exports, reports
        from app.services.imports import mapped, mapping
        from tests.factories import OWNER

        imported = mapped.import_bookings(sampled(HOTEL, args.rows, folder), mapping.load_mapping(MAPPING),
                                          actor=OWNER)
        ids = imported.location_ids
        times: dict[str, float] = {}
        started = time.perf_counter()
        report = reports.build_report(ids, *PERIOD, as_of=datetime(2017, 9, 1, tzinfo=UTC), time_zone='Europe/Lisbon')
        times['report'] = time.perf_counter() - started
        steps: list[float] = []
        names = {'xlsx': 'excel', exports.DETAIL_XLSX: 'every booking (Excel)', exports.DETAIL: 'every booking (CSV)'}
        for kind in ('xlsx', 'pdf', 'csv', exports.DETAIL_XLSX, exports.DETAIL):
            started = time.perf_counter()
            path = exports.export_for_download(report, actor=OWNER, kind=kind, title='Hotels — analytics',
                                               currency='EUR', locations=['Resort Hotel', 'City Hotel'],
                                               time_zone='Europe/Lisbon',
                                               progress=lambda fraction, _text: steps.append(fraction))
            times[names.get(kind, kind)] = time.perf_counter() - started
            if kind == 'xlsx':
                size, progress_calls = path.stat().st_size, len(steps)
        started = time.perf_counter()
        book = Workbook(write_only=True)
        sheet = book.create_sheet('Bookings')
        row = [1, 'Resort Hotel', datetime(2016, 1, 1), 'Walk-in', 'Front desk', 'Room A', 'Unclassified',
               'completed', 'online', 'TA/TO', 123.45, datetime(2015, 12, 1), None]
        for _ in range(anchor_rows):
            sheet.append(row)
        book.save(Path(folder) / 'anchor.xlsx')
        times['anchor'] = time.perf_counter() - started
    print(f'hotel file: {imported.added:,} bookings; the Excel report {size / 1e3:.0f} kB, {progress_calls} progress '
          'calls')
    for name in ('report', 'excel', 'pdf', 'csv', 'every booking (Excel)', 'every booking (CSV)', 'anchor'):
        print(f'{name:22s} {times[name]:6.2f} s   {times[name] / times["anchor"]:5.2f} × anchor')
    print(f'Excel report within 10 s: {"yes" if times["excel"] <= 10 else "NO"}')
    if args.markdown:
        table = bench_report.Table('exports', ['download', 'time (s)', '× anchor'], notes=[
            f'The hotel file ({imported.added:,} bookings), both hotels over the whole file; the Excel report is '
            f'{size / 1e3:.0f} kB. Anchor: openpyxl\'s write-only mode writing {anchor_rows:,} plain rows, the floor '
            f'for any .xlsx writer in this stack, same run ({times["anchor"]:.1f} s).'])
        labels = {'report': 'building the report itself', 'excel': 'Excel report (every figure, with progress)',
                  'pdf': 'PDF report', 'csv': 'CSV report', 'every booking (Excel)': 'every booking, Excel',
                  'every booking (CSV)': 'every booking, CSV'}
        for name, label in labels.items():
            table.add(label, f'{times[name]:.2f}', f'{times[name] / times["anchor"]:.2f}')
        table.write()


if __name__ == '__main__':
    main()
