"""Services and products: the menu (category, length, buffer, price, the kiosk flag, who performs each service,
archive) and the retail shelf (SKU, barcode, brand, price, cost, stock with its ledger, minimum and maximum).
Live: another tab's change shows here at once."""

from __future__ import annotations

from datetime import date, timedelta

from nicegui import ui

from app import live
from app.models import LocationRead, ProductRead, ResourceCreate, ResourceRead, ServiceCreate, ServiceRead, UserRead
from app.pages import dates, language
from app.pages.formatting import amount_field, local_datetime, money_at, to_input, to_minor
from app.pages.guard import PageContext, guarded_page
from app.pages.hours import minutes
from app.pages.layout import field_error
from app.pages.signed_in import MANAGING
from app.services import clock, events
from app.services.catalogue import catalog, resources, staff
from app.services.errors import ClientPulseError
from app.services.i18n import N_, _

STOCK_REASONS = {'received': N_('Delivery received'), 'sold': N_('Sold'), 'adjusted': N_('Adjusted (say why)'),
                 'returned': N_('Returned by a customer')}
"""What a stock movement can be (translated where shown)."""
STOCK_KIND_NAMES = {'opening': N_('Opening stock'), 'received': N_('Received'), 'sold': N_('Sold'),
                    'adjusted': N_('Adjusted'), 'returned': N_('Returned')}
"""A movement's kind in the ledger (translated where shown)."""


@guarded_page('/catalog', roles=MANAGING, title=N_('Services & products'), icon='content_cut')
def catalog_page(page: PageContext) -> None:
    """The Services & products page, following catalogue and stock changes."""
    with ui.tabs() as tabs:
        services_tab, products_tab = ui.tab('services', _('Services')), ui.tab('products', _('Products'))
        resources_tab = ui.tab('resources', _('Resources'))
    with ui.tab_panels(tabs, value=services_tab).classes('w-full'):
        with ui.tab_panel(services_tab):
            services = _Services(page.user, page.location)
        with ui.tab_panel(products_tab):
            products = _Products(page.user, page.location)
        with ui.tab_panel(resources_tab):
            rooms = _Resources(page.user, page.location)

    def changed(_event) -> None:
        services.table.refresh()
        products.table.refresh()
        rooms.table.refresh()

    live.on_change(page.location.id, changed, kinds=(events.CatalogueChanged, events.StockChanged))


def _columns(*pairs: tuple[str, str]) -> list[dict]:
    return [{'name': k, 'label': label, 'field': k, 'align': 'left', 'sortable': True} for k, label in pairs]


