"""The owner's pages: accounts (Users) and how staff devices join (Settings)."""

from __future__ import annotations

from nicegui import ui

from app.config import get_settings
from app.models import LocationRead, Role, UserRead
from app.pages import language
from app.pages.accounts.location_settings import LocationSettingsForm
from app.pages.guard import PageContext, guarded_page
from app.pages.layout import field_error, role_name
from app.pages.signed_in import OWNERS
from app.services.accounts import network, users
from app.services.catalogue import locations
from app.services.errors import ClientPulseError
from app.services.i18n import _
from app.services.messaging import sign_in_links


@guarded_page('/users', roles=OWNERS, title='Users', icon='manage_accounts', needs_location=False)
def users_page(page: PageContext) -> None:
    """The Users page: the business's accounts (owners only)."""
    _Accounts(page.user, page.location).build()


@guarded_page('/settings', roles=OWNERS, title='Settings', icon='settings', needs_location=False)
def settings_page(page: PageContext) -> None:
    """The Settings page: the location's settings, the locations, the shop-network address, backups and kiosk."""
    if page.location is not None:
        ui.label(_('Settings of {name}').format(name=page.location.name)).classes(
            'text-xl font-semibold').mark('settings-title')
        LocationSettingsForm(page.user, page.location).build()
        _Locations(page.user, page.location).build()
    ui.label(_('Staff devices on the shop network')).classes('text-xl font-semibold mt-6')
    ui.label(_('Open this address on a tablet or computer in the shop (same Wi-Fi or network), '
               'or scan the code.')).classes('text-slate-600')
    urls = network.lan_urls(network.served_port() or get_settings().port)
    shared = [u for u in urls if '127.0.0.1' not in u]
    with ui.row().classes('gap-8'):
        for url in shared or urls:
            with ui.card().classes('items-center'):
                ui.image(network.qr_data_url(url)).classes('w-56 h-56').mark('lan-qr')
                ui.label(url).classes('text-lg font-mono').mark('lan-url')
    if not shared:
        ui.label(_('No network address was found: this machine is only reachable from itself.')).classes(
            'text-warning')
    ui.label(_('Backups')).classes('text-xl font-semibold mt-6')  # issue 31
    ui.link(_('Backups: schedule, last backup, restore'), '/settings/backups').classes('text-blue-800').mark(
        'settings-backups')
    ui.label(_('Kiosk')).classes('text-xl font-semibold mt-6')
    ui.label(_('Sign a front-desk tablet in with a kiosk account; it opens the kiosk. Staff leave kiosk '
               'mode with their PIN (set on the Users page).')).classes('text-slate-600')


class _Locations:
    """The owner's locations: open another (it starts with this one's settings), archive or bring one back."""

    def __init__(self, owner: UserRead, location: LocationRead) -> None:
        self.owner, self.location = owner, location
        self.dialogs = ui.element('div')

    def build(self) -> None:
        ui.label(_('Locations')).classes('text-xl font-semibold mt-6')
        self.table()
        ui.button(_('Open another location'), icon='add_business', on_click=self.open_one).mark('location-add')

    @ui.refreshable_method
    def table(self) -> None:
        every = locations.list_locations(actor=self.owner, include_archived=True)
        with ui.column().classes('gap-1').mark('location-list'):
            for place in every:
                with ui.row().classes('items-center gap-3'):
                    ui.label(place.name).classes('font-semibold w-48')
                    ui.label(f'{place.time_zone} · {place.currency}').classes('text-slate-500 w-56')
                    ui.label(_('archived') if place.archived else _('trading')).classes(
                        'text-slate-500' if place.archived else 'text-positive')
                    ui.button(_('Bring back') if place.archived else _('Archive'),
                              on_click=lambda p=place: self.archive(p)).props('flat dense').mark(
                        f'location-archive-{place.id}')

    async def archive(self, place: LocationRead) -> None:
        try:
            await language.io_bound(lambda: locations.set_archived(place.id, not place.archived, actor=self.owner))
        except ClientPulseError as error:
            ui.notify(str(error), type='negative')
            return
        ui.notify(_('{name} is back.').format(name=place.name) if place.archived
                  else _('{name} archived: its history is kept.').format(name=place.name), type='positive')
        self.table.refresh()

    def open_one(self) -> None:
        self.dialogs.clear()
        with self.dialogs, ui.dialog(value=True) as dialog, ui.card().classes('w-[28rem] max-w-full'):
            ui.label(_('Open another location')).classes('text-lg font-semibold')
            name = ui.input(_('Name')).classes('w-full').mark('location-new-name')
            address = ui.input(_('Address')).classes('w-full')
            phone = ui.input(_('Phone')).classes('w-full')
            ui.label(_('It starts with the time zone, currency, taxes, opening hours and booking policy of {name}; '
                       'change them on its Settings once it is chosen in the header.').format(
                name=self.location.name)).classes('text-sm text-slate-500')

            async def create() -> None:
                values = {**locations.settings_of(self.location).model_dump(), 'name': (name.value or '').strip(),
                          'address': address.value or '', 'phone': phone.value or '', 'closures': []}
                try:
                    opened = await language.io_bound(locations.create_location, values, actor=self.owner)
                except ClientPulseError as error:
                    field_error({'name': name, 'address': address, 'phone': phone}, error)
                    return
                dialog.close()
                ui.notify(_('{name} is open.').format(name=opened.name), type='positive')
                self.table.refresh()

            with ui.row().classes('w-full justify-end'):
                ui.button(_('Close'), on_click=dialog.close).props('flat')
                ui.button(_('Open it'), on_click=create).mark('location-create')


