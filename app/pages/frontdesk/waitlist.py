"""Waitlist: who waits for what and when; offers of freed times to book or pass on, live."""

from __future__ import annotations

from datetime import date

from babel.dates import format_date
from nicegui import ui

from app import live
from app.models import LocationRead, UserRead
from app.pages import language
from app.pages.customers.picker import CustomerPicker
from app.pages.formatting import local_time
from app.pages.guard import PageContext, guarded_page
from app.pages.signed_in import FRONT_DESK
from app.services import clock, events, i18n
from app.services.catalogue import catalog, staff
from app.services.errors import ClientPulseError
from app.services.frontdesk import waitlist
from app.services.i18n import N_, _, ngettext


@guarded_page('/waitlist', roles=FRONT_DESK, title=N_('Waitlist'), icon='hourglass_top')
def waitlist_page(page: PageContext) -> None:
    """The Waitlist page."""
    view = _WaitlistView(page.user, page.location)
    view.build()
    live.on_change(page.location.id, view.on_event, kinds=(events.WaitlistChanged,))


class _WaitlistView:
    def __init__(self, user: UserRead, location: LocationRead) -> None:
        self.user, self.location = user, location

    def build(self) -> None:
        with ui.card().classes('w-full'):
            ui.label(_('Add to the waitlist')).classes('font-semibold')
            with ui.row().classes('items-end gap-3'):
                self.customer = CustomerPicker(self.user, self.location.id, label=_('Customer')).classes(
                    'w-64').mark('wait-customer')
                services = catalog.list_services(self.location.id, actor=self.user)
                self.service = ui.select({s.id: s.name for s in services if s.duration_minutes},
                                         label=_('Service')).classes('w-48').mark('wait-service')
                members = staff.list_staff(self.location.id, actor=self.user)
                self.member = ui.select({0: _('Anyone'), **{m.id: m.name for m in members}}, value=0,
                                        label=_('Staff member')).classes('w-40').mark('wait-staff')
                self.day = ui.input(_('Day'), value=clock.today(self.location.time_zone).isoformat()).classes(
                    'w-36').mark('wait-day')
                ui.button(_('Add'), icon='add', on_click=self.add).mark('wait-add')
        self.listing()

    def add(self) -> None:
        for field in (self.customer, self.service):
            field.error = None if field.value else _('Choose one.')
        if not (self.customer.value and self.service.value):
            return
        try:
            day = date.fromisoformat(self.day.value or '')
        except ValueError:
            self.day.error = _('Enter a date as YYYY-MM-DD.')
            return
        try:
            waitlist.join(waitlist.WaitlistJoin(location_id=self.location.id, customer_id=self.customer.value,
                                                service_id=self.service.value, day=day,
                                                staff_member_id=self.member.value or None), actor=self.user)
        except ClientPulseError as error:
            ui.notify(str(error), type='negative')
            return
        self.customer.set_value(None)
        ui.notify(_('Added to the waitlist.'), type='positive')
        self.listing.refresh()

    @ui.refreshable_method
    def listing(self) -> None:
        items = waitlist.entries(self.location.id, actor=self.user)
        if not items:
            ui.label(_('Nobody is waiting.')).classes('text-slate-500').mark('wait-empty')
            return
        tz = self.location.time_zone
        words = i18n.locale_for(self.location.locale)  # day names in the reader's language
        waiting = len({entry.customer_id for entry in items})
        ui.label(ngettext('{n} customer waiting', '{n} customers waiting', waiting).format(n=waiting)).classes(
            'text-slate-600').mark('wait-count')
        for entry in items:
            offered = entry.status == 'offered'
            with ui.card().classes('w-full' + (' border-2 border-amber-500' if offered else '')).mark(
                    f'wait-{entry.customer_id}'):
                with ui.row().classes('w-full items-center gap-4'):
                    ui.label(format_date(entry.day, 'EEE dd MMM', locale=words)).classes('w-28 font-semibold')
                    ui.label(f'{entry.customer_name} · {entry.customer_phone}').classes('w-64')
                    ui.label(_('{service} with {staff}').format(service=entry.service_name,
                                                                staff=entry.staff_name)).classes('grow')
                    if offered:
                        ui.label(_('Offered {time} with {staff}').format(
                            time=local_time(entry.offered_starts_at, tz), staff=entry.offered_staff_name)).classes(
                            'text-amber-700 font-semibold').mark(f'offer-{entry.customer_id}')
                        ui.button(_('Book it'), icon='event_available',
                                  on_click=lambda e=entry: self.act(waitlist.book_offer, e.id, _('Booked.'))).mark(
                            f'book-offer-{entry.customer_id}')
                        ui.button(_('Pass on'), on_click=lambda e=entry: self.act(
                            waitlist.pass_offer, e.id, _('Passed on.'))).props('flat')
                    else:
                        ui.label(_('Waiting')).classes('text-slate-500')
                    remove = ui.button(icon='delete', on_click=lambda e=entry: self.act(
                        waitlist.remove, e.id, _('Removed.'))).props('flat round dense').tooltip(_('Remove'))
                    remove.props['aria-label'] = _('Remove {name} from the waitlist').format(name=entry.customer_name)

    async def act(self, action, entry_id: int, done: str) -> None:
        client = ui.context.client  # the clicked button's row may be redrawn by a live update meanwhile
        try:
            await language.io_bound(action, entry_id, actor=self.user)  # bookings are written off the event loop
        except ClientPulseError as error:
            with client:
                ui.notify(str(error), type='negative')
        else:
            with client:
                ui.notify(done)
        self.listing.refresh()

    def on_event(self, event) -> None:
        if isinstance(event, events.WaitlistChanged):
            self.listing.refresh()
