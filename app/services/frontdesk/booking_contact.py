"""How a booking's customer is reached, changed from the booking at the desk: phone, e-mail, the preferred channel
and marketing consent, in one transaction with what it changes for the customer's upcoming bookings (their
reminders are queued or withdrawn as the new contact allows; the day lists show the new details)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from app.models import Booking, BookingStatus, Customer, CustomerContact, CustomerRead, UserRead
from app.services import clock, events, i18n, mail, revisions
from app.services.accounts import activity
from app.services.accounts.access import FRONT_DESK_ROLES, ensure_location, ensure_role
from app.services.customers import customers
from app.services.database import connection_of, session_scope
from app.services.errors import NotFoundError, ValidationError, validated
from app.services.frontdesk.bookings import location_time_zone
from app.services.i18n import N_, _
from app.services.messaging import outbox


def change_contact(booking_id: int, values: dict, *, actor: UserRead, today: date | None = None,
                   now: datetime | None = None) -> CustomerRead:
    """Save how the customer of ``booking_id`` is reached (:class:`CustomerContact`: ``phone`` as typed, kept also
    in E.164 with the location's country; ``email``; ``preferred_channel``; ``consent`` channel → bool, dated
    ``today`` when first given). The customer's bookings still ahead (``now``, the shop's clock by default) get
    their reminders queued or withdrawn by the new contact, and are logged for the day lists.

    :raises ValidationError: a value refused, naming its field (``phone``: not a number that can be read;
        ``email``: not an address); the booking has no customer (``customer_id``)
    :raises NotFoundError: no such booking, or its customer was merged or erased
    :raises PermissionDeniedError: not a front-desk role, or the booking's or customer's location is not the actor's
    """
    ensure_role(actor, FRONT_DESK_ROLES, N_('change customers'))
    contact = validated(CustomerContact, **values)
    now = now or clock.now()
    today = today or now.astimezone(UTC).date()
    with session_scope(write=True) as session:
        booking = session.get(Booking, booking_id)
        if booking is None:
            raise NotFoundError(_('That booking no longer exists (id {id}).').format(id=booking_id))
        ensure_location(actor, booking.location_id)
        if booking.customer_id is None:
            raise ValidationError(_('This booking has no customer to reach (a walk-in).'), field='customer_id')
        customer = session.get(Customer, booking.customer_id)
        if customer is None or customer.merged_into is not None or customer.erased_at is not None:
            raise NotFoundError(_('That customer no longer exists (merged or erased).'))
        ensure_location(actor, customer.location_id)
        customer.phone_e164 = customers.readable_phone(contact.phone, customers.location_country(
            session, customer.location_id))
        customer.phone = contact.phone
        customer.email = mail.check_address(contact.email) if contact.email else ''
        customer.preferred_channel = contact.preferred_channel
        customer.consent = customers.consent_dates(customer.consent, contact.consent, today)
        session.add(customer)
        session.flush()
        result = CustomerRead.model_validate(customer)
        # the reminders the new contact allows, on the channels it allows, for every booking still ahead
        changed = outbox.replan_contact(session, customer.id, now=now)
        if booking.id not in {event.booking_id for event in changed}:  # this one too (shown in the dialog)
            revisions.record(connection_of(session), booking.location_id, booking_ids=[booking.id])
            changed.append(events.BookingChanged(
                booking_id=booking.id, location_id=booking.location_id, staff_member_id=booking.staff_member_id,
                day=clock.local_day(booking.starts_at, location_time_zone(session, booking.location_id)),
                change='status', status=BookingStatus(booking.status).value))
        activity.add(session, actor, 'customer_changed', i18n.deferred('Details of {name} saved', name=result.name),
                     location_id=result.location_id, booking_id=booking.id)
    events.publish(events.CustomerChanged(location_id=result.location_id, customer_id=result.id))
    for event in changed:  # views that show the booking (the day view's flag, the dashboard) are built again
        events.publish(event)
    return result
