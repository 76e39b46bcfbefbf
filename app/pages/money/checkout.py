"""The checkout dialog: the booked service (or nothing, for a walk-in sale), more services and products, a discount
per line or on the whole sale or a campaign's discount code, a tip, the taxes and totals as they stand, and payment
split over several methods (cash with the change to hand back). Saved as one sale (``checkout.check_out``); a refusal
is shown, nothing saved."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from nicegui import ui

from app import live
from app.models import BookingRead, LocationRead, PaymentMethod, Role, UserRead
from app.pages import language
from app.pages.formatting import amount_field, money_at, to_input, to_minor
from app.services import events
from app.services.catalogue import catalog, staff
from app.services.customers import phones
from app.services.errors import ClientPulseError, ValidationError
from app.services.i18n import N_, _, ngettext
from app.services.money import checkout, loyalty, mobile_money, pricing
from app.services.money.checkout import PaymentIn, Sale, SaleLine

METHODS = {PaymentMethod.CARD.value: N_('Card'), PaymentMethod.CASH.value: N_('Cash'),
           PaymentMethod.MOBILE_MONEY.value: N_('Mobile money'), PaymentMethod.GIFT_CARD.value: N_('Gift card')}
"""Payment methods → their names (English: translate with :func:`method_names` where shown)."""


def method_names() -> dict[str, str]:
    """The payment methods' names in the current language (for selects and lists)."""
    return {method: _(name) for method, name in METHODS.items()}


def method_name(method: str) -> str:
    """One payment method's name in the current language (an unknown one as stored, underscores as spaces)."""
    return _(METHODS[method]) if method in METHODS else method.replace('_', ' ')


def open_checkout(user: UserRead, location: LocationRead, booking: BookingRead | None = None,
                  on_done: Callable[[], None] | None = None) -> None:
    """Open the checkout for ``booking`` (its service as the first line), or for a walk-in sale."""
    _Checkout(user, location, booking, on_done).open()


