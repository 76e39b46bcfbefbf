"""Owner analytics: pure functions over frames, ``as_of`` injected, every definition stated.

Input frames (built by :mod:`app.services.analytics.frames`; tests build them by hand):

*bookings* — one row per booking: ``booking_id``, ``location_id``, ``customer_id`` (float, NaN for
walk-ins), ``staff_member_id``, ``staff``, ``service``, ``category``, ``starts_at`` / ``ends_at`` /
``booked_at`` (datetime64[ns, UTC]; booked_at may be NaT), ``local_start``, ``local_booked``,
``local_cancelled`` (naive local times at the location; NaT when unknown), ``status``, ``channel``,
``source`` (the export's own channel text, '' when none), ``price_cents`` (int), ``notice_days`` (float, NaN
unless an export gave it), ``time_known`` (bool: False when only the date is known),
``service_minutes`` (float: the service's duration, NaN when not set).

Optional columns (``local_booked``, ``local_cancelled``, ``time_known``, ``source``, ``service_minutes``) are
treated as unknown when a frame lacks them.

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
from typing import TYPE_CHECKING

from babel.dates import get_day_names

from app.services import i18n, lazy
from app.services.i18n import N_, _

if TYPE_CHECKING:  # the real modules for readers, tools and the bundle (PyInstaller follows these)
    import numpy as np
    import pandas as pd
else:  # at first use, not at start (app.services.lazy)
    np = lazy.module('numpy', globals())
    pd = lazy.module('pandas', globals())

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
    """Adds ``weekday`` (ordered category Monday … Sunday) and ``hour`` of the local start (``<NA>`` when the
    time of day is unknown: see :func:`time_known`)."""
    return bookings.assign(
        weekday=pd.Categorical(bookings['local_start'].dt.day_name(), categories=WEEKDAYS, ordered=True),
        hour=bookings['local_start'].dt.hour.astype('Int64').where(time_known(bookings)))


def time_known(bookings: pd.DataFrame) -> pd.Series:
    """True for bookings whose time of day is known (all, when the frame does not say)."""
    if 'time_known' not in bookings:
        return pd.Series(True, index=bookings.index)
    return bookings['time_known'].astype(bool)


def hour_unknown_share(bookings: pd.DataFrame) -> float:
    """Share of the bookings left out of hour-based figures because their time of day is unknown."""
    return _ratio((~time_known(bookings)).sum(), len(bookings))


def cancellation_rate(bookings: pd.DataFrame) -> float:
    """Cancelled ÷ all bookings (the share of bookings that were called off)."""
    return _ratio((bookings['status'] == 'cancelled').sum(), len(bookings))


def notice_days(bookings: pd.DataFrame) -> pd.Series:
    """Days of notice of each cancelled booking: local date of the start − local date of the cancellation
    (calendar days, so a cancellation on the booking's own day is 0 whatever the hour); where the
    cancellation's moment is unknown, the days an export stated (``notice_days``); NaN when neither is known.

    Source: the "days' notice" of salon cancellation reports (Millennium's Client Cancellations export,
    whose ``Days`` column is this difference).
    """
    cancelled = bookings.loc[bookings['status'] == 'cancelled']
    stated = cancelled['notice_days'].astype(float)
    if 'local_cancelled' not in cancelled:
        return stated.rename('notice_days')
    counted = (cancelled['local_start'].dt.normalize() - cancelled['local_cancelled'].dt.normalize()).dt.days
    return counted.astype(float).where(cancelled['local_cancelled'].notna(), stated).rename('notice_days')


def cancellation_notice(bookings: pd.DataFrame) -> pd.Series:
    """How many cancellations came with how much notice (:func:`notice_days`): counts per bucket
    (same day, 1 day, 2–6 days, 7+ days, unknown). A cancellation recorded after the booking's day (negative
    notice: an export error) counts as unknown."""
    cancelled = notice_days(bookings)
    buckets = pd.cut(cancelled, bins=[-0.5, 0, 1, 6, np.inf], labels=['same day', '1 day', '2–6 days', '7+ days'])
    return buckets.cat.add_categories('unknown').fillna('unknown').value_counts().reindex(
        ['same day', '1 day', '2–6 days', '7+ days', 'unknown'], fill_value=0)


def peak_hours(bookings: pd.DataFrame) -> pd.DataFrame:
    """Bookings that were due and whose time of day is known, counted by local weekday (rows, Monday
    first) × hour of start (columns, only hours that occur)."""
    due = with_weekday(bookings.loc[bookings['status'].isin(DUE) & time_known(bookings)])
    return pd.crosstab(due['weekday'], due['hour'].astype(int)).reindex(WEEKDAYS, fill_value=0)


def weekday_counts(bookings: pd.DataFrame) -> pd.Series:
    """Bookings that were due per local weekday of the start, Monday first (date-only bookings count)."""
    due = with_weekday(bookings.loc[bookings['status'].isin(DUE)])
    return due['weekday'].value_counts().reindex(WEEKDAYS, fill_value=0).astype(int)


def lead_time_days(bookings: pd.DataFrame) -> pd.Series:
    """Lead time per booking in calendar days: local date of the start − local date it was booked
    (0 = booked on the day itself, whatever the hours; a date-only start is not "negative").
    Bookings without a booked-at, and the few whose booked date falls after the start (errors in an
    export), are left out.

    Source: "lead time" / "booking window" of hotel and appointment analytics (Antonio et al. 2019
    count it in days between the entering date and the arrival date).
    """
    if 'local_booked' in bookings:
        known = bookings.loc[bookings['local_booked'].notna()]
        days = (known['local_start'].dt.normalize() - known['local_booked'].dt.normalize()).dt.days
    else:  # a frame without local times: whole days between the UTC moments
        known = bookings.dropna(subset=['booked_at'])
        days = (known['starts_at'].dt.normalize() - known['booked_at'].dt.normalize()).dt.days
    return days.loc[days >= 0].astype(int).rename('lead_time_days')


LEAD_TIME_BUCKETS = ['same day', '1–2 days', '3–7 days', '8–14 days', '15–30 days', '31+ days']


def lead_time_distribution(bookings: pd.DataFrame) -> pd.Series:
    """Counts of bookings by lead time (:func:`lead_time_days`): same day, 1–2, 3–7, 8–14, 15–30, 31+ days."""
    days = lead_time_days(bookings)
    return pd.cut(days, bins=[0, 1, 3, 8, 15, 31, np.inf], right=False, labels=LEAD_TIME_BUCKETS).value_counts(
    ).reindex(LEAD_TIME_BUCKETS, fill_value=0)


def lead_time_summary(bookings: pd.DataFrame) -> dict[str, float | int | None]:
    """Mean and median lead time in calendar days, the share booked on the day itself, and how many
    bookings the figures rest on (``count``) and left out (``unknown``: no booked-at or booked after the start)."""
    days = lead_time_days(bookings)
    return {'mean_days': float(days.mean()) if len(days) else None,
            'median_days': float(days.median()) if len(days) else None,
            'same_day_share': _ratio((days == 0).sum(), len(days)) if len(days) else None,
            'count': len(days), 'unknown': int(len(bookings) - len(days))}


def booked_minutes(bookings: pd.DataFrame) -> pd.Series:
    """Minutes each booking held: its own length, or its service's duration when it has none (an import
    without lengths); NaN when neither is known."""
    own = (bookings['ends_at'] - bookings['starts_at']).dt.total_seconds() / 60
    service = bookings['service_minutes'] if 'service_minutes' in bookings else pd.Series(np.nan, bookings.index)
    return own.where(own > 0, service.astype(float))


def staff_utilisation(bookings: pd.DataFrame, working_minutes: pd.Series) -> pd.Series:
    """Booked minutes ÷ working minutes per staff member (index: staff name).

    Booked minutes are those of bookings that were due (not cancelled; a no-show still held the slot),
    each at its own length or, without one, at its service's duration (:func:`booked_minutes`); bookings
    with neither add nothing (:func:`unmeasured_bookings` counts them). ``working_minutes`` is the staff
    member's scheduled time in the same period.

    Source: Fresha's "occupancy" (booked time ÷ scheduled working time).
    """
    due = bookings.loc[bookings['status'].isin(DUE)]
    booked = booked_minutes(due).fillna(0).groupby(due['staff'], observed=True).sum()
    return (booked.reindex(working_minutes.index, fill_value=0) / working_minutes.replace(0, np.nan)).rename(
        'utilisation')


def unmeasured_bookings(bookings: pd.DataFrame) -> int:
    """Due bookings with neither a length nor a service duration (left out of utilisation)."""
    due = bookings.loc[bookings['status'].isin(DUE)]
    return int(booked_minutes(due).isna().sum())


BREAKDOWN_COLUMNS = ['bookings', 'cancellations', 'cancellation_rate', 'due', 'no_shows', 'no_show_rate',
                     'booked_value_cents']


def breakdown(bookings: pd.DataFrame, by: str) -> pd.DataFrame:
    """Per value of ``by`` (a column, or ``weekday`` / ``hour`` of the local start): bookings (all),
    cancellations and the cancellation rate (÷ all), due bookings, no-shows and the no-show rate (÷ due), and
    booked value (:func:`booked_value`). ``hour`` leaves out bookings whose time of day is unknown.
    Rows in the dimension's own order (weekdays Monday first, hours ascending), others by bookings, most first."""
    frame = with_weekday(bookings) if by in ('weekday', 'hour') else bookings
    if by == 'hour':
        frame = frame.loc[frame['hour'].notna()].assign(hour=lambda f: f['hour'].astype(int))
    due = frame['status'].isin(DUE)
    flags = pd.DataFrame({
        'key': frame[by], 'bookings': 1, 'cancellations': (frame['status'] == 'cancelled').astype(int),
        'due': due.astype(int), 'no_shows': (frame['status'] == 'no_show').astype(int),
        'booked_value_cents': frame['price_cents'].where(due, 0).astype('int64')})
    table = flags.groupby('key', observed=True)[['bookings', 'cancellations', 'due', 'no_shows',
                                                 'booked_value_cents']].sum()
    table = table.assign(cancellation_rate=table['cancellations'] / table['bookings'],
                         no_show_rate=table['no_shows'] / table['due'].replace(0, np.nan))[BREAKDOWN_COLUMNS]
    if by == 'weekday':
        return table.reindex(WEEKDAYS).dropna(how='all', subset=['bookings']).rename_axis(by)
    if by == 'hour':
        return table.sort_index().rename_axis(by)
    return table.sort_values('bookings', ascending=False, kind='stable').rename_axis(by)


