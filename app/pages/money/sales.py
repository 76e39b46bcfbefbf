"""Sales: a day's receipts at the location, each opened to print it, take what is still owed or (owners, managers)
refund some of it; the day's takings, and closing the day at the till with the cash counted. Live: a payment in
another tab shows here at once."""

from __future__ import annotations

from datetime import date, timedelta

from babel.dates import format_date
from nicegui import ui

from app import live
from app.models import LocationRead, PaymentMethod, Role, UserRead
from app.pages import language, params
from app.pages.accessibility import scrolling
from app.pages.formatting import amount_field, local_time, money_at, to_input, to_minor
from app.pages.guard import PageContext, guarded_page
from app.pages.layout import named
from app.pages.money.checkout import method_name, method_names, open_checkout
from app.pages.signed_in import FRONT_DESK
from app.services import amounts, clock, events, i18n
from app.services.errors import ClientPulseError
from app.services.i18n import N_, _, ngettext
from app.services.money import checkout, day_close, gift_cards, mobile_money, receipts
from app.services.money.checkout import PaymentIn
from app.services.money.receipt_pdf import day_close_pdf, email_receipt, line_amount, receipt_pdf, tax_words

COLUMNS = [{'name': k, 'label': label, 'field': k, 'align': 'right' if k in {'total', 'paid', 'owed'} else 'left'}
           for k, label in (('number', N_('Receipt')), ('time', N_('Time')), ('customer', N_('Customer')),
                            ('items', N_('Items')), ('total', N_('Total')), ('paid', N_('Paid')),
                            ('owed', N_('Still owed')), ('mpesa', N_('M-Pesa receipt')), ('kind', ''))]
"""The receipts table's columns (labels in English: :func:`columns` translates them)."""
KINDS = {'refund': N_('refund'), 'deposit': N_('deposit')}
"""Receipt kinds other than a sale, as the list names them."""


def columns() -> list[dict]:
    """:data:`COLUMNS` with their labels in the current language."""
    return [{**column, 'label': _(column['label']) if column['label'] else ''} for column in COLUMNS]


@guarded_page('/sales', roles=FRONT_DESK, title=N_('Sales'), icon='point_of_sale')
def sales_page(page: PageContext, day: str | None = None) -> None:
    """The Sales page for ``day`` (an ISO date, default today)."""
    shown, message = params.day(day, clock.today(page.location.time_zone))
    params.notice(message)
    _Sales(page.user, page.location, shown).build()