class _Checkout:
    def __init__(self, user: UserRead, location: LocationRead, booking: BookingRead | None,
                 on_done: Callable[[], None] | None) -> None:
        self.user, self.location, self.booking, self.on_done = user, location, booking, on_done
        self.services = {s.id: s for s in catalog.list_services(location.id, actor=user)}
        self.products = {p.id: p for p in catalog.list_products(location.id, actor=user)}
        self.members = {m.id: m.name for m in staff.list_staff(location.id, actor=user)}
        self.lines: list[dict] = []
        if booking is not None:
            self.lines.append({'service_id': booking.service_id, 'product_id': None, 'name': booking.service_name,
                               'quantity': 1, 'price': booking.price_cents, 'listed': booking.price_cents,
                               'discount': None})
        self.payments: list[dict] = [{'method': PaymentMethod.CARD.value, 'amount': None, 'tendered': None,
                                      'code': '', 'phone': self.customer_phone()}]
        self.gift_cards: list[int] = []  # amounts of gift cards sold with the sale (minor units)
        self.total_due = 0
        self.managing = user.role in (Role.OWNER, Role.MANAGER)
        self.taking = False  # a sale being recorded or a prompt being sent (see :meth:`take`)

    def money(self, cents: int) -> str:
        return money_at(cents, self.location)

    def minor(self, amount, field: str) -> int:
        """What was typed in one of the form's amounts in the location's minor units (see :func:`to_minor`)."""
        return to_minor(amount, field, self.location.currency)

    def open(self) -> None:
        with ui.dialog(value=True) as self.dialog, ui.card().classes('w-[44rem] max-w-full'):
            title = (_('Checkout — {customer}').format(customer=self.booking.customer_name) if self.booking
                     else _('Walk-in sale'))
            ui.label(title).classes('text-lg font-semibold')
            with ui.column().classes('w-full gap-2 p-0') as self.form:
                self.served = None
                if self.booking is None:  # who did the service or sold the product (commission, the tip's default)
                    mine = self.user.staff_member_id if self.user.staff_member_id in self.members else None
                    self.served = ui.select(self.members, value=mine, label=_('Served by')).classes('w-56').mark(
                        'checkout-served-by')
                self.line_box = ui.column().classes('w-full gap-1').mark('checkout-lines')
                with ui.row().classes('w-full items-end gap-2'):
                    options = {**{f's{i}': f'{s.name} · {money_at(s.price_cents, self.location)}'
                                  for i, s in self.services.items()},
                               **{f'p{i}': _('{product} · {price} ({n} on hand)').format(
                                   product=p.name, price=money_at(p.price_cents, self.location), n=p.stock_on_hand)
                                  for i, p in self.products.items()}}
                    self.pick = ui.select(options, with_input=True, label=_('Add a service or product')).classes(
                        'flex-1').mark('checkout-item')
                    ui.button(_('Add'), icon='add', on_click=self.add_line).props('flat').mark('checkout-add')
                with ui.row().classes('w-full items-end gap-2'):
                    self.card_amount = ui.number(_('Sell a gift card of'), min=0,
                                                 **amount_field(self.location.currency)).classes('w-44').mark(
                        'checkout-gift-amount')
                    ui.button(_('Add gift card'), icon='card_giftcard', on_click=self.add_gift_card).props('flat').mark(
                        'checkout-gift-add')
                    self.card_list = ui.label().classes('text-sm text-slate-600').mark('checkout-gift-cards')
                with ui.row().classes('w-full items-end gap-2'):
                    self.discount = ui.number(_('Discount on the sale (%)'), min=0, max=100,
                                              on_change=self.reprice).classes('w-48').mark('checkout-discount')
                    self.discount_reason = ui.input(_('Why'), on_change=self.reprice).classes('flex-1').mark(
                        'checkout-discount-reason')
                if not self.managing:  # what staff may give without a manager (the location's setting)
                    limit = self.location.staff_discount_limit_percent
                    ui.label(_('Up to {limit} % off without a manager.').format(limit=limit) if limit else
                             _('Only a manager gives discounts here.')).classes(
                        'text-xs text-slate-500').mark('checkout-discount-limit')
                self.code = None
                if self.booking is not None and self.booking.customer_id is not None:  # a code is once per customer
                    with ui.row().classes('w-full items-end gap-2'):
                        self.code = ui.input(_('Discount code'), on_change=self.reprice).props('clearable').classes(
                            'w-48').mark('checkout-code')
                        ui.label(_("a campaign's code: off the whole sale, not with another discount")).classes(
                            'text-xs text-slate-500')
                self.reward = None
                if self.booking is not None and self.booking.customer_id is not None:
                    points, _moves = loyalty.ledger(self.booking.customer_id, actor=self.user)
                    offered = {r.id: ngettext('{reward} ({n} point)', '{reward} ({n} points)', r.points).format(
                        reward=r.name, n=r.points) for r in loyalty.rewards(
                        self.location.id, actor=self.user) if r.points <= points}
                    with ui.row().classes('w-full items-end gap-2'):
                        ui.label(ngettext('{n} loyalty point', '{n} loyalty points', points).format(n=points)).classes(
                            'text-sm').mark('checkout-points')
                        if offered:
                            self.reward = ui.select(offered, label=_('Spend points on'), clearable=True,
                                                    on_change=self.reprice).classes('w-64').mark('checkout-reward')
                with ui.row().classes('w-full items-end gap-2'):
                    self.tip = ui.number(_('Tip'), min=0, on_change=self.reprice,
                                         **amount_field(self.location.currency)).classes('w-32').mark('checkout-tip')
                    self.tip_for = ui.select(self.members, value=self.booking.staff_member_id if self.booking else None,
                                             label=_('for')).classes('w-48').mark('checkout-tip-staff')
                self.totals = ui.column().classes('w-full gap-0 items-end').mark('checkout-totals')
                ui.separator()
                ui.label(_('Payment')).classes('font-semibold')
                self.payment_box = ui.column().classes('w-full gap-1').mark('checkout-payments')
                with ui.row().classes('w-full items-center gap-2'):
                    ui.button(_('Split: add a payment'), icon='call_split', on_click=self.add_payment).props(
                        'flat').mark('checkout-add-payment')
                    ui.space()
                    self.left = ui.label().classes('font-semibold').mark('checkout-balance')
                self.error = ui.label().classes('text-negative').mark('checkout-error')
                with ui.row().classes('w-full justify-end'):
                    ui.button(_('Close'), on_click=self.dialog.close).props('flat')
                    self.take_button = ui.button(_('Take payment'), icon='point_of_sale', on_click=self.take).mark(
                        'checkout-take')
            self.phone_box = ui.column().classes('w-full gap-2').mark('checkout-mpesa')
            self.phone_box.visible = False
            self.draw_lines()
            self.draw_payments()
            ui.timer(0.01, self.reprice, once=True)

    # --- lines --------------------------------------------------------------------------------------------------

    async def add_line(self) -> None:
        key = self.pick.value or ''
        if key.startswith('s') and int(key[1:]) in self.services:
            item = self.services[int(key[1:])]
            self.lines.append({'service_id': item.id, 'product_id': None, 'name': item.name, 'quantity': 1,
                               'price': item.price_cents, 'listed': item.price_cents, 'discount': None})
        elif key.startswith('p') and int(key[1:]) in self.products:
            item = self.products[int(key[1:])]
            self.lines.append({'service_id': None, 'product_id': item.id, 'name': item.name, 'quantity': 1,
                               'price': item.price_cents, 'listed': item.price_cents, 'discount': None})
        else:
            return
        self.pick.value = None
        self.draw_lines()
        await self.reprice()

    def draw_lines(self) -> None:
        self.line_box.clear()
        self.line_totals: list[ui.label] = []
        with self.line_box:
            if not self.lines:
                ui.label(_('Nothing yet: add a service or a product.')).classes('text-slate-500')
            for number, line in enumerate(self.lines):
                # on a phone the amounts wrap under the name (in one row they were cut: '2500' for 25000)
                with ui.row().classes('w-full items-end gap-2 flex-wrap sm:flex-nowrap'):
                    ui.label(line['name']).classes('flex-1 min-w-[10rem]')
                    ui.number(_('Qty'), value=line['quantity'], min=1, format='%d',
                              on_change=lambda e, x=line: self.set_line(x, 'quantity', e.value)).classes('w-16').mark(
                        f'checkout-line-{number}-quantity')
                    price = ui.number(_('Price'), value=to_input(line['price'], self.location.currency), min=0,
                                      **amount_field(self.location.currency),
                                      on_change=lambda e, x=line: self.set_line(x, 'price', e.value)).classes(
                        'w-24').mark(f'checkout-line-{number}-price')
                    price.enabled = self.managing
                    ui.number(_('Off %'), value=line['discount'], min=0, max=100,
                              on_change=lambda e, x=line: self.set_line(x, 'discount', e.value)).classes(
                        'w-20').mark(f'checkout-line-{number}-discount')
                    self.line_totals.append(ui.label().classes('w-24 text-right').mark(
                        f'checkout-line-{number}-total'))
                    ui.button(icon='close', on_click=lambda x=line: self.remove_line(x)).props(
                        'flat round dense').mark(f'checkout-line-{number}-remove')

    async def set_line(self, line: dict, field: str, value) -> None:
        if field == 'price':
            try:
                line['price'] = self.minor(value, 'price')
            except ValidationError as error:  # the line keeps its last good price; the refusal is said
                self.error.text = str(error)
                return
        elif field == 'quantity':
            line['quantity'] = max(1, int(value or 1))
        else:
            line['discount'] = value
        await self.reprice()

    async def remove_line(self, line: dict) -> None:
        self.lines.remove(line)
        self.draw_lines()
        await self.reprice()

    async def add_gift_card(self) -> None:
        try:
            amount = self.minor(self.card_amount.value, 'gift_cards')
        except ValidationError as error:
            self.card_amount.error = str(error)
            return
        if amount <= 0:
            return
        self.gift_cards.append(amount)
        self.card_amount.value = None
        self.card_list.text = _('Gift cards: {amounts}').format(
            amounts=', '.join(money_at(c, self.location) for c in self.gift_cards))
        await self.reprice()

    # --- payments -----------------------------------------------------------------------------------------------

    def add_payment(self) -> None:
        try:
            paid = sum(self.minor(p['amount'], 'amount') for p in self.payments if p['amount'] is not None)
        except ValidationError as error:
            self.refused(error)
            return
        self.payments.append({'method': PaymentMethod.CASH.value,
                              'amount': to_input(max(0, self.total_due - paid), self.location.currency),
                              'tendered': None, 'code': '', 'phone': self.customer_phone()})
        self.draw_payments()
        self.show_balance()

    def draw_payments(self) -> None:
        self.payment_box.clear()
        self.phone_inputs: dict[int, ui.input] = {}
        with self.payment_box:
            for number, payment in enumerate(self.payments):
                with ui.row().classes('w-full items-end gap-2 no-wrap'):
                    ui.select(method_names(), value=payment['method'], label=_('Paid by'),
                              on_change=lambda e, p=payment: self.set_payment(p, 'method', e.value)).classes(
                        'w-36').mark(f'checkout-pay-{number}-method')
                    ui.number(_('Amount'), value=payment['amount'], min=0, **amount_field(self.location.currency),
                              on_change=lambda e, p=payment: self.set_payment(p, 'amount', e.value)).classes(
                        'w-28').mark(f'checkout-pay-{number}-amount')
                    tendered = ui.number(_('Cash handed over'), value=payment['tendered'], min=0,
                                         **amount_field(self.location.currency),
                                         on_change=lambda e, p=payment: self.set_payment(p, 'tendered', e.value)
                                         ).classes('w-36').mark(f'checkout-pay-{number}-tendered')
                    tendered.bind_visibility_from(payment, 'method', value=PaymentMethod.CASH.value)
                    code = ui.input(_('Gift card code'), value=payment['code'],
                                    on_change=lambda e, p=payment: self.set_payment(p, 'code', e.value)).classes(
                        'w-48').mark(f'checkout-pay-{number}-code')
                    code.bind_visibility_from(payment, 'method', value=PaymentMethod.GIFT_CARD.value)
                    phone = ui.input(_("Customer's phone (M-Pesa)"), value=payment['phone'],
                                     on_change=lambda e, p=payment: self.set_payment(p, 'phone', e.value)).props(
                        'maxlength=40 type=tel').classes('w-48').mark(f'checkout-pay-{number}-phone')
                    phone.bind_visibility_from(payment, 'method', value=PaymentMethod.MOBILE_MONEY.value)
                    self.phone_inputs[number] = phone  # where a refused phone is said
                    if number:
                        ui.button(icon='close', on_click=lambda p=payment: self.remove_payment(p)).props(
                            'flat round dense')

    def customer_phone(self) -> str:
        """The booking's customer's phone in E.164 with the location's country ('' for a walk-in or none)."""
        raw = self.booking.customer_phone if self.booking is not None else ''
        return (phones.e164(raw, self.location.country or '') or raw) if raw else ''

    def set_payment(self, payment: dict, field: str, value) -> None:
        payment[field] = value
        self.show_balance()

    def remove_payment(self, payment: dict) -> None:
        self.payments.remove(payment)
        self.draw_payments()
        self.show_balance()

    # --- the sale -----------------------------------------------------------------------------------------------

    def sale(self) -> Sale:
        """The sale as the form stands. :raises ValidationError: an amount that is not a number"""
        percent = self._percent(self.discount.value, 'discount')
        lines, payments = self._sale_lines(), self._sale_payments()  # in this order: the first refusal is shown
        return Sale(location_id=self.location.id, booking_id=self.booking.id if self.booking else None,
                    lines=lines, discount_percent=percent, discount_reason=self.discount_reason.value or '',
                    tip_cents=self.minor(self.tip.value, 'tip') if self.tip.value else 0,
                    tip_staff_member_id=self.tip_for.value or (self.served.value if self.served else None),
                    payments=payments, gift_cards=list(self.gift_cards),
                    reward_id=self.reward.value if self.reward is not None else None,
                    code=(self.code.value or '').strip()[:24] if self.code is not None else '')

    def _sale_lines(self) -> list[SaleLine]:
        """The form's lines: a price changed at the desk and each line's own discount with their reasons.
        :raises ValidationError: a discount that is not a number (field ``lines.N.discount``)"""
        lines = []
        for number, line in enumerate(self.lines):
            off = self._percent(line['discount'], f'lines.{number}.discount')
            changed = line['price'] != line['listed']
            lines.append(SaleLine(
                service_id=line['service_id'], product_id=line['product_id'], quantity=line['quantity'],
                unit_price_cents=line['price'] if changed else None,
                price_reason='changed at the desk' if changed else '',
                discount_percent=off, discount_reason=(self.discount_reason.value or 'at the desk') if off else '',
                staff_member_id=self.served.value if self.served is not None else None))
        return lines

    def _sale_payments(self) -> list[PaymentIn]:
        """The form's payments with an amount (cash with what was tendered, a gift card with its code).
        :raises ValidationError: an amount that is not a number (field ``payments.N``)"""
        payments = []
        for number, payment in enumerate(self.payments):
            amount = self.minor(payment['amount'], f'payments.{number}') if payment['amount'] else 0
            if not amount:
                continue
            tendered = payment['tendered'] if payment['method'] == PaymentMethod.CASH.value else None
            payments.append(PaymentIn(method=PaymentMethod(payment['method']), amount_cents=amount,
                                      tendered_cents=self.minor(tendered, f'payments.{number}') if tendered else None,
                                      gift_card_code=(payment['code'] or '')[:40]
                                      if payment['method'] == PaymentMethod.GIFT_CARD.value else ''))
        return payments

    @staticmethod
    def _percent(value, field: str) -> Decimal | None:
        if value in (None, '', 0):
            return None
        try:
            return Decimal(str(value))
        except InvalidOperation:
            raise ValidationError(_('Enter a percentage.'), field=field) from None

    async def reprice(self) -> None:
        """The totals as the form stands (priced by the service, off the event loop). A refusal of the last Take
        payment stays shown until the form changes."""
        if self.changed_since_take():
            self.refused(None)
        if not self.lines and not self.gift_cards:
            self.total_due = 0
            self.totals.clear()
            self.show_balance()
            return
        try:
            sale = self.sale()
            priced = await language.io_bound(checkout.quote, sale, actor=self.user)
        except ClientPulseError as error:
            self.refused(error)
            self.taken_with = None
            return
        self.total_due = priced.total_cents + sale.tip_cents + sum(sale.gift_cards)
        for label, line in zip(self.line_totals, priced.lines, strict=False):
            label.text = money_at(line.gross_cents, self.location)  # price × quantity: they add up to the subtotal
        self.totals.clear()
        with self.totals:  # lines that add up as printed (pricing.totals)
            for line in pricing.totals(priced.lines, inclusive=bool(self.location.prices_include_tax),
                                       tip_cents=sale.tip_cents, gift_cards_cents=sum(sale.gift_cards)):
                key = 'checkout-total' if line.key == 'total' else f'checkout-sum-{line.key}' + (
                    f'-{line.name}' if line.key == 'tax' else '')
                ui.label(f'{checkout.total_words(line)} {checkout.signed(line.cents, self.money)}').classes(
                    'text-lg font-semibold' if line.key == 'total' else 'text-slate-500' if line.included else ''
                ).mark(key)
        if len(self.payments) == 1 and not self.payments[0]['tendered']:
            # one payment: the whole amount, until split
            self.payments[0]['amount'] = to_input(self.total_due, self.location.currency)
            self.draw_payments()
        self.show_balance()

    def show_balance(self) -> None:
        try:
            paid = sum(self.minor(p['amount'], 'amount') for p in self.payments if p['amount'])
            change = sum(self.minor(p['tendered'], 'tendered') - self.minor(p['amount'], 'amount')
                         for p in self.payments if p['method'] == PaymentMethod.CASH.value and p['tendered']
                         and p['amount'])
        except ValidationError:
            return
        left = self.total_due - paid
        self.left.text = (_('Change to give: {amount}').format(amount=money_at(change, self.location))
                          if change > 0 and left <= 0 else
                          _('Left to pay: {amount}').format(amount=money_at(left, self.location)) if left > 0 else
                          _('More than due by {amount}').format(amount=money_at(-left, self.location)) if left < 0
                          else _('Paid in full'))

    # --- M-Pesa from the checkout -------------------------------------------------------------------------------

    async def take_by_phone(self, sale: Sale, by_phone: list[tuple[int, dict]]) -> None:
        """Record the sale with the M-Pesa part left owing, send the prompt, and wait for the phone here."""
        number, payment = by_phone[0]
        try:
            if len(by_phone) > 1:
                raise ValidationError(_('One M-Pesa payment per checkout: put the amount on one line.'),
                                      field=f'payments.{by_phone[1][0]}')
            amount = self.minor(payment['amount'], f'payments.{number}')
            others = [p for p in sale.payments if p.method != PaymentMethod.MOBILE_MONEY]
            done = await language.io_bound(
                mobile_money.check_out_by_phone, sale.model_copy(update={'payments': others}),
                (payment['phone'] or '')[:40], amount, actor=self.user, field=f'payments.{number}')
        except ClientPulseError as error:
            self.refused(error)
            if error.field == 'phone' and number in self.phone_inputs:
                self.phone_inputs[number].error = str(error)
            self.taken_with = sale  # shown until the form changes
            return
        self.form.visible = False
        self.receipt_id, self.number = done.sale.receipt_id, done.sale.number
        self.asked_cents, self.asked_phone = amount, payment['phone'] or ''
        self.prompt_id = done.prompt.checkout_request_id if done.prompt is not None else ''
        self.phone_box.visible = True
        stop = live.on_change(self.location.id, self.heard, kinds=(events.ReceiptCreated, events.PaymentFailed))
        self.dialog.on_value_change(lambda e: None if e.value else stop())  # closed: the subscription ends
        if self.on_done:
            self.on_done()
        if done.prompt is None:
            self.show_phone(None, done.failure, done.sale.balance_cents)
        else:
            await self.ask(False)

    async def heard(self, event) -> None:
        """A payment or a failure at the location: if it may be this prompt's, read what became of it."""
        if isinstance(event, events.ReceiptCreated) and event.receipt_id != self.receipt_id:
            return
        if isinstance(event, events.PaymentFailed) and event.booking_id != (self.booking.id if self.booking else None):
            return
        if self.prompt_id and self.dialog.value:
            await self.ask(False)

    async def ask(self, query: bool) -> None:
        """Show the prompt as recorded (``query``: ask Daraja first, the desk's "Check now"). An answer about a
        prompt that is no longer the latest (sent again while this one was read) is dropped: the latest's own read
        shows it (a failed prompt's late read had put "failed" back over the new prompt's "waiting")."""
        asked = self.prompt_id
        try:
            state = await language.io_bound(mobile_money.ask_now if query else mobile_money.prompt_state,
                                            self.receipt_id, asked, actor=self.user)
        except ClientPulseError as error:
            self.phone_error = str(error)
            state = await language.io_bound(mobile_money.prompt_state, self.receipt_id, asked, actor=self.user)
        else:
            self.phone_error = ''
        if asked != self.prompt_id:
            return
        self.show_phone(state, state.reason, state.balance_cents)

    def show_phone(self, state: mobile_money.PromptState | None, failure: str, balance: int) -> None:
        """Waiting → paid / failed, as the prompt stands (None: it could not be sent, ``failure`` says why)."""
        self.phone_box.clear()
        status = state.status if state is not None else 'failed'
        with self.phone_box:
            if status == 'pending':
                with ui.row().classes('items-center gap-2'):
                    ui.spinner(size='md')
                    ui.label(_("Waiting for the customer's phone: {amount} asked of {phone}").format(
                        amount=self.money(state.amount_cents), phone=self.asked_phone)).classes(
                        'text-warning font-semibold').mark('checkout-mpesa-status')
                ui.label(_('The customer types their M-Pesa PIN on their phone; this shows the answer.')).classes(
                    'text-sm text-slate-500')
                if getattr(self, 'phone_error', ''):
                    ui.label(self.phone_error).classes('text-negative')
            elif status == 'paid':
                words = (_('Paid by M-Pesa: {amount}, M-Pesa receipt {reference}').format(
                    amount=self.money(state.amount_cents), reference=state.provider_receipt)
                    if state.provider_receipt else _('Paid by M-Pesa: {amount}').format(
                        amount=self.money(state.amount_cents)))
                ui.label(words).classes('text-positive font-semibold').mark('checkout-mpesa-status')
                ui.label(_('Receipt {number}: paid in full').format(number=self.number) if balance <= 0 else
                         _('Receipt {number}: {amount} still to pay').format(number=self.number,
                                                                            amount=self.money(balance))).mark(
                    'checkout-mpesa-balance')
            else:
                ui.label(_('M-Pesa payment failed: {why}').format(why=failure or _('no answer'))).classes(
                    'text-negative font-semibold').mark('checkout-mpesa-status')
                ui.label(_('Receipt {number}: {amount} still to pay (take it here or from Sales)').format(
                    number=self.number, amount=self.money(balance))).mark('checkout-mpesa-balance')
                with ui.row().classes('items-end gap-2'):
                    phone = ui.input(_("Customer's phone (M-Pesa)"), value=self.asked_phone).props(
                        'maxlength=40 type=tel').classes('w-48').mark('checkout-mpesa-phone')

                    async def again() -> None:
                        if self.taking:  # one prompt at a time (see :meth:`take`)
                            return
                        self.taking = True
                        resend.disable()
                        try:
                            await send_again()
                        finally:
                            self.taking = False
                            if not resend.is_deleted:  # the box is drawn anew once the new prompt is shown
                                resend.enable()

                    async def send_again() -> None:
                        asked = min(self.asked_cents, balance)
                        try:
                            prompt = await language.io_bound(mobile_money.request, self.receipt_id,
                                                             (phone.value or '')[:40], asked, actor=self.user)
                        except ClientPulseError as error:
                            phone.error = str(error)
                            return
                        self.asked_phone, self.prompt_id = phone.value or '', prompt.checkout_request_id
                        await self.ask(False)

                    resend = ui.button(_('Send again'), icon='phone_iphone', on_click=again).props('outline').mark(
                        'checkout-mpesa-again')
            with ui.row().classes('w-full justify-end gap-2'):
                if status == 'pending':
                    ui.button(_('Check now'), icon='refresh', on_click=lambda: self.ask(True)).props('flat').mark(
                        'checkout-mpesa-check')
                ui.button(_('Done') if status == 'paid' else _('Close'), on_click=self.dialog.close).mark(
                    'checkout-mpesa-close')
        if status == 'paid' and self.on_done:
            self.on_done()

    def refused(self, error: ClientPulseError | None) -> None:
        """Say why the sale is refused (None: clear it) by the Take payment button, and on the field at fault when
        it is one of the form's own (the tip, the sale's discount, a gift card's amount, the code): on a phone the
        button may be out of sight."""
        self.error.text = str(error) if error is not None else ''
        fields = {'tip': self.tip, 'discount': self.discount, 'gift_cards': self.card_amount, 'code': self.code}
        for phone in self.phone_inputs.values():
            phone.error = None
        for name, element in fields.items():
            if element is not None:
                element.error = str(error) if error is not None and error.field == name else None

    def changed_since_take(self) -> bool:
        try:
            return self.sale() != getattr(self, 'taken_with', None)
        except ClientPulseError:
            return True

    async def take(self) -> None:
        """Take the payment once: while a sale is being recorded (and an M-Pesa prompt sent, up to Daraja's
        timeout) the button is off and a second press does nothing — a walk-in has no booking whose status would
        refuse a second sale, and two prompts could both be paid."""
        if self.taking:
            return
        self.taking = True
        self.take_button.disable()
        try:
            await self._take()
        finally:
            self.taking = False
            self.take_button.enable()

    async def _take(self) -> None:
        self.refused(None)
        try:
            sale = self.sale()
        except ClientPulseError as error:
            self.refused(error)
            return
        by_phone = [(number, payment) for number, payment in enumerate(self.payments)
                    if payment['method'] == PaymentMethod.MOBILE_MONEY.value and payment['amount']]
        if by_phone and mobile_money.configured():  # M-Pesa: the prompt goes from here (else the amount is noted)
            await self.take_by_phone(sale, by_phone)
            return
        try:
            done = await language.io_bound(checkout.check_out, sale, actor=self.user)
        except ClientPulseError as error:
            self.refused(error)
            self.taken_with = sale  # shown until the form changes
            return
        self.dialog.close()
        words = [_('Receipt {number}: {amount} taken').format(number=done.number,
                                                               amount=money_at(done.paid_cents, self.location))]
        if done.change_cents:
            words.append(_('change {amount}').format(amount=money_at(done.change_cents, self.location)))
        if done.balance_cents:
            words.append(_('{amount} still to pay').format(amount=money_at(done.balance_cents, self.location)))
        words += [_('gift card code {code}').format(code=code) for code in done.gift_card_codes]
        ui.notify(' · '.join(words), type='positive', multi_line=True, timeout=0 if done.gift_card_codes else 5000,
                  close_button=_('OK') if done.gift_card_codes else False)
        if self.on_done:
            self.on_done()
