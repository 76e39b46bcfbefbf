"""Online booking, ``/book/<location id>``, made for a phone: service → who → day and time (live: a time taken
anywhere vanishes; the chosen one is held while the customer types) → details → a one-time code by SMS or e-mail →
booked, with the manage link. No sign-in (:mod:`app.services.frontdesk.online`). The desk may book a time a customer
is holding here: the customer is told at once (while typing) or when they confirm, and chooses again."""

from __future__ import annotations

import secrets
from datetime import timedelta

from nicegui import app, ui

from app import live
from app.models import MessageChannel
from app.pages import language, params
from app.pages.formatting import local_date, local_time, money
from app.pages.frontdesk.free_times import FreeTimes
from app.pages.layout import field_error
from app.services import clock, events
from app.services.errors import ClientPulseError, NotFoundError, SlotUnavailableError, validated
from app.services.frontdesk import online
from app.services.frontdesk.availability import ANYONE, Slot

STEPS = ('service', 'who', 'when', 'details', 'code', 'done')


def register() -> None:
    @ui.page('/book/{location_id}', title='Book online')
    async def online_booking_page(location_id: str) -> None:
        ui.colors(primary='#3b4a6b')
        ui.query('body').classes('bg-slate-50')
        request = ui.context.client.request
        ip = request.client.host if request.client else ''  # behind the proxy: X-Forwarded-For, trusted from loopback
        try:
            visitor = str(app.storage.browser.get('id') or '')  # the browser's session (NiceGUI's signed cookie)
        except (RuntimeError, AssertionError):
            visitor = ''
        with ui.column().classes('w-full max-w-md mx-auto p-4 gap-3'):
            try:
                shop = await language.io_bound(online.shop, params.whole_number(location_id) or 0)
            except NotFoundError as error:
                ui.label(str(error)).classes('text-lg').mark('closed refused')
                return
            await _Booking(shop, ip, visitor).build()