def customer_counts(bookings: pd.DataFrame) -> dict[str, float | int | None]:
    """Distinct customers with a booking whatever its outcome (``booked``), with a visit (``visited``), and
    the share of the booked ones with more than one booking (``repeat_share``); walk-ins are not customers here."""
    named = bookings.loc[bookings['customer_id'].notna()]
    per = named.groupby('customer_id').size()
    visited = named.loc[named['status'].isin(VISITED), 'customer_id'].nunique()
    return {'booked': len(per), 'visited': int(visited),
            'repeat_share': _ratio((per > 1).sum(), len(per)) if len(per) else None}


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


def booked_value(bookings: pd.DataFrame) -> int:
    """Booked value (cents): the price of every booking that was not cancelled (booked, confirmed, checked in,
    completed, no-show), counted at its start. What the bookings were worth, whether or not the money went
    through ClientPulse (the hotel file: average daily rate × nights).

    Source: "booked revenue" of hotel revenue management and of Square Appointments' "appointment value".
    """
    return int(bookings.loc[bookings['status'].isin(DUE), 'price_cents'].sum())


def booked_value_lines(bookings: pd.DataFrame) -> pd.DataFrame:
    """The bookings that count toward booked value as a *lines*-shaped frame (``local_day`` of the start,
    ``amount_cents`` = price), so that :func:`revenue_by_period` puts either revenue on a time axis."""
    due = bookings.loc[bookings['status'].isin(DUE)]
    return pd.DataFrame({'local_day': due['local_start'].dt.normalize(), 'amount_cents': due['price_cents']})


