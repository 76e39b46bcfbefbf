"""The owner's analytics report: every metric of :mod:`app.services.analytics.metrics` for a period and a set
of locations, as plain values ready for charts, tables and exports.

A report is computed once per (database, locations, period, data version) and shared by every
tab that shows it; a change in those locations that may concern the period or an earlier day bumps the version
it keys on (see :func:`app.services.events.version` with ``through``), so the next request recomputes it once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any, NamedTuple

from app.models import AnalyticsReport, UserRead
from app.services import amounts, clock, i18n, lazy
from app.services.accounts.access import MANAGING_ROLES, ensure_reader
from app.services.analytics import frames as analytics_data
from app.services.analytics import metrics as a
from app.services.caching import VersionedCache
from app.services.catalogue import locations
from app.services.customers import customers
from app.services.i18n import N_, _

if TYPE_CHECKING:  # the real modules for readers, tools and the bundle (PyInstaller follows these)
    import pandas as pd
else:  # at first use, not at start (app.services.lazy)
    pd = lazy.module('pandas', globals())

TOP = 10


def report(location_ids: list[int], start: date, end: date, *, actor: UserRead, as_of: datetime,
           time_zone: str) -> AnalyticsReport:
    """The report, from the shared cache while the locations' data up to ``end`` is unchanged.

    Every figure is of bookings and receipts up to the end of ``end`` (in ``time_zone``), so a change that
    concerns only later days (a booking made, moved or cancelled for next week: most bookings are made ahead)
    leaves the report valid; any other booking change, a receipt, an import, a change of the staff's hours
    (utilisation) or of a name it shows (a customer's, erased too; a service's) computes it again.

    :raises PermissionDeniedError: not an owner or manager, or a location not theirs
    """
    ensure_analyst(actor, location_ids)
    last_moment = clock.day_bounds(end, time_zone)[1] - timedelta(microseconds=1)
    through = {i: clock.to_local(last_moment, zone).date() for i, zone in locations.zones_of(location_ids).items()}
    return _cache.get((tuple(location_ids), start, end, as_of.date(), time_zone), location_ids,
                      lambda: build_report(location_ids, start, end, as_of=as_of, time_zone=time_zone),
                      through=through)


def build_report(location_ids: list[int], start: date, end: date, *, as_of: datetime,
                 time_zone: str) -> AnalyticsReport:
    """Compute the report afresh (definitions in ``docs/metrics.md``).

    Revenue comes twice: collected (receipt lines) and booked value (prices of bookings not cancelled). The
    revenue charts and growth use collected revenue when the locations have any receipts, else booked value
    (``revenue_basis`` says which). Growth is given only when the data reaches back over the whole previous
    period; segments, churn and the at-risk list only when it reaches back over their window.
    """
    first, _first_end = clock.day_bounds(start - timedelta(days=(end - start).days + 1), time_zone)  # and before
    period_start, _end = clock.day_bounds(start, time_zone)
    _start, period_end = clock.day_bounds(end, time_zone)
    # the whole history, but only the columns the customer figures and revenue trends need
    history = analytics_data.load_bookings(location_ids, end=period_end,
                                           columns=['customer_id', 'starts_at', 'local_start', 'status',
                                                    'price_cents'])
    all_lines = analytics_data.load_lines(location_ids, end=period_end,
                                          columns=['issued_at', 'local_day', 'customer_id', 'amount_cents'])
    bookings = analytics_data.load_bookings(location_ids, start=period_start, end=period_end)
    lines = analytics_data.load_lines(location_ids, start=period_start, end=period_end)
    payments = analytics_data.load_payments(location_ids, start=period_start, end=period_end)
    inquiries = analytics_data.load_inquiries(location_ids, start=period_start, end=period_end)
    working = analytics_data.working_minutes(location_ids, start, end)

    basis, trend = _revenue_trend(history, all_lines)
    current = trend.loc[(trend['issued_at'] >= period_start) & (trend['issued_at'] < period_end)]
    previous = trend.loc[(trend['issued_at'] >= first) & (trend['issued_at'] < period_start)]
    data_start = min([x for x in (history['starts_at'].min(), all_lines['issued_at'].min()) if pd.notna(x)],
                     default=None)
    upto = min(as_of, period_end)
    history_days = (upto - data_start).days if data_start is not None else 0
    customers = a.customer_summary(history, all_lines, upto)
    short = _short_of_history(history_days)
    kpis = {**_revenue_kpis(lines, bookings, current, previous, comparable=data_start is not None
                            and data_start <= first),
            **_booking_kpis(bookings, inquiries), 'history_days': history_days,
            'retention_rate': _nan_none(a.retention_rate(history, upto)),
            'churn_rate': _nan_none(a.churn_rate(customers)) if len(customers) and 'churn' not in short else None,
            'customers': len(customers)}
    return AnalyticsReport(
        location_ids=location_ids, start=start, end=end, as_of=as_of, revenue_basis=basis,
        kpis={key: kpis[key] for key in KPI_ORDER},
        **_revenue_series(current, trend, start, end),
        revenue_by={**{by: [(str(k), int(v)) for k, v in a.revenue_by(lines.loc[lines[by] != ''], by).head(TOP).items()]
                       for by in ('service', 'category', 'staff', 'channel', 'product')},
                    'payment_method': _by_method(lines, payments)},
        **_customer_figures(customers, short),
        not_enough_history=short,
        **_booking_patterns(bookings),
        breakdowns={by: _breakdown(bookings, by) for by in BREAKDOWNS},
        staff=_staff(bookings, lines, working),
    )


KPI_ORDER = ('revenue_cents', 'booked_value_cents', 'previous_revenue_cents', 'growth', 'bookings', 'no_show_rate',
             'cancellation_rate', 'retention_rate', 'churn_rate', 'conversion_rate', 'customers', 'customers_booked',
             'customers_visited', 'repeat_share', 'lead_time_mean_days', 'lead_time_median_days', 'same_day_share',
             'lead_time_unknown', 'hour_unknown_share', 'unmeasured_bookings', 'history_days')
"""The report's key figures, in the order it gives them."""


