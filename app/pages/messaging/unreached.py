"""Messages: the upcoming bookings no message will reach (their customer has no phone or e-mail the location sends
on), so the desk knows who hears nothing and can add a contact from the booking."""

from __future__ import annotations

from datetime import timedelta

from nicegui import ui

from app import live
from app.pages import language
from app.pages.accessibility import scrolling
from app.pages.formatting import local_datetime
from app.pages.guard import PageContext
from app.services import clock, events
from app.services.i18n import _, ngettext
from app.services.messaging import reach

AHEAD = timedelta(days=30)
"""How far ahead the list looks."""


class Unreached:
    """The list, read when the page opens and again after a booking, customer or location change."""

    def __init__(self, page: PageContext) -> None:
        self.page = page

    def build(self) -> None:
        with ui.card().classes('w-full mt-4'):
            ui.label(_('Upcoming bookings that get no reminder')).classes('text-lg font-semibold')
            self.count = ui.label('').classes('text-sm text-slate-600').mark('unreached-count')
            self.table = ui.table(columns=[
                {'name': 'when', 'label': _('When'), 'field': 'when', 'align': 'left'},
                {'name': 'customer', 'label': _('Customer'), 'field': 'customer', 'align': 'left'},
                {'name': 'service', 'label': _('Service'), 'field': 'service', 'align': 'left'},
                {'name': 'problem', 'label': _('Problem'), 'field': 'problem', 'align': 'left'},
            ], rows=[], row_key='id', pagination=10).classes('w-full').props('dense flat wrap-cells').mark('unreached')
            self.table.props['no-data-label'] = _('Every upcoming booking will get its reminder.')
            scrolling(self.table, _('Upcoming bookings that get no reminder'))
        ui.timer(0, self.load, once=True)
        live.on_change(self.page.location.id, lambda _e: self.load(),
                       kinds=(events.BookingChanged, events.CustomerChanged, events.LocationChanged,
                              events.DataImported))

    async def load(self) -> None:
        now = clock.now()
        rows = await language.io_bound(reach.unreached, self.page.location.id, start=now, end=now + AHEAD,
                                       actor=self.page.user)
        tz = self.page.location.time_zone
        self.table.rows = [{'id': row.booking_id, 'when': local_datetime(row.starts_at, tz),
                            'customer': row.customer_name, 'service': row.service_name,
                            'problem': _(reach.NO_REMINDER)} for row in rows]
        self.table.update()
        self.count.set_text(ngettext('{n} booking in the next 30 days: add a phone or e-mail from the booking.',
                                     '{n} bookings in the next 30 days: add a phone or e-mail from the booking.',
                                     len(rows)).format(n=len(rows)) if rows else '')
