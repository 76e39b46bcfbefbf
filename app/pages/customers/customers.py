"""Customers: search, and each customer's booking and receipt history."""

from __future__ import annotations

from babel.dates import format_date
from nicegui import ui

from app import live
from app.models import CustomerCreate, Role
from app.pages import dates, language, params
from app.pages.accessibility import scrolling
from app.pages.customers.own_data import export_button
from app.pages.customers.picker import CustomerPicker
from app.pages.formatting import local_date, local_datetime, money_at
from app.pages.guard import PageContext, guarded_page
from app.pages.layout import field_error
from app.pages.signed_in import FRONT_DESK
from app.services import events, i18n
from app.services.customers import customers, records
from app.services.errors import ClientPulseError, NotFoundError, validated
from app.services.frontdesk import bookings
from app.services.frontdesk.bookings import STATUS_LABELS
from app.services.i18n import N_, _, ngettext
from app.services.money import loyalty, receipts

COLUMNS = [
    {'name': 'code', 'label': N_('Code'), 'field': 'code', 'align': 'left', 'sortable': True},
    {'name': 'name', 'label': N_('Name'), 'field': 'name', 'align': 'left', 'sortable': True},
    {'name': 'phone', 'label': N_('Phone'), 'field': 'phone', 'align': 'left'},
    {'name': 'email', 'label': N_('Email'), 'field': 'email', 'align': 'left'},
    {'name': 'tags', 'label': N_('Tags'), 'field': 'tags', 'align': 'left'},
    {'name': 'marketing', 'label': N_('Marketing'), 'field': 'marketing', 'align': 'left'},
]
"""The customer list's columns (labels translated where shown: :func:`_columns`)."""
CHANNEL_NAMES = {'sms': N_('SMS'), 'email': N_('email')}
"""A consent channel as the page writes it (translated where shown)."""
HISTORY_LABELS = {'when': N_('When'), 'service': N_('Service'), 'staff': N_('Staff'), 'status': N_('Status'),
                  'kind': N_('Kind'), 'points': N_('Points'), 'reason': N_('Reason'), 'number': N_('Number'),
                  'date': N_('Date'), 'items': N_('Items'), 'amount': N_('Amount'), 'payment': N_('Payment')}
"""The history tables' column labels (translated where shown)."""


PAYMENT_NAMES = {'cash': N_('Cash'), 'card': N_('Card'), 'mobile_money': N_('Mobile money'),
                 'gift_card': N_('Gift card')}
LOYALTY_KINDS = {'earned': N_('earned'), 'adjusted': N_('adjusted'), 'redeemed': N_('redeemed'),
                 'expired': N_('expired')}
RECEIPT_KINDS = {'sale': N_('sale'), 'refund': N_('refund')}


def _named(names: dict[str, str], code: str | None) -> str:
    """A stored code by its name in the reader's language (an unknown one: as stored, ``_`` as spaces)."""
    if not code:
        return '—'
    return _(names[code]) if code in names else code.replace('_', ' ')


def _columns(*keys: str) -> list[dict]:
    return [{'name': k, 'label': _(HISTORY_LABELS[k]), 'field': k, 'align': 'left'} for k in keys]


def _row(customer) -> dict:
    consent = customer.consent or {}
    return {**customer.model_dump(include={'id', 'code', 'name', 'phone', 'email'}),
            'tags': ', '.join(customer.tags or []),
            'marketing': ', '.join(_(CHANNEL_NAMES[channel]) for channel in ('sms', 'email')
                                   if consent.get(channel)) or '—'}