def _revenue_trend(history: pd.DataFrame, all_lines: pd.DataFrame) -> tuple[str, pd.DataFrame]:
    """The revenue the trends and growth count, and its basis: ``'collected'`` (the receipt lines) when the
    locations have any receipt, else ``'booked'`` (the value of the bookings due, dated by their start)."""
    if len(all_lines):
        return 'collected', all_lines
    return 'booked', a.booked_value_lines(history).assign(
        issued_at=history.loc[history['status'].isin(a.DUE), 'starts_at'])


def _short_of_history(history_days: int) -> dict[str, str]:
    """The figures :data:`MIN_HISTORY_DAYS` says need more than ``history_days`` days of data, with why; the report
    is shared by tabs of every language: the reason is stored deferred, shown with ``i18n.shown``."""
    return {figure: i18n.deferred(N_('not enough history: {days} days of data, the figure needs {needed}'),
                                  days=history_days, needed=days)
            for figure, days in MIN_HISTORY_DAYS.items() if history_days < days}


def _revenue_kpis(lines: pd.DataFrame, bookings: pd.DataFrame, current: pd.DataFrame, previous: pd.DataFrame, *,
                  comparable: bool) -> dict[str, Any]:
    """Collected revenue and booked value of the period (minor units), the previous period's revenue and the growth
    (None unless the data reaches back over the whole previous period: ``comparable``)."""
    now, before = int(current['amount_cents'].sum()), int(previous['amount_cents'].sum())
    return {'revenue_cents': int(lines['amount_cents'].sum()), 'booked_value_cents': a.booked_value(bookings),
            'previous_revenue_cents': before if comparable else None,
            'growth': _nan_none(a.growth(now, before, comparable=comparable))}