class _Services:
    """The service menu: a table (archived ones shown greyed with a filter) and one dialog to add or edit."""

    def __init__(self, user: UserRead, location: LocationRead) -> None:
        self.user, self.location = user, location
        self.dialogs = ui.element('div')
        with ui.row().classes('items-center gap-3'):
            ui.button(_('Add a service'), icon='add', on_click=lambda: self.edit(None)).mark('service-add')
            self.archived = ui.switch(_('Show archived'), on_change=self.table.refresh)
        self.table()
        ui.label(_('Click a service to change it, choose who performs it, or archive it.')).classes(
            'text-sm text-slate-500')

    @ui.refreshable_method
    def table(self) -> None:
        services = catalog.list_services(self.location.id, actor=self.user, include_inactive=True)
        self.by_id = {s.id: s for s in services}
        rows = [{'id': s.id, 'name': s.name, 'category': s.category or '—',
                 'duration': _('{n} min').format(n=s.duration_minutes) if s.duration_minutes else _('not set'),
                 'prep': _('{n} min').format(n=s.prep_minutes) if s.prep_minutes else '—',
                 'buffer': _('{n} min').format(n=s.buffer_minutes) if s.buffer_minutes is not None
                 else _("location's"),
                 'price': money_at(s.price_cents, self.location), 'kiosk': _('yes') if s.kiosk else _('no'),
                 'status': _('on the menu') if s.active else _('archived')}
                for s in services if s.active or self.archived.value]
        table = ui.table(columns=_columns(('name', _('Service')), ('category', _('Category')),
                                          ('duration', _('Duration')), ('prep', _('Preparation before')),
                                          ('buffer', _('Buffer after')),
                                          ('price', _('Price')), ('kiosk', _('Kiosk')), ('status', _('Status'))),
                         rows=rows, row_key='id', pagination=50).classes('w-full').props('dense flat').mark(
            'service-list')
        table.on('rowClick', lambda e: self.edit(self.by_id.get(e.args[1]['id'])))

    def edit(self, service: ServiceRead | None) -> None:
        """The add/edit dialog; ``service`` None adds one."""
        self.dialogs.clear()
        categories = sorted({s.category for s in self.by_id.values() if s.category})
        members = {m.id: m.name for m in staff.list_staff(self.location.id, actor=self.user)}
        performing = catalog.performers_of(service.id, actor=self.user) if service else sorted(members)
        needed = resources.needs_of(service.id, actor=self.user) if service else {}
        # a kind needed whose resources were all retired still shows, so that the need can be cleared
        kinds = sorted(set(resources.kinds(self.location.id, actor=self.user)) | set(needed))
        currency = self.location.currency
        with self.dialogs, ui.dialog(value=True) as dialog, ui.card().classes('w-[32rem] max-w-full'):
            ui.label(service.name if service else _('Add a service')).classes('text-lg font-semibold')
            name = ui.input(_('Name'), value=service.name if service else '').classes('w-full').mark('service-name')
            category = ui.select(categories, value=(service.category or None) if service else None,
                                 label=_('Category (type a new one and press Enter)'), with_input=True,
                                 new_value_mode='add-unique', clearable=True).classes('w-full').mark(
                'service-category')
            with ui.row().classes('w-full gap-2 no-wrap'):
                length = ui.number(_('Minutes'), value=service.duration_minutes if service else 30, min=1, step=5,
                                   format='%d').classes('flex-1').mark('service-minutes')
                prep = ui.number(_('Preparation'), value=service.prep_minutes if service else 0, min=0,
                                 max=240, step=5, format='%d').classes('flex-1').mark('service-prep')
                buffer = ui.number(_('Buffer after'), value=service.buffer_minutes if service else None, min=0, step=5,
                                   format='%d').classes('flex-1').mark('service-buffer')
            price = ui.number(_('Price'), value=to_input(service.price_cents, currency) if service else 0, min=0,
                              **amount_field(currency)).classes('w-full').mark('service-price')
            deposit = ui.number(_("Deposit when booked (empty: the location's percentage)"),
                                value=to_input(service.deposit_cents, currency) if service else None, min=0,
                                **amount_field(currency)).classes('w-full').mark('service-deposit')
            ui.label(_("Preparation and buffer keep the staff member before and after; customers see only the "
                       "service's own minutes. Buffer empty: the location's default. Prices as set in Settings (with "
                       "or without tax).")).classes('text-xs text-slate-500')
            who = ui.select(members, multiple=True, value=[m for m in performing if m in members],
                            label=_('Performed by')).classes('w-full').props('use-chips').mark('service-performers')
            needs = {}
            if kinds:  # the rooms, chairs or equipment each booking of it takes (Resources tab)
                ui.label(_('Resources each booking takes')).classes('text-sm font-semibold')
                with ui.row().classes('w-full gap-2').mark('service-resources'):
                    for kind in kinds:
                        needs[kind] = ui.number(kind, value=needed.get(kind, 0), min=0, max=50, step=1,
                                                format='%d').classes('w-36').mark(f'service-needs-{kind}')
            with ui.row().classes('gap-4'):
                kiosk = ui.switch(_('Offered at the kiosk'), value=service.kiosk if service else True).mark(
                    'service-kiosk')
                active = ui.switch(_('On the menu (off: archived, kept for history)'),
                                   value=service.active if service else True).mark('service-active')
            fields = {'name': name, 'category': category, 'duration_minutes': length, 'prep_minutes': prep,
                      'resources': next(iter(needs.values()), who), 'buffer_minutes': buffer,
                      'price_cents': price, 'performers': who, 'deposit_cents': deposit}

            async def save() -> None:
                try:
                    values = dict(name=(name.value or '').strip(), category=category.value or '',
                                  duration_minutes=int(length.value) if length.value is not None else None,
                                  prep_minutes=int(prep.value or 0),
                                  buffer_minutes=int(buffer.value) if buffer.value is not None else None,
                                  price_cents=to_minor(price.value, 'price_cents', currency), kiosk=bool(kiosk.value),
                                  active=bool(active.value),
                                  deposit_cents=to_minor(deposit.value, 'deposit_cents', currency)
                                  if deposit.value is not None else None)
                    wanted = {kind: int(field.value or 0) for kind, field in needs.items()}
                    if service is None:
                        await language.io_bound(self.add, values, list(who.value or []), wanted)
                    else:
                        await language.io_bound(lambda: catalog.update_service(
                            service.id, actor=self.user, performers=list(who.value or []),
                            **({'needs': wanted} if kinds else {}), **values))
                except (ClientPulseError, OverflowError, ValueError) as error:
                    field_error(fields, error)
                    return
                dialog.close()
                ui.notify(_('{name} saved.').format(name=values['name']), type='positive')
                self.table.refresh()

            with ui.row().classes('w-full justify-end'):
                ui.button(_('Close'), on_click=dialog.close).props('flat')
                ui.button(_('Save'), on_click=save).mark('service-save')

    def add(self, values: dict, performers: list[int], needs: dict[str, int]) -> None:
        """A new service with who performs it and the resources it needs, in one transaction (everyone chosen: left
        as "every service")."""
        everyone = {m.id for m in staff.list_staff(self.location.id, actor=self.user)}
        catalog.create_services([ServiceCreate(location_id=self.location.id, code='', **values)], actor=self.user,
                                performers=None if set(performers) == everyone else performers, needs=needs)


