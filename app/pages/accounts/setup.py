"""Set up your business: the first run, through the one-time link the app printed where it was started.

Steps: the owner's account, the business and its first location (time zone, currency, language, taxes), opening
hours, the first staff members with their hours (a lunch break, a day off), the first services with their category
(what analytics groups them by), the retail products sold (optional); then the dashboard. Each step is one action
(one transaction) and can be corrected before going on; an error is shown on the field it concerns and saves
nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from babel import Locale
from nicegui import ui

from app.models import ProductCreate, Role, ServiceCreate, StaffMemberCreate, UserRead, WorkingHoursBase
from app.pages import language
from app.pages.formatting import amount_field, to_minor
from app.pages.guard import public_page
from app.pages.hours import WEEKDAYS, minutes
from app.pages.signed_in import current_user, sign_in
from app.services import i18n
from app.services.accounts import setup
from app.services.catalogue import catalog, locations, staff
from app.services.errors import ClientPulseError
from app.services.i18n import N_, _

STEPS = {'account': N_('Your account'), 'business': N_('Your business'), 'hours': N_('Opening hours'),
         'staff': N_('Your team'), 'services': N_('Your services'), 'products': N_('Products you sell')}
"""The wizard's steps in order, with their titles."""
CATEGORIES = [N_('Hair'), N_('Colour'), N_('Nails'), N_('Beauty'), N_('Massage'), N_('Barbering')]
"""Categories offered for a service in setup (any other may be typed)."""
LOCALES = ['en_CA', 'en_US', 'en_GB', 'en_AU', 'en_IE', 'en_ZA', 'en_KE', 'en_IN', 'fr_CA', 'fr_FR', 'de_DE',
           'de_AT', 'de_CH', 'es_ES', 'es_MX', 'it_IT', 'nl_NL', 'pt_PT', 'pt_BR', 'sw_KE', 'pl_PL', 'sv_SE']


@public_page('/setup', proof='the setup token printed at start (or the owner, until there is a location)')
def setup_page(token: str = '') -> None:
    """The first-run wizard, opened by the setup ``token`` (or by the owner, until there is a location)."""
    language.use(locations.public_language())  # English on a new install, until the business says its own
    owner = current_user()
    if setup.token_valid(token):
        _Wizard(token, None).build()
    elif owner is not None and owner.role == Role.OWNER and not locations.list_locations(actor=owner):
        _Wizard('', owner).build()  # the owner exists: the business steps, until there is a location
    else:
        with ui.column().classes('m-8 gap-2 max-w-xl'):
            ui.label(_('This ClientPulse is already set up, or this setup link is not valid here.')).classes(
                'text-negative text-lg').mark('refused')
            ui.label(_('A new install is set up only through the link printed where ClientPulse was started.'))
            ui.link(_('Sign in'), '/login')


