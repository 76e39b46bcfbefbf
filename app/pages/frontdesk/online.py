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
from app.pages.guard import public_page
from app.pages.layout import field_error
from app.services import clock, events
from app.services.errors import ClientPulseError, NotFoundError, SlotUnavailableError, validated
from app.services.frontdesk import online, online_deposits
from app.services.frontdesk.availability import ANYONE, Slot
from app.services.i18n import N_, _, locale_for, ngettext

STEPS = ('service', 'who', 'when', 'details', 'code', 'pay', 'done')
FOCUS_CSS = ':focus-visible{outline:3px solid #1d4ed8;outline-offset:2px}'
"""A clear focus ring on the customer's pages (dark blue, drawn 2 px outside the control: 6.7:1 on white, 6.4:1 on the
page's slate)."""
TITLE = N_('Book online')
FOCUS_HEADING = ('{const now = document.activeElement;'
                 ' if (!now || now === document.body || !now.isConnected) document.querySelector("h1")?.focus();}')
"""Give a new step's heading the focus when nothing has it (the control used is gone), never taking it from a control
the visitor has reached since (WCAG 2.4.3)."""


class Text(ui.label):
    """A text written as the HTML element ``tag``: a heading (``'h1'``), or a ``span`` inside a button."""

    def __init__(self, text: str = '', tag: str = 'span') -> None:
        super().__init__(text)
        self.tag = tag


def heading(text: str, level: int = 1, classes: str = 'text-lg font-medium') -> Text:
    """The page state's heading (``level`` 1: one per state) or a section's (2); it takes the focus when a step
    changes (``tabindex=-1``: not in the Tab order)."""
    element = Text(text, f'h{level}').classes(f'{classes} m-0')
    if level == 1:
        element.props('tabindex=-1')
    return element


def named(element: ui.element, name: str) -> ui.element:
    """Give an icon-only control its spoken name (``aria-label``)."""
    element.props['aria-label'] = name
    return element


def customer_page() -> None:
    """The look every customer's page shares: the shop's colours and a visible focus ring."""
    ui.query('body').classes('bg-slate-50')
    ui.add_css(FOCUS_CSS)


@public_page('/book/{location_id}', proof='none: a location that takes online bookings', title=TITLE)
async def online_booking_page(location_id: str) -> None:
    """Online booking at ``location_id`` (a refusal where it is not switched on)."""
    customer_page()
    request = ui.context.client.request
    ip = request.client.host if request.client else ''  # behind the proxy: X-Forwarded-For, trusted from loopback
    try:
        visitor = str(app.storage.browser.get('id') or '')  # the browser's id (NiceGUI's signed cookie)
    except (RuntimeError, AssertionError):
        visitor = ''
    with ui.column().classes('w-full max-w-md mx-auto p-4 gap-3'):
        try:
            shop = await language.io_bound(online.shop, params.whole_number(location_id) or 0)
        except NotFoundError as error:
            heading(str(error), classes='text-lg').mark('closed refused')
            return
        language.use(shop.language)  # from here on: <html lang>, Quasar's words and ours in the shop's language
        ui.page_title(_(TITLE))
        await _Booking(shop, ip, visitor).build()


@public_page('/book/{location_id}/deposit/{token}', proof="the deposit's token", title=TITLE)
async def deposit_return_page(location_id: str, token: str) -> None:
    """Where the card checkout sends the customer back: what became of their deposit (live until answered)."""
    customer_page()
    with ui.column().classes('w-full max-w-md mx-auto p-4 gap-3'):
        try:
            shop = await language.io_bound(online.shop, params.whole_number(location_id) or 0)
            state = await language.io_bound(online_deposits.state, shop.location_id, token[:64])
        except NotFoundError as error:
            heading(str(error), classes='text-lg').mark('closed refused')
            return
        language.use(shop.language)
        ui.page_title(_(TITLE))
        page = _Booking(shop, '', '')
        page.deposit, page.booked, page.manage = state, state.booking, state.manage
        page.step = 'done' if state.booking is not None else 'pay'
        await page.build()


