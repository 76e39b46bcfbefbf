"""Frames for :mod:`app.services.analytics.metrics`, read from the database (columns documented there)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, NamedTuple

from sqlalchemy import func
from sqlmodel import col, select

from app.models import Inquiry, Product, Service, StaffMember, WorkingHours
from app.services import lazy
from app.services.analytics import store as analytics_store
from app.services.database import session_scope
from app.services.i18n import N_

if TYPE_CHECKING:  # the real modules for readers, tools and the bundle (PyInstaller follows these)
    import numpy as np
    import pandas as pd
else:  # at first use, not at start (app.services.lazy)
    np = lazy.module('numpy', globals())
    pd = lazy.module('pandas', globals())

BOOKING_COLUMNS = ['booking_id', 'location_id', 'customer_id', 'staff_member_id', 'staff', 'service', 'category',
                   'starts_at', 'ends_at', 'booked_at', 'status', 'channel', 'price_cents', 'notice_days',
                   'local_start', 'local_booked', 'local_cancelled', 'time_known', 'source', 'service_minutes']
LINE_COLUMNS = ['receipt_id', 'location_id', 'issued_at', 'local_day', 'customer_id', 'staff', 'service', 'category',
                'product', 'payment_method', 'channel', 'amount_cents']
RETAIL = N_('Retail')
UNCLASSIFIED = N_('Unclassified')
OTHER = N_('Other')  # the categories of lines without a service's: kept in English, shown through metrics.word


def load_bookings(location_ids: list[int], *, start: datetime | None = None, end: datetime | None = None,
                  columns: list[str] | None = None) -> pd.DataFrame:
    """Bookings of the locations starting in ``[start, end)`` (aware datetimes) as the *bookings* frame
    (only ``columns`` of it when given: building a million-row frame costs per column).

    Text columns (staff, service, category, status, channel) are categoricals. Read from the shared
    in-memory columns (:mod:`app.services.analytics.store`), so only changed rows touch the database.
    """
    wanted = columns or BOOKING_COLUMNS
    rows = _gather([c.bookings for c in analytics_store.columns_for(location_ids)], location_ids,
                   'starts_at', start, end, {n for name in wanted for n in _BOOKING_SOURCES.get(name, (name,))})
    names = _names() if {'staff', 'service', 'category', 'service_minutes'} & set(wanted) else None
    build = {
        'booking_id': lambda: rows['id'].astype(np.int64), 'location_id': lambda: rows['location_id'],
        'customer_id': lambda: np.where(rows['customer_id'] >= 0, rows['customer_id'], np.nan),
        'staff_member_id': lambda: rows['staff_member_id'].astype(np.int64),
        'staff': lambda: _categorical(rows['staff_member_id'], names.staff),
        'service': lambda: _categorical(rows['service_id'], names.services),
        'category': lambda: _categorical(rows['service_id'], names.categories),
        'starts_at': lambda: _utc(rows['starts_at']), 'ends_at': lambda: _utc(rows['ends_at']),
        'booked_at': lambda: _utc(rows['booked_at']),
        'status': lambda: pd.Categorical.from_codes(rows['status'], categories=analytics_store.STATUSES),
        'channel': lambda: pd.Categorical.from_codes(rows['channel'], categories=analytics_store.CHANNELS),
        'price_cents': lambda: rows['price_cents'],
        'notice_days': lambda: np.where(rows['notice_days'] >= 0, rows['notice_days'], np.nan),
        'local_start': lambda: _naive(rows['local_start']),
        'local_booked': lambda: _naive(rows['local_booked']),
        'local_cancelled': lambda: _naive(rows['local_cancelled']),
        'time_known': lambda: rows['time_known'].astype(bool),
        'source': lambda: _sources(rows, location_ids),
        'service_minutes': lambda: pd.Series(rows['service_id']).map(names.minutes).astype(float).to_numpy(),
    }
    return pd.DataFrame({name: build[name]() for name in wanted}, columns=wanted)


def load_lines(location_ids: list[int], *, start: datetime | None = None, end: datetime | None = None,
               columns: list[str] | None = None) -> pd.DataFrame:
    """Receipt lines of the locations issued in ``[start, end)`` as the *lines* frame (only ``columns``
    of it when given).

    ``service`` is the service's name ('' for products), ``product`` the product's name ('' for
    services), lines that are neither keep their receipt text as ``service``; ``category`` is the
    service's category (``Unclassified`` when it has none), ``Retail`` for products, ``Other`` for lines
    that are neither but have a text (fees, for instance) and ``Unclassified`` for lines with nothing
    to classify them by.
    """
    wanted = columns or LINE_COLUMNS
    stored = analytics_store.columns_for(location_ids)
    rows = _gather([c.lines for c in stored], location_ids, 'issued_at', start, end,
                   {n for name in wanted for n in _LINE_SOURCES.get(name, (name,))})
    names = _names() if {'staff', 'service', 'category', 'product'} & set(wanted) else None

    def service() -> pd.Categorical:
        named = _categorical(rows['service_id'], names.services)
        descriptions = {k: v for c in stored for k, v in c.descriptions.items()}
        if not descriptions:
            return named
        other = pd.Series(rows['id']).map(descriptions)  # neither a service nor a product: the receipt's text
        return pd.Series(named).astype(object).where(other.isna(), other).astype('category').array

    def category() -> pd.Categorical:
        of_service = _categorical(rows['service_id'], names.categories, missing=UNCLASSIFIED)
        texts = {k for c in stored for k, v in c.descriptions.items() if v.strip()}
        shown = pd.Series(of_service).astype(object)
        shown[rows['product_id'] >= 0] = RETAIL
        shown[(rows['product_id'] < 0) & (rows['service_id'] < 0) & np.isin(rows['id'], list(texts))] = OTHER
        return shown.astype('category').array

    build = {
        'receipt_id': lambda: rows['receipt_id'].astype(np.int64), 'location_id': lambda: rows['location_id'],
        'issued_at': lambda: _utc(rows['issued_at']),
        'local_day': lambda: _naive(rows['local_issued'] // 86400 * 86400),
        'customer_id': lambda: np.where(rows['customer_id'] >= 0, rows['customer_id'], np.nan),
        'staff': lambda: _categorical(rows['staff_member_id'], names.staff),
        'service': service,
        'category': category,
        'product': lambda: _categorical(rows['product_id'], names.products),
        'payment_method': lambda: pd.Categorical.from_codes(rows['payment_method'],
                                                            categories=analytics_store.PAYMENT_METHODS),
        'channel': lambda: pd.Categorical.from_codes(np.where(rows['channel'] >= 0, rows['channel'] + 1, 0),
                                                     categories=['', *analytics_store.CHANNELS]),
        'amount_cents': lambda: rows['amount_cents'],
    }
    return pd.DataFrame({name: build[name]() for name in wanted}, columns=wanted)


class _Names(NamedTuple):
    staff: dict[int, str]
    services: dict[int, str]
    categories: dict[int, str]
    products: dict[int, str]
    minutes: dict[int, int]


def _names() -> _Names:
    """Names by id of every staff member, service (its category and duration in minutes, when set) and
    product (small tables)."""
    with session_scope() as session:
        staff = dict(session.exec(select(StaffMember.id, StaffMember.name)).all())
        services = session.exec(select(Service.id, Service.name, Service.category, Service.duration_minutes)).all()
        products = dict(session.exec(select(Product.id, Product.name)).all())
    return _Names(staff, {i: n for i, n, _, _ in services}, {i: c or UNCLASSIFIED for i, _, c, _ in services}, products,
                  {i: m for i, _, _, m in services if m})


def _sources(rows: dict[str, np.ndarray], location_ids: list[int]) -> pd.Categorical:
    """The export's own channel text of each booking ('' when none): each location's codes index its own list."""
    stored = {c.location_id: c.sources for c in analytics_store.columns_for(location_ids)}
    names = sorted({name for sources in stored.values() for name in sources} | {''})
    position = {name: i for i, name in enumerate(names)}
    codes = np.zeros(len(rows['location_id']), dtype=np.int32)
    for location_id, sources in stored.items():
        mine = rows['location_id'] == location_id
        codes[mine] = np.array([position[s] for s in sources], dtype=np.int32)[rows['source'][mine]]
    return pd.Categorical.from_codes(codes, categories=names)


_BOOKING_SOURCES = {'booking_id': ('id',), 'staff': ('staff_member_id',), 'service': ('service_id',),
                    'category': ('service_id',), 'service_minutes': ('service_id',), 'source': ('source',)}
"""The stored columns each column of the *bookings* frame is made of (where they differ from its own name)."""
_LINE_SOURCES = {'staff': ('staff_member_id',), 'service': ('service_id', 'id'),
                 'category': ('service_id', 'product_id', 'id'), 'product': ('product_id',),
                 'local_day': ('local_issued',)}
"""The same for the *lines* frame."""


def _gather(tables: list[dict[str, np.ndarray]], location_ids: list[int], moment: str,
            start: datetime | None, end: datetime | None, columns: set[str]) -> dict[str, np.ndarray]:
    """The stored ``columns`` of several locations' rows with ``moment`` in ``[start, end)``, plus ``location_id``
    (only the columns asked for are copied: a million-row column costs ~3 ms to filter)."""
    parts = []
    for location_id, table in zip(location_ids, tables, strict=True):
        keep = np.ones(len(table['id']), dtype=bool)
        if start is not None:
            keep &= table[moment] >= int(start.timestamp())
        if end is not None:
            keep &= table[moment] < int(end.timestamp())
        part = {k: v[keep] for k, v in table.items() if k in columns}
        part['location_id'] = np.full(int(keep.sum()), location_id, dtype=np.int64)
        parts.append(part)
    if not parts:
        return {k: np.empty(0, dtype=np.int64) for k in ('id', 'location_id', *columns)}
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _utc(seconds: np.ndarray) -> pd.Series:
    """Aware UTC datetimes from epoch seconds (``NO_TIME`` → NaT)."""
    known = seconds != analytics_store.NO_TIME
    values = np.where(known, seconds, 0).astype('datetime64[s]').astype('datetime64[ns]')
    values[~known] = np.datetime64('NaT')
    return pd.Series(pd.DatetimeIndex(values).tz_localize('UTC'))


def _naive(seconds: np.ndarray) -> np.ndarray:
    """Naive datetimes (local wall times) from epoch seconds."""
    return seconds.astype('datetime64[s]').astype('datetime64[ns]')


def _categorical(ids: np.ndarray, names: dict[int, str], *, missing: str = '') -> pd.Categorical:
    """Names for ids (``-1`` or unknown → ``missing``) as a categorical, without a string per row."""
    categories = sorted(set(names.values()) | {missing})
    code = {name: i for i, name in enumerate(categories)}
    size = max(max(names, default=0), int(ids.max()) if len(ids) else 0) + 2
    lookup = np.full(size, code[missing], dtype=np.int32)
    for key, name in names.items():
        lookup[key] = code[name]
    return pd.Categorical.from_codes(lookup[np.where(ids >= 0, ids, -1)], categories=categories)


def load_inquiries(location_ids: list[int], *, start: datetime, end: datetime) -> pd.DataFrame:
    """Inquiries received in ``[start, end)``: ``inquiry_id``, ``location_id``, ``received_at``, ``booking_id``."""
    with session_scope() as session:
        rows = session.exec(select(Inquiry.id, Inquiry.location_id, Inquiry.received_at, Inquiry.booking_id).where(
            col(Inquiry.location_id).in_(location_ids), Inquiry.received_at >= start, Inquiry.received_at < end)).all()
    return pd.DataFrame(rows, columns=['inquiry_id', 'location_id', 'received_at', 'booking_id'])


def working_minutes(location_ids: list[int], start: date, end: date) -> pd.Series:
    """Scheduled working minutes per staff member name over the local days ``start`` … ``end`` (inclusive)."""
    days = pd.Series(pd.date_range(start, end, freq='D')).dt.day_of_week.value_counts()
    with session_scope() as session:
        rows = session.exec(select(StaffMember.name, WorkingHours.weekday, WorkingHours.start_minute,
                                   WorkingHours.end_minute)
                            .join(StaffMember, StaffMember.id == WorkingHours.staff_member_id)
                            .where(col(StaffMember.location_id).in_(location_ids))).all()
    frame = pd.DataFrame(rows, columns=['staff', 'weekday', 'start_minute', 'end_minute'])
    minutes = (frame['end_minute'] - frame['start_minute']) * frame['weekday'].map(days).fillna(0)
    return minutes.groupby(frame['staff']).sum().astype(float)


def load_payments(location_ids: list[int], *, start: datetime, end: datetime) -> pd.DataFrame:
    """Money taken for receipts issued in ``[start, end)``, per receipt and method: columns ``receipt_id``,
    ``method`` and ``amount_cents`` (payments, negative for money paid back, and ``deposit`` for what a booking's
    deposit paid). Receipts from before checkout kept payments (imports) have none."""
    from app.models import Payment, Receipt

    with session_scope() as session:
        rows = session.exec(
            select(Payment.receipt_id, Payment.method, func.sum(Payment.amount_cents))
            .join(Receipt, Receipt.id == Payment.receipt_id)
            .where(col(Receipt.location_id).in_(location_ids), Receipt.issued_at >= start, Receipt.issued_at < end)
            .group_by(Payment.receipt_id, Payment.method)).all()
        rows += [(receipt_id, 'deposit', cents) for receipt_id, cents in session.exec(
            select(Receipt.id, Receipt.deposit_applied_cents).where(
                col(Receipt.location_id).in_(location_ids), Receipt.issued_at >= start, Receipt.issued_at < end,
                Receipt.deposit_applied_cents > 0)).all()]
    return pd.DataFrame(rows, columns=['receipt_id', 'method', 'amount_cents'])