class _Booking:
    def __init__(self, shop: online.OnlineShop, ip: str, visitor: str) -> None:
        self.shop, self.ip = shop, ip
        self.holder = secrets.token_urlsafe(16)
        self.visitor = visitor or self.holder
        self.step = 'service'
        self.service: tuple[int, str, int, int, str] | None = None
        self.staff_member_id = ANYONE
        self.slot: Slot | None = None
        self.details: online.Details | None = None
        self.token = ''
        self.manage = ''
        self.held = True
        """the chosen time is kept for this page while the customer types (False: a limit on online holds stopped
        it; the time can still be booked)"""
        self.confirming = False
        """the customer's own booking is being made (its change is not a time lost)"""
        self.went, self.went_day = '', None
        """why the customer is choosing a time again (their time went to someone else), shown above the times"""

    async def build(self) -> None:
        shop = self.shop
        with ui.column().classes('gap-0'):
            ui.label(shop.name).classes('text-xl font-semibold')
            ui.label(', '.join(p for p in (shop.address, shop.phone) if p)).classes('text-sm text-grey-7')
        self.summary()
        await self.body()
        ui.context.client.on_disconnect(self.release)
        live.on_change(shop.location_id, self.follow, kinds=(events.BookingChanged,))

    async def follow(self, event: events.BookingChanged) -> None:
        """While the customer types, the time they hold may be booked at the desk: tell them at once."""
        slot = self.slot
        if (self.step not in ('details', 'code') or slot is None or self.confirming
                or event.staff_member_id != slot.staff_member_id
                or event.change not in ('created', 'moved')
                or event.day != clock.local_day(slot.starts_at, self.shop.time_zone)):
            return
        try:
            free = await language.io_bound(online.still_free, self.shop.location_id, self.service[0], slot,
                                           holder=self.holder)
        except ClientPulseError:
            free = False
        if not free and self.slot == slot and self.step in ('details', 'code') and not self.confirming:
            await self.lost(online.time_went(slot, self.shop.time_zone))

    async def lost(self, message: str) -> None:
        """The held time went: back to the times of its day, saying so."""
        if self.slot is not None:
            self.went_day = clock.local_day(self.slot.starts_at, self.shop.time_zone)
        self.went, self.slot = message, None
        await language.io_bound(online.release, self.shop.location_id, self.holder)
        await self.go('when')

    async def release(self) -> None:
        """The customer left: other screens see the held time again at once (it would lapse in minutes anyway)."""
        await language.io_bound(online.release, self.shop.location_id, self.holder)

    @ui.refreshable_method
    def summary(self) -> None:
        parts = []
        if self.step == 'done':
            return
        if self.service is not None and self.step != 'service':
            parts.append(self.service[1])
        if self.slot is not None and self.step in ('details', 'code'):
            parts.append(f'{local_date(self.slot.starts_at, self.shop.time_zone, self.shop.locale)}, '
                         f'{local_time(self.slot.starts_at, self.shop.time_zone)} with {self.slot.staff_name}')
        if parts:
            with ui.row().classes('items-center gap-2'):
                ui.button(icon='arrow_back', on_click=self.back).props('flat round dense').mark('back')
                ui.label(' · '.join(parts)).classes('text-sm text-grey-8').mark('summary')

    @ui.refreshable_method
    async def body(self) -> None:
        await getattr(self, f'_{self.step}')()

    async def go(self, step: str) -> None:
        self.step = step
        self.summary.refresh()
        await self.body.refresh()

    async def back(self) -> None:
        previous = STEPS[max(0, STEPS.index(self.step) - 1)]
        if previous == 'who' and len(self._performers()) <= 1:
            previous = 'service'
        if self.step in ('details', 'code'):
            await language.io_bound(online.release, self.shop.location_id, self.holder)
            self.slot = None
            previous = 'when'
        await self.go(previous)

    async def _service(self) -> None:
        ui.label('Choose a service').classes('text-lg font-medium')
        if not self.shop.services:
            ui.label('Nothing can be booked online just now. Please call us.').mark('no-services')
        shown_category = None
        for service in self.shop.services:
            service_id, name, minutes, price, category = service
            if category != shown_category and len({s[4] for s in self.shop.services}) > 1:
                ui.label(category.title() or 'Other').classes('text-sm font-medium text-grey-7 mt-2')
                shown_category = category
            with ui.card().classes('w-full cursor-pointer py-2').on(
                    'click', lambda s=service: self.choose_service(s)).mark(f'service-{service_id}'):
                with ui.row().classes('w-full justify-between items-center no-wrap'):
                    with ui.column().classes('gap-0'):
                        ui.label(name).classes('font-medium')
                        ui.label(f'{minutes} min').classes('text-sm text-grey-7')
                    ui.label(money(price, self.shop.currency, self.shop.locale))

    async def choose_service(self, service) -> None:
        self.service, self.staff_member_id = service, ANYONE
        await self.go('who' if len(self._performers()) > 1 else 'when')

    def _performers(self) -> list[tuple[int, str]]:
        if self.service is None:
            return []
        return [(i, name) for i, name, skills in self.shop.staff if not skills or self.service[0] in skills]

    async def _who(self) -> None:
        ui.label('With whom?').classes('text-lg font-medium')
        for member_id, name in [(ANYONE, 'Anyone available'), *self._performers()]:
            ui.button(name, on_click=lambda m=member_id: self.choose_who(m)).props(
                'outline no-caps align=left').classes('w-full').mark(f'who-{member_id}')

    async def choose_who(self, member_id: int) -> None:
        self.staff_member_id = member_id
        await self.go('when')

    async def _when(self) -> None:
        ui.label('Choose a time').classes('text-lg font-medium')
        if self.went:
            with ui.row().classes('w-full items-start gap-2 no-wrap rounded bg-orange-1 p-2').mark('time-went'):
                ui.icon('event_busy', size='1.5rem').classes('text-orange-9')
                ui.label(self.went).classes('text-orange-10')
        shop, service_id = self.shop, self.service[0]
        today = clock.local_day(clock.now(), shop.time_zone)
        picker = FreeTimes(location_id=shop.location_id, time_zone=shop.time_zone, locale=shop.locale, first=today,
                           days=min(shop.horizon_days + 1, 28),
                           load=lambda day: online.free_times(shop.location_id, service_id, day,
                                                              staff_member_id=self.staff_member_id,
                                                              holder=self.holder),
                           choose=self.choose_time)
        await picker.build()
        if self.went and self.went_day is not None and today <= self.went_day < today + timedelta(days=picker.days):
            await picker.pick(self.went_day)

    async def choose_time(self, slot: Slot) -> None:
        try:
            self.held = await language.io_bound(online.hold, self.shop.location_id, self.service[0], slot,
                                                holder=self.holder, ip=self.ip, visitor=self.visitor)
        except ClientPulseError as error:
            ui.notify(str(error), type='warning', multi_line=True)
            return
        self.slot, self.went = slot, ''
        await self.go('details')

    async def _details(self) -> None:
        shop = self.shop
        ui.label('Your details').classes('text-lg font-medium')
        if not self.held:
            ui.label('Many people are booking just now, so we cannot keep this time for you while you type: book '
                     'soon, and if someone else takes it first we will tell you.').classes(
                'text-sm text-orange-10').mark('not-held')
        typed = self.details
        name = ui.input('Name', value=typed.name if typed else '').props('autocomplete=name').classes(
            'w-full').mark('name')
        phone = ui.input('Mobile', value=typed.phone if typed else '').props('type=tel autocomplete=tel').classes(
            'w-full').mark('phone')
        email = ui.input('E-mail', value=typed.email if typed else '').props(
            'type=email autocomplete=email').classes('w-full').mark('email')
        choices = {MessageChannel.SMS.value: 'By SMS', MessageChannel.EMAIL.value: 'By e-mail'} if shop.sms else {
            MessageChannel.EMAIL.value: 'By e-mail'}
        ui.label('We send you a code to confirm it is you:').classes('text-sm text-grey-8')
        channel = ui.radio(choices, value=next(iter(choices))).props('inline').mark('channel')
        notes = ui.textarea('Anything we should know? (optional)').props('rows=2 maxlength=500').classes(
            'w-full').mark('notes')
        deposit = await language.io_bound(online.deposit_cents, shop.location_id, self.service[0])
        if deposit:
            ui.label(f'A deposit of {money(deposit, shop.currency, shop.locale)} is asked for this booking; the shop '
                     f'tells you how to pay it. It is kept if you cancel less than {shop.cancellation_hours} hours '
                     'before or do not come.').classes('text-sm').mark('deposit')
        fields = {'name': name, 'phone': phone, 'email': email}
        problem = ui.label().classes('text-negative').mark('send-error')

        async def send() -> None:
            for element in fields.values():
                element.error = None
            problem.text = ''
            try:
                details = validated(online.Details, name=name.value or '', phone=phone.value or '',
                                    email=email.value or '', channel=channel.value, notes=notes.value or '')
                self.token = await language.io_bound(online.request_code, shop.location_id, details, ip=self.ip)
            except ClientPulseError as error:
                if error.field in fields:
                    fields[error.field].error = str(error)
                else:
                    problem.text = str(error)
                return
            self.details = details
            await self.go('code')

        ui.button('Send me a code', on_click=send).props('unelevated').classes('w-full').mark('send-code')

    async def _code(self) -> None:
        where = self.details.phone if self.details.channel == MessageChannel.SMS else self.details.email
        ui.label('Enter your code').classes('text-lg font-medium')
        ui.label(f'We sent a 6-digit code to {where}.').classes('text-sm text-grey-8')
        code = ui.input('Code').props('inputmode=numeric autocomplete=one-time-code maxlength=6').classes(
            'w-40 text-xl').mark('code')

        async def book() -> None:
            code.error = None
            self.confirming = True
            try:
                booking, self.manage = await language.io_bound(
                    online.confirm, self.shop.location_id, self.token, code.value or '', self.details,
                    service_id=self.service[0], slot=self.slot, holder=self.holder)
            except ClientPulseError as error:
                self.confirming = False
                if isinstance(error, SlotUnavailableError) or error.field == 'starts_at':
                    await self.lost(str(error))
                    return
                field_error({'code': code}, error)
                return
            self.booked = booking
            await self.go('done')

        ui.button('Book', on_click=book).props('unelevated').classes('w-full').mark('book')
        ui.button('Send a new code', on_click=lambda: self.go('details')).props('flat no-caps').mark('new-code')

    async def _done(self) -> None:
        booking, tz = self.booked, self.shop.time_zone
        ui.icon('event_available', size='3rem').classes('text-positive')
        ui.label("You're booked").classes('text-xl font-semibold').mark('booked')
        ui.label(f'{booking.service_name} with {booking.staff_name}').classes('text-base')
        when = local_date(booking.starts_at, tz, self.shop.locale, 'full')
        ui.label(f'{when}, {local_time(booking.starts_at, tz)}').mark(
            'booked-when')
        ui.label('A confirmation is on its way. See, move or cancel your booking here:').classes('text-sm')
        ui.button('Your booking', icon='open_in_new', on_click=lambda: ui.navigate.to(f'/my/{self.manage}')).props(
            'outline').mark('manage')

