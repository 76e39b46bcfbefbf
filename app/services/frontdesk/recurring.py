"""Recurring bookings: the same service, staff member and local time every N weeks, for a number of occurrences or
until a date. Each occurrence is checked by the same rules as any booking (:func:`plan` lists the ones that are not
free, with free times near them that day); the desk skips a conflict or picks another time, then :func:`book` makes
the whole series in one transaction. One occurrence is cancelled or moved like any booking; :func:`cancel_following`
and :func:`move_following` change it and every later one of its series, again in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from babel.dates import format_date
from sqlalchemy import insert
from sqlmodel import select

from app.models import Booking, BookingCreate, BookingMove, BookingRead, BookingSeries, BookingStatus, UserRead
from app.services import clock, events, i18n
from app.services.accounts.access import FRONT_DESK_ROLES, ensure_location, ensure_role
from app.services.database import session_scope, write_connection
from app.services.errors import ClientPulseError, NotFoundError, ValidationError
from app.services.frontdesk import availability, bookings
from app.services.i18n import N_, _, ngettext

MAX_OCCURRENCES = 52
"""The most occurrences one series books (a year of weekly visits)."""
ALTERNATIVES = 4
"""How many free times near a conflicting occurrence are offered instead."""


@dataclass(frozen=True)
class Occurrence:
    """One date of a series: ``index`` from 0, its start (aware), whether that time is free, why not, and free starts
    the same day nearest to it."""

    index: int
    starts_at: datetime
    free: bool
    problem: str = ''
    alternatives: tuple[datetime, ...] = ()


def starts(first: datetime, time_zone: str, *, every_weeks: int, count: int | None = None,
           until: date | None = None) -> list[datetime]:
    """The starts of a series: ``first``'s local time on every ``every_weeks``-th week, ``count`` of them or up to
    ``until`` (a local date, inclusive); the same wall-clock time across a change of daylight saving time.

    :raises ValidationError: not exactly one of ``count`` and ``until``, an interval outside 1–52 weeks, an end
        before the first date, or more than :data:`MAX_OCCURRENCES` occurrences
    """
    if not 1 <= every_weeks <= 52:
        raise ValidationError(_('Repeat every 1 to 52 weeks.'), field='every_weeks')
    if (count is None) == (until is None):
        raise ValidationError(_('Give either how many times or an end date.'), field='count')
    day, minute = clock.local_day(first, time_zone), clock.minute_of_day(first, time_zone)
    if until is not None:
        if until < day:
            raise ValidationError(_('The end date is before the first booking.'), field='until')
        count = (until - day).days // (7 * every_weeks) + 1
    if not 1 <= count <= MAX_OCCURRENCES:
        raise ValidationError(ngettext('A series has 1 to {most} bookings; this one would have {n}.',
                                       'A series has 1 to {most} bookings; this one would have {n}.', count).format(
            most=MAX_OCCURRENCES, n=count), field='count')
    return [clock.local_datetime(day + timedelta(weeks=every_weeks * k), minute, time_zone) for k in range(count)]


def plan(data: BookingCreate, *, every_weeks: int, actor: UserRead, count: int | None = None,
         until: date | None = None) -> list[Occurrence]:
    """Each occurrence of the series ``data`` starts, checked against the staff member's hours, time off, other
    bookings, holds, the location's hours and closures (:func:`availability.free_slots`, the desk's rules).

    :raises ValidationError: as :func:`starts`
    :raises NotFoundError, PermissionDeniedError: as :func:`availability.free_slots`
    """
    ensure_role(actor, FRONT_DESK_ROLES, N_('make bookings'))
    time_zone = bookings.location_time_zone(None, data.location_id)
    found = []
    for index, starts_at in enumerate(starts(data.starts_at, time_zone, every_weeks=every_weeks, count=count,
                                             until=until)):
        day = clock.local_day(starts_at, time_zone)
        free = [slot.starts_at for slot in availability.free_slots(
            data.location_id, data.service_id, day, actor=actor, staff_member_id=data.staff_member_id)]
        if starts_at in free:
            found.append(Occurrence(index, starts_at, True))
            continue
        near = sorted(free, key=lambda s, at=starts_at: abs(s - at))[:ALTERNATIVES]
        problem = _('not free then') if free else _('no free time that day')
        found.append(Occurrence(index, starts_at, False, problem=problem, alternatives=tuple(sorted(near))))
    return found


def book(data: BookingCreate, *, every_weeks: int, actor: UserRead, count: int | None = None,
         until: date | None = None, choices: dict[int, datetime | None] | None = None) -> list[BookingRead]:
    """Book the series in one transaction: every occurrence of :func:`starts`, except where ``choices`` says
    otherwise (index → another start, or None to skip it). Returns the bookings made, in order.

    :raises ValidationError: an occurrence is refused (naming it and why; nothing is booked), or none is left
    """
    ensure_role(actor, FRONT_DESK_ROLES, N_('make bookings'))
    ensure_location(actor, data.location_id)
    time_zone = bookings.location_time_zone(None, data.location_id)
    chosen = choices or {}
    wanted = [(index, chosen.get(index, starts_at) if index in chosen else starts_at)
              for index, starts_at in enumerate(starts(data.starts_at, time_zone, every_weeks=every_weeks,
                                                       count=count, until=until))]
    wanted = [(index, starts_at) for index, starts_at in wanted if starts_at is not None]
    if not wanted:
        raise ValidationError(_('Every date of the series was skipped: nothing to book.'), field='count')
    made, announced = [], []
    with write_connection() as connection:
        series_id = connection.execute(insert(BookingSeries).returning(BookingSeries.id), {
            'location_id': data.location_id, 'every_weeks': every_weeks, 'until': until, 'count': count,
            'created_at': clock.now()}).scalar_one()
        for index, starts_at in wanted:
            try:
                result, event, _added = bookings.insert_booking(
                    connection, data.model_copy(update={'starts_at': starts_at}), actor=actor, series_id=series_id)
            except ClientPulseError as error:
                local = clock.to_local(starts_at, time_zone)
                raise ValidationError(_('Booking {number} of the series ({when}): {error} Nothing was booked.').format(
                    number=index + 1, when=_when(local), error=error), field='starts_at') from None
            made.append(result)
            announced.append(event)
    for event in announced:
        events.publish(event)
    return made


def cancel_following(booking_id: int, *, actor: UserRead, reason: str = '', as_of: datetime | None = None
                     ) -> list[BookingRead]:
    """Cancel ``booking_id`` and every later booked or confirmed occurrence of its series, in one transaction.

    :raises NotFoundError: no such booking; ValidationError: it is not part of a series
    :raises InvalidTransitionError: the booking itself can no longer be cancelled
    """
    now = as_of or datetime.now(UTC)
    with session_scope(write=True) as session:
        following = _following(session, booking_id, actor)
        done = [bookings.cancel_in(session, booking.id, actor=actor, cancelled_by=None, now=now, reason=reason)
                for booking in following]
    for _result, changes in done:
        for change in changes:
            events.publish(change)
    return [result for result, _changes in done]


def move_following(booking_id: int, data: BookingMove, *, actor: UserRead) -> list[BookingRead]:
    """Move ``booking_id`` to ``data`` and every later booked or confirmed occurrence of its series by the same
    change (the same shift in time; the same staff member when one is given), in one transaction: if one of them
    does not fit, none moves.

    :raises ValidationError: an occurrence is refused (naming it and why), or the booking is not part of a series
    """
    with session_scope(write=True) as session:
        following = _following(session, booking_id, actor)
        shift = data.starts_at - following[0].starts_at
        time_zone = bookings.location_time_zone(session, following[0].location_id)
        bookings.lock_staff_members(session, {data.staff_member_id or b.staff_member_id for b in following},
                                    following[0].location_id)
        done = []
        for booking in following:
            try:
                done.append(bookings.move_in(session, booking.id, data.model_copy(
                    update={'starts_at': booking.starts_at + shift}), actor=actor))
            except ClientPulseError as error:
                local = clock.to_local(booking.starts_at + shift, time_zone)
                raise ValidationError(_('{when}: {error} Nothing was moved.').format(when=_when(local), error=error),
                                      field='starts_at') from None
    for _result, event in done:
        events.publish(event)
    return [result for result, _event in done]


def _following(session, booking_id: int, actor: UserRead) -> list[Booking]:
    ensure_role(actor, FRONT_DESK_ROLES, N_('change bookings'))
    booking = session.get(Booking, booking_id)
    if booking is None:
        raise NotFoundError(_('That booking no longer exists.'))
    ensure_location(actor, booking.location_id)
    if booking.series_id is None:
        raise ValidationError(_('This booking is not part of a series.'))
    later = session.exec(select(Booking).where(
        Booking.series_id == booking.series_id, Booking.starts_at > booking.starts_at,
        Booking.status.in_([BookingStatus.BOOKED.value, BookingStatus.CONFIRMED.value]))
        .order_by(Booking.starts_at)).all()
    return [booking, *later]


def _when(local: datetime) -> str:
    """``Mon 04 Mar 14:30`` in the language of the moment."""
    return f"{format_date(local.date(), 'EEE dd MMM', locale=i18n.current())} {local:%H:%M}"