class _Sales:
    def __init__(self, user: UserRead, location: LocationRead, day: date) -> None:
        self.user, self.location, self.day = user, location, day
        self.managing = user.role in (Role.OWNER, Role.MANAGER)
        self.dialogs = ui.element('div')

    def build(self) -> None:
        with ui.row().classes('items-center gap-2'):
            named(ui.button(icon='chevron_left', on_click=lambda: self.go(self.day - timedelta(days=1))).props(
                'flat dense'), _('Previous day'))
            ui.label(format_date(self.day, 'EEEE dd MMMM y', locale=i18n.locale_for(self.location.locale))).classes(
                'text-xl font-semibold').mark('sales-day')
            named(ui.button(icon='chevron_right', on_click=lambda: self.go(self.day + timedelta(days=1))).props(
                'flat dense'), _('Next day'))
            ui.space()
            ui.button(_('Day report (PDF)'), icon='print', on_click=self.day_report).props('flat').mark('day-report')
            ui.button(_('Export the day (CSV)'), icon='download', on_click=self.sales_export).props('flat').mark(
                'sales-export')
            ui.button(_('Sale'), icon='point_of_sale', on_click=self.sale).mark('sales-new')
        self.table = scrolling(ui.table(columns=columns(), rows=[], row_key='id').classes('w-full').props(
            'dense flat').mark('sales-list'), _('Sales'))
        self.table.on('rowClick', lambda e: self.open(e.args[1]['id']))
        self.summary = ui.column().classes('w-full max-w-3xl gap-1').mark('sales-summary')
        with ui.row().classes('items-end gap-2 mt-2'):
            code = ui.input(_('Gift card code')).classes('w-56').mark('gift-check-code')
            shown = ui.label().mark('gift-check-balance')

            async def check() -> None:
                try:
                    card = await language.io_bound(gift_cards.balance, self.location.id, code.value or '',
                                                   actor=self.user)
                except ClientPulseError as error:
                    code.error, shown.text = str(error), ''
                    return
                code.error = None
                shown.text = _('{code}: {left} left of {initial}').format(
                    code=card.code, left=money_at(card.balance_cents, self.location),
                    initial=money_at(card.initial_cents, self.location))

            ui.button(_('Check balance'), icon='card_giftcard', on_click=check).props('flat').mark('gift-check')
        self.refresh()
        live.on_change(self.location.id, lambda _e: self.refresh(), kinds=(events.ReceiptCreated,))

    def go(self, day: date) -> None:
        ui.navigate.to(f'/sales?day={day.isoformat()}')

    async def day_report(self) -> None:
        pdf = await language.io_bound(day_close_pdf, self.location.id, self.day, actor=self.user)
        ui.download(pdf, f'day-{self.day.isoformat()}.pdf', 'application/pdf')

    async def sales_export(self) -> None:
        start, end = clock.day_bounds(self.day, self.location.time_zone)
        data = await language.io_bound(receipts.sales_csv, self.location.id, start, end, actor=self.user)
        ui.download(data, f'sales-{self.day.isoformat()}.csv', 'text/csv')

    def sale(self) -> None:
        self.dialogs.clear()
        with self.dialogs:
            open_checkout(self.user, self.location, on_done=self.refresh)

    def refresh(self) -> None:
        start, end = clock.day_bounds(self.day, self.location.time_zone)
        listed = receipts.list_receipts(self.location.id, actor=self.user, start=start, end=end)
        rows = []
        for r in listed:
            legacy = r.total_cents is None  # history: paid in full, before tax as exported
            total = r.amount_cents + amounts.minor_of(r.tax, self.location.currency) if legacy else r.total_cents
            rows.append({'id': r.id, 'number': r.number, 'time': local_time(r.issued_at, self.location.time_zone),
                         'customer': r.customer_name or _('Walk-in'), 'items': r.descriptions,
                         'total': money_at(total, self.location),
                         'paid': money_at(total if legacy else r.paid_cents, self.location),
                         'owed': money_at(total - r.paid_cents, self.location)
                         if r.kind == 'sale' and r.total_cents is not None and total > r.paid_cents else '',
                         'mpesa': ' '.join(r.mpesa_receipts),
                         'kind': _(KINDS[r.kind]) if r.kind in KINDS else ''})
        self.table.rows = rows
        self.show_summary()

    def show_summary(self) -> None:
        figures = day_close.summary(self.location.id, self.day, actor=self.user)
        money = lambda cents: money_at(cents, self.location)  # noqa: E731
        self.summary.clear()
        with self.summary, ui.card().classes('w-full'):
            ui.label(_('The day at the till')).classes('font-semibold')
            with ui.grid(columns=2).classes('gap-x-8 gap-y-0'):
                for label, value, mark in (
                        (_('Sales'), str(figures.receipts), 'day-receipts'),
                        (_('Before tax (after discounts and refunds)'), money(figures.net_cents), 'day-net'),
                        (_('Tax'), money(figures.tax_cents), 'day-tax'),
                        *((_('Paid by {method}').format(method=method_name(m).lower()), money(c), f'day-{m}')
                          for m, c in sorted(figures.payments.items())),
                        (_('Refunds'), money(figures.refunds_cents), 'day-refunds'),
                        *((_('Tips for {name}').format(name=day_close.tip_name(name)), money(c), f'day-tip-{name}')
                          for name, c in figures.tips.items()),
                        (_("Still owed on the day's sales"), money(figures.balance_cents), 'day-owed'),
                        (_('Cash the till should hold (beyond its float)'), money(figures.expected_cash_cents),
                         'day-expected-cash')):
                    ui.label(label)
                    ui.label(value).classes('text-right').mark(mark)
            if figures.earlier_receipts:
                ui.label(_('Payments for earlier receipts')).classes('font-semibold mt-2')
                for late in figures.earlier_receipts:
                    ui.label(day_close.earlier_receipt_note(late, money, self.location.locale)).classes(
                        'text-sm').mark('day-earlier')
            for late in figures.confirmed_after_close:
                ui.label(day_close.after_close_note(late, money, self.location.locale)).classes('text-sm').mark(
                    'day-after-close')
            if figures.closed:
                difference = (figures.counted_cash_cents or 0) - figures.expected_cash_cents
                counted = money(figures.counted_cash_cents or 0)
                gap = money(abs(difference))
                ui.label(_('Closed: {counted} counted, {difference} over').format(counted=counted, difference=gap)
                         if difference > 0 else
                         _('Closed: {counted} counted, {difference} short').format(counted=counted, difference=gap)
                         if difference < 0 else
                         _('Closed: {counted} counted, as expected').format(counted=counted)).classes(
                    'font-semibold').mark('day-closed')
            elif self.managing:
                with ui.row().classes('items-end gap-2'):
                    counted = ui.number(_('Cash counted'), min=0, **amount_field(self.location.currency)).classes(
                        'w-40').mark('day-counted')
                    note = ui.input(_('Note')).classes('w-64')

                    async def close() -> None:
                        try:
                            cash = to_minor(counted.value, 'counted', self.location.currency)
                            await language.io_bound(lambda: day_close.close_day(
                                self.location.id, self.day, cash, actor=self.user, note=note.value or ''))
                        except ClientPulseError as error:
                            counted.error = str(error)
                            return
                        ui.notify(_('Day closed.'), type='positive')
                        self.show_summary()

                    ui.button(_('Close the day'), icon='lock', on_click=close).mark('day-close')

    def open(self, receipt_id) -> None:
        number = params.whole_number(str(receipt_id))
        if number is None:
            return
        try:
            shown = checkout.receipt_details(number, actor=self.user)
        except ClientPulseError as error:
            ui.notify(str(error), type='negative')
            return
        self.dialogs.clear()
        with self.dialogs, ui.dialog(value=True) as dialog, ui.card().classes('w-[36rem] max-w-full'):
            _ReceiptView(self, shown, dialog).build()