class _Wizard:
    def __init__(self, token: str, owner: UserRead | None) -> None:
        self.token, self.owner = token, owner
        self.location_id: int | None = None
        self.currency = 'CAD'  # the location's, once saved: how prices are typed in the later steps
        self.hours: list[dict] = []
        self.steps: dict[str, ui.step] = {}
        self.built: set[str] = set()

    def build(self) -> None:
        with ui.column().classes('w-full max-w-3xl mx-auto p-4 gap-2'):
            self.title = ui.label(_('Set up your business')).classes('text-2xl font-bold m-0').mark('setup-title')
            self.title.tag = 'h1'  # the page's one h1
            self.intro = ui.label(_('A few minutes: your account, your shop, its hours, your team and your services. '
                                    'Everything can be changed later.')).classes('text-slate-500')
            self.stepper = ui.stepper(value='account' if self.owner is None else 'business').props(
                'vertical flat inactive-color=grey-8').classes('w-full').mark('setup-steps')  # 6:1, not 2.7:1
            with self.stepper:
                for name, title in STEPS.items():
                    self.steps[name] = ui.step(name, title=_(title))
            self.draw('account')
            self.draw('business')

    def draw(self, name: str) -> None:
        """Fill in step ``name`` (once): the later steps are drawn when reached, in the language chosen by then."""
        if name not in self.built:
            self.built.add(name)
            with self.steps[name]:
                getattr(self, f'{name}_step')()

    def go(self, name: str) -> None:
        """On to step ``name``, drawn first if it is not yet."""
        self.draw(name)
        self.stepper.set_value(name)

    def speak(self, chosen: str) -> None:
        """From now on the wizard speaks ``chosen`` (the business's language): its titles at once, the steps to come
        as they are drawn."""
        language.use(chosen)
        self.title.text = _('Set up your business')
        self.intro.text = _('A few minutes: your account, your shop, its hours, your team and your services. '
                            'Everything can be changed later.')
        for name, title in STEPS.items():
            self.steps[name].props['title'] = _(title)
            self.steps[name].update()

    # --- steps --------------------------------------------------------------------------------------------------

    def account_step(self) -> None:
        ui.label(_('You are the owner: you can do everything and add accounts for your team.'))
        email = ui.input(_('Email')).classes('w-full max-w-sm').mark('setup-email')
        password = ui.input(_('Password (8 characters or more)'), password=True,
                            password_toggle_button=True).classes('w-full max-w-sm').mark('setup-password')
        again = ui.input(_('Password again'), password=True).classes('w-full max-w-sm').mark('setup-password-again')

        async def create() -> None:
            for field in (email, password, again):
                field.error = None
            if (password.value or '') != (again.value or ''):
                again.error = _('The two passwords differ.')
                return
            owner = await self.attempt(lambda: setup.create_first_owner(self.token, email.value or '',
                                                                        password.value or ''),
                                       {'email': email, 'password': password})
            if owner is not None:
                self.owner = owner
                sign_in(owner)
                self.go('business')

        with ui.stepper_navigation():
            ui.button(_('Create my account'), on_click=create).mark('setup-create-owner')

    def business_step(self) -> None:
        ui.label(_('Your first location. More can be opened under Settings.'))
        with ui.grid().classes('w-full grid-cols-1 sm:grid-cols-2 gap-x-4'):
            name = ui.input(_('Business or location name')).mark('setup-name')
            phone = ui.input(_('Phone')).mark('setup-phone')
            address = ui.input(_('Address')).classes('sm:col-span-2').mark('setup-address')
            zone = ui.select(sorted(locations.time_zones()), label=_('Time zone'), with_input=True,
                             value='America/Toronto').mark('setup-time-zone')
            country = ui.select(dict(sorted(locations.countries().items(), key=lambda kv: kv[1])),
                                label=_('Country'), with_input=True, value='CA').mark('setup-country')
            currency = ui.select(sorted(locations.currencies()), label=_('Currency'), with_input=True,
                                 value='CAD').mark('setup-currency')
            spoken = ui.select(dict(i18n.LANGUAGES), label=_('Language'), value='en').mark('setup-language')
            locale = ui.select({code: Locale.parse(code).display_name for code in LOCALES},
                               label=_('Formats of dates and money'), value='en_CA',
                               on_change=lambda e: _follow_formats(spoken, e.value)).mark('setup-locale')
        ui.label(_("Customers' pages, the kiosk and messages to customers follow the language; each member of "
                   'staff may choose their own in the header.')).classes('text-xs text-slate-500')
        ui.label(_('Taxes (leave a name empty for none)')).classes('font-semibold mt-2')
        taxes = []
        for number in (1, 2):
            with ui.row().classes('items-center gap-2 flex-wrap'):
                taxes.append((ui.input(_('Tax {number} name').format(number=number)).classes('w-32').mark(
                                  f'setup-tax{number}-name'),
                              ui.input(_('Percent')).classes('w-24').mark(f'setup-tax{number}-percent'),
                              ui.checkbox(_('on services'), value=True).mark(f'setup-tax{number}-services'),
                              ui.checkbox(_('on products'), value=True).mark(f'setup-tax{number}-products')))
        included = ui.checkbox(_('Prices are entered with tax included')).mark('setup-tax-included')
        fields = {'name': name, 'phone': phone, 'address': address, 'time_zone': zone, 'country': country,
                  'currency': currency, 'locale': locale, 'language': spoken}

        async def save() -> None:
            values: dict[str, Any] = {key: field.value or '' for key, field in fields.items()}
            values['prices_include_tax'] = bool(included.value)
            values['tax_rates'] = [{'name': n.value, 'percent': p.value or '', 'services': s.value,
                                    'products': r.value} for n, p, s, r in taxes if (n.value or '').strip()]
            values['opening_hours'] = self.hours
            created = await self.attempt(lambda: self.save_location(values), {**fields, 'tax_rates': taxes[0][1]})
            if created is not None:
                self.location_id, self.currency = created.id, created.currency
                self.speak(created.language)
                self.go('hours')

        with ui.stepper_navigation():
            ui.button(_('Continue'), on_click=save).mark('setup-save-business')

    def hours_step(self) -> None:
        ui.label(_('When the shop is open. Staff hours and free times stay within these.'))
        rows = []
        for weekday, day in enumerate(WEEKDAYS):
            with ui.row().classes('items-center gap-x-2 gap-y-0 flex-wrap'):  # times under the day on a phone
                is_open = ui.checkbox(_(day), value=weekday < 6).classes('w-32').mark(f'setup-open-{weekday}')
                with ui.row().classes('items-center gap-2 no-wrap'):
                    start = ui.input(value='09:00').props('type=time dense').classes('w-28').mark(
                        f'setup-opens-{weekday}')
                    end = ui.input(value='18:00').props('type=time dense').classes('w-28').mark(
                        f'setup-closes-{weekday}')
                rows.append((weekday, is_open, start, end))

        async def save() -> None:
            stretches = []
            for weekday, is_open, start, end in rows:
                end.error = None
                if not is_open.value:
                    continue
                first, last = minutes(start.value), minutes(end.value)
                if first is None or last is None or last <= first:
                    end.error = _('Closing must come after opening.')
                    return
                stretches.append({'weekday': weekday, 'start_minute': first, 'end_minute': last})
            self.hours = stretches
            location = await language.io_bound(locations.get_location, self.location_id, actor=self.owner)
            values = locations.settings_of(location).model_dump(mode='json')
            values['opening_hours'] = stretches
            if await self.attempt(lambda: locations.update_location(self.location_id, values, actor=self.owner),
                                  {}) is not None:
                self.go('staff')

        with ui.stepper_navigation():
            ui.button(_('Continue'), on_click=save).mark('setup-save-hours')
            ui.button(_('Back'), on_click=lambda: self.go('business')).props('flat')

    def staff_step(self) -> None:
        ui.label(_('Who takes bookings. They work the opening hours, less a break and a day off if you give one; '
                   'each can be changed under Staff.'))
        rows: list[tuple] = []
        holder = ui.column().classes('w-full gap-1')

        def add_row() -> None:
            number = len(rows) + 1
            with holder, ui.row().classes('items-center gap-2 flex-wrap'):
                rows.append((ui.input(_('Name {number}').format(number=number)).classes('w-40').mark(
                                 f'setup-staff{number}-name'),
                             ui.input(_('Break from')).props('type=time dense').classes('w-28').mark(
                                 f'setup-staff{number}-break-from'),
                             ui.input(_('to')).props('type=time dense').classes('w-28').mark(
                                 f'setup-staff{number}-break-to'),
                             ui.select({None: _('No day off'), **{n: _(day) for n, day in enumerate(WEEKDAYS)}},
                                       value=None, label=_('Day off')).classes('w-36').mark(
                                 f'setup-staff{number}-day-off')))

        add_row()
        add_row()

        async def save() -> None:
            members = []
            for name, start, end, day_off in rows:
                name.error = end.error = None
                if not (name.value or '').strip():
                    continue
                pause = (minutes(start.value), minutes(end.value)) if start.value or end.value else None
                if pause is not None and (None in pause or pause[1] <= pause[0]):
                    end.error = _('The break must end after it starts.')
                    return
                members.append(StaffMemberCreate(location_id=self.location_id, name=name.value.strip(),
                                                 working_hours=_hours_of(self.hours, pause, day_off.value)))
            if not members:
                rows[0][0].error = _('Add at least one person who takes bookings.')
                return
            if await self.attempt(lambda: staff.create_staff_members(members, actor=self.owner),
                                  {'name': rows[0][0]}) is not None:
                self.go('services')

        with ui.stepper_navigation():
            ui.button(_('Continue'), on_click=save).mark('setup-save-staff')
            ui.button(_('Add someone'), icon='person_add', on_click=add_row).props('flat').mark('setup-add-staff')

    def services_step(self) -> None:
        ui.label(_('What customers book: a name, how long it takes, its price, and any time to keep free after '
                   'it (cleaning up, a colour setting). Add more under Services.'))
        rows: list[tuple] = []
        holder = ui.column().classes('w-full gap-1')

        def add_row() -> None:
            number = len(rows) + 1
            with holder, ui.row().classes('items-center gap-2 flex-wrap'):
                rows.append((ui.input(_('Service {number}').format(number=number)).classes('w-48').mark(
                                 f'setup-service{number}-name'),
                             ui.input(_('Category'), autocomplete=[_(c) for c in CATEGORIES]).props(
                                 'maxlength=80').classes('w-36').mark(f'setup-service{number}-category'),
                             ui.number(_('Minutes'), value=30, min=5, max=600, step=5).classes('w-24').mark(
                                 f'setup-service{number}-minutes'),
                             ui.number(_('Price'), value=0, min=0, **amount_field(self.currency)).classes(
                                 'w-28').mark(f'setup-service{number}-price'),
                             ui.number(_('Buffer after (min)'), value=0, min=0, max=240, step=5).classes(
                                 'w-32').mark(f'setup-service{number}-buffer')))

        add_row()
        add_row()
        add_row()

        async def save() -> None:
            services = []
            for name, category, length, price, buffer in rows:
                name.error = None
                if not (name.value or '').strip():
                    continue
                if not length.value or length.value <= 0:
                    length.error = _('How many minutes?')
                    return
                if price.value is None or price.value < 0:
                    price.error = _('A price of 0 or more.')
                    return
                try:
                    cents = to_minor(price.value, 'price_cents', self.currency)
                except ClientPulseError as error:
                    price.error = str(error)
                    return
                services.append(ServiceCreate(location_id=self.location_id, code='', name=name.value.strip(),
                                              category=(category.value or '').strip()[:80],
                                              duration_minutes=int(length.value), price_cents=cents,
                                              buffer_minutes=int(buffer.value) if buffer.value else None))
            if not services:
                rows[0][0].error = _('Add at least one service.')
                return
            if await self.attempt(lambda: catalog.create_services(services, actor=self.owner),
                                  {'name': rows[0][0], 'category': rows[0][1]}) is not None:
                self.go('products')

        with ui.stepper_navigation():
            ui.button(_('Continue'), on_click=save).mark('setup-save-services')
            ui.button(_('Add a service'), icon='add', on_click=add_row).props('flat').mark('setup-add-service')

    def products_step(self) -> None:
        ui.label(_('Retail products you sell at the desk (shampoo, oils…), with the stock you have. Leave it empty if '
                   'you sell none; add more under Products.'))
        rows: list[tuple] = []
        holder = ui.column().classes('w-full gap-1')

        def add_row() -> None:
            number = len(rows) + 1
            with holder, ui.row().classes('items-center gap-2 flex-wrap'):
                rows.append((ui.input(_('Product {number}').format(number=number)).props('maxlength=200').classes(
                                 'w-48').mark(f'setup-product{number}-name'),
                             ui.input(_('Category')).props('maxlength=80').classes('w-32').mark(
                                 f'setup-product{number}-category'),
                             ui.number(_('Price'), value=0, min=0, **amount_field(self.currency)).classes(
                                 'w-28').mark(f'setup-product{number}-price'),
                             ui.number(_('In stock'), value=0, min=0, max=100000, step=1).classes('w-24').mark(
                                 f'setup-product{number}-stock')))

        add_row()
        add_row()

        async def save() -> None:
            products = []
            for name, category, price, stock in rows:
                name.error = price.error = stock.error = None
                if not (name.value or '').strip():
                    continue
                if price.value is None or price.value < 0:
                    price.error = _('A price of 0 or more.')
                    return
                try:
                    cents = to_minor(price.value, 'price_cents', self.currency)
                except ClientPulseError as error:
                    price.error = str(error)
                    return
                if stock.value is None or stock.value < 0 or stock.value != int(stock.value):
                    stock.error = _('A whole number, 0 or more.')
                    return
                products.append(ProductCreate(location_id=self.location_id, code='', name=name.value.strip()[:200],
                                              category=(category.value or '').strip()[:80], price_cents=cents,
                                              stock_on_hand=int(stock.value)))
            if not products or await self.attempt(lambda: catalog.create_products(products, actor=self.owner),
                                                  {'name': rows[0][0], 'price_cents': rows[0][2],
                                                   'stock_on_hand': rows[0][3]}) is not None:
                ui.navigate.to('/')

        with ui.stepper_navigation():
            ui.button(_('Finish'), icon='check', on_click=save).mark('setup-finish')
            ui.button(_('Add a product'), icon='add', on_click=add_row).props('flat').mark('setup-add-product')

    # --- helpers --------------------------------------------------------------------------------------------------

    def save_location(self, values: dict):
        """The first location, or the one already made in this wizard updated (the owner went back)."""
        if self.location_id is None:
            return locations.create_location(values, actor=self.owner)
        return locations.update_location(self.location_id, values, actor=self.owner)

    async def attempt(self, action: Callable[[], Any], fields: dict[str, Any]) -> Any:
        """Run ``action`` in a worker thread; a refusal is shown on its field (or as a message) and returns None."""
        try:
            return await language.io_bound(action)
        except ClientPulseError as error:
            field = fields.get((error.field or '').split('.')[0])
            if field is not None:
                field.error = str(error)
            else:
                ui.notify(str(error), type='negative', multi_line=True)
            return None


def _follow_formats(spoken: ui.select, formats: str | None) -> None:
    """The language follows the formats chosen when it is one ClientPulse speaks (``fr_FR`` → Français)."""
    code = (formats or '').split('_')[0]
    if code in i18n.LANGUAGES:
        spoken.value = code


def _hours_of(opening: list[dict], pause: tuple[int, int] | None, day_off: int | None) -> list[WorkingHoursBase]:
    """A staff member's weekly stretches: the opening hours, without ``day_off`` and less the ``pause`` (a break
    cuts a stretch in two)."""
    stretches = []
    for stretch in opening:
        if stretch['weekday'] == day_off:
            continue
        start, end = stretch['start_minute'], stretch['end_minute']
        if pause is not None and start < pause[0] < pause[1] < end:
            stretches += [WorkingHoursBase(weekday=stretch['weekday'], start_minute=start, end_minute=pause[0]),
                          WorkingHoursBase(weekday=stretch['weekday'], start_minute=pause[1], end_minute=end)]
        else:
            stretches.append(WorkingHoursBase(weekday=stretch['weekday'], start_minute=start, end_minute=end))
    return stretches
