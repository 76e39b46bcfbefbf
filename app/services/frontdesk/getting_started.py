"""A new shop's "Getting started" list: each step ticks itself off when the shop's data shows it done.

- ``hours``: the location has opening hours; ``staff``: an active staff member with working hours; ``services``:
  an active service; ``messages``: a message to a customer has gone out (sent) — the way to tell that e-mail or SMS
  really reaches customers; ``online_booking``: online booking is switched on; ``first_booking``: any booking.
- ``backups``: the last backup worked and is at most 26 hours old (:mod:`app.services.backups.schedule`); a reminder
  that never holds the list open (:func:`all_done`): a failing backup rings the owners' bell instead.
"""

from __future__ import annotations

from sqlalchemy import exists
from sqlmodel import select

from app.models import (
    Booking,
    GettingStartedItem,
    Location,
    Message,
    MessageStatus,
    Service,
    StaffMember,
    UserRead,
    WorkingHours,
)
from app.services.accounts.access import MANAGING_ROLES, ensure_reader
from app.services.backups import schedule as backup_schedule
from app.services.database import session_scope
from app.services.errors import NotFoundError
from app.services.i18n import N_, _

STEPS = ('hours', 'staff', 'services', 'messages', 'online_booking', 'backups', 'first_booking')
"""The list's steps, in the order shown."""
REMINDERS = frozenset({'backups'})
"""Steps no data can tick off (shown, never holding the list open)."""


def getting_started(location_id: int, *, actor: UserRead) -> list[GettingStartedItem]:
    """Each of :data:`STEPS` at ``location_id`` and whether its data shows it done (one read, seven ``EXISTS``).

    :raises PermissionDeniedError: not an owner or manager of the location
    :raises NotFoundError: no such location
    """
    ensure_reader(actor, location_id, MANAGING_ROLES, N_('see the dashboard'))
    with session_scope() as session:
        location = session.get(Location, location_id)
        if location is None:
            raise NotFoundError(_('No such location.'))
        staffed = exists().where(StaffMember.location_id == location_id, StaffMember.active,
                                 WorkingHours.staff_member_id == StaffMember.id)
        offered = exists().where(Service.location_id == location_id, Service.active)
        sent = exists().where(Message.location_id == location_id, Message.status == MessageStatus.SENT.value)
        booked = exists().where(Booking.location_id == location_id)
        staff, services, messages, bookings = session.exec(select(staffed, offered, sent, booked)).one()
        done = {'hours': bool(location.opening_hours), 'staff': bool(staff), 'services': bool(services),
                'messages': bool(messages), 'online_booking': bool(location.online_booking),
                'backups': backup_schedule.state_in(session) == 'ok',
                'first_booking': bool(bookings)}
    return [GettingStartedItem(key=key, done=done[key]) for key in STEPS]


def all_done(items: list[GettingStartedItem]) -> bool:
    """Whether every step the data can tick off is done (the list is then no longer shown)."""
    return all(item.done for item in items if item.key not in REMINDERS)