def _booking_kpis(bookings: pd.DataFrame, inquiries: pd.DataFrame) -> dict[str, Any]:
    """The period's bookings in figures: counts, no-show, cancellation and conversion rates, who booked and
    visited, lead times, what is unknown."""
    lead = a.lead_time_summary(bookings)
    counted = a.customer_counts(bookings)
    return {'bookings': int(bookings['status'].isin(a.DUE).sum()),
            'no_show_rate': _nan_none(a.no_show_rate(bookings)),
            'cancellation_rate': _nan_none(a.cancellation_rate(bookings)),
            'conversion_rate': _nan_none(a.conversion_rate(inquiries)),
            'customers_booked': counted['booked'], 'customers_visited': counted['visited'],
            'repeat_share': counted['repeat_share'],
            'lead_time_mean_days': lead['mean_days'], 'lead_time_median_days': lead['median_days'],
            'same_day_share': lead['same_day_share'], 'lead_time_unknown': lead['unknown'],
            'hour_unknown_share': _nan_none(a.hour_unknown_share(bookings)),
            'unmeasured_bookings': a.unmeasured_bookings(bookings)}


def _revenue_series(current: pd.DataFrame, trend: pd.DataFrame, start: date, end: date) -> dict[str, list]:
    """The revenue per day (the period's last 30 days at most), per week (12 weeks to its end) and per month
    (12 months to its end)."""
    day_start, day_end = pd.Timestamp(start), pd.Timestamp(end + timedelta(days=1))
    month_start = (day_end - pd.DateOffset(months=12)).to_period('M').start_time
    return {
        'revenue_daily': _pairs(a.revenue_by_period(current, freq='D', start=max(day_start, day_end - pd.Timedelta(
            days=30)), end=day_end)),
        'revenue_weekly': _pairs(a.revenue_by_period(trend, freq='W', start=day_end - pd.Timedelta(weeks=12),
                                                     end=day_end)),
        'revenue_monthly': _pairs(a.revenue_by_period(trend, freq='M', start=month_start, end=day_end)),
    }


def _customer_figures(customers: pd.DataFrame, short: dict[str, str]) -> dict[str, Any]:
    """Segments, acquisition by month (last 12), the top customers by lifetime value and those at risk; segments
    and the at-risk list only when the history is long enough (``short`` names those that are not)."""
    known = len(customers) > 0
    return {
        'segments': {k: int(v) for k, v in customers['segment'].value_counts().items()}
        if known and 'segments' not in short else {},
        'acquisition': [(str(k), int(v)) for k, v in a.acquisition_by_month(customers).tail(12).items()]
        if known else [],
        'top_customers': _customers(customers.sort_values('lifetime_value_cents', ascending=False).head(TOP)),
        'at_risk': _customers(a.at_risk(customers).head(TOP)) if known and 'at_risk' not in short else [],
    }


def _booking_patterns(bookings: pd.DataFrame) -> dict[str, Any]:
    """When the period's bookings fall and how they end: no-shows and counts per weekday, the peak-hours grid
    (weekday × hour), the lead-time distribution and the notice given of cancellations."""
    heat = a.peak_hours(bookings)
    return {
        'no_show_by_weekday': [(str(k), _nan_none(v))
                               for k, v in a.no_show_rate_by(a.with_weekday(bookings), 'weekday').items()],
        'weekday_counts': [(str(k), int(v)) for k, v in a.weekday_counts(bookings).items()],
        'peak_hours': heat.to_numpy().astype(int).tolist(), 'peak_hours_columns': [int(c) for c in heat.columns],
        'lead_time': {k: int(v) for k, v in a.lead_time_distribution(bookings).items()},
        'cancellation_notice': {k: int(v) for k, v in a.cancellation_notice(bookings).items()},
    }