@guarded_page('/customers', roles=FRONT_DESK, title=N_('Customers'), icon='people')
def customers_page(page: PageContext, q: str = '') -> None:
    """The Customers page: search (``q``), tag filter and a new customer."""
    user, location = page.user, page.location
    q = params.clean(q, 100)
    search = {'text': q, 'tag': ''}

    @ui.refreshable
    def results() -> None:
        found = customers.search_customers(location.id, search['text'], actor=user, tag=search['tag'])
        table = scrolling(ui.table(columns=[{**c, 'label': _(c['label'])} for c in COLUMNS],
                                   rows=[_row(c) for c in found], row_key='id', pagination=20).classes(
            'w-full').props('dense flat').mark('customer-list'), _('Customers'))
        table.on('rowClick', lambda e: ui.navigate.to(f'/customers/{e.args[1]["id"]}'))
        ui.label(_('{n} customers (first {n})').format(n=len(found)) if len(found) == 200 else ngettext(
            '{n} customer', '{n} customers', len(found)).format(n=len(found))).classes(
            'text-sm text-slate-500').mark('customer-count')

    with ui.row().classes('items-center gap-3 w-full'):
        ui.input(_('Search name, code, phone or email'), value=q, on_change=lambda e: (
            search.update(text=e.value or ''), results.refresh())).classes('w-96 max-w-full').mark(
            'customer-search')
        ui.select(['', *customers.tags_in_use(location.id, actor=user)], value='', label=_('Tag'),
                  on_change=lambda e: (search.update(tag=e.value or ''), results.refresh())).classes(
            'w-40').mark('customer-tag')
        ui.space()
        ui.button(_('New customer'), icon='person_add', on_click=lambda: _new_customer(user, location,
                                                                                      results.refresh))
    results()
    # a new customer or an import changes the list; bookings, typing and holds do not (each would have
    # re-run this tab's search)
    live.on_change(location.id, lambda _e: results.refresh(),
                            kinds=(events.CustomerChanged, events.DataImported))


@guarded_page('/customers/{customer_id}', roles=FRONT_DESK, title=N_('Customer'))
def customer_page(page: PageContext, customer_id: str) -> None:
    """One customer (``customer_id``): details, history and actions."""
    user, location = page.user, page.location
    number = params.whole_number(customer_id)
    if number is None:
        raise NotFoundError(_('There is no such customer.'))
    customer = customers.get_customer(number, actor=user)  # another location's: refused by the guard
    if customer.location_id != location.id:  # an owner looking at another location than the chosen one
        ui.label(_('This customer belongs to another location.')).mark('not-allowed')
        return
    tz = location.time_zone
    if customer.merged_into is not None or customer.erased_at is not None:
        ui.label(_('This customer was merged into another or erased on request.')).mark('customer-gone')
        if customer.merged_into is not None:
            ui.link(_('Open the customer kept'), f'/customers/{customer.merged_into}')
        return
    with ui.row().classes('items-center gap-2 flex-wrap'):
        ui.label(f'{customer.name} · {customer.code}').classes('text-xl font-semibold').mark('customer-name')
        for tag in customer.tags:
            ui.badge(tag, color='secondary')
        ui.button(_('Edit'), icon='edit', on_click=lambda: _edit(user, customer, location.locale)).props(
            'flat dense').mark('customer-edit')
        ui.button(_('Merge a duplicate'), icon='merge', on_click=lambda: _merge(user, location, customer)).props(
            'flat dense').mark('customer-merge')
        if user.role in {Role.OWNER, Role.MANAGER}:
            export_button(user, customer)  # issue 31: their own data (GDPR art. 15, Kenya DPA s. 26)
            ui.button(_('Erase on request'), icon='person_remove', on_click=lambda: _erase(user, customer)).props(
                'flat dense color=negative').mark('customer-erase')
    if customer.alerts:
        with ui.row().classes('items-center gap-1 text-negative').mark('customer-alerts'):
            ui.icon('warning')
            ui.label(customer.alerts)
    born = _('born {day}').format(day=_birthday(customer.birthday, location.locale)) if customer.birthday else ''
    ui.label(' · '.join(x for x in (customer.phone, customer.email, born) if x)
             or _('No contact details')).mark('customer-contact')
    consent = ', '.join(_('{channel} since {day}').format(channel=_(CHANNEL_NAMES.get(channel, channel)), day=since)
                        for channel, since in (customer.consent or {}).items())
    ui.label(_('Marketing: {consent}').format(consent=consent) if consent else _('No marketing consent')).classes(
        'text-sm text-slate-500').mark('customer-consent')
    if customer.notes:
        ui.label(customer.notes).classes('text-slate-500')

    @ui.refreshable
    def history() -> None:
        past = bookings.list_bookings(location.id, actor=user, customer_id=customer.id)
        sales = receipts.list_receipts(location.id, actor=user, customer_id=customer.id)
        spent = sum(r.amount_cents for r in sales)
        ui.label(' · '.join((ngettext('{n} booking', '{n} bookings', len(past)).format(n=len(past)),
                             ngettext('{n} receipt', '{n} receipts', len(sales)).format(n=len(sales)),
                             _('{amount} spent before tax').format(amount=money_at(spent, location))))).mark(
            'customer-totals')
        ui.label(_('Bookings')).classes('font-semibold mt-2')
        ui.table(columns=_columns('when', 'service', 'staff', 'status'),
                 rows=[{'id': b.id, 'when': local_datetime(b.starts_at, tz), 'service': b.service_name,
                        'staff': b.staff_name, 'status': _(STATUS_LABELS[b.status])} for b in reversed(past)],
                 row_key='id', pagination=10).classes('w-full').props('dense flat').mark('customer-bookings')
        points, moves = loyalty.ledger(customer.id, actor=user)
        ui.label(ngettext('Loyalty: {n} point', 'Loyalty: {n} points', points).format(n=points)).classes(
            'font-semibold mt-2').mark('customer-points')
        if moves:
            ui.table(columns=_columns('when', 'kind', 'points', 'reason'),
                     rows=[{'id': m.id, 'when': local_datetime(m.at, tz), 'kind': _named(LOYALTY_KINDS, m.kind),
                            'points': f'{m.points:+d}', 'reason': m.reason} for m in moves],
                     row_key='id', pagination=10).classes('w-full').props('dense flat').mark('customer-loyalty')
        ui.label(_('Receipts')).classes('font-semibold mt-2')
        ui.table(columns=_columns('number', 'date', 'items', 'amount', 'payment'),
                 rows=[{'id': r.id, 'number': r.number,
                        'date': local_date(r.issued_at, tz, i18n.locale_for(location.locale), 'EEE d MMM y'),
                        'items': r.descriptions or _named(RECEIPT_KINDS, r.kind),
                        'amount': money_at(r.amount_cents, location),
                        'payment': _paid_by(r, location)}
                       for r in sales], row_key='id', pagination=10).classes('w-full').props(
            'dense flat').mark('customer-receipts')

    history()
    live.on_change(location.id, lambda _e: history.refresh(),
                            kinds=(events.BookingChanged, events.ReceiptCreated, events.DataImported))


