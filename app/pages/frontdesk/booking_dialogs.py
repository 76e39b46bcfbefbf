"""Dialogs that create and change bookings; errors appear beside the field they concern."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime

from babel.dates import format_date
from nicegui import background_tasks, ui

from app import live
from app.models import (
    BookingCreate,
    BookingMove,
    BookingRead,
    BookingStatus,
    Channel,
    HoldKind,
    LocationRead,
    MessageChannel,
    MessageStatus,
    PaymentMethod,
    Role,
    UserRead,
)
from app.pages import dates, language
from app.pages.customers.picker import CustomerPicker
from app.pages.formatting import local_time, money_at
from app.pages.frontdesk.customer_fields import NewCustomer, booking_contact_section
from app.pages.layout import field_error
from app.pages.money.checkout import open_checkout
from app.services import clock, events, i18n
from app.services.analytics import noshow
from app.services.analytics.noshow import Risk
from app.services.catalogue import catalog, staff
from app.services.errors import ClientPulseError
from app.services.frontdesk import availability, bookings, recurring
from app.services.frontdesk.bookings import ALLOWED_TRANSITIONS, STATUS_LABELS
from app.services.i18n import N_, _, ngettext
from app.services.messaging import outbox
from app.services.money import deposits, receipts
from app.services.money.common import PaymentIn

TIME_PATTERN = re.compile(r'^([01]\d|2[0-3]):[0-5]\d$')
CHANNEL_LABELS = {Channel.PHONE: N_('Phone'), Channel.WALK_IN: N_('Walk-in'), Channel.ONLINE: N_('Online'),
                  Channel.KIOSK: N_('Kiosk')}
PAYMENT_LABELS = {PaymentMethod.CARD: N_('Card'), PaymentMethod.CASH: N_('Cash'),
                  PaymentMethod.MOBILE_MONEY: N_('Mobile money'), PaymentMethod.GIFT_CARD: N_('Gift card')}
NEW_CUSTOMER = -1
ONLINE = HoldKind.ONLINE.value
HELD_LABELS = {HoldKind.KIOSK.value: N_('Held for a customer at the kiosk'),
               HoldKind.OFFER.value: N_('Held for a customer from the waitlist (see Waitlist)')}
HELD_LISTS = {HoldKind.KIOSK.value: N_('Held for a customer at the kiosk: {times}.'),
              HoldKind.OFFER.value: N_('Held for a customer from the waitlist (see Waitlist): {times}.')}
MESSAGE_KINDS = {MessageChannel.SMS: N_('SMS {template}'), MessageChannel.EMAIL: N_('E-mail {template}')}


def open_in(holder: ui.element, opening: Awaitable[None]) -> None:
    """Open a dialog in ``holder`` (the page's place for dialogs: one at a time): the one there goes now, the new
    one appears once ``opening`` (e.g. :func:`open_new_booking`) has read what it shows off the event loop; a
    refusal while reading (the booking gone meanwhile, another location's) is notified."""
    holder.clear()

    async def open_it() -> None:
        with holder:
            try:
                await opening
            except ClientPulseError as error:
                ui.notify(str(error), type='negative')

    background_tasks.create(open_it(), name='dialog')


def long_day(day: date) -> str:
    """``Monday 04 March 2030`` in the language of the moment."""
    return format_date(day, 'EEEE dd MMMM y', locale=i18n.current())


def day_and_time(moment: datetime, time_zone: str) -> str:
    """``Mon 04 Mar 2030 14:30`` (local) in the language of the moment."""
    local = clock.to_local(moment, time_zone)
    return f"{format_date(local.date(), 'EEE dd MMM y', locale=i18n.current())} {local:%H:%M}"


def _payment_options(*, gift_cards: bool = True) -> dict[str, str]:
    return {p.value: _(label) for p, label in PAYMENT_LABELS.items() if gift_cards or p != PaymentMethod.GIFT_CARD}


async def open_new_booking(user: UserRead, location: LocationRead, day: date, *,
                           staff_member_id: int | None = None, time: str = '10:00',
                           on_done: Callable[[], None] | None = None) -> None:
    """A dialog that books a service; the slot is checked by the service when saving. Opened in the current slot
    once the services and staff members are read (in a worker thread, as every read of the dialog: nothing it does
    touches the database on the event loop)."""
    services, members = await language.io_bound(_choices, user, location)
    with ui.dialog() as dialog, ui.card().classes('w-[32rem] max-w-full'):
        dialog.props['aria-label'] = _('New booking')  # its name, as its title says
        ui.label(_('New booking')).classes('text-lg font-semibold')
        customer = CustomerPicker(user, location.id, label=_('Customer'), fixed={NEW_CUSTOMER: _('+ New customer')},
                                  clearable=True).classes('w-full').mark('customer')
        newcomer = NewCustomer(user, location, customer, NEW_CUSTOMER)  # contact, duplicates, reach
        service = ui.select(services, label=_('Service'), with_input=True).classes('w-full').mark('service')
        member = ui.select(members, label=_('Staff member'), value=staff_member_id).classes('w-full').mark('staff')
        with ui.row().classes('w-full gap-2'):
            day_input = dates.date_input(_('Date'), day, locale=location.locale).classes('flex-1').mark('date')
            time_input = ui.input(_('Time (HH:MM)'), value=time).classes('flex-1').mark('time')
        free = _FreeTimes(user, location, service, member, day_input, time_input)
        channel = ui.select({c.value: _(label) for c, label in CHANNEL_LABELS.items()}, value=Channel.PHONE.value,
                            label=_('Channel')).classes('w-full')
        notes = ui.input(_('Notes')).classes('w-full')
        override = ui.checkbox(_('Book outside working hours')).mark('override')
        override.visible = user.role in {Role.OWNER, Role.MANAGER}
        with ui.row().classes('w-full gap-2 items-end'):
            repeat = ui.select({weeks: _(label) for weeks, label in REPEATS.items()}, value=0, label=_('Repeat')
                               ).classes('flex-1').mark('repeat')
            times = ui.number(_('Times'), value=6, min=2, max=recurring.MAX_OCCURRENCES, format='%d').classes(
                'w-24').mark('repeat-count')
            times.bind_visibility_from(repeat, 'value', bool)
        series = _SeriesConflicts(location)
        for element in (repeat, times, member, service, day_input, time_input, customer):
            element.on_value_change(series.clear)
        fields = {'customer_id': customer, **newcomer.fields, 'service_id': service,
                  'staff_member_id': member, 'starts_at': time_input, 'date': day_input, 'count': times}

        async def save() -> None:
            for element in fields.values():
                element.error = None
            starts_at = _starts_at(day_input, time_input, location)
            missing = [(service, _('Choose a service.')), (member, _('Choose a staff member.'))]
            for element, message in missing:
                if element.value is None:
                    element.error = message
            if starts_at is None or any(element.value is None for element, _ in missing):
                return
            if repeat.value:
                if customer.value in (None, NEW_CUSTOMER):
                    customer.error = _('A series is booked for a customer already added: add them first.')
                    return
                data = BookingCreate(location_id=location.id, customer_id=customer.value, service_id=service.value,
                                     staff_member_id=member.value, starts_at=starts_at,
                                     channel=Channel(channel.value), notes=notes.value or '')
                try:
                    if await series.book(data, every_weeks=int(repeat.value), count=int(times.value or 0),
                                         actor=user):
                        dialog.close()
                        if on_done:
                            on_done()
                except ClientPulseError as error:
                    field_error(fields, error)
                return
            try:
                new_customer = newcomer.data()
                # in a worker thread: the tabs of every other person carry on while it commits
                await language.io_bound(bookings.create_booking, BookingCreate(  # a new customer too: both, or neither
                    location_id=location.id, customer_id=None if new_customer else customer.value,
                    service_id=service.value, staff_member_id=member.value, starts_at=starts_at,
                    channel=Channel(channel.value), notes=notes.value or '', override_hours=bool(override.value)),
                    actor=user, new_customer=new_customer)
            except ClientPulseError as error:
                field_error(fields, error)
                return
            dialog.close()
            if on_done:
                on_done()

        with ui.row().classes('w-full justify-end'):
            ui.button(_('Close'), on_click=dialog.close).props('flat')
            ui.button(_('Book'), on_click=save).mark('book')
        # while open, a booking anywhere at the location updates the free times (this subscription
        # ends with the dialog)
        stop = live.on_change(location.id, _following(user, location, dialog, service, member, free),
                              kinds=(events.BookingChanged, events.AvailabilityChanged, events.StaffChanged,
                                     events.CatalogueChanged, events.DataImported))
    # closed (by a button, Escape or a click outside): the subscription and the dialog end; read on the server,
    # so a session that never sends the browser's "hide" does not keep either
    dialog.on_value_change(lambda e: None if e.value else (stop(), dialog.delete()))
    dialog.open()
    await free.show()


def _following(user: UserRead, location: LocationRead, dialog: ui.dialog, service: ui.select, member: ui.select,
               free: _FreeTimes) -> Callable[[events.Event], Awaitable[None]]:
    """The new-booking dialog's handler of changes at the location: the free times again, and the services and
    staff members again when those changed (read in a worker thread)."""
    async def follow(event: events.Event) -> None:
        if not dialog.value:
            return
        if isinstance(event, events.CatalogueChanged | events.StaffChanged):  # a new service or staff member
            services_now, members_now = await language.io_bound(_choices, user, location)
            if dialog.is_deleted:
                return
            service.set_options(services_now, value=service.value if service.value in services_now else None)
            member.set_options(members_now, value=member.value if member.value in members_now else None)
        await free.show(live=True)

    return follow


REPEATS = {0: N_('Does not repeat'), 1: N_('Every week'), 2: N_('Every 2 weeks'), 3: N_('Every 3 weeks'),
           4: N_('Every 4 weeks'), 6: N_('Every 6 weeks'), 8: N_('Every 8 weeks')}


class _SeriesConflicts:
    """A recurring booking's dates that are not free, each with "skip" or a free time near it that day; the first
    "Book" lists them, the second books the series with the choices made."""

    def __init__(self, location: LocationRead) -> None:
        self.location = location
        self.column = ui.column().classes('w-full gap-1').mark('series-conflicts')
        self.choices: dict[int, ui.select] | None = None

    def clear(self) -> None:
        self.choices = None
        self.column.clear()

    async def book(self, data: BookingCreate, *, every_weeks: int, count: int, actor: UserRead) -> bool:
        """Book the series if every date is free or has a choice; else list the conflicts (False)."""
        if self.choices is None:
            planned = await language.io_bound(recurring.plan, data, every_weeks=every_weeks, count=count, actor=actor)
            conflicts = [o for o in planned if not o.free]
            if conflicts:
                self.show(conflicts)
                return False
            self.choices = {}
        chosen = {index: None if select.value == 'skip' else datetime.fromisoformat(select.value)
                  for index, select in self.choices.items()}
        made = await language.io_bound(recurring.book, data, every_weeks=every_weeks, count=count, actor=actor,
                                       choices=chosen)
        ui.notify(ngettext('{n} booking made.', '{n} bookings made.', len(made)).format(n=len(made)),
                  type='positive')
        return True

    def show(self, conflicts: list[recurring.Occurrence]) -> None:
        tz = self.location.time_zone
        self.choices = {}
        with self.column:
            ui.label(ngettext('{n} of the dates is not free. Skip it or pick another time, then Book again:',
                              '{n} of the dates are not free. Skip them or pick another time, then Book again:',
                              len(conflicts)).format(n=len(conflicts))).classes('text-warning text-sm')
            for occurrence in conflicts:
                with ui.row().classes('items-center gap-2'):
                    local = clock.to_local(occurrence.starts_at, tz)
                    when = f"{format_date(local.date(), 'EEE dd MMM', locale=i18n.current())} {local:%H:%M}"
                    ui.label(f'{when} — {occurrence.problem}').classes('text-sm w-56')
                    options = {'skip': _('Skip it'), **{moment.isoformat(): _('{time} instead').format(
                        time=local_time(moment, tz)) for moment in occurrence.alternatives}}
                    self.choices[occurrence.index] = ui.select(options, value='skip').props('dense').classes(
                        'w-36').mark(f'series-choice-{occurrence.index}')


def _choices(user: UserRead, location: LocationRead) -> tuple[dict[int, str], dict[int, str]]:
    """The new-booking dialog's choices: service id → "name (length, price)" and staff member id → name (blocking:
    call it off the event loop)."""
    return _service_options(user, location), {m.id: m.name for m in staff.list_staff(location.id, actor=user)}


def _service_options(user: UserRead, location: LocationRead) -> dict[int, str]:
    return {s.id: _('{service} ({minutes} min, {price})').format(
        service=s.name, minutes=s.duration_minutes or '?', price=money_at(s.price_cents, location))
        for s in catalog.list_services(location.id, actor=user)}


def _customer(booking: BookingRead) -> str:
    """The booking's customer's name; a walk-in's in the language of the moment."""
    return _('Walk-in') if booking.customer_id is None and booking.customer_name == 'Walk-in' else \
        booking.customer_name


class _FreeTimes:
    """The free times for the chosen service, staff member and day, as buttons that fill in the time;
    when one the person picked is taken in another tab or by someone else, they are told at once. The times are
    read in a worker thread; an answer overtaken by a later question (another service chosen meanwhile) is
    dropped."""

    def __init__(self, user: UserRead, location: LocationRead, service: ui.select, member: ui.select,
                 day_input: ui.input, time_input: ui.input) -> None:
        self.user, self.location = user, location
        self.service, self.member, self.day_input, self.time_input = service, member, day_input, time_input
        self.offered: set[str] = set()
        self.picked: str | None = None
        self.listed: list[tuple[str, str]] | None = None
        self.asked = 0  # questions asked: only the latest one's answer is shown
        self.box = ui.row().classes('w-full gap-1').mark('free-times')
        self.warning = ui.label().classes('text-warning font-semibold').mark('just-booked')
        self.warning.visible = False
        for element in (service, member, day_input):
            element.on_value_change(self.show)

    async def show(self, *, live: bool = False) -> None:
        """Read the free times again and list them (``live``: because of a change elsewhere). A time a customer is
        booking online is listed marked (the desk may book it; the customer is told it went); one held at the kiosk
        or for the waitlist is shown greyed, with whom it is held for."""
        self.asked += 1
        asked = self.asked
        chosen = self.service.value, self.member.value, self.day_input.value
        listed = None if None in chosen[:2] else await language.io_bound(self.free_times, *chosen)
        if asked != self.asked or self.box.is_deleted:
            return  # a later question is on its way, or the dialog is gone
        times = None if listed is None else [hhmm for hhmm, held in listed if held in ('', ONLINE)]
        if live and self.picked is not None and self.picked in self.offered and self.picked not in (times or []):
            self.warning.text = _('{time} was just booked by someone else. Please choose another time.').format(
                time=self.picked)
            self.warning.visible = True
            self.picked = None
        self.offered = set(times or [])
        self.listed = listed
        self.draw()

    def draw(self) -> None:
        """The times last read, as buttons (the one picked filled in)."""
        listed = self.listed
        times = None if listed is None else [hhmm for hhmm, held in listed if held in ('', ONLINE)]
        self.box.clear()
        with self.box:
            if listed is None:
                ui.label(_('Choose a service and a staff member to see free times.')).classes(
                    'text-sm text-slate-600')
                return
            ui.label(_('Free:') if times else _('No free time that day.')).classes('text-sm text-slate-600')
            for hhmm, held in listed:
                self.time_button(hhmm, held)
            self.held_notes(listed)

    def time_button(self, hhmm: str, held: str) -> None:
        """The button of one time: free (picked or not), being booked online (may still be picked), or held at the
        kiosk or for the waitlist (greyed, not to be picked, with whom it is held for)."""
        if held == ONLINE:
            with ui.button(hhmm, icon='language', on_click=lambda t=hhmm: self.pick(t)).props(
                    'dense no-caps color=deep-orange-10 ' + ('unelevated' if hhmm == self.picked else 'outline')
            ).mark(f'free-{hhmm} online-{hhmm}'):
                ui.tooltip(_('Being booked online: you may still book it'))
        elif held:
            with ui.button(hhmm, icon='lock_clock').props('dense no-caps flat disable color=grey-7').mark(
                    f'held-{hhmm}'):
                ui.tooltip(_(HELD_LABELS[held]))
        else:
            ui.button(hhmm, on_click=lambda t=hhmm: self.pick(t)).props(
                'dense no-caps ' + ('unelevated' if hhmm == self.picked else 'outline')).mark(f'free-{hhmm}')

    @staticmethod
    def held_notes(listed: list[tuple[str, str]]) -> None:
        """Under the times, in words: those being booked online, those held at the kiosk, those offered to the
        waitlist."""
        online = [hhmm for hhmm, held in listed if held == ONLINE]
        if online:
            ui.label(ngettext('Being booked online: {times}. You may still book it; the customer is told the time '
                              'went.', 'Being booked online: {times}. You may still book them; the customers are '
                              'told the time went.', len(online)).format(times=', '.join(online))).classes(
                'w-full text-sm text-deep-orange-10').mark('being-booked-online')
        for kind in (HoldKind.KIOSK.value, HoldKind.OFFER.value):
            held_times = [hhmm for hhmm, held in listed if held == kind]
            if held_times:
                ui.label(_(HELD_LISTS[kind]).format(times=', '.join(held_times))).classes(
                    'w-full text-sm text-slate-600').mark(f'held-{kind}')

    def pick(self, hhmm: str) -> None:
        self.picked = hhmm
        self.time_input.value = hhmm
        self.warning.visible = False
        self.draw()

    def free_times(self, service_id: int, staff_member_id: int, day_text: str | None) -> list[tuple[str, str]]:
        """(HH:MM, how it is held: '' free, 'online', 'kiosk' or 'offer') of the day ``day_text`` (ISO; none for a
        date not understood) for the service and staff member (blocking: call it off the event loop)."""
        try:
            day = date.fromisoformat(day_text or '')
            slots = availability.free_slots(self.location.id, service_id, day, actor=self.user,
                                            staff_member_id=staff_member_id, include_held=True)
        except (ValueError, ClientPulseError):
            return []
        return [(f'{clock.to_local(s.starts_at, self.location.time_zone):%H:%M}', s.held) for s in slots]


@dataclass(frozen=True)
class _Details:
    """What the booking's dialog shows beside the booking, read together in a worker thread: the deposit asked and
    held (minor units), how a held one was paid online, the no-show risk, the messages sent about it (newest first,
    none cancelled) and the location's staff members (id → name, for Move)."""

    booking: BookingRead
    asked: int
    held: int | None
    paid_online: tuple[str, str] | None
    risk: Risk | None
    messages: list
    members: dict[int, str]


def _details(user: UserRead, location: LocationRead, booking_id: int) -> _Details:
    """The booking ``booking_id`` and what its dialog shows with it (blocking: call it off the event loop).

    :raises NotFoundError: no such booking
    :raises PermissionDeniedError: ``user`` may not see it
    """
    booking = bookings.get_booking(booking_id, actor=user)
    asked, held = deposits.status(booking.id, actor=user)
    paid_online = deposits.paid_online(booking.id, actor=user) if held is not None else None
    risk = noshow.risks(location.id, [booking.id], actor=user).get(booking.id)
    sent = [m for m in outbox.list_messages(location.id, actor=user, booking_id=booking.id, limit=30)
            if m.status != MessageStatus.CANCELLED]
    members = {m.id: m.name for m in staff.list_staff(location.id, actor=user)}
    return _Details(booking, asked, held, paid_online, risk, sent, members)


async def open_booking_actions(user: UserRead, location: LocationRead, booking_id: int,
                               on_done: Callable[[], None] | None = None) -> None:
    """Details of one booking with the actions its status allows, opened in the current slot once read (in a
    worker thread).

    :raises NotFoundError: no such booking
    :raises PermissionDeniedError: ``user`` may not see it
    """
    details = await language.io_bound(_details, user, location, booking_id)
    booking = details.booking
    allowed = ALLOWED_TRANSITIONS[booking.status]
    title = f'{_customer(booking)} — {booking.service_name}'
    with ui.dialog() as dialog, ui.card().classes('w-[32rem] max-w-full'):
        dialog.props['aria-label'] = title
        ui.label(title).classes('text-lg font-semibold')
        _summary(location, booking)
        _deposit_section(user, location, details, dialog)
        booking_contact_section(user, location, booking)  # with the customer's alerts
        _messages(location, details.messages)
        act = _acting(dialog, on_done)
        with ui.row().classes('gap-2'):
            for status, label in ((BookingStatus.CONFIRMED, _('Confirm')), (BookingStatus.CHECKED_IN, _('Check in')),
                                  (BookingStatus.NO_SHOW, _('No-show'))):
                if status in allowed:
                    ui.button(label, on_click=lambda s=status: act(
                        lambda: bookings.set_status(booking.id, s, actor=user))).mark(f'to-{status.value}')
        if BookingStatus.COMPLETED in allowed:
            _checkout_section(user, location, booking, dialog, act, on_done)
        if booking.status in {BookingStatus.CHECKED_IN, BookingStatus.NO_SHOW} and user.role in {Role.OWNER,
                                                                                                  Role.MANAGER}:
            undo = _('Undo check-in') if booking.status == BookingStatus.CHECKED_IN else _('Undo no-show')
            ui.button(undo, icon='undo', on_click=lambda: act(
                lambda: bookings.undo_status(booking.id, actor=user))).props('flat').mark('undo-status')
        if BookingStatus.CANCELLED in allowed:
            _move_section(user, location, booking, details.members, act)
            _cancel_section(user, booking, act)

        with ui.row().classes('w-full justify-end'):
            ui.button(_('Close'), on_click=dialog.close).props('flat')
    dialog.open()


def _summary(location: LocationRead, booking: BookingRead) -> None:
    """When and with whom, status, price and channel; who cancelled it with what notice; its notes."""
    when = day_and_time(booking.starts_at, location.time_zone)
    ui.label(_('{when} with {staff}').format(when=when, staff=booking.staff_name) if booking.duration_known
             else _('{when} with {staff} (length not recorded)').format(when=when, staff=booking.staff_name))
    ui.label(_('Status: {status} · {price} · {channel}').format(
        status=_(STATUS_LABELS[booking.status]), price=money_at(booking.price_cents, location),
        channel=_(CHANNEL_LABELS[booking.channel]))).mark('booking-status')
    if booking.cancelled_by:
        notice = booking.notice_days or 0
        ui.label(ngettext("Cancelled by {who}, {n} day's notice", "Cancelled by {who}, {n} days' notice",
                          notice).format(who=booking.cancelled_by, n=booking.notice_days))
    if booking.notes:
        ui.label(booking.notes).classes('text-slate-500')


def _deposit_section(user: UserRead, location: LocationRead, details: _Details, dialog: ui.dialog) -> None:
    """The no-show risk, and the deposit: held (paid back from a cancelled booking) or asked (taken here). A high risk
    at a location that asks a deposit for it raises the deposit asked."""
    booking, asked, held, risk = details.booking, details.asked, details.held, details.risk
    if risk is not None:
        ui.label(risk.label()).classes('text-negative' if risk.level == 'high' else 'text-slate-600').mark(
            'booking-risk')
        if risk.level == 'high' and location.high_risk_action == 'deposit' and held is None:
            asked = noshow.high_risk_deposit(asked, booking.price_cents)
    if held is not None:
        _held_deposit(user, location, booking, dialog, held, details.paid_online)
    elif asked and booking.status in (BookingStatus.BOOKED, BookingStatus.CONFIRMED):
        _asked_deposit(user, location, booking, dialog, asked)


def _held_deposit(user: UserRead, location: LocationRead, booking: BookingRead, dialog: ui.dialog,
                  held: int, paid_online: tuple[str, str] | None) -> None:
    """The deposit held (``held`` minor units; how it was paid online: ``paid_online``, (method, reference)), paid
    back from a booking cancelled in good time."""
    with ui.row().classes('items-center gap-2'):
        held_words = _('Deposit held: {amount}').format(amount=money_at(held, location))
        if paid_online is not None:  # the customer paid it when booking online
            how = _('M-Pesa') if paid_online[0] == 'mpesa' else _('card')
            held_words = _('Deposit held: {amount}, paid online by {how} {reference}').format(
                amount=money_at(held, location), how=how, reference=paid_online[1]).strip()
        ui.label(held_words).classes('text-positive').mark('booking-deposit')
        if booking.status == BookingStatus.CANCELLED:  # cancelled in good time: the customer's money
            back_by = ui.select(_payment_options(gift_cards=False), value=PaymentMethod.CARD.value,
                                label=_('Paid back by')).classes('w-36')

            async def pay_back() -> None:
                try:
                    await language.io_bound(lambda: deposits.give_back(booking.id, PaymentMethod(back_by.value),
                                                                  actor=user))
                except ClientPulseError as error:
                    ui.notify(str(error), type='negative')
                    return
                dialog.close()
                ui.notify(_('Deposit of {amount} paid back.').format(amount=money_at(held, location)),
                          type='positive')

            ui.button(_('Pay it back'), on_click=pay_back).props('outline').mark('deposit-back')


def _asked_deposit(user: UserRead, location: LocationRead, booking: BookingRead, dialog: ui.dialog,
                   asked: int) -> None:
    """The deposit asked (``asked`` minor units), taken here by the method chosen."""
    with ui.row().classes('items-center gap-2'):
        ui.label(_('Deposit asked: {amount}').format(amount=money_at(asked, location))).mark(
            'booking-deposit')
        deposit_by = ui.select(_payment_options(gift_cards=False), value=PaymentMethod.CARD.value,
                               label=_('Paid by')).classes('w-36')

        async def take_deposit() -> None:
            try:
                await language.io_bound(lambda: deposits.take(booking.id, PaymentIn(
                    method=PaymentMethod(deposit_by.value), amount_cents=asked), actor=user))
            except ClientPulseError as error:
                ui.notify(str(error), type='negative')
                return
            dialog.close()
            ui.notify(_('Deposit of {amount} taken.').format(amount=money_at(asked, location)),
                      type='positive')

        ui.button(_('Take deposit'), on_click=take_deposit).props('outline').mark('take-deposit')


def _acting(dialog: ui.dialog, on_done: Callable[[], None] | None
            ) -> Callable[[Callable[[], object]], Awaitable[None]]:
    """What a button of the dialog does with its write: run it off the event loop, then close the dialog and call
    ``on_done``; a refusal is notified and leaves the dialog open."""
    async def act(change: Callable[[], object]) -> None:
        try:
            await language.io_bound(change)  # the write runs in a worker thread, off the event loop
        except ClientPulseError as error:
            ui.notify(str(error), type='negative', multi_line=True)
            return
        dialog.close()
        if on_done:
            on_done()

    return act


def _checkout_section(user: UserRead, location: LocationRead, booking: BookingRead, dialog: ui.dialog,
                      act: Callable[[Callable[[], object]], Awaitable[None]],
                      on_done: Callable[[], None] | None) -> None:
    """Check out (the checkout dialog in place of this one), or record a failed payment with what happened."""
    def check_out() -> None:
        dialog.close()
        with dialog.parent_slot.parent:  # the page's dialog holder
            open_checkout(user, location, booking, on_done)

    with ui.row().classes('items-center gap-2'):
        ui.button(_('Check out'), icon='point_of_sale', on_click=check_out).mark('to-checkout')
        method = ui.select(_payment_options(), value=PaymentMethod.CARD.value,
                           label=_('Failed payment by')).classes('w-40')
    with ui.row().classes('items-center gap-2'):
        reason = ui.input(_('What happened'), value=_('card declined')).classes('w-48').mark('payment-reason')
        ui.button(_('Payment failed'), color='warning', on_click=lambda: act(
            lambda: receipts.record_failed_payment(booking.id, payment_method=PaymentMethod(method.value),
                                                   reason=reason.value or '', actor=user))).props(
            'outline').mark('payment-failed')


def _cancel_section(user: UserRead, booking: BookingRead,
                    act: Callable[[Callable[[], object]], Awaitable[None]]) -> None:
    """Cancel: by whom and why (a reason first), this booking or every later one of its series, then a confirmation
    (the waitlist is offered the time)."""
    def ask() -> None:  # a reason first, then a confirmation (confirm: the row below)
        why.error = None
        if not (why.value or '').strip():
            why.error = _('Say why (e.g. "feeling unwell").')
            return
        confirm.classes(remove='hidden')

    with ui.row().classes('items-center gap-2 flex-wrap'):
        who = ui.select({'customer': _('the customer'), 'salon': _('us (the shop)')}, value='customer',
                        label=_('Cancelled by')).classes('w-40')
        why = ui.input(_('Reason')).classes('w-56').mark('cancel-reason')
        ui.button(_('Cancel booking'), color='negative', on_click=ask).mark('to-cancelled')
    following = ui.checkbox(_('and every later booking of its series')).mark('cancel-following')
    following.visible = booking.series_id is not None
    with ui.row().classes('items-center gap-2 hidden') as confirm:
        ui.label(_('Cancel this booking? The time is offered to the waitlist.')).classes('text-negative')
        ui.button(_('Yes, cancel it'), color='negative', on_click=lambda: act(lambda: (
            recurring.cancel_following(booking.id, actor=user, reason=why.value or '') if following.value
            else bookings.cancel_booking(booking.id, actor=user, cancelled_by=who.value or None,
                                         reason=why.value or '')))).mark('cancel-confirm')
        ui.button(_('Keep it'), on_click=lambda: confirm.classes(add='hidden')).props('flat')


def _messages(location: LocationRead, sent: list) -> None:
    """What the customer was sent about this booking (``sent``: newest first), oldest first; a failed one in red
    with its error."""
    if not sent:
        return
    with ui.column().classes('gap-0 text-sm').mark('booking-messages'):
        for message in reversed(sent):
            what = _(MESSAGE_KINDS.get(message.channel, MESSAGE_KINDS[MessageChannel.EMAIL])).format(
                template=message.template.replace('_', ' '))
            if message.status == MessageStatus.SENT:
                ui.label(_('{message}: sent {when}').format(
                    message=what, when=day_and_time(message.sent_at, location.time_zone))).classes('text-slate-600')
            elif message.status == MessageStatus.FAILED:
                ui.label(_('{message}: failed — {error}').format(message=what, error=message.last_error)).classes(
                    'text-negative')
            else:
                ui.label(_('{message}: due {when}').format(
                    message=what, when=day_and_time(message.due_at, location.time_zone))).classes('text-slate-600')


def _move_section(user: UserRead, location: LocationRead, booking: BookingRead, members: dict[int, str],
                  act: Callable[[Callable[[], object]], Awaitable[None]]) -> None:
    tz = location.time_zone
    local = clock.to_local(booking.starts_at, tz)
    with ui.expansion(_('Move'), icon='schedule').classes('w-full'):
        with ui.row().classes('items-start gap-2'):
            day_input = dates.date_input(_('Date'), local.date(), locale=location.locale).classes('w-44').mark(
                'move-date')
            time_input = ui.input(_('Time'), value=f'{local:%H:%M}').classes('w-24').mark('move-time')
            member = ui.select(members, value=booking.staff_member_id, label=_('Staff member')).classes('w-36')
            override = ui.checkbox(_('Outside hours'))
            override.visible = user.role in {Role.OWNER, Role.MANAGER}
        following = ui.checkbox(_('and every later booking of its series by the same change')).mark(
            'move-following')
        following.visible = booking.series_id is not None

        async def move() -> None:
            starts_at = _starts_at(day_input, time_input, location)
            if starts_at is None:
                return
            change = BookingMove(starts_at=starts_at, staff_member_id=member.value,
                                 override_hours=bool(override.value))
            try:
                if following.value:
                    await language.io_bound(recurring.move_following, booking.id, change, actor=user)
                else:
                    await language.io_bound(bookings.move_booking, booking.id, change, actor=user)
            except ClientPulseError as error:
                field_error({'starts_at': time_input, 'staff_member_id': member}, error)
                return
            await act(lambda: None)

        ui.button(_('Move booking'), on_click=move).mark('move')


def _starts_at(day_input: ui.input, time_input: ui.input, location: LocationRead):
    try:
        day = date.fromisoformat(day_input.value or '')
    except ValueError:
        day_input.error = dates.refusal(location.locale)
        return None
    text = (time_input.value or '').strip()
    if not TIME_PATTERN.match(text):
        time_input.error = _('Enter a time as HH:MM, e.g. 14:30.')
        return None
    return clock.local_datetime(day, int(text[:2]) * 60 + int(text[3:]), location.time_zone)
