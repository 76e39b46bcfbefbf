"""The dashboard's figures for one location and reference day, computed once per change.

Definitions (the usual ones in salon software such as Fresha's and Square's reports):

- *bookings today*: bookings starting on the reference day that are not cancelled.
- *revenue*: receipt lines before tax (minor units), by the receipt's local issue date.
- *no-show rate (30 days)*: no-shows ÷ bookings that were due (not cancelled) among those starting
  in the 30 days ending on the reference day.
- *cancellation rate (30 days)*: cancelled ÷ all bookings starting in those 30 days.
- *upcoming booked value (7 / 30 days)*: the price of bookings not cancelled that start after the reference
  day, within the next 7 / 30 local days (booked value, see ``docs/metrics.md``).
- *no reminder this week*: booked or confirmed bookings starting from now to the end of the reference day's week
  (Monday to Sunday, local) whose customer no channel the location sends on reaches (``messaging.reach``).
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from functools import cache
from itertools import pairwise

from sqlalchemy import and_, bindparam, case, func
from sqlmodel import col, select

from app.models import Booking, BookingStatus, DashboardSummary, Location, Receipt, ReceiptLine, UserRead
from app.models.base import UTCDateTime
from app.services import clock
from app.services.accounts.access import MANAGING_ROLES, ensure_reader
from app.services.caching import VersionedCache
from app.services.database import session_scope
from app.services.errors import NotFoundError
from app.services.i18n import N_, _
from app.services.messaging import reach

WINDOW_DAYS = 30


def summary(location_id: int, day: date, *, actor: UserRead) -> DashboardSummary:
    """The figures for ``location_id`` on ``day`` (local date), computed once per data version.

    After a change every open tab asks for the same key; the first computes, the rest reuse it.

    :raises NotFoundError: no such location
    :raises PermissionDeniedError: not an owner or manager, or another location
    """
    ensure_reader(actor, location_id, MANAGING_ROLES, N_("see the shop's takings"))
    return _cache.get((location_id, day), [location_id], lambda: compute_summary(location_id, day))


def compute_summary(location_id: int, day: date) -> DashboardSummary:
    """Compute the booking figures afresh, the revenue from :func:`revenue_per_day` (see the module docstring
    for definitions)."""
    with session_scope() as session:
        location = session.get(Location, location_id)
        if location is None:
            raise NotFoundError(_('Location {id} does not exist.').format(id=location_id))
        tz = location.time_zone
        first_day = day - timedelta(days=WINDOW_DAYS - 1)
        start, _end = clock.day_bounds(first_day, tz)
        today_start, end = clock.day_bounds(day, tz)
        # the 30 days' statuses and the day's own count in one pass over the window (a busy day is read once)
        counted = session.exec(
            select(Booking.status, func.count(), func.count(case((Booking.starts_at >= today_start, 1))))
            .where(Booking.location_id == location_id, Booking.starts_at >= start, Booking.starts_at < end)
            .group_by(Booking.status)).all()
        statuses = Counter({status: n for status, n, _on_the_day in counted})
        bookings_today = sum(on_the_day for status, _n, on_the_day in counted
                             if status != BookingStatus.CANCELLED.value)
        _start, week_end = clock.day_bounds(day + timedelta(days=7), tz)
        _start, month_end = clock.day_bounds(day + timedelta(days=WINDOW_DAYS), tz)
        upcoming = session.exec(
            select(func.coalesce(func.sum(case((Booking.starts_at < week_end, Booking.price_cents), else_=0)), 0),
                   func.coalesce(func.sum(Booking.price_cents), 0))
            .where(Booking.location_id == location_id, Booking.starts_at >= end, Booking.starts_at < month_end,
                   Booking.status != BookingStatus.CANCELLED.value)).one()
        unreached = _unreached_this_week(session, location_id, day, tz)
    per_day = revenue_per_day(location_id, day, tz)
    total = sum(statuses.values())
    due = total - statuses[BookingStatus.CANCELLED.value]
    return DashboardSummary(
        location_id=location_id, day=day, currency=location.currency, bookings_today=bookings_today,
        revenue_today_cents=per_day[day], revenue_30d_cents=sum(per_day.values()),
        no_show_rate_30d=statuses[BookingStatus.NO_SHOW.value] / due if due else None,
        cancellation_rate_30d=statuses[BookingStatus.CANCELLED.value] / total if total else None,
        revenue_per_day=list(per_day.items()),
        bookings_by_status={s.value: statuses[s.value] for s in BookingStatus},
        booked_value_next_7d_cents=int(upcoming[0]), booked_value_next_30d_cents=int(upcoming[1]),
        unreached_this_week=unreached,
    )


def _unreached_this_week(session, location_id: int, day: date, tz: str) -> int:
    """The bookings from now to the end of ``day``'s week that will get no reminder (see the module docstring)."""
    monday = day - timedelta(days=day.weekday())
    week_start, _end = clock.day_bounds(monday, tz)
    _start, week_end = clock.day_bounds(monday + timedelta(days=6), tz)
    return reach.unreached_count(session, location_id, start=max(week_start, clock.now()), end=week_end)


_cache: VersionedCache[DashboardSummary] = VersionedCache(max_age=10)
"""Summaries by location and day; also recomputed after 10 s, as booking lists are, for bookings another
process wrote without this one hearing of it."""


def revenue_per_day(location_id: int, day: date, time_zone: str) -> dict[date, int]:
    """Receipt lines before tax (minor units) per local day, for the ``WINDOW_DAYS`` days ending on ``day``.

    Shared and recomputed only when the location's takings change (a receipt, an import): a booking
    made, moved or cancelled leaves it as it was. Receipts written by another process are seen within
    60 s.
    """
    return _takings.get((location_id, day, time_zone), [location_id], lambda: _revenue_per_day(location_id, day,
                                                                                                time_zone))


_takings: VersionedCache[dict[date, int]] = VersionedCache(of='takings', max_age=60)


def _revenue_per_day(location_id: int, day: date, tz: str) -> dict[date, int]:
    # summed by the database, one bucket per day between its local midnights (exact across a daylight-
    # saving change), rather than every receipt line brought into Python
    days = [day - timedelta(days=WINDOW_DAYS - 1 - i) for i in range(WINDOW_DAYS)]
    edges = [clock.day_bounds(d, tz)[0] for d in days] + [clock.day_bounds(day, tz)[1]]
    with session_scope() as session:
        amounts = session.exec(_revenue_by_day(), params={
            'location_id': location_id, **{f'edge{i}': edge for i, edge in enumerate(edges)}}).one()
    return dict(zip(days, (int(a) for a in amounts), strict=True))


@cache
def _revenue_by_day():
    """Receipt lines (before tax) summed per day, between bound edges ``edge0`` … ``edge30`` (aware UTC
    instants, each day's local midnight) at ``location_id``. Built once: assembling the 30 sums cost more
    than running them."""
    edges = [bindparam(f'edge{i}', type_=UTCDateTime) for i in range(WINDOW_DAYS + 1)]
    issued = col(Receipt.issued_at)
    return (select(*[func.coalesce(func.sum(case((and_(issued >= low, issued < high), ReceiptLine.amount_cents),
                                                 else_=0)), 0) for low, high in pairwise(edges)])
            .select_from(Receipt).join(ReceiptLine, ReceiptLine.receipt_id == Receipt.id)
            .where(Receipt.location_id == bindparam('location_id'), issued >= edges[0], issued < edges[-1]))