def _paid_by(receipt, location) -> str:
    """Every method of a receipt's payment with the amount as paid (``Cash $5.00 + Mobile money $10.00 (QK…)``);
    history without payments: its one method."""
    if not receipt.paid_by:
        return _named(PAYMENT_NAMES, receipt.payment_method.value if receipt.payment_method else None)
    words = ' + '.join(f'{_named(PAYMENT_NAMES, method)} {money_at(cents, location)}'
                       for method, cents in receipt.paid_by)
    return words + (f' ({", ".join(receipt.mpesa_receipts)})' if receipt.mpesa_receipts else '')


_PREFERENCES = {'': N_('No preference'), 'sms': N_('SMS'), 'email': N_('E-mail')}
"""How a customer prefers to hear from the shop (as the desk's booking dialog offers it)."""


def _edit(user, customer, formats: str) -> None:
    with ui.dialog() as dialog, ui.card().classes('w-[32rem] max-w-full'):
        ui.label(_('Edit {name}').format(name=customer.name)).classes('text-lg font-semibold')
        fields = {
            'name': ui.input(_('Name'), value=customer.name).classes('w-full').mark('edit-name'),
            'phone': ui.input(_('Phone'), value=customer.phone).classes('w-full').mark('edit-phone'),
            'email': ui.input(_('Email'), value=customer.email).classes('w-full').mark('edit-email'),
            'birthday': dates.date_input(_('Birthday'), customer.birthday, locale=formats).classes('w-full').mark(
                'edit-birthday'),
            'alerts': ui.input(_('Alert on every booking (e.g. allergies)'), value=customer.alerts).classes(
                'w-full').mark('edit-alerts'),
            'notes': ui.textarea(_('Notes'), value=customer.notes).classes('w-full'),
            'tags': ui.input_chips(_('Tags'), value=list(customer.tags)).classes('w-full').mark('edit-tags'),
        }
        preferred = ui.select({key: _(words) for key, words in _PREFERENCES.items()},
                              value=customer.preferred_channel or '', label=_('Messages by')).classes('w-40').mark(
            'edit-preferred')
        with ui.row():
            sms = ui.checkbox(_('Agrees to marketing by SMS'), value='sms' in (customer.consent or {})).mark('edit-sms')
            email = ui.checkbox(_('by email'), value='email' in (customer.consent or {})).mark('edit-email-consent')

        async def save() -> None:
            for field in fields.values():
                field.error = None
            values = {key: field.value for key, field in fields.items()}
            values['birthday'] = values['birthday'] or None
            values['consent'] = {'sms': bool(sms.value), 'email': bool(email.value)}
            values['preferred_channel'] = preferred.value or ''
            try:
                await language.io_bound(records.update_customer, customer.id, values, actor=user)
            except ClientPulseError as error:
                field_error({**fields, 'consent': fields['tags']}, error)
                return
            dialog.close()
            ui.navigate.reload()

        with ui.row().classes('w-full justify-end'):
            ui.button(_('Close'), on_click=dialog.close).props('flat')
            ui.button(_('Save'), on_click=save).mark('edit-save')
    dialog.open()


