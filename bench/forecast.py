"""The four-week forecast's backtest error on the real files, beside the seasonal naive forecast's.

    .venv/bin/python bench/forecast.py [--rows N]

Imports the hotel file (two hotels), the salon export and the clinic file from ``../shared/data`` into a fresh
SQLite database, then for each location prints the history the forecast learns from (days), the MAPE of the
Holt-Winters forecast on the last four weeks held out — for bookings per day and booked value per day — the
MAPE of "the same weekday one week earlier" on the same weeks (the anchor, computed in the same run), their
ratio (below 1: the model beats the anchor), and how long fitting and backtesting took. ``--rows N`` imports N rows
of the hotel and clinic files, taken evenly from each (the salon export is small: whole): a quick run that checks
the bench still works (tests/bench), not a measurement.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from _fresh import fresh_database  # noqa: E402  (bench/, beside this file)
from _sample import sampled  # noqa: E402

from bench import report  # noqa: E402

DATA = ROOT.parent / 'shared' / 'data'


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument('--rows', type=int, help='import only this many rows of each large file, taken evenly')
    report.add_option(parser)
    args = parser.parse_args()
    table = report.Table('forecast', ['location', 'days of history', 'bookings MAPE', 'naive', 'ratio',
                                      'booked value MAPE', 'naive', 'ratio', 'fit (s)'], notes=[
        'MAPE over the last four weeks held out (days with bookings). Anchor: "the same weekday one week earlier" on '
        'the same weeks; a ratio below 1 means the model is better.'])
    with fresh_database('files') as folder:
        from app.services import i18n
        from app.services.analytics import forecast
        from app.services.catalogue import locations
        from app.services.imports import mapped, mapping, salon
        from tests.factories import OWNER

        ids = []
        for name, spec in (('hotel_bookings.csv', 'hotel-bookings.toml'), ('KaggleV2-May-2016.csv',
                                                                           'clinic-noshow.toml')):
            ids += mapped.import_bookings(sampled(DATA / name, args.rows, folder),
                                          mapping.load_mapping(ROOT / 'docs' / 'mappings' / spec),
                                          actor=OWNER).location_ids
        ids.append(salon.import_salon(DATA, actor=OWNER, as_of=datetime(2026, 11, 21, tzinfo=UTC)).location_id)
        print(f'{"location":28s} {"days":>5s}  {"bookings MAPE":>13s} {"naive":>7s} {"ratio":>6s}  '
              f'{"value MAPE":>10s} {"naive":>7s} {"ratio":>6s}  {"fit s":>6s}')
        for location in locations.list_locations(actor=OWNER):
            if location.id not in ids:
                continue
            history = forecast.daily_history(location.id, as_of=datetime(2026, 12, 1, tzinfo=UTC),
                                             time_zone=location.time_zone)
            started = time.perf_counter()
            result = forecast.build_forecast(location.id, history)
            took = time.perf_counter() - started
            if result.reason:
                reason = i18n.shown(result.reason)  # a deferred message, in words
                print(f'{location.name[:28]:28s} {result.history_days:5d}  {reason}')
                table.add(location.name, result.history_days, reason, '', '', '', '', '', '')
                continue
            percent = lambda v: '–' if v is None else f'{v * 100:.1f} %'  # noqa: E731
            ratio = lambda a, b: '–' if not a or not b else f'{a / b:.2f}'  # noqa: E731
            print(f'{location.name[:28]:28s} {result.history_days:5d}  {percent(result.bookings_mape):>13s} '
                  f'{percent(result.bookings_naive_mape):>7s} '
                  f'{ratio(result.bookings_mape, result.bookings_naive_mape):>6s}'
                  f'  {percent(result.value_mape):>10s} {percent(result.value_naive_mape):>7s} '
                  f'{ratio(result.value_mape, result.value_naive_mape):>6s}  {took:6.2f}')
            table.add(location.name, result.history_days, percent(result.bookings_mape),
                      percent(result.bookings_naive_mape), ratio(result.bookings_mape, result.bookings_naive_mape),
                      percent(result.value_mape), percent(result.value_naive_mape),
                      ratio(result.value_mape, result.value_naive_mape), f'{took:.2f}')
    if args.markdown:
        table.write()


if __name__ == '__main__':
    main()
