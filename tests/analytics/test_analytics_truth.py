"""Analytics that hold on any business's data: the definitions of docs/metrics.md on small hand-computed frames,
and on the real files in ../shared/data against figures this test computes itself from the raw CSVs."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from app.services.analytics import exports, reports
from app.services.analytics import frames as analytics_data
from app.services.analytics import metrics as a
from app.services.imports import mapped as booking_imports
from app.services.imports import mapping, salon
from tests.analytics.test_analytics import bookings_frame, lines_frame
from tests.factories import OWNER

MAPPINGS = Path(__file__).resolve().parents[2] / 'docs' / 'mappings'
AS_OF = datetime(2024, 7, 1, tzinfo=UTC)


def local(frame: pd.DataFrame, booked: list[str | None], cancelled: list[str | None] | None = None,
          **extra) -> pd.DataFrame:
    """``frame`` with local booked-at / cancelled-at wall times ('YYYY-MM-DD HH:MM', None = unknown)."""
    cancelled = cancelled or [None] * len(frame)
    return frame.assign(local_booked=pd.to_datetime(pd.Series(booked, dtype=object)),
                        local_cancelled=pd.to_datetime(pd.Series(cancelled, dtype=object)), **extra)


# --- definitions on hand-computed frames ---------------------------------------------------------------------------

def test_lead_time_counts_calendar_days_between_local_dates():
    frame = local(bookings_frame([
        (1, 'JJ', '2024-06-03 00:00', 0, 'completed', 0, None),   # date-only start, booked 15:00 that day: 0
        (2, 'JJ', '2024-06-03 09:00', 30, 'completed', 0, None),  # booked late the evening before: 1
        (3, 'JJ', '2024-06-10 10:00', 30, 'no_show', 0, None),    # booked a week before: 7
        (4, 'JJ', '2024-06-10 10:00', 30, 'completed', 0, None),  # no booked-at: left out
        (5, 'JJ', '2024-06-10 10:00', 30, 'completed', 0, None),  # booked after its start (an export error)
    ]), ['2024-06-03 15:00', '2024-06-02 23:30', '2024-06-03 10:00', None, '2024-06-11 08:00'])
    assert a.lead_time_days(frame).tolist() == [0, 1, 7]
    summary = a.lead_time_summary(frame)
    assert summary == {'mean_days': pytest.approx(8 / 3), 'median_days': 1.0, 'same_day_share': pytest.approx(1 / 3),
                       'count': 3, 'unknown': 2}
    assert a.lead_time_distribution(frame).to_dict() == {
        'same day': 1, '1–2 days': 1, '3–7 days': 1, '8–14 days': 0, '15–30 days': 0, '31+ days': 0}


def test_notice_is_the_days_between_local_dates_and_falls_back_to_the_stated_days():
    frame = local(bookings_frame([
        (1, 'JJ', '2024-06-05 09:00', 30, 'cancelled', 5, 9),     # cancelled 23:50 the day before: 1 (not the 9)
        (2, 'JJ', '2024-06-05 18:00', 30, 'cancelled', 5, None),  # cancelled the same morning: 0
        (3, 'JJ', '2024-06-05 18:00', 30, 'cancelled', 5, 3),     # moment unknown: the export's 3
        (4, 'JJ', '2024-06-05 18:00', 30, 'cancelled', 5, None),  # neither: unknown
        (5, 'JJ', '2024-06-05 18:00', 30, 'completed', 5, None),  # not cancelled: not counted
    ]), [None] * 5, ['2024-06-04 23:50', '2024-06-05 08:00', None, None, None])
    assert a.notice_days(frame).tolist()[:3] == [1.0, 0.0, 3.0] and np.isnan(a.notice_days(frame).iloc[3])
    assert a.cancellation_notice(frame).to_dict() == {'same day': 1, '1 day': 1, '2–6 days': 1, '7+ days': 0,
                                                      'unknown': 1}


def test_booked_value_counts_every_booking_not_cancelled_at_its_start():
    frame = bookings_frame([
        (1, 'JJ', '2024-06-03 10:00', 60, 'completed', 3, None),
        (2, 'JJ', '2024-06-03 11:00', 30, 'no_show', 0, None),
        (3, 'JJ', '2024-06-04 10:00', 60, 'cancelled', 10, 2),
        (4, 'JJ', '2024-07-04 10:00', 60, 'booked', 10, None),
    ]).assign(price_cents=[1000, 2000, 4000, 8000])
    assert a.booked_value(frame) == 11_000
    assert a.booked_value_by_month(frame).to_dict() == {pd.Period('2024-06'): 3000, pd.Period('2024-07'): 8000}
    daily = a.revenue_by_period(a.booked_value_lines(frame), freq='D', start=datetime(2024, 6, 3),
                                end=datetime(2024, 6, 5))
    assert daily.tolist() == [3000, 0]


def test_breakdowns_by_dimension_and_hours_leave_out_unknown_times():
    frame = bookings_frame([
        (1, 'JJ', '2024-06-03 10:00', 60, 'completed', 3, None),   # Monday 10:00
        (2, 'JJ', '2024-06-03 11:00', 30, 'no_show', 0, None),     # Monday 11:00
        (3, 'KELLY', '2024-06-04 10:00', 60, 'cancelled', 10, 2),  # Tuesday 10:00
        (4, 'KELLY', '2024-06-04 00:00', 0, 'completed', 10, None),  # Tuesday, time unknown
    ]).assign(time_known=[True, True, True, False], source=['TA/TO', 'Direct', 'TA/TO', 'TA/TO'],
              price_cents=[1000, 2000, 4000, 8000])
    staff = a.breakdown(frame, 'staff')
    assert staff.loc['JJ', ['bookings', 'cancellations', 'due', 'no_shows', 'booked_value_cents']].tolist() == [
        2, 0, 2, 1, 3000]
    assert staff.loc['JJ', 'no_show_rate'] == pytest.approx(0.5)
    assert staff.loc['KELLY', 'cancellation_rate'] == pytest.approx(0.5)
    weekday = a.breakdown(frame, 'weekday')
    assert weekday.index.tolist() == ['Monday', 'Tuesday'] and weekday['cancellations'].tolist() == [0, 1]
    hours = a.breakdown(frame, 'hour')
    assert hours.index.tolist() == [10, 11] and hours['bookings'].tolist() == [2, 1]  # the 00:00 one left out
    assert a.breakdown(frame, 'source')['bookings'].to_dict() == {'TA/TO': 3, 'Direct': 1}
    heat = a.peak_hours(frame)
    assert heat.to_numpy().sum() == 2 and 0 not in heat.columns  # due and time known only
    assert a.hour_unknown_share(frame) == pytest.approx(1 / 4)
    assert a.weekday_counts(frame).head(2).tolist() == [2, 1]  # a date-only booking still has its weekday


def test_customer_counts_and_repeat_share():
    frame = bookings_frame([
        (1, 'JJ', '2024-06-03 10:00', 60, 'completed', 3, None),
        (1, 'JJ', '2024-06-10 10:00', 60, 'cancelled', 3, 1),
        (2, 'JJ', '2024-06-03 11:00', 30, 'no_show', 0, None),
        (3, 'JJ', '2024-06-04 10:00', 60, 'completed', 10, None),
        (np.nan, 'JJ', '2024-06-04 12:00', 60, 'completed', 0, None),
    ])
    assert a.customer_counts(frame) == {'booked': 3, 'visited': 2, 'repeat_share': pytest.approx(1 / 3)}


def test_utilisation_counts_lengthless_bookings_at_their_service_duration():
    frame = bookings_frame([
        (1, 'JJ', '2024-06-03 10:00', 60, 'completed', 3, None),
        (2, 'JJ', '2024-06-03 11:00', 0, 'completed', 0, None),   # no length: its service's 45 minutes
        (3, 'KELLY', '2024-06-04 10:00', 0, 'completed', 0, None),  # neither: counted apart
        (4, 'KELLY', '2024-06-04 11:00', 0, 'cancelled', 0, None),  # cancelled: not due
    ]).assign(service_minutes=[60.0, 45.0, np.nan, 45.0])
    working = pd.Series({'JJ': 210.0, 'KELLY': 120.0})
    assert a.staff_utilisation(frame, working).to_dict() == {'JJ': pytest.approx(0.5), 'KELLY': 0.0}
    assert a.unmeasured_bookings(frame) == 1


def test_two_visits_on_one_day_give_no_interval():
    frame = bookings_frame([
        (1, 'JJ', '2024-06-03 10:00', 60, 'completed', 3, None),
        (1, 'JJ', '2024-06-03 15:00', 30, 'completed', 3, None),
        (2, 'JJ', '2024-05-01 10:00', 30, 'completed', 3, None),
        (2, 'JJ', '2024-05-01 12:00', 30, 'completed', 3, None),
        (2, 'JJ', '2024-05-11 10:00', 30, 'completed', 3, None),
    ])
    table = a.customer_summary(frame, lines_frame([]), AS_OF)
    assert np.isnan(table.loc[1.0, 'mean_interval_days'])  # one visit day: the 60-day default applies
    assert table.loc[1.0, 'churn_risk'] == pytest.approx(27.375 / 60, rel=1e-3)  # 27 d 9 h since 15:00 on 3 June
    assert table.loc[2.0, 'mean_interval_days'] == 10  # 1 May → 11 May over two visit days


def test_growth_against_a_period_the_data_does_not_cover_is_not_given():
    assert a.growth(200, 100) == 1.0
    assert np.isnan(a.growth(200, 100, comparable=False))
    assert np.isnan(a.growth(200, 0))


# --- the real files --------------------------------------------------------------------------------------------------

def _hotel_ids(frame: pd.DataFrame, raw: pd.DataFrame) -> dict[int, str]:
    resort = (raw['hotel'] == 'Resort Hotel').sum()
    first = int(frame['location_id'].min())
    return {first: 'Resort Hotel', first + 1: 'City Hotel'} if (frame['location_id'] == first).sum() == resort \
        else {first: 'City Hotel', first + 1: 'Resort Hotel'}


def test_hotel_booked_value_per_year_cancellations_per_weekday_and_channels(sqlite_db, shared_data):
    raw = pd.read_csv(shared_data / 'hotel_bookings.csv', keep_default_na=False, low_memory=False)
    imported = booking_imports.import_bookings(shared_data / 'hotel_bookings.csv',
                                               mapping.load_mapping(MAPPINGS / 'hotel-bookings.toml'), actor=OWNER)
    frame = analytics_data.load_bookings(imported.location_ids)
    arrival = pd.to_datetime(raw['arrival_date_year'].astype(str) + '-' + raw['arrival_date_month'] + '-'
                             + raw['arrival_date_day_of_month'].astype(str), format='%Y-%B-%d')
    nights = raw['stays_in_weekend_nights'] + raw['stays_in_week_nights']
    cents = pd.Series([int((Decimal(rate) * n * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
                       for rate, n in zip(raw['adr'].astype(str), nights, strict=True)])
    for location_id, hotel in _hotel_ids(frame, raw).items():
        mine, theirs = frame.loc[frame['location_id'] == location_id], raw['hotel'] == hotel
        kept = theirs & (raw['is_canceled'] == 0)
        expected = cents.loc[kept].groupby(arrival.loc[kept].dt.year).sum().to_dict()
        got = {year: a.booked_value(mine.loc[mine['local_start'].dt.year == year]) for year in expected}
        assert got == expected
        cancelled_days = arrival.loc[theirs & (raw['is_canceled'] == 1)].dt.day_name().value_counts()
        assert a.breakdown(mine, 'weekday')['cancellations'].to_dict() == cancelled_days.reindex(
            a.WEEKDAYS).to_dict()
        channels = raw.loc[theirs, 'distribution_channel'].value_counts().to_dict()
        assert a.breakdown(mine, 'source')['bookings'].to_dict() == channels
        # notice: arrival date − the day it was cancelled (reservation_status_date); after the arrival: unknown
        cancelled = theirs & (raw['is_canceled'] == 1)
        notice = (arrival.loc[cancelled] - pd.to_datetime(raw.loc[cancelled, 'reservation_status_date'])).dt.days
        buckets = pd.cut(notice.where(notice >= 0), bins=[-0.5, 0, 1, 6, np.inf],
                         labels=['same day', '1 day', '2–6 days', '7+ days'])
        expected_notice = buckets.cat.add_categories('unknown').fillna('unknown').value_counts().to_dict()
        assert a.cancellation_notice(mine).to_dict() == expected_notice
        assert expected_notice['7+ days'] > expected_notice['unknown']  # the column is read, not left blank
    assert not frame['time_known'].any()  # arrival dates only
    assert a.peak_hours(frame).to_numpy().sum() == 0 and a.breakdown(frame, 'hour').empty


def test_clinic_distinct_patients_repeat_share_and_lead_time(sqlite_db, shared_data):
    raw = pd.read_csv(shared_data / 'KaggleV2-May-2016.csv', dtype={'PatientId': str})
    imported = booking_imports.import_bookings(shared_data / 'KaggleV2-May-2016.csv',
                                               mapping.load_mapping(MAPPINGS / 'clinic-noshow.toml'), actor=OWNER)
    frame = analytics_data.load_bookings(imported.location_ids)
    per_patient = raw['PatientId'].value_counts()
    counts = a.customer_counts(frame)
    assert counts['booked'] == raw['PatientId'].nunique()
    assert counts['repeat_share'] == pytest.approx((per_patient > 1).mean(), abs=1e-12)
    assert counts['visited'] == raw.loc[raw['No-show'] == 'No', 'PatientId'].nunique()
    # lead time: the appointment's date − the date it was scheduled, in São Paulo; negative ones (export errors) out
    scheduled = pd.to_datetime(raw['ScheduledDay'], utc=True).dt.tz_convert('America/Sao_Paulo').dt.tz_localize(None)
    appointment = pd.to_datetime(raw['AppointmentDay'].str[:10])
    days = (appointment - scheduled.dt.normalize()).dt.days
    days = days.loc[days >= 0]
    summary = a.lead_time_summary(frame)
    assert summary['median_days'] == days.median()
    assert summary['mean_days'] == pytest.approx(days.mean(), abs=1e-9)
    assert summary['same_day_share'] == pytest.approx((days == 0).mean(), abs=1e-12)
    assert summary['unknown'] == len(raw) - len(days)


def _rows(data: Path, name: str) -> list[dict[str, str]]:
    with (data / name).open(newline='', encoding='utf-8') as handle:
        return list(csv.DictReader(handle))


def test_salon_cancellations_per_staff_same_day_and_retail_revenue(sqlite_db, shared_data):
    imported = salon.import_salon(shared_data, actor=OWNER, as_of=datetime(2026, 11, 21, tzinfo=UTC))
    location_ids = [imported.location_id]
    frame = analytics_data.load_bookings(location_ids)
    lines = analytics_data.load_lines(location_ids)
    cancellations = _rows(shared_data, salon.SALON_FILES['cancellations'])
    per_staff = Counter(r['Staff'] for r in cancellations)
    got = a.breakdown(frame, 'staff')['cancellations']
    assert {k: v for k, v in got.items() if v} == dict(per_staff)
    day = lambda text: datetime.strptime(text, '%m/%d/%Y').date()  # noqa: E731
    same_day = sum(day(r['Cancel Date']) == day(r['Booking Date']) for r in cancellations)
    assert a.cancellation_notice(frame)['same day'] == same_day
    products = {(r['Description'] or r['Code']).lower() for r in _rows(shared_data, salon.SALON_FILES['products'])}
    services = {(r['Desc'] or r['Code']).lower() for r in _rows(shared_data, salon.SALON_FILES['services'])}
    receipts = _rows(shared_data, salon.SALON_FILES['receipts'])
    retail = sum(Decimal(r['Amount']) for r in receipts
                 if r['Description'].lower() in products and r['Description'].lower() not in services)
    blank = sum(Decimal(r['Amount']) for r in receipts if not r['Description'].strip())
    by_category = a.revenue_by(lines, 'category')
    assert by_category['Retail'] == int(retail * 100)
    assert by_category['Unclassified'] == int(blank * 100)


def test_a_date_only_file_builds_no_hour_based_figure(sqlite_db, tmp_path):
    path = tmp_path / 'visits.csv'
    path.write_text('Day,Client,Outcome\n2024-06-03,A,came\n2024-06-03,B,no\n2024-06-04,A,came\n', encoding='utf-8')
    spec = mapping.parse_toml('[options]\ntime_zone = "America/Toronto"\n[fields]\nlocation = { value = "Clinic" }\n'
                              'customer = { column = "Client" }\n'
                              'starts_at = { column = "Day", format = "%Y-%m-%d" }\n'
                              'status = { column = "Outcome", values = { came = "completed", no = "no_show" } }\n')
    imported = booking_imports.import_bookings(path, spec, actor=OWNER)
    report = reports.build_report(imported.location_ids, date(2024, 6, 1), date(2024, 6, 30),
                                  as_of=datetime(2024, 7, 1, tzinfo=UTC), time_zone='America/Toronto')
    assert sum(map(sum, report.peak_hours)) == 0
    assert report.breakdowns['hour'] == []
    assert report.kpis['hour_unknown_share'] == 1.0
    assert [row[1] for row in report.weekday_counts[:2]] == [2, 1]  # Monday (a no-show is due too), Tuesday
    # counts stay whole numbers beside the rates, so the PDF writes "2", not "2.00"
    monday = report.breakdowns['weekday'][0]
    assert (monday['name'], monday['bookings'], monday['no_shows']) == ('Monday', 2, 1)
    assert all(isinstance(monday[k], int) for k in ('bookings', 'cancellations', 'due', 'no_shows'))
    assert exports._shown('Bookings', monday['bookings']) == '2'
