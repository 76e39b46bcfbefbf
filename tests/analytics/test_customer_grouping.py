"""The customer figures, grouped with NumPy for speed, against their definitions written out with pandas' groupby
(the plain reading of ``docs/metrics.md``) on random histories: same customers, same figures, same types."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from app.services.analytics import metrics as a

AS_OF = datetime(2024, 7, 1, 12, tzinfo=UTC)
STATUSES = ['booked', 'checked_in', 'completed', 'no_show', 'cancelled']


def expected_summary(bookings: pd.DataFrame, lines: pd.DataFrame, as_of: datetime) -> pd.DataFrame:
    """customer_summary's figures by their definitions, one pandas groupby each."""
    seen = a.visits(bookings, as_of)
    by = seen.groupby('customer_id')
    days = seen['local_start'].dt.normalize()
    year_ago = as_of - timedelta(days=365)
    visit_days = days.groupby(seen['customer_id']).nunique()
    span = (days.groupby(seen['customer_id']).max() - days.groupby(seen['customer_id']).min()).dt.days
    table = pd.DataFrame({'visits': by.size(), 'first_visit': by['starts_at'].min(),
                          'last_visit': by['starts_at'].max(),
                          'visits_365d': (seen['starts_at'] >= year_ago).groupby(seen['customer_id']).sum(),
                          'mean_interval_days': (span / (visit_days - 1)).where(visit_days > 1)})
    paid = lines.loc[lines['issued_at'] < as_of]
    table['lifetime_value_cents'] = paid.groupby('customer_id')['amount_cents'].sum().reindex(table.index).fillna(0)
    table['spend_365d'] = paid.loc[paid['issued_at'] >= year_ago].groupby('customer_id')['amount_cents'].sum(
    ).reindex(table.index).fillna(0)
    return table.astype({'visits': int, 'visits_365d': int, 'lifetime_value_cents': int, 'spend_365d': int})


def expected_retention(bookings: pd.DataFrame, as_of: datetime, window: int = a.RETENTION_WINDOW_DAYS) -> float:
    """retention_rate by its definition, customer by customer."""
    seen = a.visits(bookings, as_of)
    eligible = returned = 0
    for _customer, starts in seen.groupby('customer_id')['starts_at']:
        first = starts.min()
        if first <= as_of - timedelta(days=window):
            eligible += 1
            later = starts.loc[starts > first]
            returned += bool(len(later)) and later.min() - first <= timedelta(days=window)
    return returned / eligible if eligible else float('nan')


customer_ids = st.one_of(st.sampled_from([1, 2, 3, 7]), st.integers(1, 10**9))  # a wide spread: the sorted path
booking_rows = st.lists(st.tuples(st.one_of(customer_ids, st.none()), st.integers(-900, 60),
                                  st.integers(0, 23 * 60), st.sampled_from(STATUSES)), max_size=40)
line_rows = st.lists(st.tuples(st.one_of(customer_ids, st.none()), st.integers(-900, 60),
                               st.integers(-50_000, 10**12)), max_size=20)


def frames(bookings: list, lines: list, unit: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    starts = pd.Series([AS_OF + timedelta(days=d, minutes=m) for _c, d, m, _s in bookings],
                       dtype=f'datetime64[{unit}, UTC]')
    booked = pd.DataFrame({'customer_id': pd.Series([c for c, *_ in bookings], dtype=float), 'starts_at': starts,
                           'local_start': (starts + pd.Timedelta(hours=3)).dt.tz_localize(None),  # east of UTC
                           'status': [s for *_, s in bookings]})
    issued = pd.Series([AS_OF + timedelta(days=d) for _c, d, _x in lines], dtype=f'datetime64[{unit}, UTC]')
    paid = pd.DataFrame({'customer_id': pd.Series([c for c, *_ in lines], dtype=float), 'issued_at': issued,
                         'amount_cents': pd.Series([x for *_, x in lines], dtype=np.int64)})
    return booked, paid


@settings(max_examples=150, deadline=None)
@given(booking_rows, line_rows, st.sampled_from(['s', 'ns']))
def test_customer_figures_match_their_definitions(bookings, lines, unit):
    booked, paid = frames(bookings, lines, unit)
    got = a.customer_summary(booked, paid, AS_OF)
    want = expected_summary(booked, paid, AS_OF)
    assert list(got.columns) == a.CUSTOMER_COLUMNS
    if want.empty:
        assert got.empty
        return
    pd.testing.assert_frame_equal(got[want.columns], want, check_names=False)
    assert got.index.name == 'customer_id'
    assert got.index.dtype == float


@settings(max_examples=150, deadline=None)
@given(booking_rows)
def test_retention_matches_its_definition(bookings):
    booked, _paid = frames(bookings, [], 'ns')
    got, want = a.retention_rate(booked, AS_OF), expected_retention(booked, AS_OF)
    assert (np.isnan(got) and np.isnan(want)) or got == want


def test_a_customer_whose_visits_span_two_local_days_on_one_utc_day():
    """Visit days are the location's days: 20:30 and 22:00 UTC on 21 June are 21 and 22 June three hours east."""
    booked, paid = frames([(1, -10, 8 * 60 + 30, 'completed'), (1, -10, 10 * 60, 'completed'),  # AS_OF is 12:00
                           (1, -1, 0, 'completed')], [], 'ns')
    table = a.customer_summary(booked, paid, AS_OF)
    assert table.loc[1.0, 'mean_interval_days'] == 4.5  # 21 → 30 June local: 9 days over three visit days