def _merge(user, location, customer) -> None:
    likely = {c.id: c for group in records.duplicates(location.id, actor=user) if customer.id in {x.id for x in group}
              for c in group if c.id != customer.id}
    with ui.dialog() as dialog, ui.card().classes('w-[32rem] max-w-full'):
        ui.label(_('Merge a duplicate into {name}').format(name=customer.name)).classes('text-lg font-semibold')
        ui.label(_('Their bookings, receipts, chat and waitlist entries move here; the duplicate disappears. '
                   '★ marks likely duplicates (same phone or email).')).classes('text-sm text-slate-500')
        other = CustomerPicker(user, location.id, label=_('Duplicate'), exclude=frozenset({customer.id}),
                               first=list(likely.values()), mark=lambda c: '★ ' if c.id in likely else '').classes(
            'w-full').mark('merge-duplicate')

        async def merge() -> None:
            if other.value is None:
                other.error = _('Choose the duplicate.')
                return
            try:
                await language.io_bound(records.merge_customers, customer.id, other.value, actor=user)
            except ClientPulseError as error:
                other.error = str(error)
                return
            dialog.close()
            ui.navigate.reload()

        with ui.row().classes('w-full justify-end'):
            ui.button(_('Close'), on_click=dialog.close).props('flat')
            ui.button(_('Merge'), on_click=merge).mark('merge-confirm')
    dialog.open()


def _erase(user, customer) -> None:
    with ui.dialog() as dialog, ui.card().classes('w-[28rem] max-w-full'):
        ui.label(_('Erase {name}?').format(name=customer.name)).classes('text-lg font-semibold')
        ui.label(_('Their name, contact details, notes, tags, consent and chat are removed for good. Their bookings '
                   'and receipts stay, without a name, so the figures do not change.'))

        async def erase() -> None:
            await language.io_bound(records.erase_customer, customer.id, actor=user)
            dialog.close()
            ui.navigate.to('/customers')

        with ui.row().classes('w-full justify-end'):
            ui.button(_('Keep'), on_click=dialog.close).props('flat')
            ui.button(_('Erase'), color='negative', on_click=erase).mark('erase-confirm')
    dialog.open()


def _new_customer(user, location, on_done) -> None:
    with ui.dialog() as dialog, ui.card().classes('w-96 max-w-full'):
        ui.label(_('New customer')).classes('text-lg font-semibold')
        name = ui.input(_('Name')).classes('w-full')
        phone = ui.input(_('Phone')).classes('w-full')
        email = ui.input(_('Email')).classes('w-full')

        def save() -> None:
            try:
                customers.create_customer(validated(CustomerCreate, location_id=location.id, name=name.value or '',
                                                    phone=phone.value or '', email=email.value or ''), actor=user)
            except ClientPulseError as error:
                field_error({'name': name, 'code': name, 'phone': phone, 'email': email}, error)
                return
            dialog.close()
            on_done()

        with ui.row().classes('w-full justify-end'):
            ui.button(_('Close'), on_click=dialog.close).props('flat')
            ui.button(_('Save'), on_click=save)
    dialog.open()


def _birthday(day, locale: str) -> str:
    """``4 March`` in the reader's language (the year is nobody's business here)."""
    try:
        return format_date(day, 'd MMMM', locale=i18n.locale_for(locale))
    except (ValueError, LookupError):
        return f'{day:%d %B}'