class _Products:
    """The retail shelf: products with stock, one dialog to add or edit, and stock in or out as a movement."""

    def __init__(self, user: UserRead, location: LocationRead) -> None:
        self.user, self.location = user, location
        self.dialogs = ui.element('div')
        with ui.row().classes('items-center gap-3'):
            ui.button(_('Add a product'), icon='add', on_click=lambda: self.edit(None)).mark('product-add')
        self.table()
        ui.label(_('Click a product to change it, take stock in or out, or see its movements.')).classes(
            'text-sm text-slate-500')

    @ui.refreshable_method
    def table(self) -> None:
        products = catalog.list_products(self.location.id, actor=self.user, include_inactive=True)
        self.by_id = {p.id: p for p in products}
        rows = [{'id': p.id, 'code': p.code, 'name': p.name, 'brand': p.brand, 'barcode': p.barcode,
                 'price': money_at(p.price_cents, self.location), 'stock': p.stock_on_hand,
                 'minimum': p.stock_minimum, 'reorder': _('below minimum') if p.below_minimum else ''}
                for p in products]
        table = ui.table(columns=_columns(('code', _('SKU')), ('name', _('Product')), ('brand', _('Brand')),
                                          ('barcode', _('Barcode')), ('price', _('Price')), ('stock', _('On hand')),
                                          ('minimum', _('Minimum')), ('reorder', _('Reorder'))),
                         rows=rows, row_key='id', pagination=50).classes('w-full').props('dense flat').mark(
            'product-list')
        table.on('rowClick', lambda e: self.edit(self.by_id.get(e.args[1]['id'])))

    def edit(self, product: ProductRead | None) -> None:
        self.dialogs.clear()
        with self.dialogs, ui.dialog(value=True) as dialog, ui.card().classes('w-[36rem] max-w-full'):
            ui.label(product.name if product else _('Add a product')).classes('text-lg font-semibold')
            with ui.tabs().classes('w-full') as tabs:
                details = ui.tab('details', _('Details'))
                stock = ui.tab('stock', _('Stock')) if product else None
            with ui.tab_panels(tabs, value=details).classes('w-full'):
                with ui.tab_panel(details):
                    self.details(product, dialog)
                if product is not None:
                    with ui.tab_panel(stock):
                        self.stock(product, dialog)

    def details(self, product: ProductRead | None, dialog: ui.dialog) -> None:
        def value(field, default=''):
            return (getattr(product, field) if product else default)
        currency = self.location.currency
        with ui.row().classes('w-full gap-2 no-wrap'):
            name = ui.input(_('Name'), value=value('name')).classes('flex-1').mark('product-name')
            brand = ui.input(_('Brand'), value=value('brand')).classes('flex-1').mark('product-brand')
        with ui.row().classes('w-full gap-2 no-wrap'):
            code = ui.input(_('SKU'), value=value('code')).classes('flex-1').mark('product-code')
            barcode = ui.input(_('Barcode (EAN/UPC)'), value=value('barcode')).classes('flex-1').mark('product-barcode')
        with ui.row().classes('w-full gap-2 no-wrap'):
            price = ui.number(_('Price'), value=to_input(value('price_cents', 0), currency), min=0,
                              **amount_field(currency)).classes('flex-1').mark('product-price')
            cost = ui.number(_('Cost'), value=to_input(value('cost_cents', 0), currency), min=0,
                             **amount_field(currency)).classes('flex-1')
        with ui.row().classes('w-full gap-2 no-wrap'):
            opening = ui.number(_('On hand now'), value=value('stock_on_hand', 0), min=0, format='%d').classes(
                'flex-1').mark('product-stock')
            opening.enabled = product is None  # afterwards stock moves only through the ledger (Stock tab)
            minimum = ui.number(_('Minimum'), value=value('stock_minimum', 0), min=0, format='%d').classes(
                'flex-1').mark('product-minimum')
            maximum = ui.number(_('Maximum'), value=value('stock_maximum', 0), min=0, format='%d').classes('flex-1')
        active = ui.switch(_('Sold here (off: archived)'), value=value('active', True))
        fields = {'name': name, 'brand': brand, 'code': code, 'barcode': barcode, 'price_cents': price,
                  'cost_cents': cost, 'stock_on_hand': opening, 'stock_minimum': minimum, 'stock_maximum': maximum}

        async def save() -> None:
            try:
                saved = await language.io_bound(lambda: catalog.save_product(
                    product.id if product else None, actor=self.user, location_id=self.location.id,
                    code=code.value or '', name=name.value or '', barcode=barcode.value or '', brand=brand.value or '',
                    price_cents=to_minor(price.value, 'price_cents', currency),
                    cost_cents=to_minor(cost.value, 'cost_cents', currency),
                    opening_stock=int(opening.value or 0), stock_minimum=int(minimum.value or 0),
                    stock_maximum=int(maximum.value or 0), active=bool(active.value)))
            except (ClientPulseError, OverflowError, ValueError) as error:
                field_error(fields, error)
                return
            dialog.close()
            ui.notify(_('{name} saved.').format(name=saved.name), type='positive')
            self.table.refresh()

        with ui.row().classes('w-full justify-end'):
            ui.button(_('Close'), on_click=dialog.close).props('flat')
            ui.button(_('Save'), on_click=save).mark('product-save')

    def stock(self, product: ProductRead, dialog: ui.dialog) -> None:
        ui.label(_('{n} on hand (minimum {minimum}).').format(n=product.stock_on_hand,
                                                             minimum=product.stock_minimum)).mark('product-on-hand')
        with ui.row().classes('w-full gap-2 items-end'):
            kind = ui.select({key: _(name) for key, name in STOCK_REASONS.items()}, value='received',
                             label=_('What happened')).classes('w-52').mark('stock-kind')
            units = ui.number(_('Units'), value=1, format='%d').classes('w-24').mark('stock-units')
            reason = ui.input(_('Note or reason')).classes('flex-1').mark('stock-reason')
        ui.label(_('Units are counted in for a delivery or a return and out for a sale; for an adjustment type + or '
                   '− (−2: two broken).')).classes('text-xs text-slate-500')
        allow = ui.checkbox(_('Allow below zero (the count was wrong)')).mark('stock-allow')

        async def apply() -> None:
            typed = int(units.value or 0)
            change = {'received': abs(typed), 'returned': abs(typed), 'sold': -abs(typed)}.get(kind.value, typed)
            try:
                await language.io_bound(lambda: catalog.adjust_stock(
                    product.id, change, kind=kind.value, reason=(reason.value or '').strip(), actor=self.user,
                    allow_negative=bool(allow.value)))
            except (ClientPulseError, OverflowError, ValueError) as error:
                field_error({'change': units, 'reason': reason, 'kind': kind}, error)
                return
            dialog.close()
            ui.notify(_('Stock updated.'), type='positive')
            self.table.refresh()

        ui.button(_('Record'), on_click=apply).mark('stock-apply')
        ledger = catalog.stock_ledger(product.id, actor=self.user)[-20:]
        ui.table(columns=_columns(('at', _('When')), ('kind', _('What')), ('quantity', _('Units')),
                                  ('reason', _('Reason'))),
                 rows=[{'id': m.id, 'at': local_datetime(m.at, self.location.time_zone),
                        'kind': _(STOCK_KIND_NAMES[m.kind]) if m.kind in STOCK_KIND_NAMES else m.kind,
                        'quantity': f'{m.quantity:+d}', 'reason': m.reason} for m in reversed(ledger)],
                 row_key='id').classes('w-full').props('dense flat').mark('stock-ledger')


