"""Analytics on small hand-computed frames (as_of pinned) and on the real files against plain pandas."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from app.services.analytics import frames as analytics_data
from app.services.analytics import metrics as a
from app.services.imports import mapped as booking_imports
from app.services.imports import mapping
from tests.factories import OWNER

AS_OF = datetime(2024, 7, 1, tzinfo=UTC)
MAPPINGS = Path(__file__).resolve().parents[2] / 'docs' / 'mappings'


def bookings_frame(rows: list[tuple]) -> pd.DataFrame:
    """(customer, staff, start 'YYYY-MM-DD HH:MM' UTC, minutes, status, booked days before, notice) → frame."""
    frame = pd.DataFrame(rows, columns=['customer_id', 'staff', 'start', 'minutes', 'status', 'lead', 'notice_days'])
    starts = pd.to_datetime(frame['start'], utc=True)
    return frame.assign(
        booking_id=range(1, len(frame) + 1), location_id=1, staff_member_id=0, service='Cut', category='Style',
        customer_id=frame['customer_id'].astype(float), starts_at=starts,
        ends_at=starts + pd.to_timedelta(frame['minutes'], unit='m'),
        booked_at=starts - pd.to_timedelta(frame['lead'], unit='D'), channel='phone', price_cents=5000,
        notice_days=frame['notice_days'].astype(float), local_start=starts.dt.tz_localize(None))


def lines_frame(rows: list[tuple]) -> pd.DataFrame:
    """(customer, staff, issued 'YYYY-MM-DD' UTC, cents, payment method) → frame."""
    frame = pd.DataFrame(rows, columns=['customer_id', 'staff', 'issued', 'amount_cents', 'payment_method'])
    issued = pd.to_datetime(frame['issued'], utc=True)
    return frame.assign(customer_id=frame['customer_id'].astype(float), issued_at=issued,
                        local_day=issued.dt.tz_localize(None).dt.normalize(), service='Cut', category='Style',
                        product='', channel='phone', receipt_id=range(len(frame)), location_id=1)


SMALL = bookings_frame([
    # customer, staff, start (UTC, Mon 2024-06-03), minutes, status, lead days, notice
    (1, 'JJ', '2024-06-03 10:00', 60, 'completed', 3, None),
    (2, 'JJ', '2024-06-03 11:00', 30, 'no_show', 0, None),
    (3, 'JJ', '2024-06-04 10:00', 60, 'cancelled', 10, 2),
    (1, 'KELLY', '2024-06-04 10:00', 30, 'completed', 20, None),
    (4, 'KELLY', '2024-06-05 15:00', 30, 'no_show', 40, None),
    (5, 'KELLY', '2024-06-05 16:00', 30, 'cancelled', 1, 0),
    (np.nan, 'KELLY', '2024-06-05 17:00', 30, 'completed', 0, None),
])


def test_rates_on_a_small_frame():
    assert a.no_show_rate(SMALL) == pytest.approx(2 / 5)  # 5 due (2 cancelled left out), 2 no-shows
    assert a.cancellation_rate(SMALL) == pytest.approx(2 / 7)
    by_day = a.no_show_rate_by(a.with_weekday(SMALL), 'weekday')
    assert by_day[['Monday', 'Tuesday', 'Wednesday']].tolist() == pytest.approx([1 / 2, 0, 1 / 2])
    assert a.cancellation_notice(SMALL).to_dict() == {'same day': 1, '1 day': 0, '2–6 days': 1, '7+ days': 0,
                                                      'unknown': 0}


def test_peak_hours_lead_time_and_utilisation():
    heat = a.peak_hours(SMALL)
    assert heat.loc['Monday', 10] == 1 and heat.loc['Wednesday', 15] == 1 and heat.values.sum() == 5
    # lead times 3, 0, 10, 20, 40, 1, 0 days
    assert a.lead_time_distribution(SMALL).to_dict() == {'same day': 2, '1–2 days': 1, '3–7 days': 1,
                                                         '8–14 days': 1, '15–30 days': 1, '31+ days': 1}
    working = pd.Series({'JJ': 480.0, 'KELLY': 240.0})
    # JJ: 60 + 30 due minutes (the cancelled hour is free) of 480; KELLY: 30 + 30 + 30 of 240
    assert a.staff_utilisation(SMALL, working).to_dict() == pytest.approx({'JJ': 90 / 480, 'KELLY': 90 / 240})


def test_revenue_periods_breakdowns_and_growth():
    lines = lines_frame([(1, 'JJ', '2024-06-03', 5000, 'card'), (1, 'KELLY', '2024-06-04', 3000, 'cash'),
                         (2, 'JJ', '2024-06-10', 2000, 'card'), (3, 'JJ', '2024-07-02', 1000, 'gift_card')])
    weekly = a.revenue_by_period(lines, freq='W', start=datetime(2024, 6, 1), end=datetime(2024, 6, 17))
    assert weekly.tolist() == [0, 8000, 2000]  # weeks starting 27 May, 3 June, 10 June
    monthly = a.revenue_by_period(lines, freq='M', start=datetime(2024, 6, 1), end=datetime(2024, 8, 1))
    assert monthly.tolist() == [10000, 1000]
    assert a.revenue_by(lines, 'payment_method').to_dict() == {'card': 7000, 'cash': 3000, 'gift_card': 1000}
    assert a.growth(1000, 10000) == pytest.approx(-0.9)
    assert np.isnan(a.growth(5, 0))


def test_customer_measures_with_stated_thresholds():
    history = bookings_frame([
        (1, 'JJ', '2024-01-05 10:00', 30, 'completed', 1, None),   # returns after 30 days, then regularly
        (1, 'JJ', '2024-02-04 10:00', 30, 'completed', 1, None),
        (1, 'JJ', '2024-03-05 10:00', 30, 'completed', 1, None),
        (1, 'JJ', '2024-04-04 10:00', 30, 'completed', 1, None),
        (1, 'JJ', '2024-06-20 10:00', 30, 'completed', 1, None),
        (2, 'JJ', '2023-11-01 10:00', 30, 'completed', 1, None),   # never returned: churned (>180 days)
        (3, 'JJ', '2024-01-10 10:00', 30, 'completed', 1, None),   # returned after 120 days: not retained
        (3, 'JJ', '2024-05-09 10:00', 30, 'completed', 1, None),
        (4, 'JJ', '2024-06-15 10:00', 30, 'completed', 1, None),   # new
        (5, 'JJ', '2024-06-16 10:00', 30, 'no_show', 1, None),     # no visit at all
    ])
    lines = lines_frame([(1, 'JJ', '2024-06-20', 9000, 'card'), (2, 'JJ', '2023-11-01', 4000, 'card'),
                         (3, 'JJ', '2024-05-09', 6000, 'card'), (4, 'JJ', '2024-06-15', 3000, 'card')])
    # eligible: first visit ≥ 90 days before as_of → customers 1, 2, 3; only 1 came back within 90 days
    assert a.retention_rate(history, AS_OF) == pytest.approx(1 / 3)
    # two services booked at the same moment are one visit, not a return
    twice = pd.concat([history, bookings_frame([(6, 'JJ', '2024-01-02 10:00', 30, 'completed', 1, None)] * 2)])
    assert a.retention_rate(twice, AS_OF) == pytest.approx(1 / 4)
    customers = a.customer_summary(history, lines, AS_OF)
    assert customers['segment'].to_dict() == {1.0: 'VIP', 2.0: 'churned', 3.0: 'occasional', 4.0: 'new'}
    assert customers.loc[1.0, 'visits'] == 5 and customers.loc[1.0, 'lifetime_value_cents'] == 9000
    assert customers.loc[1.0, 'mean_interval_days'] == pytest.approx(167 / 4)  # 5 Jan → 20 Jun, 4 gaps
    since = (AS_OF - datetime(2024, 5, 9, 10, tzinfo=UTC)).total_seconds() / 86400  # 52.58 days
    assert customers.loc[3.0, 'churn_risk'] == pytest.approx(since / 120)  # usual interval: 120 days
    assert a.at_risk(customers).empty  # risk scores: 0.25 (1), 0.44 (3), 0.26 (4)
    assert a.at_risk(customers, threshold=0.4).index.tolist() == [3.0]
    assert a.churn_rate(customers) == pytest.approx(1 / 4)
    assert a.acquisition_by_month(customers).to_dict() == {pd.Period('2023-11'): 1, pd.Period('2024-01'): 2,
                                                           pd.Period('2024-06'): 1}


def test_clinic_no_show_rates_match_plain_pandas(sqlite_db, shared_data):
    raw = pd.read_csv(shared_data / 'KaggleV2-May-2016.csv')
    day = pd.to_datetime(raw['AppointmentDay']).dt.day_name()
    expected_by_day = (raw['No-show'] == 'Yes').groupby(day).mean()
    report = booking_imports.import_bookings(shared_data / 'KaggleV2-May-2016.csv',
                                             mapping.load_mapping(MAPPINGS / 'clinic-noshow.toml'), actor=OWNER)
    frame = analytics_data.load_bookings(report.location_ids)
    assert a.no_show_rate(frame) == pytest.approx((raw['No-show'] == 'Yes').mean(), abs=1e-12)
    by_day = a.no_show_rate_by(a.with_weekday(frame), 'weekday').dropna()
    assert by_day.to_dict() == pytest.approx(expected_by_day.to_dict(), abs=1e-12)


def test_hotel_bookings_cancellations_and_revenue_match_plain_pandas(db, shared_data):
    raw = pd.read_csv(shared_data / 'hotel_bookings.csv')
    report = booking_imports.import_bookings(shared_data / 'hotel_bookings.csv',
                                             mapping.load_mapping(MAPPINGS / 'hotel-bookings.toml'), actor=OWNER)
    frame = analytics_data.load_bookings(report.location_ids)
    names = {1: 'Resort Hotel', 2: 'City Hotel'} if frame.loc[frame['location_id'] == 1].shape[0] == (
        raw['hotel'] == 'Resort Hotel').sum() else {1: 'City Hotel', 2: 'Resort Hotel'}
    for location_id, hotel in names.items():
        mine = frame.loc[frame['location_id'] == location_id]
        theirs = raw.loc[raw['hotel'] == hotel]
        assert len(mine) == len(theirs)
        assert a.cancellation_rate(mine) == pytest.approx(theirs['is_canceled'].mean(), abs=1e-12)
    months = pd.to_datetime(raw['arrival_date_year'].astype(str) + '-' + raw['arrival_date_month'] + '-1',
                            format='%Y-%B-%d').dt.to_period('M')
    stayed = raw['is_canceled'] == 0
    nights = raw['stays_in_weekend_nights'] + raw['stays_in_week_nights']
    adr = pd.read_csv(shared_data / 'hotel_bookings.csv', usecols=['adr'], dtype=str)['adr']
    cents = pd.Series([int((Decimal(rate) * n * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
                       for rate, n in zip(adr, nights, strict=True)])
    expected = cents.where(stayed, 0).groupby(months).sum()
    got = a.booked_value_by_month(frame)
    assert got.to_dict() == expected.to_dict()


def test_no_visits_yet_gives_empty_customer_measures():
    future = bookings_frame([(1, 'JJ', '2030-01-01 10:00', 30, 'booked', 1, None)])
    customers = a.customer_summary(future, lines_frame([]), AS_OF)
    assert customers.empty and list(customers.columns) == a.CUSTOMER_COLUMNS
    assert np.isnan(a.retention_rate(future, AS_OF))