class _ReceiptView:
    """One receipt: its lines and payments, print, take what is owed, refund (owners, managers)."""

    def __init__(self, page: _Sales, shown: checkout.ReceiptShown, dialog: ui.dialog) -> None:
        self.page, self.shown, self.dialog = page, shown, dialog
        self.location, self.user = page.location, page.user

    def money(self, cents: int) -> str:
        return money_at(cents, self.location)

    def build(self) -> None:
        shown = self.shown
        self.heading()
        self.back: dict[int, ui.number] = {}
        for line in shown.lines:
            self.line_row(line)
        self.totals()
        self.payments()
        self.send_row()
        self.prompts = ui.column().classes('gap-0').mark('mpesa-prompts')
        self.show_prompts()
        if shown.balance_cents > 0:
            self.take_balance()
            self.mpesa_form()
        if self.back:
            self.refund_form()

    def heading(self) -> None:
        """The receipt's (or refund's) number and customer, the tax words of a sale, the receipt a refund is of."""
        shown = self.shown
        title = _('Refund {number} · {customer}') if shown.kind == 'refund' else _('Receipt {number} · {customer}')
        ui.label(title.format(number=shown.number, customer=shown.customer_name or _('Walk-in'))).classes(
            'text-lg font-semibold').mark('receipt-title')
        taxed = tax_words(self.location)
        if taxed and shown.kind == 'sale':
            ui.label(' · '.join(taxed)).classes('text-sm font-semibold').mark('receipt-tax-words')
        if shown.refund_of:
            ui.label(_('Of receipt {number}: {reason}').format(number=shown.refund_of, reason=shown.reason))

    def line_row(self, line: checkout.LineShown) -> None:
        """One line: quantity, description, what was brought back, its amount and (for a refund) how many come back
        (into :attr:`back`)."""
        shown = self.shown
        with ui.row().classes('w-full items-center gap-2 no-wrap'):
            ui.label(f'{line.quantity} × {line.description}').classes('flex-1')
            if line.returned:
                ui.label(ngettext('{n} brought back', '{n} brought back', line.returned).format(
                    n=line.returned)).classes('text-xs text-slate-500')
            ui.label(self.money(line_amount(line, shown)))
            left = line.quantity - line.returned
            if self.page.managing and shown.kind == 'sale' and left > 0 and shown.refundable_cents > 0:
                self.back[line.id] = ui.number(_('Back'), value=0, min=0, max=left, format='%d').classes(
                    'w-20').mark(f'refund-{line.description}')

    def totals(self) -> None:
        """A sale's lines that add up as printed (pricing.totals)."""
        with ui.column().classes('w-full gap-0 items-end').mark('receipt-totals'):
            for total in self.shown.totals:
                ui.label(f'{checkout.total_words(total)} {checkout.signed(total.cents, self.money)}').classes(
                    'font-semibold' if total.key == 'total' else 'text-slate-500' if total.included else '').mark(
                    f'receipt-{total.key}')

    def payments(self) -> None:
        """Each payment (with its M-Pesa receipt), and the tip when no totals say it."""
        shown = self.shown
        for number, ((method, amount, _tendered), reference) in enumerate(zip(
                shown.payments, shown.payment_refs or [''] * len(shown.payments), strict=True)):
            words = f'{method_name(method)}: {self.money(amount)}'
            if reference:
                words += ' · ' + _('M-Pesa receipt {reference}').format(reference=reference)
            ui.label(words).classes('text-sm text-slate-600').mark(f'receipt-payment-{number}')
        if shown.tip_cents and not shown.totals:
            ui.label(_('Tip {amount}').format(amount=self.money(shown.tip_cents))).classes('text-sm text-slate-600')

    def send_row(self) -> None:
        """The receipt as a PDF, or by e-mail to the address typed (the customer's at first)."""
        with ui.row().classes('w-full gap-2 items-end'):
            ui.button(_('Receipt (PDF)'), icon='print', on_click=self.download).props('flat').mark('receipt-pdf')
            address = ui.input(_('E-mail to'), value=self.shown.customer_email).classes('w-56').mark('receipt-email')

            async def mail_it() -> None:
                try:
                    sent = await language.io_bound(lambda: email_receipt(self.shown.id, address.value or '',
                                                                    actor=self.user))
                except ClientPulseError as error:
                    address.error = str(error)
                    return
                except OSError:
                    address.error = _('The mail server could not be reached; try again later.')
                    return
                ui.notify(_('Receipt sent to {address}.').format(address=sent), type='positive')

            ui.button(_('E-mail'), icon='mail', on_click=mail_it).props('flat').mark('receipt-send')

    async def download(self) -> None:
        pdf = await language.io_bound(receipt_pdf, self.shown.id, actor=self.user)
        ui.download(pdf, f'receipt-{self.shown.number}.pdf', 'application/pdf')

    def take_balance(self) -> None:
        ui.label(_('Still owed: {amount}').format(amount=self.money(self.shown.balance_cents))).classes(
            'font-semibold').mark('receipt-owed')
        with ui.row().classes('items-end gap-2'):
            method = ui.select(method_names(), value=PaymentMethod.CARD.value).classes('w-36')
            amount = ui.number(_('Amount'), value=to_input(self.shown.balance_cents, self.location.currency), min=0,
                               **amount_field(self.location.currency)).classes('w-28')

            async def take() -> None:
                try:
                    await language.io_bound(lambda: checkout.add_payment(self.shown.id, PaymentIn(
                        method=PaymentMethod(method.value),
                        amount_cents=to_minor(amount.value, 'amount', self.location.currency)),
                        actor=self.user))
                except (ClientPulseError, ValueError) as error:
                    amount.error = str(error)
                    return
                self.dialog.close()
                ui.notify(_('Payment taken.'), type='positive')
                self.page.refresh()

            ui.button(_('Take it'), on_click=take).mark('receipt-take-balance')

    def show_prompts(self) -> None:
        """The receipt's M-Pesa prompts and what became of each (live: redrawn when a payment or failure is heard)."""
        self.prompts.clear()
        with self.prompts:
            for prompt in mobile_money.prompts_of(self.shown.id, actor=self.user):
                amount = self.money(prompt.amount_cents)
                if prompt.status == 'pending':
                    text = _("Waiting for the customer's phone · {amount}").format(amount=amount)
                elif prompt.status == 'paid' and prompt.provider_receipt:
                    text = _('M-Pesa: paid ({receipt}) · {amount}').format(receipt=prompt.provider_receipt,
                                                                           amount=amount)
                elif prompt.status == 'paid':
                    text = _('M-Pesa: paid · {amount}').format(amount=amount)
                else:
                    text = _('M-Pesa: failed — {why} · {amount}').format(
                        why=mobile_money.result_words(prompt.result_code, prompt.result_desc), amount=amount)
                ui.label(text).classes(
                    'text-sm' + (' text-warning' if prompt.status == 'pending' else ''))

    def mpesa_form(self) -> None:
        with ui.row().classes('items-end gap-2'):
            phone = ui.input(_("Customer's phone (M-Pesa)")).classes('w-48').mark('mpesa-phone')
            whole = int(amounts.to_major(self.shown.balance_cents, self.location.currency))  # M-Pesa: whole units
            amount = ui.number(_('Amount'), value=whole, min=1, format='%d').classes(
                'w-28').mark('mpesa-amount')

            async def send() -> None:
                try:
                    await language.io_bound(lambda: mobile_money.request(
                        self.shown.id, phone.value or '', to_minor(amount.value, 'amount', self.location.currency),
                        actor=self.user))
                except ClientPulseError as error:
                    (phone if error.field == 'phone' else amount).error = str(error)
                    return
                self.show_prompts()

            ui.button(_('Send M-Pesa prompt'), icon='phone_iphone', on_click=send).props('outline').mark('mpesa-send')

        def heard(_event) -> None:
            if self.dialog.value:
                self.show_prompts()

        stop = live.on_change(self.location.id, heard, kinds=(events.ReceiptCreated, events.PaymentFailed))
        self.dialog.on_value_change(lambda e: None if e.value else stop())  # closed: the subscription ends

    def refund_form(self) -> None:
        ui.label(_('Refund (up to {amount})').format(amount=self.money(self.shown.refundable_cents))).classes(
            'font-semibold mt-2')
        with ui.row().classes('items-end gap-2'):
            method = ui.select(method_names(), value=PaymentMethod.CARD.value, label=_('Back by')).classes('w-36').mark(
                'refund-method')
            reason = ui.input(_('Why')).classes('w-56').mark('refund-reason')
            card = ui.input(_('Gift card code')).classes('w-48').mark('refund-card')
            card.bind_visibility_from(method, 'value', value=PaymentMethod.GIFT_CARD.value)

            async def give_back() -> None:
                quantities = {line_id: int(box.value or 0) for line_id, box in self.back.items()}
                try:
                    done = await language.io_bound(lambda: checkout.refund(
                        self.shown.id, quantities, method=PaymentMethod(method.value), reason=reason.value or '',
                        actor=self.user, gift_card_code=(card.value or '')[:40]))
                except ClientPulseError as error:
                    reason.error = str(error)
                    return
                self.dialog.close()
                ui.notify(_('Refund {number}: {amount} back.').format(
                    number=done.number, amount=self.money(done.total_cents)), type='positive')
                self.page.refresh()

            ui.button(_('Refund'), color='negative', on_click=give_back).mark('refund-give')
