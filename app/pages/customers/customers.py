"""Customers: search, and each customer's booking and receipt history."""

from __future__ import annotations

from nicegui import ui

from app import live
from app.models import CustomerCreate
from app.pages import params
from app.pages.formatting import local_datetime, money
from app.pages.guard import PageContext, guarded_page
from app.pages.layout import field_error
from app.pages.session import FRONT_DESK
from app.services import events
from app.services.customers import customers
from app.services.errors import ClientPulseError, NotFoundError, validated
from app.services.frontdesk import bookings
from app.services.frontdesk.bookings import STATUS_LABELS
from app.services.money import receipts

COLUMNS = [
    {'name': 'code', 'label': 'Code', 'field': 'code', 'align': 'left', 'sortable': True},
    {'name': 'name', 'label': 'Name', 'field': 'name', 'align': 'left', 'sortable': True},
    {'name': 'phone', 'label': 'Phone', 'field': 'phone', 'align': 'left'},
    {'name': 'email', 'label': 'Email', 'field': 'email', 'align': 'left'},
]


def register() -> None:
    @guarded_page('/customers', roles=FRONT_DESK, title='Customers', icon='people')
    def customers_page(page: PageContext, q: str = '') -> None:
        user, location = page.user, page.location
        q = params.clean(q, 100)
        search = {'text': q}

        @ui.refreshable
        def results() -> None:
            found = customers.search_customers(location.id, search['text'], actor=user)
            table = ui.table(columns=COLUMNS, rows=[c.model_dump(include={'id', 'code', 'name', 'phone', 'email'})
                                                    for c in found], row_key='id', pagination=20).classes(
                'w-full').props('dense flat').mark('customer-list')
            table.on('rowClick', lambda e: ui.navigate.to(f'/customers/{e.args[1]["id"]}'))
            ui.label(f'{len(found)} customers' + (' (first 200)' if len(found) == 200 else '')).classes(
                'text-sm text-slate-500')

        with ui.row().classes('items-center gap-3 w-full'):
            ui.input('Search name, code, phone or email', value=q, on_change=lambda e: (
                search.update(text=e.value or ''), results.refresh())).classes('w-96 max-w-full').mark(
                'customer-search')
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
        ui.label(f'{customer.name} · {customer.code}').classes('text-xl font-semibold').mark('customer-name')
        ui.label(' · '.join(x for x in (customer.phone, customer.email) if x) or 'No contact details')
        if customer.notes:
            ui.label(customer.notes).classes('text-slate-500')

        @ui.refreshable
        def history() -> None:
            past = bookings.list_bookings(location.id, actor=user, customer_id=customer.id)
            sales = receipts.list_receipts(location.id, actor=user, customer_id=customer.id)
            spent = sum(r.amount_cents for r in sales)
            ui.label(f'{len(past)} bookings · {len(sales)} receipts · {money(spent, location.currency)} '
                     'spent before tax').mark('customer-totals')
            ui.label('Bookings').classes('font-semibold mt-2')
            ui.table(columns=[{'name': k, 'label': k.capitalize(), 'field': k, 'align': 'left'}
                              for k in ('when', 'service', 'staff', 'status')],
                     rows=[{'id': b.id, 'when': local_datetime(b.starts_at, tz), 'service': b.service_name,
                            'staff': b.staff_name, 'status': STATUS_LABELS[b.status]} for b in reversed(past)],
                     row_key='id', pagination=10).classes('w-full').props('dense flat').mark('customer-bookings')
            ui.label('Receipts').classes('font-semibold mt-2')
            ui.table(columns=[{'name': k, 'label': k.capitalize(), 'field': k, 'align': 'left'}
                              for k in ('number', 'date', 'items', 'amount', 'payment')],
                     rows=[{'id': r.id, 'number': r.number, 'date': local_datetime(r.issued_at, tz)[:15],
                            'items': r.descriptions, 'amount': money(r.amount_cents, location.currency),
                            'payment': (r.payment_method.value if r.payment_method else '—').replace('_', ' ')}
                           for r in sales], row_key='id', pagination=10).classes('w-full').props(
                'dense flat').mark('customer-receipts')

        history()
        live.on_change(location.id, lambda _e: history.refresh(),
                                kinds=(events.BookingChanged, events.ReceiptCreated, events.DataImported))


def _new_customer(user, location, on_done) -> None:
    with ui.dialog() as dialog, ui.card().classes('w-96'):
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