BREAKDOWNS = ('weekday', 'hour', 'staff', 'service', 'category', 'channel', 'source')
"""Dimensions the bookings are broken down by (``source``: the export's own channel text)."""
MIN_HISTORY_DAYS = {'segments': a.CHURN_AFTER_DAYS, 'churn': a.CHURN_AFTER_DAYS, 'at_risk': 90}
"""Days of data a figure needs: segments and churn their 180-day churn window; the at-risk list 90 days (one
visit's default 60-day interval × 1.5, the overdue threshold)."""


def _breakdown(bookings: pd.DataFrame, by: str) -> list[dict[str, Any]]:
    table = a.breakdown(bookings, by)
    if by == 'source' and list(table.index) == ['']:
        return []  # no export gave a source
    counts = {'bookings', 'cancellations', 'due', 'no_shows', 'booked_value_cents'}  # iterrows makes them floats
    return [{'name': str(name) if str(name) else i18n.deferred(N_('(none)')),
             **{k: int(v) if k in counts and not pd.isna(v) else _plain(v) for k, v in row.items()}}
            for name, row in table.iterrows()]


def _plain(value: Any) -> int | float | None:
    if pd.isna(value):
        return None
    return int(value) if float(value).is_integer() and not isinstance(value, float) else float(value)


def _by_method(lines: pd.DataFrame, payments: pd.DataFrame) -> list[tuple[str, int]]:
    """Revenue per payment method, largest first: a receipt with payments recorded has its revenue split over them
    in proportion to what each paid (a split between card and cash counts under both); one without (history)
    counts under its one method."""
    paid = payments.loc[payments['amount_cents'] != 0]
    split = lines['receipt_id'].isin(paid['receipt_id'])
    totals = a.revenue_by(lines.loc[~split & (lines['payment_method'] != '')], 'payment_method').to_dict()
    revenue = lines.loc[split].groupby('receipt_id', observed=True)['amount_cents'].sum()
    for receipt_id, shares in paid.groupby('receipt_id'):
        whole = int(shares['amount_cents'].sum())
        if receipt_id not in revenue.index or not whole:
            continue
        cents = int(revenue[receipt_id])
        parts = [(str(method), cents * int(amount) / whole) for method, amount in
                 zip(shares['method'], shares['amount_cents'], strict=True)]
        given = [int(value) for _, value in parts]  # toward zero; what is left goes to the largest part
        given[max(range(len(parts)), key=lambda i: abs(parts[i][1]))] += cents - sum(given)
        for (method, _share), value in zip(parts, given, strict=True):
            totals[method] = totals.get(method, 0) + value
    return sorted(((str(k), int(v)) for k, v in totals.items() if v), key=lambda kv: -kv[1])[:TOP]


class BookingRows(NamedTuple):
    """Every booking of a period for a detail export: ``header``, how many rows (``total``) and the
    rows in ``chunks`` (lists of rows; money in major units, times as naive datetimes)."""

    header: list[str]
    total: int
    chunks: Iterable[list[list]]
    price_format: str = '#,##0.00'
    """Excel's number format of the price column: the currency's own decimals (:func:`amounts.number_format`)."""


BOOKING_HEADER = [N_('Booking'), N_('Location'), N_('Starts'), N_('Customer'), N_('Staff member'), N_('Service'),
                  N_('Category'), N_('Status'), N_('Channel'), N_('Source'), N_('Price'), N_('Booked at (UTC)'),
                  N_('Notice days')]
"""The detail export's columns (English; written in the reader's language: see :func:`booking_rows`). Status and
channel cells stay the stored codes (``no_show``, ``online``), as other tools read them."""
CHUNK_ROWS = 5_000


