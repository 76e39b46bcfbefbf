"""Customers: search, and each customer's booking and receipt history."""

from __future__ import annotations

from nicegui import ui

from app import live
from app.models import CustomerCreate, Role
from app.pages import language, params
from app.pages.formatting import local_datetime, money_at
from app.pages.guard import PageContext, guarded_page
from app.pages.layout import field_error
from app.pages.session import FRONT_DESK
from app.services import events
from app.services.customers import customers, records
from app.services.errors import ClientPulseError, NotFoundError, validated
from app.services.frontdesk import bookings
from app.services.frontdesk.bookings import STATUS_LABELS
from app.services.money import loyalty, receipts

COLUMNS = [
    {'name': 'code', 'label': 'Code', 'field': 'code', 'align': 'left', 'sortable': True},
    {'name': 'name', 'label': 'Name', 'field': 'name', 'align': 'left', 'sortable': True},
    {'name': 'phone', 'label': 'Phone', 'field': 'phone', 'align': 'left'},
    {'name': 'email', 'label': 'Email', 'field': 'email', 'align': 'left'},
    {'name': 'tags', 'label': 'Tags', 'field': 'tags', 'align': 'left'},
    {'name': 'marketing', 'label': 'Marketing', 'field': 'marketing', 'align': 'left'},
]


def _row(customer) -> dict:
    consent = customer.consent or {}
    return {**customer.model_dump(include={'id', 'code', 'name', 'phone', 'email'}),
            'tags': ', '.join(customer.tags or []),
            'marketing': ', '.join(channel.upper() if channel == 'sms' else channel for channel in ('sms', 'email')
                                   if consent.get(channel)) or '—'}


