"""Online booking, ``/book/<location id>``, when the location switches it on: a customer picks a service (those marked
for customers to book themselves), a staff member or anyone, a day and a free time (held for them while they type,
as at the kiosk), gives their details, and proves the phone or e-mail address with a one-time code before the
booking is made (channel ``online``).

Abuse: codes are 6 random digits valid :data:`CODE_MINUTES`, kept only as a keyed hash; :data:`MAX_TRIES` tries
spend one and pause that address for :data:`PAUSE_MINUTES` — a try is counted in its own committed transaction (an
``UPDATE … SET attempts = attempts + 1 WHERE attempts < 5 RETURNING``) before the typed code is compared, so however
many guesses arrive at once, at most :data:`MAX_TRIES` are ever compared; at most :data:`CODES_PER_DESTINATION` codes
an hour to one phone or e-mail and :data:`CODES_PER_IP` from one network address. A phone number is never identity: a
booking joins an existing customer only through the address the code proved. Who acts is said by what proved them
(:class:`~app.models.CustomerActor`): before the code, a visitor to the location (``customer_id`` None, proof
``online_booking``: they may see free times, hold one and book it as a new customer); after it, the customer the
address belongs to (proof ``booking_code``), who may book for themselves only. The time chosen is held while the
customer types, within the limits on online holds (:mod:`app.services.frontdesk.availability`): the desk may still
book it, and the customer is then told it went.

The network address is the page request's client address: behind the documented nginx or Caddy proxy that is the
``X-Forwarded-For`` address, which uvicorn trusts only from loopback (its ``forwarded_allow_ips`` default).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from babel.dates import format_date
from pydantic import BaseModel, field_validator
from pydantic import Field as PydanticField
from sqlalchemy import func, update
from sqlmodel import select

from app.config import get_settings
from app.models import (
    BookingCreate,
    BookingRead,
    Channel,
    Customer,
    CustomerActor,
    CustomerCreate,
    HoldKind,
    Location,
    MessageChannel,
    Service,
    StaffMember,
    StaffService,
    Template,
    Verification,
)
from app.services import clock, mail
from app.services.customers import phones
from app.services.database import session_scope
from app.services.errors import HoldLimitError, NotFoundError, SlotUnavailableError, ValidationError
from app.services.frontdesk import availability, bookings
from app.services.i18n import N_, _, locale_for, ngettext
from app.services.messaging import links, outbox, sms
from app.services.money import deposits

CODE_MINUTES = 10
MAX_TRIES = 5
PAUSE_MINUTES = 15
CODES_PER_DESTINATION = 3
CODES_PER_IP = 10
CLOSED = N_('This shop does not take bookings online.')


@dataclass(frozen=True)
class OnlineShop:
    """What the booking page shows of a location. Money in minor units of ``currency``."""

    location_id: int
    name: str
    language: str
    """what the page speaks (the location's language)"""
    address: str
    phone: str
    time_zone: str
    locale: str
    currency: str
    horizon_days: int
    deposit_percent: int
    cancellation_hours: int
    sms: bool
    """codes can go by SMS (a provider is set up and the location sends SMS)"""
    services: list[tuple[int, str, int, int, str]]
    """(id, name, minutes, price, category) of the services customers book themselves"""
    staff: list[tuple[int, str, frozenset[int]]]
    """(id, name, ids of the services they perform; empty: all)"""


class Details(BaseModel):
    """What the customer types. ``channel``: where the code goes (``sms`` to ``phone``, ``email`` to ``email``)."""

    name: str = PydanticField(min_length=1, max_length=120)
    phone: str = PydanticField(default='', max_length=40)
    email: str = PydanticField(default='', max_length=200)
    channel: MessageChannel = MessageChannel.SMS
    notes: str = PydanticField(default='', max_length=500)

    @field_validator('name', 'phone', 'email', 'notes')
    @classmethod
    def _printable(cls, value: str) -> str:
        if any(ord(c) < 32 and c != '\n' for c in value):
            raise ValueError(_('it holds control characters'))
        return value.strip()


def shop(location_id: int) -> OnlineShop:
    """The location's booking page.

    :raises NotFoundError: no such location, archived, or online booking is off
    """
    with session_scope() as session:
        location = _open_location(session, location_id)
        services = session.exec(select(Service).where(
            Service.location_id == location_id, Service.active, Service.kiosk, Service.duration_minutes > 0)
            .order_by(Service.category, Service.name)).all()
        members = session.exec(select(StaffMember).where(
            StaffMember.location_id == location_id, StaffMember.active).order_by(StaffMember.name)).all()
        skills: dict[int, set[int]] = {}
        for member_id, service_id in session.exec(select(StaffService.staff_member_id, StaffService.service_id)
                                                  .where(StaffService.staff_member_id.in_([m.id for m in members]))):
            skills.setdefault(member_id, set()).add(service_id)
        return OnlineShop(
            location_id=location.id, name=location.name, language=location.language, address=location.address,
            phone=location.phone,
            time_zone=location.time_zone, locale=location.locale, currency=location.currency,
            horizon_days=location.horizon_days, deposit_percent=location.deposit_percent,
            cancellation_hours=location.cancellation_hours,
            sms=bool(location.sms_messages and sms.configured(location.sms_provider)),
            services=[(s.id, s.name, s.duration_minutes, s.price_cents, s.category or '') for s in services],
            staff=[(m.id, m.name, frozenset(skills.get(m.id, ()))) for m in members])


def free_times(location_id: int, service_id: int, day: date, *, staff_member_id: int = availability.ANYONE,
               holder: str | None = None, as_of: datetime | None = None) -> list[availability.Slot]:
    """Free starts on the local ``day`` inside the location's notice and horizon (see :func:`availability.free_slots`).

    :raises NotFoundError: online booking is off, or the service is not booked online
    """
    _ensure_online_service(location_id, service_id)
    return availability.free_slots(location_id, service_id, day, actor=visitor_at(location_id),
                                   staff_member_id=staff_member_id, now=as_of or clock.now(), holder=holder,
                                   customer=True)


def hold(location_id: int, service_id: int, slot: availability.Slot, *, holder: str, ip: str = '',
         visitor: str = '') -> bool:
    """Keep ``slot`` for this page while the customer types: other customers no longer see it; the desk sees it
    marked and may book it. ``ip``: the visitor's network address; ``visitor``: their browser session (one live hold
    each; see :func:`availability.hold` for the limits). Returns False when a limit stops the hold: the customer may
    still book the time, it is only not kept from others meanwhile (this page's earlier hold is let go).

    :raises SlotUnavailableError: taken meanwhile
    """
    _ensure_online_service(location_id, service_id)
    try:
        availability.hold(location_id, service_id, slot, holder=holder, actor=visitor_at(location_id, ip=ip),
                          kind=HoldKind.ONLINE, ip=ip, visitor=visitor)
    except HoldLimitError:
        release(location_id, holder)
        return False
    return True


def still_free(location_id: int, service_id: int, slot: availability.Slot, *, holder: str,
               as_of: datetime | None = None) -> bool:
    """Whether ``slot`` is still offered to the page holding it (False: booked at the desk or elsewhere meanwhile).

    :raises NotFoundError: online booking is off, or the service is not booked online
    """
    with session_scope() as session:
        time_zone = _open_location(session, location_id).time_zone
    return (slot.starts_at, slot.staff_member_id) in {(s.starts_at, s.staff_member_id) for s in free_times(
        location_id, service_id, clock.local_day(slot.starts_at, time_zone), staff_member_id=slot.staff_member_id,
        holder=holder, as_of=as_of)}


def time_went(slot: availability.Slot, time_zone: str, locale: str = '') -> str:
    """What the customer is told when the time they were booking went to someone else (in the current language;
    ``locale``: the location's formats, for the day's name)."""
    local = clock.to_local(slot.starts_at, time_zone)
    day = format_date(local.date(), 'EEEE dd MMMM', locale=locale_for(locale))
    return _('Sorry, {time} on {day} with {staff} has just been booked by someone else. Please choose another '
             'time.').format(time=f'{local:%H:%M}', day=day, staff=slot.staff_name)


def release(location_id: int, holder: str) -> None:
    """Let go of what this page held."""
    availability.release(location_id, holder, actor=visitor_at(location_id))


def deposit_cents(location_id: int, service_id: int) -> int:
    """The deposit asked for a booking of ``service_id`` at its list price (:func:`deposits.deposit_for`)."""
    with session_scope() as session:
        service = session.get(Service, service_id)
        return deposits.deposit_for(service, session.get(Location, location_id), service.price_cents)


def request_code(location_id: int, details: Details, *, ip: str, as_of: datetime | None = None) -> str:
    """Send a one-time code to the address ``details.channel`` names; returns the handle the page confirms with.

    :raises ValidationError: a detail is missing or unreadable (naming the field), too many codes asked lately for
        this address or from ``ip``, a pause after wrong codes, or the code could not be sent
    :raises NotFoundError: online booking is off
    """
    now = as_of or clock.now()
    with session_scope() as session:
        location = _open_location(session, location_id)
        if details.channel == MessageChannel.SMS and not (location.sms_messages
                                                          and sms.configured(location.sms_provider)):
            raise ValidationError(_('Codes go by e-mail here: choose e-mail.'), field='email')
        destination = _destination(location, details)
        hour_ago = now - timedelta(hours=1)
        recent = session.exec(select(func.count()).select_from(Verification).where(
            Verification.destination == destination, Verification.created_at > hour_ago)).one()
        from_ip = session.exec(select(func.count()).select_from(Verification).where(
            Verification.ip == ip[:64], Verification.created_at > hour_ago)).one() if ip else 0
        paused = session.exec(select(func.max(Verification.created_at)).where(
            Verification.destination == destination, Verification.attempts >= MAX_TRIES,
            Verification.used_at.is_(None),
            Verification.created_at > now - timedelta(minutes=PAUSE_MINUTES + CODE_MINUTES))).one()
    if paused is not None:
        raise ValidationError(_paused(), field='code')
    if recent >= CODES_PER_DESTINATION or from_ip >= CODES_PER_IP:
        raise ValidationError(_('Too many codes were asked for lately. Try again in an hour, or call the shop.'),
                              field=details.channel.value if recent >= CODES_PER_DESTINATION else 'code')
    token, code = secrets.token_urlsafe(24), f'{secrets.randbelow(10 ** 6):06d}'
    with session_scope(write=True) as session:
        session.add(Verification(location_id=location_id, token=token, channel=details.channel.value,
                                 destination=destination, code_hash=_hash(token, code), ip=ip[:64],
                                 expires_at=now + timedelta(minutes=CODE_MINUTES), created_at=now))
        message_id = outbox.queue(session, location_id=location_id, template=Template.CODE, channel=details.channel,
                                  to=destination, due_at=now, context={'code': code})
    if not outbox.send_now(message_id, as_of=now):
        raise ValidationError(_('The code could not be sent just now. Check the address, or try again in a minute.'),
                              field=details.channel.value)
    return token


def confirm(location_id: int, token: str, code: str, details: Details, *, service_id: int,
            slot: availability.Slot, holder: str, as_of: datetime | None = None) -> tuple[BookingRead, str]:
    """Check the code and make the booking: for the customer the proven address belongs to at the location, else a
    new customer. Returns the booking and its manage token.

    :raises ValidationError: a wrong code (with the tries left), expired or spent, the details changed since the
        code was sent, or the time is no longer offered (:func:`time_went`, field ``starts_at``)
    :raises SlotUnavailableError: taken at the last moment
    """
    check_id, known = prove(location_id, token, code, details, service_id=service_id, slot=slot, holder=holder,
                            as_of=as_of)
    with session_scope() as session:
        location = _open_location(session, location_id)
    data = BookingCreate(location_id=location_id, customer_id=known, service_id=service_id,
                         staff_member_id=slot.staff_member_id, starts_at=slot.starts_at, channel=Channel.ONLINE,
                         notes=details.notes)
    new = None if known is not None else CustomerCreate(
        location_id=location_id, name=details.name, phone=details.phone, email=details.email,
        notes='Added by online booking')
    try:
        booking = bookings.create_booking(data, actor=customer_at(location_id, known), holder=holder, new_customer=new)
    except Exception as error:
        _give_back(check_id)  # nothing booked: the code may be used again
        if isinstance(error, SlotUnavailableError):
            raise SlotUnavailableError(time_went(slot, location.time_zone, location.locale),
                                       field='starts_at') from None
        raise
    release(location_id, holder)
    return booking, links.manage_token(booking.id, booking.code)


def visitor_at(location_id: int, *, ip: str = '') -> CustomerActor:
    """A visitor to ``location_id``'s public booking page: nobody yet (proven by nothing but the page)."""
    return CustomerActor(customer_id=None, location_id=location_id, proof='online_booking', ip=ip[:64])


def customer_at(location_id: int, customer_id: int | None) -> CustomerActor:
    """Who books once the one-time code is right: the customer the proven address belongs to (``booking_code``), or
    the visitor when it belongs to nobody yet (they book as a new customer)."""
    if customer_id is None:
        return visitor_at(location_id)
    return CustomerActor(customer_id=customer_id, location_id=location_id, proof='booking_code')


def prove(location_id: int, token: str, code: str, details: Details, *, service_id: int, slot: availability.Slot,
          holder: str, as_of: datetime | None = None) -> tuple[int, int | None]:
    """Check the one-time code (the try counted first) and that ``slot`` is still offered to ``holder``, then spend
    the code. Returns the code's id and the customer the proven address belongs to at the location (None: a new
    customer). What :func:`confirm`, and a booking that pays its deposit online (:mod:`.online_deposits`), start with.

    :raises ValidationError: as :func:`confirm`
    """
    now = as_of or clock.now()
    typed = ''.join(ch for ch in (code or '') if ch.isdigit())[:6]
    with session_scope() as session:
        location = _open_location(session, location_id)
        check = session.exec(select(Verification).where(Verification.token == (token or '')[:64],
                                                        Verification.location_id == location_id)).first()
        if check is None or check.used_at is not None or check.expires_at <= now:
            raise ValidationError(_('That code has expired. Ask for a new one.'), field='code')
        if _destination(location, details) != check.destination:
            raise ValidationError(_('The code was sent to another address. Ask for a new one.'), field='code')
    tries = _count_try(check.id)  # committed before the code is compared: a burst of guesses gets MAX_TRIES at most
    if tries is None:
        raise ValidationError(_paused(), field='code')
    if not hmac.compare_digest(check.code_hash, _hash(check.token, typed)):
        left = MAX_TRIES - tries
        wrong = ngettext('That code is not right. {n} try left.', 'That code is not right. {n} tries left.',
                         left).format(n=left) if left > 0 else _paused()
        raise ValidationError(wrong, field='code')
    offered = {(s.starts_at, s.staff_member_id) for s in free_times(
        location_id, service_id, clock.local_day(slot.starts_at, location.time_zone),
        staff_member_id=slot.staff_member_id, holder=holder, as_of=now)}
    if (slot.starts_at, slot.staff_member_id) not in offered:
        _give_back(check.id)
        raise ValidationError(time_went(slot, location.time_zone, location.locale), field='starts_at')
    with session_scope(write=True) as session:  # spend the code first: two taps of "Book" make one booking
        if not session.execute(update(Verification).where(
                Verification.id == check.id, Verification.used_at.is_(None)).values(used_at=now)).rowcount:
            raise ValidationError(_('That code has expired. Ask for a new one.'), field='code')
        return check.id, _known_customer(session, location_id, check)


def _paused() -> str:
    """What a customer is told while an address is paused after wrong codes."""
    return ngettext('Too many wrong codes. Try again in {n} minute.', 'Too many wrong codes. Try again in {n} minutes.',
                    PAUSE_MINUTES).format(n=PAUSE_MINUTES)


def _give_back(verification_id: int) -> None:
    """The code was right but nothing was booked: it may be used again, and that try was not a wrong one."""
    with session_scope(write=True) as session:
        session.execute(update(Verification).where(Verification.id == verification_id).values(
            used_at=None, attempts=Verification.attempts - 1))


def _count_try(verification_id: int) -> int | None:
    """Count one try of a code, in a transaction of its own, before the code is compared: the tries so far with
    this one, or None when :data:`MAX_TRIES` were already made or the code was spent meanwhile."""
    with session_scope(write=True) as session:
        return session.execute(update(Verification).where(
            Verification.id == verification_id, Verification.attempts < MAX_TRIES,
            Verification.used_at.is_(None)).values(attempts=Verification.attempts + 1)
            .returning(Verification.attempts)).scalar_one_or_none()


def _known_customer(session, location_id: int, check: Verification) -> int | None:
    column = Customer.phone_e164 if check.channel == MessageChannel.SMS.value else func.lower(Customer.email)
    return session.exec(select(Customer.id).where(
        Customer.location_id == location_id, column == check.destination, Customer.erased_at.is_(None),
        Customer.merged_into.is_(None)).order_by(Customer.id)).first()


def _destination(location: Location, details: Details) -> str:
    if details.channel == MessageChannel.SMS:
        if not details.phone:
            raise ValidationError(_('Give your mobile number: the code goes there.'), field='phone')
        number = phones.e164(details.phone, phones.region(location.country, location.locale))
        if not number:
            raise ValidationError(_('"{phone}" is not a phone number we can read; include the country code if it is '
                                    'from abroad.').format(phone=details.phone[:40]), field='phone')
        return number
    if not details.email:
        raise ValidationError(_('Give your e-mail address: the code goes there.'), field='email')
    return mail.check_address(details.email).lower()


def _open_location(session, location_id: int) -> Location:
    location = session.get(Location, location_id)
    if location is None or location.archived or not location.online_booking:
        raise NotFoundError(_(CLOSED))
    return location


def _ensure_online_service(location_id: int, service_id: int) -> None:
    with session_scope() as session:
        _open_location(session, location_id)
        service = session.get(Service, service_id)
        if service is None or service.location_id != location_id or not service.active or not service.kiosk:
            raise NotFoundError(_('That service is not booked online.'), field='service_id')


def _hash(token: str, code: str) -> str:
    key = get_settings().storage_secret_value().encode()
    return hmac.new(key, f'{token}:{code}'.encode(), hashlib.sha256).hexdigest()