def booking_rows(location_ids: list[int], start: date, end: date, *, actor: UserRead, time_zone: str,
                 currency: str | None = None) -> BookingRows:
    """Every booking starting in ``[start, end]`` (local dates) for a detail export, in start order:
    the header (in the current language), the count, and the rows produced lazily in chunks of
    :data:`CHUNK_ROWS` (starts as naive local times of the location, price in major units of ``currency`` — a float
    with two decimals for a currency counted in hundredths or None, else an exact Decimal —, booked-at in UTC).

    :raises PermissionDeniedError: not an owner or manager, or a location not theirs
    """
    ensure_analyst(actor, location_ids)
    _start, period_end = clock.day_bounds(end, time_zone)
    period_start, _end = clock.day_bounds(start, time_zone)
    frame = analytics_data.load_bookings(location_ids, start=period_start, end=period_end).sort_values(
        ['local_start', 'booking_id'])
    places = dict(zip(location_ids, locations.location_names(location_ids), strict=True))  # checked above
    people = customers.customer_names(frame['customer_id'].dropna().astype(int).unique().tolist())
    walk_in = _('Walk-in')
    price = partial(amounts.cell_number, currency=currency)

    def chunks() -> Iterator[list[list]]:
        for first in range(0, len(frame), CHUNK_ROWS):
            part = frame.iloc[first:first + CHUNK_ROWS]
            booked = part['booked_at'].dt.tz_localize(None).dt.to_pydatetime()
            yield [[int(r.booking_id), places.get(r.location_id, ''), r.local_start.to_pydatetime(),
                    people.get(int(r.customer_id), '') if r.customer_id == r.customer_id else walk_in,
                    str(r.staff), str(r.service), str(r.category), str(r.status), str(r.channel), str(r.source),
                    price(r.price_cents), None if pd.isna(b) else b,
                    None if pd.isna(r.notice_days) else int(r.notice_days)]
                   for r, b in zip(part.itertuples(index=False), booked, strict=True)]

    return BookingRows([_(h) for h in BOOKING_HEADER], len(frame), chunks(),
                       amounts.number_format(currency) if currency else '#,##0.00')


def ensure_analyst(actor: UserRead, location_ids: list[int]) -> None:
    """:raises PermissionDeniedError: ``actor`` is not an owner or manager, or one of the locations is not theirs"""
    for location_id in location_ids:
        ensure_reader(actor, location_id, MANAGING_ROLES, 'see analytics')


def _pairs(series: pd.Series) -> list[tuple[str, int]]:
    return [(f'{k:%Y-%m-%d}', int(v)) for k, v in series.items()]


def _nan_none(value: float) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _customers(frame: pd.DataFrame) -> list[dict[str, Any]]:
    names = customers.customer_names([int(i) for i in frame.index])
    unnamed = lambda i: i18n.deferred(N_('Customer {number}'), number=i)  # noqa: E731 - shown in each reader's words
    return [{'customer_id': int(i), 'name': names[int(i)] if int(i) in names else unnamed(int(i)),
             'visits': int(r.visits),
             'lifetime_value_cents': int(r.lifetime_value_cents), 'last_visit': f'{r.last_visit:%Y-%m-%d}',
             'segment': r.segment, 'usual_interval_days': _nan_none(r.mean_interval_days),
             'days_since_last_visit': int(r.days_since_last_visit), 'churn_risk': round(float(r.churn_risk), 2)}
            for i, r in frame.iterrows()]


def _staff(bookings: pd.DataFrame, lines: pd.DataFrame, working: pd.Series) -> list[dict[str, Any]]:
    table = a.staff_performance(bookings, lines).join(a.staff_utilisation(bookings, working), how='left')
    rates = a.breakdown(bookings, 'staff')
    return [{'staff': str(name), 'bookings': int(r.bookings), 'completed': int(r.completed),
             'completion_rate': float(r.completion_rate), 'no_shows': int(r.no_shows),
             'no_show_rate': float(r.no_show_rate),
             'cancellations': int(rates['cancellations'].get(name, 0)),
             'cancellation_rate': _nan_none(rates['cancellation_rate'].get(name, float('nan'))),
             'revenue_cents': int(r.revenue_cents), 'utilisation': _nan_none(r.utilisation)}
            for name, r in table.iterrows()]


_cache: VersionedCache[AnalyticsReport] = VersionedCache(of=('data', 'staff', 'names'))