def booked_value_by_month(bookings: pd.DataFrame) -> pd.Series:
    """Booked value (:func:`booked_value`, cents) per local month of the start."""
    due = bookings.loc[bookings['status'].isin(DUE)]
    return due.groupby(due['local_start'].dt.to_period('M'))['price_cents'].sum().astype(int).rename(
        'booked_value_cents')


def revenue_by(lines: pd.DataFrame, by: str) -> pd.Series:
    """Revenue (cents) per value of ``by`` (service, category, staff, payment_method, channel, product),
    largest first."""
    return lines.groupby(by, observed=True)['amount_cents'].sum().sort_values(ascending=False).astype(int)


def growth(current: float, previous: float, *, comparable: bool = True) -> float:
    """(current − previous) ÷ previous; ``nan`` when the previous period had nothing or is not
    ``comparable`` (the data does not reach back over all of it, so it would be measured on part of a period)."""
    return (current - previous) / previous if previous and comparable else float('nan')


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
    codes, count = (customers := _Customers(seen['customer_id'])).codes, len(customers.ids)
    starts = _ticks(seen['starts_at'])
    first = _group_min(codes, starts, count)
    later = starts > first[codes]
    second = _group_min(codes[later], starts[later], count)  # _NONE for those who never came back
    window = window_days * _DAY
    eligible = first <= _tick(as_of) - window
    returned = (second != _NONE) & (second - first <= window)  # (a wrapped difference is masked out)
    return _ratio((eligible & returned).sum(), eligible.sum())


