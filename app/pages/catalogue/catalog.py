"""Services and retail products."""

from __future__ import annotations

from nicegui import run, ui

from app.models import LocationRead, Role, ServiceCreate, ServiceRead, UserRead
from app.pages.formatting import money_at
from app.pages.guard import PageContext, guarded_page
from app.pages.layout import field_error
from app.pages.session import MANAGING
from app.services.catalogue import catalog
from app.services.errors import ClientPulseError

EDITORS = frozenset({Role.OWNER, Role.MANAGER})


def register() -> None:
    @guarded_page('/catalog', roles=MANAGING, title='Services & products', icon='content_cut')
    def catalog_page(page: PageContext) -> None:
        with ui.tabs() as tabs:
            services_tab, products_tab = ui.tab('Services'), ui.tab('Products')
        with ui.tab_panels(tabs, value=services_tab).classes('w-full'):
            with ui.tab_panel(services_tab):
                _services_table(page.user, page.location)
            with ui.tab_panel(products_tab):
                _products(page.user, page.location)


def _products(user: UserRead, location: LocationRead) -> None:
    """Products with their stock, and stock coming in or going out (a fall below the minimum is announced)."""
    columns = [{'name': k, 'label': label, 'field': k, 'align': 'left', 'sortable': True}
               for k, label in (('code', 'Code'), ('name', 'Product'), ('brand', 'Brand'), ('price', 'Price'),
                                ('stock', 'On hand'), ('minimum', 'Minimum'), ('reorder', 'Reorder'))]
    products = catalog.list_products(location.id, actor=user, include_inactive=True)

    with ui.row().classes('items-end gap-3'):
        product = ui.select({p.id: f'{p.name} ({p.brand})' if p.brand else p.name for p in products},
                            with_input=True, label='Product').classes('w-72').mark('stock-product')
        change = ui.number('Units in (+) or out (−)', value=-1, format='%d').classes('w-48').mark('stock-change')
        reason = ui.select(['sold', 'used in a service', 'delivered', 'stock count', 'damaged'], value='sold',
                           label='Why').classes('w-44')

        def apply() -> None:
            try:
                catalog.adjust_stock(product.value or 0, int(change.value or 0), reason=reason.value, actor=user)
            except ClientPulseError as error:
                ui.notify(str(error), type='negative')
                return
            ui.notify('Stock updated.', type='positive')
            table.refresh()

        ui.button('Apply', on_click=apply).mark('stock-apply')

    @ui.refreshable
    def table() -> None:
        ui.table(columns=columns, rows=[
            {'id': p.id, 'code': p.code, 'name': p.name, 'brand': p.brand, 'price': money_at(p.price_cents, location),
             'stock': p.stock_on_hand, 'minimum': p.stock_minimum,
             'reorder': 'below minimum' if p.below_minimum else ''}
            for p in catalog.list_products(location.id, actor=user, include_inactive=True)],
            row_key='id', pagination=50).classes('w-full').props('dense flat').mark('product-list')

    table()


def _services_table(user: UserRead, location: LocationRead) -> None:
    columns = [{'name': k, 'label': label, 'field': k, 'align': 'left', 'sortable': True}
               for k, label in (('code', 'Code'), ('name', 'Service'), ('category', 'Category'),
                                ('duration', 'Duration'), ('buffer', 'Buffer after'), ('price', 'Price'))]
    dialogs = ui.element('div')

    @ui.refreshable
    def table() -> None:
        services = {s.id: s for s in catalog.list_services(location.id, actor=user, include_inactive=True)}
        rows = [{'id': s.id, 'code': s.code, 'name': s.name, 'category': s.category,
                 'duration': f'{s.duration_minutes} min' if s.duration_minutes else 'not set',
                 'buffer': f'{s.buffer_minutes} min' if s.buffer_minutes is not None else "the location's",
                 'price': money_at(s.price_cents, location)} for s in services.values()]
        services_table = ui.table(columns=columns, rows=rows, row_key='id', pagination=50).classes('w-full').props(
            'dense flat').mark('service-list')
        if user.role in EDITORS:
            services_table.on('rowClick', lambda e: edit(services[e.args[1]['id']]))
            ui.label('Click a service to set its duration (imported services have none and cannot be booked '
                     'until they do).').classes('text-sm text-slate-500')

    def edit(service: ServiceRead) -> None:
        dialogs.clear()
        with dialogs, ui.dialog() as dialog, ui.card().classes('w-96'):
            ui.label(service.name).classes('text-lg font-semibold')
            minutes = ui.number('Duration (minutes)', value=service.duration_minutes, min=1, step=5,
                                format='%d').classes('w-full').mark('duration')

            def save() -> None:
                try:
                    catalog.set_service_duration(service.id, int(minutes.value or 0), actor=user)
                except ClientPulseError as error:
                    field_error({'duration_minutes': minutes}, error)
                    return
                dialog.close()
                table.refresh()

            with ui.row().classes('w-full justify-end'):
                ui.button('Close', on_click=dialog.close).props('flat')
                ui.button('Save', on_click=save).mark('save-duration')
        dialog.open()

    def add() -> None:
        dialogs.clear()
        with dialogs, ui.dialog() as dialog, ui.card().classes('w-[28rem] max-w-full'):
            ui.label('Add a service').classes('text-lg font-semibold')
            name = ui.input('Name').classes('w-full').mark('service-new-name')
            category = ui.input('Category').classes('w-full')
            with ui.row().classes('w-full gap-2 no-wrap'):
                length = ui.number('Minutes', value=30, min=5, step=5, format='%d').classes('flex-1').mark(
                    'service-new-minutes')
                buffer = ui.number('Buffer after', value=None, min=0, step=5, format='%d').classes('flex-1').mark(
                    'service-new-buffer')
                price = ui.number('Price', value=0, min=0, format='%.2f').classes('flex-1').mark('service-new-price')

            async def create() -> None:
                try:
                    await run.io_bound(catalog.create_services, [ServiceCreate(
                        location_id=location.id, code='', name=(name.value or '').strip(),
                        category=(category.value or '').strip(), duration_minutes=int(length.value or 0) or None,
                        buffer_minutes=int(buffer.value) if buffer.value is not None else None,
                        price_cents=round(float(price.value or 0) * 100))], actor=user)
                except ClientPulseError as error:
                    field_error({'name': name, 'duration_minutes': length, 'buffer_minutes': buffer,
                                 'price_cents': price}, error)
                    return
                dialog.close()
                table.refresh()

            with ui.row().classes('w-full justify-end'):
                ui.button('Close', on_click=dialog.close).props('flat')
                ui.button('Add', on_click=create).mark('service-create')
        dialog.open()

    if user.role in EDITORS:
        ui.button('Add a service', icon='add', on_click=add).mark('service-add')
    table()
