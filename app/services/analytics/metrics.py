"""Owner analytics: pure functions over frames, ``as_of`` injected, every definition stated.

Input frames (built by :mod:`app.services.analytics.frames`; tests build them by hand):

*bookings* — one row per booking: ``booking_id``, ``location_id``, ``customer_id`` (float, NaN for
walk-ins), ``staff_member_id``, ``staff``, ``service``, ``category``, ``starts_at`` / ``ends_at`` /
``booked_at`` (datetime64[ns, UTC]; booked_at may be NaT), ``local_start`` (naive local time at the
location), ``status``, ``channel``, ``price_cents`` (int), ``notice_days`` (float, NaN unless cancelled).

*lines* — one row per receipt line: ``receipt_id``, ``location_id``, ``issued_at`` (UTC),
``local_day`` (datetime64, local date), ``customer_id``, ``staff``, ``service``, ``category``,
``product`` ('' for services), ``payment_method``, ``channel`` (of the booking paid, '' if none),
``amount_cents`` (int, before tax).

Definitions follow the usual ones of salon and clinic reporting (Fresha, Square Appointments,
Vagaro help centres; Fader & Hardie for retention and churn); each function's docstring says which.
Rates are fractions 0–1 (``nan`` when there is nothing to divide by); money is in minor units.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd

DUE = ('booked', 'confirmed', 'checked_in', 'completed', 'no_show')
"""Statuses of bookings that were due to take place (everything but cancelled)."""
VISITED = ('checked_in', 'completed')
"""Statuses of bookings where the customer came."""
WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday']

RETENTION_WINDOW_DAYS = 90
SEGMENT_RULES = {
    'new': 'first visit within the last 90 days',
    'churned': 'no visit for more than 180 days',
    'VIP': 'among the top 10 % of customers by spend in the last 365 days, and not churned',
    'regular': '4 or more visits in the last 365 days',
    'occasional': '1–3 visits in the last 365 days',
}
CHURN_AFTER_DAYS = 180
CUSTOMER_COLUMNS = ['visits', 'first_visit', 'last_visit', 'visits_365d', 'mean_interval_days', 'lifetime_value_cents',
                    'spend_365d', 'days_since_last_visit', 'churn_risk', 'segment']


# --- operations -------------------------------------------------------------------------------------------------------

def in_period(bookings: pd.DataFrame, start: datetime, end: datetime) -> pd.DataFrame:
    """Bookings starting in ``[start, end)`` (aware datetimes)."""
    return bookings.loc[(bookings['starts_at'] >= start) & (bookings['starts_at'] < end)]


def no_show_rate(bookings: pd.DataFrame) -> float:
    """No-shows ÷ bookings that were due (not cancelled).

    Source: Fresha's and Square's no-show reports (cancelled bookings are not counted as due).
    """
    due = bookings['status'].isin(DUE)
    return _ratio((bookings['status'] == 'no_show').sum(), due.sum())


def no_show_rate_by(bookings: pd.DataFrame, by: str) -> pd.Series:
    """:func:`no_show_rate` per value of column ``by`` (e.g. ``weekday`` from :func:`with_weekday`)."""
    return (bookings.loc[bookings['status'].isin(DUE)]
            .assign(no_show=lambda f: f['status'] == 'no_show')
            .groupby(by, observed=True)['no_show'].mean())


def with_weekday(bookings: pd.DataFrame) -> pd.DataFrame:
    """Adds ``weekday`` (ordered category Monday … Sunday) and ``hour`` of the local start."""
    return bookings.assign(
        weekday=pd.Categorical(bookings['local_start'].dt.day_name(), categories=WEEKDAYS, ordered=True),
        hour=bookings['local_start'].dt.hour)


def cancellation_rate(bookings: pd.DataFrame) -> float:
    """Cancelled ÷ all bookings (the share of bookings that were called off)."""
    return _ratio((bookings['status'] == 'cancelled').sum(), len(bookings))


def cancellation_notice(bookings: pd.DataFrame) -> pd.Series:
    """How many cancellations came with how much notice: counts per bucket of ``notice_days``
    (same day, 1 day, 2–6 days, 7+ days, unknown)."""
    cancelled = bookings.loc[bookings['status'] == 'cancelled', 'notice_days']
    buckets = pd.cut(cancelled, bins=[-np.inf, 0, 1, 6, np.inf], labels=['same day', '1 day', '2–6 days', '7+ days'])
    return buckets.cat.add_categories('unknown').fillna('unknown').value_counts().reindex(
        ['same day', '1 day', '2–6 days', '7+ days', 'unknown'], fill_value=0)


def peak_hours(bookings: pd.DataFrame) -> pd.DataFrame:
    """Bookings that were due, counted by local weekday (rows, Monday first) × hour of start (columns)."""
    due = with_weekday(bookings.loc[bookings['status'].isin(DUE)])
    return pd.crosstab(due['weekday'], due['hour']).reindex(WEEKDAYS, fill_value=0)


def lead_time_days(bookings: pd.DataFrame) -> pd.Series:
    """Lead time per booking in days: start − booked-at (bookings without booked-at are left out)."""
    known = bookings.dropna(subset=['booked_at'])
    return ((known['starts_at'] - known['booked_at']).dt.total_seconds() / 86400).rename('lead_time_days')


def lead_time_distribution(bookings: pd.DataFrame) -> pd.Series:
    """Counts of bookings by lead time: same day, 1–2, 3–7, 8–14, 15–30, 31+ days."""
    days = lead_time_days(bookings).clip(lower=0)
    labels = ['same day', '1–2 days', '3–7 days', '8–14 days', '15–30 days', '31+ days']
    return pd.cut(days, bins=[-1, 1, 3, 8, 15, 31, np.inf], right=False, labels=labels).value_counts().reindex(
        labels, fill_value=0)


def staff_utilisation(bookings: pd.DataFrame, working_minutes: pd.Series) -> pd.Series:
    """Booked minutes ÷ working minutes per staff member (index: staff name).

    Booked minutes are those of bookings that were due (not cancelled; a no-show still held the slot).
    ``working_minutes`` is the staff member's scheduled time in the same period.
    """
    booked = (bookings.loc[bookings['status'].isin(DUE)]
              .assign(minutes=lambda f: (f['ends_at'] - f['starts_at']).dt.total_seconds() / 60)
              .groupby('staff', observed=True)['minutes'].sum())
    return (booked.reindex(working_minutes.index, fill_value=0) / working_minutes.replace(0, np.nan)).rename(
        'utilisation')


def staff_performance(bookings: pd.DataFrame, lines: pd.DataFrame) -> pd.DataFrame:
    """Per staff member: bookings (due), completed, completion rate, no-shows, no-show rate, revenue (cents)."""
    due = bookings.loc[bookings['status'].isin(DUE)]
    flags = pd.DataFrame({'staff': due['staff'], 'bookings': 1, 'completed': (due['status'] == 'completed').astype(int),
                          'no_shows': (due['status'] == 'no_show').astype(int)})
    table = flags.groupby('staff', observed=True)[['bookings', 'completed', 'no_shows']].sum()
    revenue = lines.groupby('staff', observed=True)['amount_cents'].sum()
    return (table.assign(completion_rate=lambda t: t['completed'] / t['bookings'],
                         no_show_rate=lambda t: t['no_shows'] / t['bookings'])
            .join(revenue.rename('revenue_cents'), how='outer').fillna({'revenue_cents': 0})
            .fillna(0).astype({'bookings': int, 'completed': int, 'no_shows': int, 'revenue_cents': int}))


def conversion_rate(inquiries: pd.DataFrame) -> float:
    """Inquiries that became a booking ÷ all inquiries (``booking_id`` not null)."""
    return _ratio(inquiries['booking_id'].notna().sum(), len(inquiries))


# --- revenue ----------------------------------------------------------------------------------------------------------

def revenue_by_period(lines: pd.DataFrame, *, freq: str, start: datetime, end: datetime) -> pd.Series:
    """Revenue (cents, before tax) per local day (``'D'``), week starting Monday (``'W'``) or month
    (``'M'``), for every period overlapping ``[start, end)`` (naive local dates), zero-filled."""
    rule = {'D': 'D', 'W': 'W-SUN', 'M': 'MS'}[freq]
    start, end = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    shown = lines.loc[(lines['local_day'] >= start) & (lines['local_day'] < end)]
    periods = shown['local_day'].dt.to_period({'D': 'D', 'W': 'W-SUN', 'M': 'M'}[freq]).dt.start_time
    totals = shown.groupby(periods)['amount_cents'].sum()
    index = pd.date_range(start, end - pd.Timedelta(days=1), freq='D').to_period(
        {'D': 'D', 'W': 'W-SUN', 'M': 'M'}[freq]).unique().start_time
    return totals.reindex(index, fill_value=0).astype(int).rename_axis(rule).rename('revenue_cents')


def booked_revenue_by_month(bookings: pd.DataFrame) -> pd.Series:
    """Value (cents) of the bookings that took place (checked in or completed), per local month of
    their start — the revenue measure for businesses whose takings are not in receipts (e.g. the
    hotel file: average daily rate × nights, cancellations excluded)."""
    took_place = bookings.loc[bookings['status'].isin(VISITED)]
    return took_place.groupby(took_place['local_start'].dt.to_period('M'))['price_cents'].sum().astype(int).rename(
        'revenue_cents')


def revenue_by(lines: pd.DataFrame, by: str) -> pd.Series:
    """Revenue (cents) per value of ``by`` (service, category, staff, payment_method, channel, product),
    largest first."""
    return lines.groupby(by, observed=True)['amount_cents'].sum().sort_values(ascending=False).astype(int)


def growth(current: float, previous: float) -> float:
    """(current − previous) ÷ previous; ``nan`` when the previous period had nothing."""
    return (current - previous) / previous if previous else float('nan')


# --- customers --------------------------------------------------------------------------------------------------------

def visits(bookings: pd.DataFrame, as_of: datetime) -> pd.DataFrame:
    """Visits (bookings checked in or completed, with a customer) that started before ``as_of``."""
    return bookings.loc[bookings['status'].isin(VISITED) & bookings['customer_id'].notna()
                        & (bookings['starts_at'] < as_of)]


def retention_rate(bookings: pd.DataFrame, as_of: datetime, *, window_days: int = RETENTION_WINDOW_DAYS) -> float:
    """Share of customers whose first visit lies at least ``window_days`` before ``as_of`` and who
    came back (a visit later than the first, not one at the same moment) within ``window_days`` of it.

    Source: the 90-day rebooking/retention measure of salon software (Vagaro's and Fresha's
    "client retention"); only customers who had the full window to return are counted.
    """
    seen = visits(bookings, as_of)
    starts = seen.groupby('customer_id')['starts_at']
    first = starts.min()
    later = seen.loc[seen['starts_at'] > starts.transform('min')]
    second = later.groupby('customer_id')['starts_at'].min().reindex(first.index)
    eligible = first <= as_of - timedelta(days=window_days)
    returned = (second - first) <= pd.Timedelta(days=window_days)
    return _ratio((eligible & returned).sum(), eligible.sum())


def customer_summary(bookings: pd.DataFrame, lines: pd.DataFrame, as_of: datetime) -> pd.DataFrame:
    """Per customer: visits, first and last visit, mean days between visits, lifetime value (cents,
    all receipts before tax), spend in the last 365 days, days since last visit, churn-risk score
    and segment (see :data:`SEGMENT_RULES`).

    Churn-risk score = days since last visit ÷ the customer's usual interval (mean days between
    visits; 60 days when there was only one visit), capped at 3: above 1.5 the customer is overdue.
    """
    seen = visits(bookings, as_of)
    if seen.empty:
        return pd.DataFrame(columns=CUSTOMER_COLUMNS).astype({'visits': int, 'lifetime_value_cents': int})
    per = seen.groupby('customer_id')['starts_at']
    table = pd.DataFrame({
        'visits': per.size(),
        'first_visit': per.min(),
        'last_visit': per.max(),
        'visits_365d': seen.loc[seen['starts_at'] >= as_of - timedelta(days=365)].groupby('customer_id').size(),
    }).fillna({'visits_365d': 0})
    # the mean of the gaps between consecutive visits is (last − first) ÷ (visits − 1)
    span_days = (table['last_visit'] - table['first_visit']).dt.total_seconds() / 86400
    table = table.assign(mean_interval_days=(span_days / (table['visits'] - 1)).where(table['visits'] > 1))
    spend = lines.loc[lines['issued_at'] < as_of].groupby('customer_id')['amount_cents']
    recent = lines.loc[(lines['issued_at'] < as_of) & (lines['issued_at'] >= as_of - timedelta(days=365))]
    table = table.join(spend.sum().rename('lifetime_value_cents')).join(
        recent.groupby('customer_id')['amount_cents'].sum().rename('spend_365d')).fillna(
        {'lifetime_value_cents': 0, 'spend_365d': 0})
    since = (as_of - table['last_visit']).dt.total_seconds() / 86400
    usual = table['mean_interval_days'].fillna(60).clip(lower=1)
    vip_floor = table.loc[table['spend_365d'] > 0, 'spend_365d'].quantile(0.9) if (table['spend_365d'] > 0).any() \
        else np.inf
    return table.assign(
        days_since_last_visit=since,
        churn_risk=(since / usual).clip(upper=3),
        segment=np.select(
            [since > CHURN_AFTER_DAYS, table['first_visit'] >= as_of - timedelta(days=90),
             table['spend_365d'] >= vip_floor, table['visits_365d'] >= 4],
            ['churned', 'new', 'VIP', 'regular'], default='occasional'),
    ).astype({'visits': int, 'visits_365d': int, 'lifetime_value_cents': int, 'spend_365d': int})


def at_risk(customers: pd.DataFrame, *, threshold: float = 1.5) -> pd.DataFrame:
    """Customers not yet churned whose churn-risk score exceeds ``threshold``, most overdue first."""
    return customers.loc[(customers['segment'] != 'churned') & (customers['churn_risk'] > threshold)].sort_values(
        ['churn_risk', 'lifetime_value_cents'], ascending=False)


def acquisition_by_month(customers: pd.DataFrame) -> pd.Series:
    """New customers per month of their first visit."""
    return customers.groupby(customers['first_visit'].dt.tz_localize(None).dt.to_period('M')).size().rename('new')


def churn_rate(customers: pd.DataFrame) -> float:
    """Churned customers (no visit for 180 days) ÷ all customers with a visit."""
    return _ratio((customers['segment'] == 'churned').sum(), len(customers))


def _ratio(part: float, whole: float) -> float:
    return float(part) / float(whole) if whole else float('nan')
