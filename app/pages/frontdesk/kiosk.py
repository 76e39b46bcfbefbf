"""The kiosk: a touch screen at the front desk where customers check in, book and see their bookings.

Only kiosk accounts open it; there is no navigation out. Leaving kiosk mode needs the PIN of the
owner or of a manager or staff member of the location. After ``kiosk_idle_seconds`` untouched,
everything typed is cleared and the start screen returns.
"""

from __future__ import annotations

import secrets
import time
from datetime import date, datetime, timedelta

from babel.dates import format_date
from nicegui import ui

from app.config import get_settings
from app.models import LocationRead, UserRead
from app.pages import language
from app.pages.customers.chat import FOCUS_RING, ChatPanel, heading
from app.pages.formatting import local_time, money_at
from app.pages.guard import PageContext, guarded_page
from app.pages.layout import field_error
from app.pages.signed_in import KIOSK, sign_out
from app.services import clock, i18n
from app.services.accounts import users
from app.services.catalogue import catalog, staff
from app.services.customers import chat
from app.services.errors import ClientPulseError
from app.services.frontdesk import availability, kiosk
from app.services.i18n import N_, _, ngettext

BIG = 'text-2xl px-8 py-6 rounded-xl'
DAYS_AHEAD = 7


@guarded_page('/kiosk', roles=KIOSK, title=N_('Kiosk'), framed=False)  # no frame: no way out but a staff PIN
def kiosk_page(page: PageContext) -> None:
    # the guard has set the language: the kiosk user's own choice, which is none, so the location's
    """The kiosk (no frame: no way out but a staff PIN)."""
    ui.add_css(FOCUS_RING)
    ui.query('body').classes('bg-slate-100 select-none')
    _Kiosk(page.user, page.location).build()