class _Booking:
    def __init__(self, shop: online.OnlineShop, ip: str, visitor: str) -> None:
        self.shop, self.ip = shop, ip
        self.client = ui.context.client
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
        self.methods: tuple[str, ...] = ()
        """how a deposit can be paid here online (``online_deposits.methods``); empty: the shop tells them how"""
        self.deposit: online_deposits.DepositState | None = None
        """the deposit being paid (the step ``pay``)"""
        self.waiting: ui.timer | None = None
        self.mpesa_phone = ''
        self.booked = None

    async def build(self) -> None:
        shop = self.shop
        with ui.column().classes('gap-0'):
            ui.label(shop.name).classes('text-xl font-semibold')
            ui.label(', '.join(p for p in (shop.address, shop.phone) if p)).classes('text-sm text-grey-7')
        self.summary()
        await self.body()
        # a deposit's answer lands in a worker (its callback, the minute's status check): read it every 2 s while a
        # payment waits (outside the body, which going on redraws)
        self.waiting = ui.timer(2.0, self.poll)
        ui.context.client.on_disconnect(self.release)
        live.on_change(shop.location_id, self.follow, kinds=(events.BookingChanged,))

    async def follow(self, event: events.BookingChanged) -> None:
        """While the customer types, the time they hold may be booked at the desk: tell them at once."""
        slot = self.slot
        if (self.step not in ('details', 'code', 'pay') or slot is None or self.confirming or self._asked()
                or event.staff_member_id != slot.staff_member_id
                or event.change not in ('created', 'moved')
                or event.day != clock.local_day(slot.starts_at, self.shop.time_zone)):
            return
        try:
            free = await language.io_bound(online.still_free, self.shop.location_id, self.service[0], slot,
                                           holder=self.holder)
        except ClientPulseError:
            free = False
        if not free and self.slot == slot and self.step in ('details', 'code', 'pay') and not (
                self.confirming or self._asked()):
            await self.lost(online.time_went(slot, self.shop.time_zone, self.shop.locale))

    async def lost(self, message: str) -> None:
        """The held time went: back to the times of its day, saying so."""
        if self.slot is not None:
            self.went_day = clock.local_day(self.slot.starts_at, self.shop.time_zone)
        self.went, self.slot = message, None
        await language.io_bound(online.release, self.shop.location_id, self.holder)
        await self.go('when')

    async def release(self) -> None:
        """The customer left: other screens see the held time again at once (it would lapse in minutes anyway) —
        unless a deposit is being paid for it (a card checkout elsewhere, a prompt on the phone)."""
        if not self._asked():
            await language.io_bound(online.release, self.shop.location_id, self.holder)

    def _asked(self) -> bool:
        """A deposit payment is waiting for the provider's answer."""
        return self.deposit is not None and self.deposit.status == 'pending'

    @ui.refreshable_method
    def summary(self) -> None:
        parts = []
        if self.step == 'done':
            return
        if self.service is not None and self.step != 'service':
            parts.append(self.service[1])
        if self.slot is not None and self.step in ('details', 'code', 'pay'):
            parts.append(_('{day}, {time} with {staff}').format(
                day=local_date(self.slot.starts_at, self.shop.time_zone, locale_for(self.shop.locale)),
                time=local_time(self.slot.starts_at, self.shop.time_zone), staff=self.slot.staff_name))
        if parts:
            with ui.row().classes('items-center gap-2'):
                if not self._asked():  # a payment under way: nothing to go back to until it is answered
                    named(ui.button(icon='arrow_back', on_click=self.back).props('flat round dense'),
                          _('Back')).mark('back')
                ui.label(' · '.join(parts)).classes('text-sm text-grey-8').mark('summary')

    @ui.refreshable_method
    async def body(self) -> None:
        await getattr(self, f'_{self.step}')()

    async def go(self, step: str) -> None:
        self.step = step
        self.summary.refresh()
        await self.body.refresh()
        # the control that was used is gone: the new step's heading takes the focus (a screen reader reads it) —
        # unless the visitor already moved into the new step while its slower part loaded (a day's free times)
        self.client.run_javascript(FOCUS_HEADING)

    async def back(self) -> None:
        previous = STEPS[max(0, STEPS.index(self.step) - 1)]
        if previous == 'who' and len(self._performers()) <= 1:
            previous = 'service'
        if self.step in ('details', 'code', 'pay'):
            await language.io_bound(online.release, self.shop.location_id, self.holder)
            self.slot = None
            previous = 'when'
        await self.go(previous)

    async def _service(self) -> None:
        heading(_('Choose a service'))
        if not self.shop.services:
            ui.label(_('Nothing can be booked online just now. Please call us.')).mark('no-services')
        shown_category = None
        for service in self.shop.services:
            service_id, name, minutes, price, category = service
            if category != shown_category and len({s[4] for s in self.shop.services}) > 1:
                heading(category.title() or _('Other'), 2, 'text-sm font-medium text-grey-8 mt-2')
                shown_category = category
            # a real button: reached by Tab, pressed by Enter or Space; its name is all it says
            with ui.button(on_click=lambda s=service: self.choose_service(s)).props(
                    'outline no-caps align=between').classes('w-full py-2 bg-white').mark(f'service-{service_id}'):
                with ui.element('span').classes('flex flex-col items-start text-left'):
                    Text(name).classes('font-medium text-grey-10')
                    Text(_('{n} min').format(n=minutes)).classes('text-sm text-grey-8')
                Text(money(price, self.shop.currency, self.shop.locale)).classes('text-grey-10')

    async def choose_service(self, service) -> None:
        self.service, self.staff_member_id = service, ANYONE
        await self.go('who' if len(self._performers()) > 1 else 'when')

    def _performers(self) -> list[tuple[int, str]]:
        if self.service is None:
            return []
        return [(i, name) for i, name, skills in self.shop.staff if not skills or self.service[0] in skills]

    async def _who(self) -> None:
        heading(_('With whom?'))
        for member_id, name in [(ANYONE, _('Anyone available')), *self._performers()]:
            ui.button(name, on_click=lambda m=member_id: self.choose_who(m)).props(
                'outline no-caps align=left').classes('w-full').mark(f'who-{member_id}')

    async def choose_who(self, member_id: int) -> None:
        self.staff_member_id = member_id
        await self.go('when')

    async def _when(self) -> None:
        heading(_('Choose a time'))
        if self.went:
            with ui.row().classes('w-full items-start gap-2 no-wrap rounded bg-orange-1 p-2').props(
                    'role=alert').mark('time-went'):
                ui.icon('event_busy', size='1.5rem').classes('text-orange-9')
                ui.label(self.went).classes('text-orange-10')
        shop, service_id = self.shop, self.service[0]
        today = clock.local_day(clock.now(), shop.time_zone)
        picker = FreeTimes(location_id=shop.location_id, time_zone=shop.time_zone, locale=locale_for(shop.locale),
                           first=today,
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
        # read before anything is drawn: the step appears whole (its button too), not in two goes
        deposit = await language.io_bound(online.deposit_cents, shop.location_id, self.service[0])
        self.methods = await language.io_bound(online_deposits.methods, shop.location_id) if deposit else ()
        if self.methods:
            deposit = await language.io_bound(online_deposits.asked, shop.location_id, self.service[0])
        heading(_('Your details'))
        if not self.held:
            ui.label(_('Many people are booking just now, so we cannot keep this time for you while you type: book '
                       'soon, and if someone else takes it first we will tell you.')).classes(
                'text-sm text-orange-10').mark('not-held')
        typed = self.details
        name = ui.input(_('Name'), value=typed.name if typed else '').props('autocomplete=name').classes(
            'w-full').mark('name')
        phone = ui.input(_('Mobile'), value=typed.phone if typed else '').props(
            'type=tel autocomplete=tel').classes('w-full').mark('phone')
        email = ui.input(_('E-mail'), value=typed.email if typed else '').props(
            'type=email autocomplete=email').classes('w-full').mark('email')
        choices = {MessageChannel.SMS.value: _('By SMS'), MessageChannel.EMAIL.value: _('By e-mail')} if shop.sms \
            else {MessageChannel.EMAIL.value: _('By e-mail')}
        ui.label(_('We send you a code to confirm it is you:')).classes('text-sm text-grey-8')
        channel = ui.radio(choices, value=next(iter(choices))).props('inline').mark('channel')
        notes = ui.textarea(_('Anything we should know? (optional)')).props('rows=2 maxlength=500').classes(
            'w-full').mark('notes')
        if deposit and self.methods:
            hours = shop.cancellation_hours
            ui.label(ngettext('A deposit of {amount} is asked for this booking: you pay it online after the code, '
                              'and the booking is made once it is paid. It is kept if you cancel less than {n} hour '
                              'before or do not come.',
                              'A deposit of {amount} is asked for this booking: you pay it online after the code, '
                              'and the booking is made once it is paid. It is kept if you cancel less than {n} hours '
                              'before or do not come.', hours).format(
                amount=money(deposit, shop.currency, shop.locale), n=hours)).classes('text-sm').mark('deposit')
        elif deposit:
            hours = shop.cancellation_hours
            ui.label(ngettext('A deposit of {amount} is asked for this booking; the shop tells you how to pay it. '
                              'It is kept if you cancel less than {n} hour before or do not come.',
                              'A deposit of {amount} is asked for this booking; the shop tells you how to pay it. '
                              'It is kept if you cancel less than {n} hours before or do not come.', hours).format(
                amount=money(deposit, shop.currency, shop.locale), n=hours)).classes('text-sm').mark('deposit')
        fields = {'name': name, 'phone': phone, 'email': email}
        problem = ui.label().classes('text-negative').props('role=alert').mark('send-error')

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

        ui.button(_('Send me a code'), on_click=send).props('unelevated').classes('w-full').mark('send-code')

    async def _code(self) -> None:
        where = self.details.phone if self.details.channel == MessageChannel.SMS else self.details.email
        heading(_('Enter your code'))
        ui.label(_('We sent a 6-digit code to {address}.').format(address=where)).classes('text-sm text-grey-8')
        code = ui.input(_('Code')).props('inputmode=numeric autocomplete=one-time-code maxlength=6').classes(
            'w-40 text-xl').mark('code')

        async def book() -> None:
            code.error = None
            self.confirming = True
            if self.methods:  # a deposit to pay online first: the code is checked, nothing is booked yet
                try:
                    self.deposit = await language.io_bound(
                        online_deposits.start, self.shop.location_id, self.token, code.value or '', self.details,
                        service_id=self.service[0], slot=self.slot, holder=self.holder)
                except ClientPulseError as error:
                    self.confirming = False
                    if error.field == 'starts_at':
                        await self.lost(str(error))
                        return
                    field_error({'code': code}, error)
                    return
                self.confirming = False
                await self.go('pay')
                return
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

        ui.button(_('Continue to the deposit') if self.methods else _('Book'), on_click=book).props(
            'unelevated').classes('w-full').mark('book')
        ui.button(_('Send a new code'), on_click=lambda: self.go('details')).props('flat no-caps').mark('new-code')

    async def _pay(self) -> None:
        deposit = self.deposit
        heading(_('Pay the deposit'))
        ui.label(_('Your booking is made as soon as the deposit of {amount} is paid.').format(
            amount=self._amount())).classes('text-sm').mark('deposit-asked')
        self.paying = ui.column().classes('w-full gap-3')
        self.mpesa_phone = self.mpesa_phone or (self.details.phone if self.details else '')
        self.show_deposit()
        if deposit is not None and deposit.status == 'pending' and deposit.method == online_deposits.CARD:
            await self.poll()

    def _amount(self) -> str:
        return money(self.deposit.amount_cents, self.deposit.currency, self.shop.locale)

    async def poll(self) -> None:
        """Read the deposit as recorded while it waits for the provider; move on when that changes."""
        if not self._asked():
            return
        try:
            state = await language.io_bound(online_deposits.state, self.shop.location_id, self.deposit.token)
        except ClientPulseError:
            return
        if state.status == self.deposit.status:
            return
        self.deposit = state
        if state.status == 'paid' and state.booking is not None:
            self.booked, self.manage = state.booking, state.manage
            await self.go('done')
            return
        self.summary.refresh()
        self.show_deposit()

    def show_deposit(self) -> None:
        """Waiting → paid / failed, as the deposit stands, and the ways to pay (again) when nothing is waiting."""
        deposit, shop = self.deposit, self.shop
        self.paying.clear()
        with self.paying:
            if deposit.status == 'pending':
                with ui.row().classes('w-full items-center gap-3 no-wrap rounded bg-blue-1 p-3').props(
                        'role=status').mark('deposit-waiting'):
                    ui.spinner('dots', size='2.5rem', color='primary').props('aria-hidden=true')
                    with ui.column().classes('gap-1'):
                        if deposit.method == online_deposits.MPESA:
                            ui.label(_('Check your phone')).classes('font-medium text-grey-10')
                            ui.label(_('Enter your M-Pesa PIN on {phone} to pay {amount}. This page changes by '
                                       'itself once it is paid.').format(phone=f'+{deposit.phone}',
                                                                          amount=self._amount())).classes(
                                'text-sm text-grey-9')
                        else:
                            ui.label(_('Waiting for the card payment')).classes('font-medium text-grey-10')
                            ui.label(_('This page changes by itself once it is paid.')).classes('text-sm text-grey-9')
                if deposit.method == online_deposits.CARD and deposit.url:
                    ui.link(_('Open the card payment page'), deposit.url).classes('text-primary')
                return
            if deposit.status == 'failed':
                with ui.row().classes('w-full items-start gap-2 no-wrap rounded bg-orange-1 p-3').props(
                        'role=alert').mark('deposit-failed'):
                    ui.icon('error_outline', size='1.5rem').classes('text-orange-10')
                    ui.label(_('The payment did not go through: {reason}. The time is no longer kept for you; you '
                               'may try again while it is still free.').format(reason=deposit.reason)).classes(
                        'text-orange-10')
            if deposit.status == 'paid':  # paid, but the time could not be booked any more
                with ui.row().classes('w-full items-start gap-2 no-wrap rounded bg-orange-1 p-3').props(
                        'role=alert').mark('deposit-unbooked'):
                    ui.icon('info', size='1.5rem').classes('text-orange-10')
                    ui.label(_('We received your deposit of {amount}, but the time could not be booked any more. '
                               'The shop will call you to book another time or pay it back.').format(
                        amount=self._amount())).classes('text-orange-10')
                return
            if not self.methods:
                ui.link(_('Start again'), f'/book/{shop.location_id}').classes('text-primary').mark('start-again')
                return
            problem = ui.label().classes('text-negative').props('role=alert').mark('pay-error')
            buttons: list[ui.button] = []
            if online_deposits.MPESA in self.methods:
                phone = ui.input(_('M-Pesa number'), value=self.mpesa_phone).props(
                    'type=tel autocomplete=tel').classes('w-full').mark('mpesa-phone')
                buttons.append(ui.button(_('Pay {amount} with M-Pesa').format(amount=self._amount()),
                                         on_click=lambda: self.pay(online_deposits.MPESA, phone, problem, buttons))
                               .props('unelevated no-caps').classes('w-full').mark('pay-mpesa'))
            if online_deposits.CARD in self.methods:
                buttons.append(ui.button(_('Pay {amount} by card').format(amount=self._amount()),
                                         on_click=lambda: self.pay(online_deposits.CARD, None, problem, buttons))
                               .props('outline no-caps' if online_deposits.MPESA in self.methods
                                      else 'unelevated no-caps').classes('w-full').mark('pay-card'))

    async def pay(self, method: str, phone: ui.input | None, problem: ui.label, buttons: list[ui.button]) -> None:
        """Ask for the deposit: a prompt to the phone, or off to the card checkout. The pay buttons are off while it
        is asked (the service refuses a second ask at the same time anyway)."""
        problem.text = ''
        if phone is not None:
            phone.error = None
            self.mpesa_phone = phone.value or ''
        for button in buttons:
            button.disable()
        try:
            if method == online_deposits.MPESA:
                state = await language.io_bound(online_deposits.pay_by_mpesa, self.shop.location_id,
                                                self.deposit.token, self.mpesa_phone, ip=self.ip,
                                                visitor=self.visitor)
            else:
                back = f'{str(self.client.request.base_url).rstrip("/")}/book/{self.shop.location_id}/deposit/'
                state = await language.io_bound(online_deposits.pay_by_card, self.shop.location_id,
                                                self.deposit.token, return_url=back + '{token}', ip=self.ip,
                                                visitor=self.visitor)
        except ClientPulseError as error:
            for button in buttons:
                button.enable()
            if isinstance(error, SlotUnavailableError) or error.field == 'starts_at':
                await self.lost(online.time_went(self.slot, self.shop.time_zone, self.shop.locale)
                                if self.slot is not None else str(error))
            elif error.field == 'phone' and phone is not None:
                phone.error = str(error)
            else:
                problem.text = str(error)
            return
        self.deposit = state
        self.summary.refresh()
        self.show_deposit()
        if state.url:
            ui.navigate.to(state.url)

    async def _done(self) -> None:
        booking, tz = self.booked, self.shop.time_zone
        ui.icon('event_available', size='3rem').classes('text-positive')
        heading(_("You're booked"), classes='text-xl font-semibold').mark('booked')
        ui.label(_('{service} with {staff}').format(service=booking.service_name, staff=booking.staff_name)).classes(
            'text-base')
        when = local_date(booking.starts_at, tz, locale_for(self.shop.locale), 'full')
        ui.label(_('{day}, {time}').format(day=when, time=local_time(booking.starts_at, tz))).mark('booked-when')
        if self.deposit is not None and self.deposit.status == 'paid':
            ui.label(_('Deposit paid: {amount}').format(amount=money(
                self.deposit.amount_cents, self.deposit.currency, self.shop.locale))).classes(
                'text-green-9 font-medium').mark('deposit-paid')
        ui.label(_('A confirmation is on its way. See, move or cancel your booking here:')).classes('text-sm')
        ui.button(_('Your booking'), icon='open_in_new', on_click=lambda: ui.navigate.to(f'/my/{self.manage}')).props(
            'outline').mark('manage')