def register() -> None:
    @guarded_page('/customers', roles=FRONT_DESK, title='Customers', icon='people')
    def customers_page(page: PageContext, q: str = '') -> None:
        user, location = page.user, page.location
        q = params.clean(q, 100)
        search = {'text': q, 'tag': ''}

        @ui.refreshable
        def results() -> None:
            found = customers.search_customers(location.id, search['text'], actor=user, tag=search['tag'])
            table = ui.table(columns=COLUMNS, rows=[_row(c) for c in found], row_key='id', pagination=20).classes(
                'w-full').props('dense flat').mark('customer-list')
            table.on('rowClick', lambda e: ui.navigate.to(f'/customers/{e.args[1]["id"]}'))
            ui.label(f'{len(found)} customers' + (' (first 200)' if len(found) == 200 else '')).classes(
                'text-sm text-slate-500')

        with ui.row().classes('items-center gap-3 w-full'):
            ui.input('Search name, code, phone or email', value=q, on_change=lambda e: (
                search.update(text=e.value or ''), results.refresh())).classes('w-96 max-w-full').mark(
                'customer-search')
            ui.select(['', *customers.tags_in_use(location.id, actor=user)], value='', label='Tag',
                      on_change=lambda e: (search.update(tag=e.value or ''), results.refresh())).classes(
                'w-40').mark('customer-tag')
            ui.space()
            ui.button('New customer', icon='person_add', on_click=lambda: _new_customer(user, location,
                                                                                          results.refresh))
        results()
        # a new customer or an import changes the list; bookings, typing and holds do not (each would have
        # re-run this session's search)
        live.on_change(location.id, lambda _e: results.refresh(),
                                kinds=(events.CustomerChanged, events.DataImported))

    @guarded_page('/customers/{customer_id}', roles=FRONT_DESK, title='Customer')
    def customer_page(page: PageContext, customer_id: str) -> None:
        user, location = page.user, page.location
        number = params.whole_number(customer_id)
        if number is None:
            raise NotFoundError('There is no such customer.')
        customer = customers.get_customer(number, actor=user)  # another location's: refused by the guard
        if customer.location_id != location.id:  # an owner looking at another location than the chosen one
            ui.label('This customer belongs to another location.').mark('not-allowed')
            return
        tz = location.time_zone
        if customer.merged_into is not None or customer.erased_at is not None:
            ui.label('This customer was merged into another or erased on request.').mark('customer-gone')
            if customer.merged_into is not None:
                ui.link('Open the customer kept', f'/customers/{customer.merged_into}')
            return
        with ui.row().classes('items-center gap-2 flex-wrap'):
            ui.label(f'{customer.name} · {customer.code}').classes('text-xl font-semibold').mark('customer-name')
            for tag in customer.tags:
                ui.badge(tag, color='secondary')
            ui.button('Edit', icon='edit', on_click=lambda: _edit(user, customer)).props('flat dense').mark(
                'customer-edit')
            ui.button('Merge a duplicate', icon='merge', on_click=lambda: _merge(user, location, customer)).props(
                'flat dense').mark('customer-merge')
            if user.role in {Role.OWNER, Role.MANAGER}:
                ui.button('Erase on request', icon='person_remove', on_click=lambda: _erase(user, customer)).props(
                    'flat dense color=negative').mark('customer-erase')
        if customer.alerts:
            with ui.row().classes('items-center gap-1 text-negative').mark('customer-alerts'):
                ui.icon('warning')
                ui.label(customer.alerts)
        ui.label(' · '.join(x for x in (customer.phone, customer.email,
                                         f'born {customer.birthday:%d %B}' if customer.birthday else '') if x)
                 or 'No contact details')
        consent = ', '.join(f'{channel} since {since}' for channel, since in (customer.consent or {}).items())
        ui.label(f'Marketing: {consent}' if consent else 'No marketing consent').classes('text-sm text-slate-500')
        if customer.notes:
            ui.label(customer.notes).classes('text-slate-500')

        @ui.refreshable
        def history() -> None:
            past = bookings.list_bookings(location.id, actor=user, customer_id=customer.id)
            sales = receipts.list_receipts(location.id, actor=user, customer_id=customer.id)
            spent = sum(r.amount_cents for r in sales)
            ui.label(f'{len(past)} bookings · {len(sales)} receipts · {money_at(spent, location)} '
                     'spent before tax').mark('customer-totals')
            ui.label('Bookings').classes('font-semibold mt-2')
            ui.table(columns=[{'name': k, 'label': k.capitalize(), 'field': k, 'align': 'left'}
                              for k in ('when', 'service', 'staff', 'status')],
                     rows=[{'id': b.id, 'when': local_datetime(b.starts_at, tz), 'service': b.service_name,
                            'staff': b.staff_name, 'status': STATUS_LABELS[b.status]} for b in reversed(past)],
                     row_key='id', pagination=10).classes('w-full').props('dense flat').mark('customer-bookings')
            points, moves = loyalty.ledger(customer.id, actor=user)
            ui.label(f'Loyalty: {points} points').classes('font-semibold mt-2').mark('customer-points')
            if moves:
                ui.table(columns=[{'name': k, 'label': k.capitalize(), 'field': k, 'align': 'left'}
                                  for k in ('when', 'kind', 'points', 'reason')],
                         rows=[{'id': m.id, 'when': local_datetime(m.at, tz), 'kind': m.kind,
                                'points': f'{m.points:+d}', 'reason': m.reason} for m in moves],
                         row_key='id', pagination=10).classes('w-full').props('dense flat').mark('customer-loyalty')
            ui.label('Receipts').classes('font-semibold mt-2')
            ui.table(columns=[{'name': k, 'label': k.capitalize(), 'field': k, 'align': 'left'}
                              for k in ('number', 'date', 'items', 'amount', 'payment')],
                     rows=[{'id': r.id, 'number': r.number, 'date': local_datetime(r.issued_at, tz)[:15],
                            'items': r.descriptions or r.kind, 'amount': money_at(r.amount_cents, location),
                            'payment': (r.payment_method.value if r.payment_method else '—').replace('_', ' ')}
                           for r in sales], row_key='id', pagination=10).classes('w-full').props(
                'dense flat').mark('customer-receipts')

        history()
        live.on_change(location.id, lambda _e: history.refresh(),
                                kinds=(events.BookingChanged, events.ReceiptCreated, events.DataImported))