class _Kiosk:
    """One kiosk screen; ``state`` holds what the current customer has chosen or typed."""

    def __init__(self, user: UserRead, location: LocationRead) -> None:
        self.user, self.location = user, location
        self.state: dict = {}
        self.screen = 'start'
        self.touched = time.monotonic()
        self.fullscreen = ui.fullscreen()
        self.holder = secrets.token_hex(16)  # this screen's hold on the time a customer is booking

    def build(self) -> None:
        with ui.row().classes('w-full items-center justify-between p-4 bg-primary text-white'):
            ui.label(self.location.name).classes('text-3xl font-bold')
            exit_button = ui.button(icon='lock', on_click=self.ask_pin).props('flat round color=white').mark(
                'kiosk-exit')
            exit_button.props['aria-label'] = _('Leave kiosk mode')
            exit_button.tooltip(_('Leave kiosk mode'))
        with ui.column().classes('w-full items-center p-8 gap-6') as self.root:
            self.body()
        ui.timer(1.0, self.check_idle)

    # --- navigation within the kiosk ------------------------------------------------------------------------------

    def go(self, screen: str, **state) -> None:
        self.touch()
        self.screen = screen
        self.state.update(state)
        self.body.refresh()

    def touch(self) -> None:
        self.touched = time.monotonic()

    def check_idle(self) -> None:
        if self.screen != 'start' and time.monotonic() - self.touched > get_settings().kiosk_idle_seconds:
            self.reset()

    def reset(self) -> None:
        """Forget the customer: everything typed or chosen, back to the start screen (and free the time)."""
        if self.state.get('slot') is not None:
            availability.release(self.location.id, self.holder, actor=self.user)
        self.state.clear()
        self.screen = 'start'
        self.body.refresh()

    @ui.refreshable_method
    def body(self) -> None:
        {'start': self.start, 'check_in': self.check_in, 'book': self.book, 'mine': self.mine,
         'chat': self.chat, 'done': self.done}[self.screen]()

    # --- screens ----------------------------------------------------------------------------------------------

    def start(self) -> None:
        heading(_('Welcome!')).classes('text-5xl font-bold mt-8')
        ui.label(_('What would you like to do?')).classes('text-2xl text-slate-600')
        with ui.row().classes('gap-8 mt-8'):
            for screen, label, icon in (('check_in', N_('Check in'), 'how_to_reg'),
                                        ('book', N_('Book a visit'), 'event'), ('mine', N_('My bookings'), 'list'),
                                        ('chat', N_('Message the desk'), 'chat')):
                ui.button(_(label), icon=icon, on_click=lambda s=screen: self.begin(s)).classes(BIG).mark(
                    f'kiosk-{screen}')

    def begin(self, screen: str) -> None:
        if not self.fullscreen.value:
            self.fullscreen.enter()  # the first touch makes the kiosk full screen (browsers need a gesture)
        self.go(screen, step='service' if screen == 'book' else '')

    def check_in(self) -> None:
        heading(_('Check in')).classes('text-4xl font-bold')
        lookup, name = self.lookup_fields()
        found = self.state.get('found')
        if found is not None:
            if not found:
                ui.label(_('No booking today was found for that. Please check the code, or your number and first '
                           'name, or ask at the desk.')).classes('text-xl text-negative max-w-3xl text-center').mark(
                    'kiosk-none').props('role=alert')
            for booking in found:
                with ui.card().classes('w-[36rem] max-w-full p-6'):
                    ui.label(_('{time} · {service} with {staff}').format(
                        time=local_time(booking.starts_at, self.location.time_zone), service=booking.service_name,
                        staff=booking.staff_name)).classes('text-2xl')
                    ui.label(_('Hello, {name}').format(name=booking.customer_name) if booking.customer_name
                             else _('Hello, there')).classes('text-xl text-slate-600')
                    ui.button(_("I'm here — check in"), on_click=lambda b=booking: self.do_check_in(b.id)).classes(
                        BIG).mark(f'kiosk-check-in-{booking.id}')
        self.back_button()

        def find() -> None:
            self.touch()
            self.state.update(lookup=lookup.value, name=name.value)
            self.state['found'] = kiosk.todays_bookings(self.location.id, lookup.value or '', name=name.value or '',
                                                        actor=self.user)
            self.body.refresh()

        lookup.on('keydown.enter', find)
        name.on('keydown.enter', find)
        ui.button(_('Find my booking'), icon='search', on_click=find).classes(BIG).mark('kiosk-find')

    async def do_check_in(self, booking_id: int) -> None:
        try:  # writes run in a worker thread, as every booking action does
            booking = await language.io_bound(kiosk.check_in, self.location.id, booking_id, actor=self.user)
        except ClientPulseError as error:
            ui.notify(str(error), type='negative')
            return
        first = booking.customer_name.split(' ')[0]
        self.go('done', message=_('Thank you, {name}! You are checked in. Please take a seat.').format(name=first)
                if first else _('Thank you! You are checked in. Please take a seat.'))

    def book(self) -> None:
        heading(_('Book a visit')).classes('text-4xl font-bold')
        step = self.state.get('step', 'service')
        if step == 'service':
            ui.label(_('Choose a service')).classes('text-2xl text-slate-600')
            with ui.grid(columns=3).classes('gap-4'):
                for service in catalog.list_services(self.location.id, actor=self.user):
                    if not service.duration_minutes:
                        continue
                    ui.button(_('{service}\n{minutes} min · {price}').format(
                        service=service.name, minutes=service.duration_minutes,
                        price=money_at(service.price_cents, self.location)),
                              on_click=lambda s=service: self.go('book', step='staff', service=s)).classes(
                        BIG + ' whitespace-pre-line').mark(f'kiosk-service-{service.id}')
        elif step == 'staff':
            ui.label(_('{service}: with whom?').format(service=self.state['service'].name)).classes(
                'text-2xl text-slate-600')
            with ui.row().classes('gap-4'):
                anyone = lambda: self.choose_staff(availability.ANYONE, _('anyone'))  # noqa: E731
                ui.button(_('Anyone'), icon='groups', on_click=anyone).classes(BIG).mark('kiosk-staff-anyone')
                for member in staff.list_staff(self.location.id, actor=self.user):
                    ui.button(member.name, on_click=lambda m=member: self.choose_staff(m.id, m.name)).classes(
                        BIG).mark(f'kiosk-staff-{member.id}')
        elif step == 'slot':
            self.slot_step()
        elif step == 'details':
            self.details_step()
        elif step == 'waitlist':
            self.waitlist_step()
        self.back_button()

    def choose_staff(self, staff_member_id: int, name: str) -> None:
        self.go('book', step='slot', staff_member_id=staff_member_id, staff_label=name,
                day=clock.today(self.location.time_zone))

    def slot_step(self) -> None:
        service, day = self.state['service'], self.state['day']
        ui.label(_('{service} with {staff}: choose a time').format(service=service.name,
                                                                   staff=self.state['staff_label'])).classes(
            'text-2xl text-slate-600').mark(f'kiosk-times-{day.isoformat()}')
        today = clock.today(self.location.time_zone)
        with ui.row().classes('gap-2'):
            for offset in range(DAYS_AHEAD):
                shown = today + timedelta(days=offset)
                ui.button(self.day_text(shown, 'EEE dd'), on_click=lambda d=shown: self.go('book', day=d)).props(
                    'unelevated' if shown == day else 'outline').classes('text-xl px-4 py-3').mark(
                    f'kiosk-day-{shown.isoformat()}')
        slots = availability.free_slots(self.location.id, service.id, day, actor=self.user,
                                        staff_member_id=self.state['staff_member_id'], holder=self.holder)
        if not slots:
            ui.label(_('No free times that day. Please try another day, or wait for a cancellation:')).classes(
                'text-xl').mark('kiosk-no-slots')
            ui.button(_('Join the waitlist for {day}').format(day=self.day_text(day)), icon='hourglass_top',
                      on_click=lambda: self.go('book', step='waitlist')).classes(BIG).mark('kiosk-waitlist')
        with ui.row().classes('gap-3 justify-center max-w-4xl'):
            for slot in slots:
                label = local_time(slot.starts_at, self.location.time_zone)
                ui.button(label, on_click=lambda s=slot: self.hold(s)).classes(
                    'text-xl px-4 py-4').mark(f'kiosk-slot-{label.replace(":", "")}')

    def hold(self, slot: availability.Slot) -> None:
        """Keep the chosen time for this customer while they type their details."""
        try:
            availability.hold(self.location.id, self.state['service'].id, slot, holder=self.holder, actor=self.user)
        except ClientPulseError as error:
            ui.notify(str(error), type='negative')
            self.go('book', step='slot')
            return
        self.go('book', step='details', slot=slot)

    def details_step(self) -> None:
        slot: availability.Slot = self.state['slot']
        ui.label(_('{service} with {staff}, {day}, {time}').format(
            service=self.state['service'].name, staff=slot.staff_name, day=self.day_text(slot.starts_at),
            time=local_time(slot.starts_at, self.location.time_zone))).classes('text-2xl text-slate-600')
        name = self.text_field(_('Your name'), 'kiosk-name', self.state.get('name', ''))
        phone = self.text_field(_('Your phone number'), 'kiosk-phone', self.state.get('phone', ''), tel=True)

        async def confirm() -> None:
            self.touch()
            self.state.update(name=name.value, phone=phone.value)
            try:
                booking = await language.io_bound(kiosk.book, self.location.id, self.state['service'].id, slot,
                                                  name=name.value or '', phone=phone.value or '', actor=self.user,
                                                  holder=self.holder)
            except ClientPulseError as error:
                target = {'name': name, 'phone': phone}.get(getattr(error, 'field', None))
                if target is not None:
                    target.error = str(error)
                else:
                    ui.notify(str(error), type='negative')
                    self.go('book', step='slot')
                return
            self.go('done', message=_('You are booked: {service} with {staff}, {day} at {time}. Your booking code is '
                                      '{code}.').format(service=booking.service_name, staff=booking.staff_name,
                                                        day=self.day_text(booking.starts_at),
                                                        time=local_time(booking.starts_at, self.location.time_zone),
                                                        code=kiosk.booking_code(booking)))

        ui.button(_('Book it'), icon='check', on_click=confirm).classes(BIG).mark('kiosk-confirm')

    def waitlist_step(self) -> None:
        service, day = self.state['service'], self.state['day']
        ui.label(_('Waitlist: {service} with {staff}, {day}').format(
            service=service.name, staff=self.state['staff_label'], day=self.day_text(day))).classes(
            'text-2xl text-slate-600')
        name = self.text_field(_('Your name'), 'kiosk-name', '')
        phone = self.text_field(_('Your phone number'), 'kiosk-phone', '', tel=True)

        async def confirm() -> None:
            self.touch()
            try:
                await language.io_bound(kiosk.join_waitlist, self.location.id, service.id, day,
                                        staff_member_id=self.state['staff_member_id'] or None, name=name.value or '',
                                        phone=phone.value or '', actor=self.user)
            except ClientPulseError as error:
                field_error({'name': name, 'phone': phone}, error)  # beside the field it names, or a toast
                return
            self.go('done', message=_('You are on the waitlist for {service} on {day}. If a time opens up, the desk '
                                      'will call you.').format(service=service.name, day=self.day_text(day)))

        ui.button(_('Join the waitlist'), icon='check', on_click=confirm).classes(BIG).mark('kiosk-join-waitlist')

    def mine(self) -> None:
        heading(_('My bookings')).classes('text-4xl font-bold')
        lookup, name = self.lookup_fields()
        found = self.state.get('found')
        if found is not None:
            if not found:
                ui.label(_('No upcoming bookings for that.')).classes('text-xl').mark('kiosk-none').props('role=alert')
            else:
                ui.label(ngettext('{n} upcoming booking', '{n} upcoming bookings', len(found)).format(
                    n=len(found))).classes('text-xl text-slate-600').mark('kiosk-upcoming-count').props('role=status')
            for booking in found:
                ui.label(_('{day} {time} · {service} with {staff} · {code}').format(
                    day=self.day_text(booking.starts_at, 'EEE dd MMM'),
                    time=local_time(booking.starts_at, self.location.time_zone), service=booking.service_name,
                    staff=booking.staff_name, code=kiosk.booking_code(booking))).classes('text-2xl').mark(
                    'kiosk-upcoming')
        self.back_button()

        def find() -> None:
            self.touch()
            self.state.update(lookup=lookup.value, name=name.value)
            self.state['found'] = kiosk.upcoming(self.location.id, lookup.value or '', name=name.value or '',
                                                 actor=self.user)
            self.body.refresh()

        ui.button(_('Show'), icon='search', on_click=find).classes(BIG).mark('kiosk-find')

    def chat(self) -> None:
        """A conversation with the desk for this visit only: the name and number typed are shown to the desk
        as unverified, and nothing written before (by anyone with that number) is shown here."""
        heading(_('Message the desk')).classes('text-4xl font-bold')
        conversation = self.state.get('conversation')
        if conversation is None:
            name = self.text_field(_('Your name'), 'kiosk-name', self.state.get('name', ''))
            phone = self.text_field(_('Your phone number'), 'kiosk-phone', self.state.get('phone', ''), tel=True)

            def start() -> None:
                self.touch()
                try:
                    self.state['conversation'] = kiosk.visitor_chat(self.location.id, name=name.value or '',
                                                                    phone=phone.value or '', actor=self.user)
                except ClientPulseError as error:
                    field_error({'name': name, 'phone': phone}, error)
                    return
                self.body.refresh()

            phone.on('keydown.enter', start)
            ui.button(_('Open chat'), icon='chat', on_click=start).classes(BIG).mark('kiosk-open-chat')
        else:
            with ui.column().classes('w-[40rem] max-w-full').on('click', self.touch).on('keydown', self.touch):
                ChatPanel(conversation, chat.CUSTOMER, token=conversation.access_token,
                          time_zone=self.location.time_zone, locale=self.location.locale).build()
        self.back_button()

    def done(self) -> None:
        ui.icon('check_circle', size='6rem').classes('text-positive')
        heading(self.state.get('message', '')).classes('text-3xl text-center max-w-3xl').mark('kiosk-message')
        ui.button(_('Done'), on_click=self.reset).classes(BIG).mark('kiosk-done')

    # --- parts ------------------------------------------------------------------------------------------------

    def lookup_fields(self) -> tuple[ui.input, ui.input]:
        """Booking code or phone number, and first name (a phone number finds bookings only with the name)."""
        lookup = self.text_field(_('Booking code, or your phone number'), 'kiosk-lookup',
                                 self.state.get('lookup', ''))
        name = self.text_field(_('First name (with a phone number)'), 'kiosk-lookup-name', self.state.get('name', ''))
        return lookup, name

    def text_field(self, label: str, marker: str, value: str, *, tel: bool = False) -> ui.input:
        field = ui.input(label, value=value).props('outlined maxlength=120' + (' type=tel' if tel else '')).classes(
            'w-[32rem] max-w-full text-2xl').mark(marker).on('update:model-value', self.touch)
        return field

    def day_text(self, day: date | datetime, pattern: str = 'EEEE dd MMMM') -> str:
        """A day (or a moment's day at the location) as the kiosk writes it, its names in the kiosk's language
        (``Sunday 06 December``, ``Jumapili 06 Desemba``)."""
        if isinstance(day, datetime):
            day = clock.to_local(day, self.location.time_zone).date()
        return format_date(day, pattern, locale=i18n.locale_for(self.location.locale))

    def back_button(self) -> None:
        ui.button(_('Start again'), icon='arrow_back', on_click=self.reset).props('flat').classes('text-xl').mark(
            'kiosk-back')

    def ask_pin(self) -> None:
        self.touch()
        title = _('Staff PIN to leave kiosk mode')
        with ui.dialog() as dialog, ui.card().classes('p-6'):
            dialog.props['aria-label'] = title
            heading(title, 'h2').classes('text-xl')
            pin = ui.input(_('PIN'), password=True).props('type=tel outlined').mark('kiosk-pin')

            def leave() -> None:
                person = users.verify_pin(self.location.id, pin.value or '')
                if person is None:
                    pin.value = ''
                    pin.error = _('That PIN is not right.')  # after clearing: a new value clears the error
                    return
                dialog.close()
                sign_out(self.user)
                ui.navigate.to('/login')

            with ui.row():
                ui.button(_('Leave kiosk mode'), on_click=leave).mark('kiosk-pin-ok')
                ui.button(_('Cancel'), on_click=dialog.close).props('flat')
        dialog.open()