class _Accounts:
    """The list of accounts with their sign-in state, and the form to add one."""

    def __init__(self, owner: UserRead, location: LocationRead | None = None) -> None:
        self.owner, self.location = owner, location
        self.places = {x.id: x.name for x in locations.list_locations(actor=owner)}

    def build(self) -> None:
        self.table()
        self.add_form()

    @ui.refreshable_method
    def table(self) -> None:
        rows = [{'id': u.id, 'email': u.email, 'role': role_name(u.role),
                 'location': self.places.get(u.location_id, _('every location')),
                 'active': _('yes') if u.active else _('switched off'), 'failed': u.failed_logins,
                 'locked': _('{time} UTC').format(time=f'{u.locked_until:%Y-%m-%d %H:%M}') if u.locked_until else '',
                 'pin': _('set') if u.has_pin else ''} for u in users.list_users(actor=self.owner)]
        columns = [{'name': k, 'label': label, 'field': k, 'align': 'left'} for k, label in (
            ('email', _('Email')), ('role', _('Role')), ('location', _('Location')), ('active', _('Active')),
            ('failed', _('Failed sign-ins')), ('locked', _('Locked until')), ('pin', _('Kiosk PIN')))]
        table = ui.table(columns=columns, rows=rows, row_key='id').classes('w-full').props('flat').mark('user-table')
        table.add_slot('body-cell-locked', '''
            <q-td :props="props">
                <span v-if="props.value" class="text-negative font-semibold">{{ props.value }}</span>
            </q-td>''')
        with ui.row().classes('items-end gap-2'):
            chosen = ui.select({u['id']: u['email'] for u in rows}, label=_('Account')).classes('w-72').mark('account')
            ui.button(_('Unlock'), icon='lock_open', on_click=lambda: self.act(users.unlock, chosen.value)).props(
                'flat').mark('unlock')
            ui.button(_('Revoke sign-in'), icon='block',
                      on_click=lambda: self.act(users.set_active, chosen.value, False)).props('flat').mark('disable')
            ui.button(_('Allow sign-in'), icon='check',
                      on_click=lambda: self.act(users.set_active, chosen.value, True)).props('flat').mark('enable')
            ui.button(_('Send a password reset link'), icon='key', on_click=lambda: self.send_reset(
                chosen.value)).props('flat').mark('send-reset')
            ui.label(_("A reset link goes to the account's own e-mail address.")).classes(
                'text-sm text-slate-500').mark('send-reset-to')
            pin = ui.input(_('New kiosk PIN'), password=True).props('type=tel').classes('w-40').mark('new-pin')
            ui.button(_('Set PIN'), on_click=lambda: self.act(users.set_pin, chosen.value, pin.value or '',
                                                           field=pin)).props('flat').mark('set-pin')

    def act(self, change, user_id: int | None, *args, field: ui.input | None = None) -> None:
        if user_id is None:
            ui.notify(_('Choose an account first.'), type='warning')
            return
        try:
            change(user_id, *args, actor=self.owner)
        except ClientPulseError as error:
            if field is not None:
                field.error = str(error)
            else:
                ui.notify(str(error), type='negative')
            return
        ui.notify(_('Saved.'), type='positive')
        self.table.refresh()

    async def send_reset(self, user_id: int | None) -> None:
        """E-mail the account a one-time link to set a new password, to its own address (through this location's
        outbox)."""
        if user_id is None:
            ui.notify(_('Choose an account first.'), type='warning')
            return
        where = self.location.id if self.location is not None else next(iter(self.places), None)
        try:
            sent = await language.io_bound(lambda: sign_in_links.send_reset(user_id, location_id=where,
                                                                            actor=self.owner))
        except ClientPulseError as error:
            ui.notify(str(error), type='negative')
            return
        ui.notify(_('Link sent to {to}.').format(to=sent.to) if sent.sent else _(
            'The link to {to} could not be sent yet: it is retried; see Messages.').format(to=sent.to),
                  type='positive' if sent.sent else 'warning')

    def add_form(self) -> None:
        with ui.card().classes('w-[36rem] max-w-full'):
            ui.label(_('Add an account')).classes('font-semibold')
            ui.label(_('Staff members are better invited from the Staff page: they choose their own '
                       'password.')).classes('text-sm text-slate-500')
            email = ui.input(_('Email')).classes('w-full').mark('new-email')
            role = ui.select({r.value: role_name(r) for r in Role}, value=Role.STAFF.value, label=_('Role')).classes(
                'w-full').mark('new-role')
            place = ui.select(self.places, value=next(iter(self.places), None), label=_('Location')).classes(
                'w-full').mark('new-location')
            password = ui.input(_('Password (at least 8 characters)'), password=True).classes('w-full').mark(
                'new-password')

            async def add() -> None:
                try:  # an argon2 hash: off the event loop
                    await language.io_bound(lambda: users.create_user(
                        email.value or '', password.value or '', role=Role(role.value),
                        location_id=None if role.value == Role.OWNER.value else place.value, actor=self.owner))
                except ClientPulseError as error:
                    field_error({'email': email, 'password': password, 'location_id': place}, error)
                    return
                ui.notify(_('Account {email} added.').format(email=email.value), type='positive')
                email.value = password.value = ''
                self.table.refresh()

            ui.button(_('Add account'), icon='person_add', on_click=add).mark('add-account')