def _edit(user, customer) -> None:
    with ui.dialog() as dialog, ui.card().classes('w-[32rem] max-w-full'):
        ui.label(f'Edit {customer.name}').classes('text-lg font-semibold')
        fields = {
            'name': ui.input('Name', value=customer.name).classes('w-full').mark('edit-name'),
            'phone': ui.input('Phone', value=customer.phone).classes('w-full').mark('edit-phone'),
            'email': ui.input('Email', value=customer.email).classes('w-full').mark('edit-email'),
            'birthday': ui.input('Birthday', value=customer.birthday.isoformat() if customer.birthday else '').props(
                'type=date').classes('w-full').mark('edit-birthday'),
            'alerts': ui.input('Alert on every booking (e.g. allergies)', value=customer.alerts).classes(
                'w-full').mark('edit-alerts'),
            'notes': ui.textarea('Notes', value=customer.notes).classes('w-full'),
            'tags': ui.input_chips('Tags', value=list(customer.tags)).classes('w-full').mark('edit-tags'),
        }
        with ui.row():
            sms = ui.checkbox('Agrees to marketing by SMS', value='sms' in (customer.consent or {})).mark('edit-sms')
            email = ui.checkbox('by email', value='email' in (customer.consent or {})).mark('edit-email-consent')

        async def save() -> None:
            for field in fields.values():
                field.error = None
            values = {key: field.value for key, field in fields.items()}
            values['birthday'] = values['birthday'] or None
            values['consent'] = {'sms': bool(sms.value), 'email': bool(email.value)}
            try:
                await language.io_bound(records.update_customer, customer.id, values, actor=user)
            except ClientPulseError as error:
                field_error({**fields, 'consent': fields['tags']}, error)
                return
            dialog.close()
            ui.navigate.reload()

        with ui.row().classes('w-full justify-end'):
            ui.button('Close', on_click=dialog.close).props('flat')
            ui.button('Save', on_click=save).mark('edit-save')
    dialog.open()


def _merge(user, location, customer) -> None:
    suggested = {c.id for group in records.duplicates(location.id, actor=user) if customer.id in {x.id for x in group}
                 for c in group if c.id != customer.id}
    others = {c.id: f'{"★ " if c.id in suggested else ""}{c.name} · {c.code} {c.phone}'.strip()
              for c in customers.search_customers(location.id, actor=user, limit=5000) if c.id != customer.id}
    with ui.dialog() as dialog, ui.card().classes('w-[32rem] max-w-full'):
        ui.label(f'Merge a duplicate into {customer.name}').classes('text-lg font-semibold')
        ui.label('Their bookings, receipts, chat and waitlist entries move here; the duplicate disappears. '
                 '★ marks likely duplicates (same phone or email).').classes('text-sm text-slate-500')
        other = ui.select(dict(sorted(others.items(), key=lambda kv: (not kv[1].startswith('★'), kv[1]))),
                          label='Duplicate', with_input=True).classes('w-full').mark('merge-duplicate')

        async def merge() -> None:
            if other.value is None:
                other.error = 'Choose the duplicate.'
                return
            try:
                await language.io_bound(records.merge_customers, customer.id, other.value, actor=user)
            except ClientPulseError as error:
                other.error = str(error)
                return
            dialog.close()
            ui.navigate.reload()

        with ui.row().classes('w-full justify-end'):
            ui.button('Close', on_click=dialog.close).props('flat')
            ui.button('Merge', on_click=merge).mark('merge-confirm')
    dialog.open()


def _erase(user, customer) -> None:
    with ui.dialog() as dialog, ui.card().classes('w-[28rem] max-w-full'):
        ui.label(f'Erase {customer.name}?').classes('text-lg font-semibold')
        ui.label('Their name, contact details, notes, tags, consent and chat are removed for good. Their bookings '
                 'and receipts stay, without a name, so the figures do not change.')

        async def erase() -> None:
            await language.io_bound(records.erase_customer, customer.id, actor=user)
            dialog.close()
            ui.navigate.to('/customers')

        with ui.row().classes('w-full justify-end'):
            ui.button('Keep', on_click=dialog.close).props('flat')
            ui.button('Erase', color='negative', on_click=erase).mark('erase-confirm')
    dialog.open()


def _new_customer(user, location, on_done) -> None:
    with ui.dialog() as dialog, ui.card().classes('w-96 max-w-full'):
        ui.label('New customer').classes('text-lg font-semibold')
        name = ui.input('Name').classes('w-full')
        phone = ui.input('Phone').classes('w-full')
        email = ui.input('Email').classes('w-full')

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
            ui.button('Close', on_click=dialog.close).props('flat')
            ui.button('Save', on_click=save)
    dialog.open()