def customer_summary(bookings: pd.DataFrame, lines: pd.DataFrame, as_of: datetime) -> pd.DataFrame:
    """Per customer (index: ``customer_id``, float, ascending): visits, first and last visit, mean days between
    visits, lifetime value (cents, all receipts before tax), spend in the last 365 days, days since last visit,
    churn-risk score and segment (see :data:`SEGMENT_RULES`).

    Mean days between visits = (last visit's day − first visit's day) ÷ (days with a visit − 1): two visits
    on one day are one visit day, so they give no interval (0-day gaps would make everyone overdue at once).
    Churn-risk score = days since last visit ÷ that usual interval (60 days when there is only one visit
    day), capped at 3: 1 means "due about now", above 1.5 the customer is overdue.

    Grouped with NumPy on one dense numbering of the customers (a million visits: ~0.05 s, against ~0.2 s for
    pandas' hashed groupbys).
    """
    seen = visits(bookings, as_of)
    if seen.empty:
        return pd.DataFrame(columns=CUSTOMER_COLUMNS).astype({'visits': int, 'lifetime_value_cents': int})
    year_ago = as_of - timedelta(days=365)
    customers = _Customers(seen['customer_id'])
    ids, codes, count = customers.ids, customers.codes, len(customers.ids)
    starts = _ticks(seen['starts_at'])
    days = _ticks((seen['local_start'] if 'local_start' in seen else seen['starts_at']).dt.normalize())
    first_day, last_day = _group_min(codes, days, count), _group_max(codes, days, count)
    visit_days = _distinct_per_group(codes, days // _DAY, count)
    spans = (last_day - first_day) // _DAY
    table = pd.DataFrame({
        'visits': np.bincount(codes, minlength=count),
        'first_visit': _times(_group_min(codes, starts, count), seen['starts_at']),
        'last_visit': _times(_group_max(codes, starts, count), seen['starts_at']),
        'visits_365d': np.bincount(codes, weights=starts >= _tick(year_ago), minlength=count).astype(int),
        'mean_interval_days': np.where(visit_days > 1, spans / np.maximum(visit_days - 1, 1), np.nan),
    }, index=pd.Index(ids, name='customer_id'))
    paid = lines.loc[lines['issued_at'] < as_of]
    payer = customers.positions(paid['customer_id'].to_numpy(dtype=float, na_value=np.nan))
    known = payer >= 0
    amounts = paid['amount_cents'].to_numpy(dtype=np.int64)[known]
    recent = _ticks(paid['issued_at'])[known] >= _tick(year_ago)
    table['lifetime_value_cents'] = _group_sum(payer[known], amounts, count)
    table['spend_365d'] = _group_sum(payer[known], np.where(recent, amounts, 0), count)
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


DEFINITIONS: dict[str, str] = {
    N_('Collected revenue'): N_(
        'Receipt lines before tax, net of refunds, by the local day they were issued (Square "net sales"). '
        'Only what went through ClientPulse.'),
    N_('Booked value'): N_(
        'The price of every booking that was not cancelled (booked, confirmed, checked in, completed, '
        'no-show), by the local day it starts. What the bookings were worth, paid here or not.'),
    N_('Growth'): N_(
        'Revenue of the period against the previous period of the same length, in the measure the charts use; '
        'not given when the data does not reach back over the whole previous period.'),
    N_('Bookings'): N_(
        'Bookings that were due (not cancelled) starting in the period.'),
    N_('No-show rate'): N_(
        'No-shows ÷ bookings that were due (not cancelled) starting in the period (Fresha, Square).'),
    N_('Cancellation rate'): N_(
        'Cancelled ÷ all bookings starting in the period.'),
    N_('Retention (90 days)'): N_(
        'Customers whose first visit is at least 90 days old and who came back within 90 days of it ÷ those '
        'customers (Vagaro, Fresha "client retention").'),
    N_('Churn rate'): N_(
        'Customers with no visit for more than 180 days ÷ all customers with a visit; needs 180 days of data '
        '(Fader & Hardie, lapsed customers).'),
    N_('Customers booked'): N_(
        'Distinct customers with a booking in the period, whatever its outcome (walk-ins left out).'),
    N_('Customers visited'): N_(
        'Distinct customers with a booking checked in or completed in the period.'),
    N_('Repeat share'): N_(
        'Customers with more than one booking in the period ÷ customers booked.'),
    N_('Lead time'): N_(
        'Calendar days between the local date a booking was made and the local date it starts (0 = same day); '
        'bookings without a booked date, or booked after their start (export errors), are left out.'),
    N_('Cancellation notice'): N_(
        'Calendar days between the local date of the cancellation and the local date of the booking; where '
        'the cancellation\'s moment is unknown, the days the export stated.'),
    N_('Peak hours'): N_(
        'Due bookings by local weekday and hour of start; bookings whose time of day is unknown (date-only '
        'imports) are left out, and their share is shown.'),
    N_('Weekday counts'): N_(
        'Due bookings by local weekday of start (date-only bookings included).'),
    N_('Utilisation'): N_(
        'Booked minutes of due bookings ÷ scheduled working minutes (Fresha "occupancy"); a booking without a '
        'length counts at its service\'s duration; those with neither are counted apart.'),
    N_('Revenue by category'): N_(
        'Service lines under their service\'s category, products under Retail, other lines with a text under '
        'Other, lines with nothing to classify under Unclassified.'),
    N_('Segments'): N_(
        'churned: no visit for more than 180 days; new: first visit within 90 days; VIP: top 10 % by spend '
        'over 365 days; regular: 4+ visits in 365 days; occasional: the rest. Needs 180 days of data.'),
    N_('Churn risk'): N_(
        'Days since the last visit ÷ the customer\'s usual interval between visit days (60 days after one '
        'visit day), capped at 3: 1 = due about now, above 1.5 = overdue.'),
    N_('Lifetime value'): N_(
        'Every receipt line of the customer before tax (historical, not predicted).'),
}
"""Every figure's definition, as the page's tooltips, the exports' Definitions sheet and docs/metrics.md state it
(English keys and texts, marked for translation: :func:`definition` and :func:`word` give them in the reader's
language)."""

WORDS = frozenset({
    N_('same day'), N_('1 day'), N_('2–6 days'), N_('7+ days'), N_('unknown'),  # cancellation notice
    N_('1–2 days'), N_('3–7 days'), N_('8–14 days'), N_('15–30 days'), N_('31+ days'),  # lead time
    N_('churned'), N_('new'), N_('VIP'), N_('regular'), N_('occasional'),  # segments
    N_('Retail'), N_('Unclassified'), N_('Other'),  # categories of lines without a service's (frames)
})
"""Keys of the figures (buckets, segments) that are words people read: shown through :func:`word`."""


def word(key: str) -> str:
    """A figure's key (a lead-time or notice bucket, a segment, a figure's name) in the reader's language; any
    other text (a name from the data) as it is."""
    return _(key) if key in WORDS or key in DEFINITIONS else key


def definition(name: str) -> str:
    """The definition of the figure ``name`` (a key of :data:`DEFINITIONS`) in the reader's language."""
    return _(DEFINITIONS[name])


def weekday_name(english: str, width: str = 'wide') -> str:
    """A weekday's English name (``'Monday'``, the frames' key) as the reader's language writes it (CLDR, babel):
    ``width`` ``'wide'`` (lundi) or ``'abbreviated'`` (lun.); anything else as it is."""
    if english not in WEEKDAYS:
        return english
    return str(get_day_names(width, locale=i18n.current())[WEEKDAYS.index(english)])


# --- grouping by customer with NumPy ------------------------------------------------------------------------------

_DAY = 86_400 * 10**9
"""A day in nanoseconds (the unit of :func:`_ticks`)."""
_NONE = 2**63 - 1
"""The largest int64: the minimum of a group without rows."""


class _Customers:
    """The distinct customer ids of some rows (``ids``: float, ascending) and each row's position among them
    (``codes``); ``customer_ids`` holds whole numbers, no NaN. Numbered densely (a slot per possible id) when the
    ids span little more than the rows, as a database's do; by sorting otherwise."""

    def __init__(self, customer_ids: pd.Series) -> None:
        ids = customer_ids.to_numpy(dtype=np.int64)
        self.low, self.slots = int(ids.min()) if len(ids) else 0, None
        if not len(ids):
            self.ids, self.codes = np.empty(0), np.empty(0, dtype=np.intp)
        elif int(ids.max()) - self.low + 1 <= 4 * len(ids) + 100_000:
            present = np.bincount(ids - self.low) > 0
            self.slots = np.where(present, np.cumsum(present) - 1, -1)  # position of each possible id, −1: none
            self.ids, self.codes = (np.flatnonzero(present) + self.low).astype(float), self.slots[ids - self.low]
        else:
            distinct, self.codes = np.unique(ids, return_inverse=True)
            self.ids = distinct.astype(float)

    def positions(self, customer_ids: np.ndarray) -> np.ndarray:
        """Each of ``customer_ids`` (float, NaN for none)'s position in :attr:`ids`, −1 where it is not there."""
        if self.slots is not None:
            shifted = np.where(np.isnan(customer_ids), self.low - 1, customer_ids).astype(np.int64) - self.low
            inside = (shifted >= 0) & (shifted < len(self.slots))
            return np.where(inside, self.slots[np.where(inside, shifted, 0)], -1)
        where = np.searchsorted(self.ids, customer_ids)
        inside = where < len(self.ids)
        found = inside.copy()
        found[inside] = self.ids[where[inside]] == customer_ids[inside]
        return np.where(found, where, -1)


def _ticks(moments: pd.Series) -> np.ndarray:
    """Datetimes (naive, or aware: then in UTC) as int64 nanoseconds since the epoch; no NaT."""
    if getattr(moments.dt, 'tz', None) is not None:
        moments = moments.dt.tz_convert('UTC').dt.tz_localize(None)
    return moments.to_numpy(dtype='datetime64[ns]').view(np.int64)


def _tick(moment: datetime) -> int:
    """An aware datetime as nanoseconds since the epoch (the scale of :func:`_ticks`)."""
    return pd.Timestamp(moment).as_unit('ns').value


def _times(ticks: np.ndarray, like: pd.Series) -> pd.api.extensions.ExtensionArray:
    """Nanoseconds since the epoch back as datetimes of ``like``'s dtype (aware ones in UTC)."""
    times = pd.Series(ticks.view('datetime64[ns]'))
    if getattr(like.dt, 'tz', None) is not None:
        times = times.dt.tz_localize('UTC')
    return times.astype(like.dtype).array


def _group_min(codes: np.ndarray, values: np.ndarray, count: int) -> np.ndarray:
    """The smallest of ``values`` (int64) per group ``0 … count − 1`` (:data:`_NONE` where a group has none)."""
    smallest = np.full(count, _NONE, dtype=np.int64)
    np.minimum.at(smallest, codes, values)
    return smallest


def _group_max(codes: np.ndarray, values: np.ndarray, count: int) -> np.ndarray:
    """The largest of ``values`` (int64) per group (int64's smallest where a group has none)."""
    largest = np.full(count, -_NONE - 1, dtype=np.int64)
    np.maximum.at(largest, codes, values)
    return largest


def _group_sum(codes: np.ndarray, values: np.ndarray, count: int) -> np.ndarray:
    """The exact int64 sum of ``values`` per group (money stays whole minor units, unlike a float ``bincount``)."""
    total = np.zeros(count, dtype=np.int64)
    np.add.at(total, codes, values.astype(np.int64))
    return total


def _distinct_per_group(codes: np.ndarray, values: np.ndarray, count: int) -> np.ndarray:
    """How many distinct ``values`` (int64, a narrow range such as day numbers) each group ``0 … count − 1`` has:
    the (group, value) pairs as one int64 each, sorted once, a pair counted where it differs from the one before."""
    if not len(codes):
        return np.zeros(count, dtype=np.int64)
    low = int(values.min())
    width = int(values.max()) - low + 1
    pairs = np.sort(codes.astype(np.int64) * width + (values - low))
    new = np.empty(len(pairs), dtype=bool)
    new[0] = True
    np.not_equal(pairs[1:], pairs[:-1], out=new[1:])
    return np.bincount(pairs[new] // width, minlength=count)
