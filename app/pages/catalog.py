"""Services and retail products."""

from __future__ import annotations

from nicegui import ui

from app.services import catalog

from .formatting import money
from .layout import frame
from .session import current_location, require_user


def register() -> None:
    @ui.page('/catalog')
    def catalog_page() -> None:
        user = require_user('/catalog')
        if user is None:
            return
        location = current_location(user)
        with frame('Services & products', user, location):
            if location is None:
                return
            currency = location.currency
            with ui.tabs() as tabs:
                services_tab, products_tab = ui.tab('Services'), ui.tab('Products')
            with ui.tab_panels(tabs, value=services_tab).classes('w-full'):
                with ui.tab_panel(services_tab):
                    columns = [{'name': k, 'label': label, 'field': k, 'align': 'left', 'sortable': True}
                               for k, label in (('code', 'Code'), ('name', 'Service'), ('category', 'Category'),
                                                ('duration', 'Duration'), ('price', 'Price'))]
                    ui.table(columns=columns, rows=[
                        {'id': s.id, 'code': s.code, 'name': s.name, 'category': s.category,
                         'duration': f'{s.duration_minutes} min' if s.duration_minutes else 'not set',
                         'price': money(s.price_cents, currency)}
                        for s in catalog.list_services(location.id, include_inactive=True)],
                        row_key='id', pagination=50).classes('w-full').props('dense flat').mark('service-list')
                with ui.tab_panel(products_tab):
                    columns = [{'name': k, 'label': label, 'field': k, 'align': 'left', 'sortable': True}
                               for k, label in (('code', 'Code'), ('name', 'Product'), ('brand', 'Brand'),
                                                ('price', 'Price'), ('stock', 'On hand'), ('minimum', 'Minimum'),
                                                ('reorder', 'Reorder'))]
                    ui.table(columns=columns, rows=[
                        {'id': p.id, 'code': p.code, 'name': p.name, 'brand': p.brand,
                         'price': money(p.price_cents, currency), 'stock': p.stock_on_hand,
                         'minimum': p.stock_minimum, 'reorder': 'below minimum' if p.below_minimum else ''}
                        for p in catalog.list_products(location.id, include_inactive=True)],
                        row_key='id', pagination=50).classes('w-full').props('dense flat').mark('product-list')
