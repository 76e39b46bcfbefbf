"""A staff member's calendar feed: a secret ``.ics`` address their phone's calendar subscribes to (``/calendar/
<token>.ics``). The token is 256 random bits kept on the staff member (not derived from anything), so the owner can
revoke it, or replace it, at once."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlmodel import select

from app.models import Booking, BookingStatus, Customer, Location, Service, StaffMember, UserRead
from app.services import clock, i18n
from app.services.accounts import activity
from app.services.accounts.access import MANAGING_ROLES, ensure_location, ensure_role
from app.services.database import session_scope
from app.services.errors import NotFoundError
from app.services.i18n import N_, _, deferred
from app.services.messaging import ics, links

PAST_DAYS, AHEAD_DAYS = 30, 120
"""The feed holds bookings from this many days back to this many ahead."""
SHOWN = (BookingStatus.BOOKED.value, BookingStatus.CONFIRMED.value, BookingStatus.CHECKED_IN.value,
         BookingStatus.COMPLETED.value)


def feed_link(staff_member_id: int, *, actor: UserRead, renew: bool = False) -> str:
    """The staff member's feed address (``<base>/calendar/<token>.ics``), made if there is none or ``renew`` (the
    old address then stops working). Owners and managers, or the staff member's own sign-in.

    :raises NotFoundError: no such staff member
    :raises PermissionDeniedError: another location, or neither a manager nor the staff member
    """
    with session_scope(write=True) as session:
        member = _member(session, staff_member_id, actor)
        if member.calendar_token is None or renew:
            member.calendar_token = secrets.token_urlsafe(32)
            session.add(member)
            activity.add(session, actor, 'calendar_feed',
                         deferred('Calendar feed of {name} renewed', name=member.name) if renew else
                         deferred('Calendar feed of {name} made', name=member.name), location_id=member.location_id)
        return f'{links.base_url()}/calendar/{member.calendar_token}.ics'


def revoke(staff_member_id: int, *, actor: UserRead) -> None:
    """Stop the staff member's feed: its address answers 404 from now on.

    :raises NotFoundError, PermissionDeniedError: as for :func:`feed_link`
    """
    with session_scope(write=True) as session:
        member = _member(session, staff_member_id, actor)
        member.calendar_token = None
        session.add(member)
        activity.add(session, actor, 'calendar_feed', deferred('Calendar feed of {name} revoked', name=member.name),
                     location_id=member.location_id)


def has_feed(staff_member_id: int) -> bool:
    """Whether the staff member has a feed address now."""
    with session_scope() as session:
        member = session.get(StaffMember, staff_member_id)
        return member is not None and member.calendar_token is not None


def feed(token: str, *, as_of: datetime | None = None) -> bytes:
    """The feed of the staff member whose token this is: their bookings from :data:`PAST_DAYS` back to
    :data:`AHEAD_DAYS` ahead (cancelled ones and no-shows left out), each with its service and customer.

    :raises NotFoundError: no feed has this token (never made, revoked or renewed)
    """
    now = as_of or clock.now()
    if not token or len(token) > 100 or not token.isascii() or not token.isprintable():  # a NUL breaks PostgreSQL's
        raise NotFoundError(_('No such calendar.'))  # query: nothing but a plausible token is looked up
    with session_scope() as session:
        member = session.exec(select(StaffMember).where(StaffMember.calendar_token == token)).first()
        if member is None or not member.active:
            raise NotFoundError(_('No such calendar.'))
        location = session.get(Location, member.location_id)
        rows = session.exec(
            select(Booking, Service.name, Customer.name).join(Service, Service.id == Booking.service_id)
            .outerjoin(Customer, Customer.id == Booking.customer_id)
            .where(Booking.staff_member_id == member.id, Booking.status.in_(SHOWN),
                   Booking.starts_at >= now - timedelta(days=PAST_DAYS),
                   Booking.starts_at < now + timedelta(days=AHEAD_DAYS))
            .order_by(Booking.starts_at)).all()
        place = ', '.join(part for part in (location.name, location.address) if part)
        with i18n.speaking(location.language):  # the events' words in the location's language
            walk_in = _('Walk-in')
        entries = [ics.CalendarEntry(
            uid=f'booking-{booking.id}@clientpulse', starts_at=booking.starts_at,
            ends_at=max(booking.ends_at, booking.starts_at + timedelta(minutes=15)),
            summary=f'{service} — {customer or walk_in}', location=place,
            description=booking.notes[:500]) for booking, service, customer in rows]
        return ics.calendar(entries, name=f'{member.name} — {location.name}')


def _member(session, staff_member_id: int, actor: UserRead) -> StaffMember:
    member = session.get(StaffMember, staff_member_id)
    if member is None:
        raise NotFoundError(_('No such staff member.'))
    ensure_location(actor, member.location_id)
    if actor.staff_member_id != staff_member_id:
        ensure_role(actor, MANAGING_ROLES, N_("manage another staff member's calendar feed"))
    return member