class _Resources:
    """The rooms, chairs, stations and equipment services need: a table, one dialog to add or edit one (name, kind,
    how many at once, retired) with its times out of service."""

    def __init__(self, user: UserRead, location: LocationRead) -> None:
        self.user, self.location = user, location
        self.dialogs = ui.element('div')
        with ui.row().classes('items-center gap-3'):
            ui.button(_('Add a resource'), icon='add', on_click=lambda: self.edit(None)).mark('resource-add')
        self.table()
        ui.label(_('A service that needs a resource is booked only when one of its kind is free, its preparation and '
                   'buffer included: choose what each service needs in its own dialog.')).classes(
            'text-sm text-slate-500')

    @ui.refreshable_method
    def table(self) -> None:
        listed = resources.list_resources(self.location.id, actor=self.user, include_inactive=True)
        self.by_id = {r.id: r for r in listed}
        rows = [{'id': r.id, 'name': r.name, 'kind': r.kind, 'capacity': r.capacity,
                 'status': _('in use') if r.active else _('retired')} for r in listed]
        table = ui.table(columns=_columns(('name', _('Resource')), ('kind', _('Kind')), ('capacity', _('At once')),
                                          ('status', _('Status'))),
                         rows=rows, row_key='id', pagination=50).classes('w-full').props('dense flat').mark(
            'resource-list')
        table.on('rowClick', lambda e: self.edit(self.by_id.get(e.args[1]['id'])))

    def edit(self, resource: ResourceRead | None) -> None:
        """The add/edit dialog; ``resource`` None adds one."""
        self.dialogs.clear()
        kinds = sorted({r.kind for r in self.by_id.values()})
        with self.dialogs, ui.dialog(value=True) as dialog, ui.card().classes('w-[32rem] max-w-full'):
            ui.label(resource.name if resource else _('Add a resource')).classes('text-lg font-semibold')
            name = ui.input(_('Name'), value=resource.name if resource else '').classes('w-full').mark(
                'resource-name')
            kind = ui.input(_('Kind'), value=resource.kind if resource else '', autocomplete=kinds).classes(
                'w-full').mark('resource-kind')  # what it is ("Treatment room"): the kinds already used suggested
            capacity = ui.number(_('How many at once'), value=resource.capacity if resource else 1, min=1, max=50,
                                 step=1, format='%d').classes('w-full').mark('resource-capacity')
            active = ui.switch(_('In use (off: retired)'), value=resource.active if resource else True).mark(
                'resource-active')
            fields = {'name': name, 'kind': kind, 'capacity': capacity}

            async def save() -> None:
                try:
                    data = ResourceCreate.model_construct(
                        location_id=self.location.id, name=name.value or '', kind=kind.value or '',
                        capacity=int(capacity.value) if capacity.value is not None else 0, active=bool(active.value))
                    await language.io_bound(lambda: resources.save_resource(
                        data, actor=self.user, resource_id=resource.id if resource else None))
                except (ClientPulseError, OverflowError, ValueError) as error:
                    field_error(fields, error)
                    return
                dialog.close()
                ui.notify(_('{name} saved.').format(name=data.name.strip()), type='positive')
                self.table.refresh()

            if resource is not None:
                self.outages(resource)
            with ui.row().classes('w-full justify-end'):
                ui.button(_('Close'), on_click=dialog.close).props('flat')
                ui.button(_('Save'), on_click=save).mark('resource-save')

    def outages(self, resource: ResourceRead) -> None:
        """The resource's times out of service from today on, each with a button to take it back, and a row to add
        one (from a day and time to a day and time — overnight or for days —, a reason)."""
        tz = self.location.time_zone
        today = clock.today(tz)
        ui.label(_('Out of service')).classes('text-sm font-semibold')
        listing = ui.column().classes('w-full gap-1').mark('resource-outages')

        def show() -> None:
            listing.clear()
            start, end = clock.day_bounds(today, tz)[0], clock.day_bounds(today + timedelta(days=365), tz)[1]
            mine = [o for o in resources.outages(self.location.id, start, end, actor=self.user)
                    if o.resource_id == resource.id]
            with listing:
                if not mine:
                    ui.label(_('Not out of service ahead.')).classes('text-slate-500')
                for gone in mine:
                    with ui.row().classes('items-center gap-2'):
                        ui.label(f'{local_datetime(gone.starts_at, tz)} – {local_datetime(gone.ends_at, tz)}'
                                 + (f' · {gone.reason}' if gone.reason else ''))
                        button = ui.button(icon='delete', on_click=lambda o=gone: remove(o.id)).props(
                            'flat round dense').tooltip(_('Back in service'))
                        button.props['aria-label'] = _('Back in service')

        async def remove(outage_id: int) -> None:
            try:
                await language.io_bound(lambda: resources.remove_outage(outage_id, actor=self.user))
            except ClientPulseError as error:  # taken back in another tab meanwhile
                ui.notify(str(error), type='warning')
            show()

        show()
        with ui.row().classes('items-center gap-2 flex-wrap'):
            day = dates.date_input(_('From'), today, locale=self.location.locale).props('dense').classes(
                'w-44').mark('resource-out-day')
            start = ui.input(_('From time')).props('type=time dense').classes('w-32').mark('resource-out-start')
            to_day = dates.date_input(_('To'), today, locale=self.location.locale).props('dense').classes(
                'w-44').mark('resource-out-to-day')
            end = ui.input(_('To time')).props('type=time dense').classes('w-32').mark('resource-out-end')
            reason = ui.input(_('Reason')).props('dense').classes('w-40').mark('resource-out-reason')

        async def add() -> None:
            end.error = None
            try:
                first_day, last_day = date.fromisoformat(day.value or ''), date.fromisoformat(to_day.value or '')
                first, last = minutes(start.value), minutes(end.value)
                if first is None or last is None:
                    raise ValueError
            except ValueError:
                end.error = _('Choose both days and both times.')
                return
            try:
                await language.io_bound(lambda: resources.add_outage(
                    resource.id, clock.local_datetime(first_day, first, tz), clock.local_datetime(last_day, last, tz),
                    actor=self.user, reason=reason.value or ''))
            except ClientPulseError as error:
                field_error({'starts_at': start, 'ends_at': end}, error)
                return
            reason.value = ''
            show()

        ui.button(_('Add a time out of service'), icon='build', on_click=add).mark('resource-out-add')
