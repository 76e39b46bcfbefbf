"""The no-show model on the clinic file: trained on the earliest 80 % of appointment days, scored on the rest.

    .venv/bin/python bench/noshow.py [--rows N] [--upcoming 3000]

Imports ``KaggleV2-May-2016.csv`` from ``../shared/data`` through the app's own mapping into a fresh SQLite
database, builds the app's features (``app/services/analytics/noshow.py``: only what was known when each
appointment was made) and prints, for the appointments of the last 20 % of days: the ROC AUC and Brier score of the
app's logistic regression, of a rule from the lead time alone (each lead-time band's no-show rate in the training
days) and of the training no-show rate for everyone (Brier only), beside the published figures for this data set.
Then the same on the hotel file's two hotels (its ``No-Show`` reservations kept apart from cancellations), and
how long building the features and fitting took. Last, on the clinic file with its latest 3,000 appointments made
upcoming: how long the pages' risks take to recompute after a change, as a ratio to reading the bookings.
``--rows N`` imports N rows of each file, taken evenly from it, and ``--upcoming`` sets how many are made upcoming:
a quick run that checks the bench still works (tests/bench), not a measurement.

Published (for comparison, not measured here): logistic regression on features known at booking time, ROC AUC about
0.60; models that also learn from same-day appointments 0.66–0.73. Same-day appointments (lead 0) are in both our
training and test rows: the lead time is a feature.

Note: the clinic export's ``SMS_received`` column is not imported (no mapping field carries it), so the ``reminder``
feature is "no" for every row here; in the app it comes from the outbox.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from _fresh import fresh_database  # noqa: E402  (bench/, beside this file)
from _sample import sampled  # noqa: E402

from bench import report  # noqa: E402

DATA = ROOT.parent / 'shared' / 'data'
PUBLISHED = 'published: leakage-free logistic regression ≈ 0.60; with same-day appointments 0.66–0.73'


def main() -> None:
    import argparse
    parser = argparse.ArgumentParser()
    parser.add_argument('--rows', type=int, help='import only this many rows of each file, taken evenly')
    parser.add_argument('--upcoming', type=int, default=3000, help='clinic bookings made upcoming for the live risks')
    report.add_option(parser)
    args = parser.parse_args()
    results = report.Table('noshow', ['location', 'train / test bookings', 'no-shows', 'ROC AUC: model',
                                      'lead-time rule', 'Brier: model', 'lead-time rule', 'everyone the base rate'],
                           notes=['Trained on the earliest 80 % of days, scored on the rest. Anchors: a rule from '
                                  'the lead time alone, and the training no-show rate for everyone (Brier only).',
                                  PUBLISHED[0].upper() + PUBLISHED[1:] + ' (not measured here).'])
    live = report.Table('noshow_live', ['upcoming bookings', 'risks recomputed (ms)', 'reading the bookings (ms)',
                                        '× anchor'], notes=[
        f'The clinic file with its latest {args.upcoming:,} appointments made upcoming: the risks every page showing '
        'the day or the list asks for after a change. Anchor: reading the location\'s bookings, best of three, same '
        'run.'])
    with fresh_database('files') as folder:
        from app.services.analytics import noshow
        from app.services.catalogue import locations
        from app.services.imports import mapped, mapping
        from tests.factories import OWNER

        ids = mapped.import_bookings(sampled(DATA / 'KaggleV2-May-2016.csv', args.rows, folder),
                                     mapping.load_mapping(ROOT / 'docs' / 'mappings' / 'clinic-noshow.toml'),
                                     actor=OWNER).location_ids
        # the hotel mapping folds No-Show into cancelled (as the data's article does); here they are kept apart
        hotel = (ROOT / 'docs' / 'mappings' / 'hotel-bookings.toml').read_text(encoding='utf-8')
        kept_apart = Path(folder) / 'hotel-no-shows.toml'
        kept_apart.write_text(hotel.replace(
            'status = { column = "is_canceled", values = { "1" = "cancelled", "0" = "completed" } }',
            'status = { column = "reservation_status", values = { Canceled = "cancelled", "Check-Out" = "completed", '
            '"No-Show" = "no_show" } }'), encoding='utf-8')
        assert kept_apart.read_text(encoding='utf-8') != hotel, 'the hotel mapping changed: update this bench'
        ids += mapped.import_bookings(sampled(DATA / 'hotel_bookings.csv', args.rows, folder),
                                      mapping.load_mapping(kept_apart), actor=OWNER).location_ids
        print(f'{"location":28s} {"train":>7s} {"test":>7s} {"no-show":>8s}  {"model AUC":>9s} {"lead AUC":>8s}  '
              f'{"model Brier":>11s} {"lead Brier":>10s} {"base Brier":>10s}  {"features s":>10s} {"fit s":>6s}')
        for location in locations.list_locations(actor=OWNER):
            if location.id not in ids:
                continue
            started = time.perf_counter()
            frame = noshow.load_frame(location.id)
            table = noshow.features(frame)
            learn = noshow.decided(frame)
            built = time.perf_counter() - started
            y = (frame.loc[learn, 'status'].astype(str) == 'no_show').astype(int)
            started = time.perf_counter()
            result = noshow.backtest(table.loc[learn], y, frame.loc[learn, 'local_start'])
            took = time.perf_counter() - started
            number = lambda v, digits=3: '–' if v is None else f'{v:.{digits}f}'  # noqa: E731
            print(f'{location.name[:28]:28s} {result["train"]:7d} {result["test"]:7d} {y.mean():8.1%}  '
                  f'{number(result["auc"]):>9s} {number(result["lead_auc"]):>8s}  {number(result["brier"], 4):>11s} '
                  f'{number(result["lead_brier"], 4):>10s} {number(result["base_brier"], 4):>10s}  '
                  f'{built:10.2f} {took:6.2f}')
            results.add(location.name, f'{result["train"]:,} / {result["test"]:,}', f'{y.mean():.1%}',
                        number(result['auc']), number(result['lead_auc']), number(result['brier'], 4),
                        number(result['lead_brier'], 4), number(result['base_brier'], 4))
        print(PUBLISHED)
        live_risks(ids[0], args.upcoming, table=live)
    if args.markdown:
        results.write()
        live.write()


def live_risks(location_id: int, upcoming: int = 3000, table: report.Table | None = None) -> None:
    """The risks every page showing the day or the list asks for after each change of the location's bookings
    (``noshow.live_risks``, recomputed once per change): the latest ``upcoming`` bookings made booked, the model
    trained, then the recompute timed (best of three) against reading the location's bookings
    (``noshow.load_frame``), in the same run."""
    import shutil

    from sqlmodel import col, select, update

    from app.config import get_settings
    from app.models import Booking, BookingStatus
    from app.services.analytics import noshow
    from app.services.analytics import store as analytics_store
    from app.services.database import session_scope

    with session_scope(write=True) as session:
        latest = session.exec(select(Booking.id).where(Booking.location_id == location_id).order_by(
            col(Booking.starts_at).desc()).limit(upcoming)).all()
        session.exec(update(Booking).where(col(Booking.id).in_(latest)).values(status=BookingStatus.BOOKED))
    analytics_store._stores.clear()  # changed behind the store's back: read afresh
    shutil.rmtree(get_settings().data_dir / 'analytics', ignore_errors=True)
    noshow.train(location_id)

    def best(work) -> float:
        times = []
        for _ in range(3):
            noshow._risks.clear()
            started = time.perf_counter()
            work(location_id)
            times.append(time.perf_counter() - started)
        return min(times)

    anchor, recompute = best(noshow.load_frame), best(noshow.live_risks)
    print(f'live risks of {len(noshow.live_risks(location_id)):,} upcoming bookings: recomputed in '
          f'{recompute * 1000:.0f} ms = {recompute / anchor:.1f}× reading the location\'s bookings '
          f'({anchor * 1000:.0f} ms)')
    if table is not None:
        table.add(f'{len(noshow.live_risks(location_id)):,}', f'{recompute * 1000:.0f}', f'{anchor * 1000:.0f}',
                  f'{recompute / anchor:.1f}')


if __name__ == '__main__':
    main()
