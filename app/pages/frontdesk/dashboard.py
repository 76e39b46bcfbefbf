"""Dashboard: today's bookings and the figures of the last 30 days, live."""

from __future__ import annotations

import functools
from datetime import date

from babel.dates import format_date
from nicegui import ui

from app import live
from app.models import BookingRead, LocationRead, UserRead
from app.pages import params
from app.pages.accessibility import scrolling
from app.pages.accounts.backups import backup_alert
from app.pages.figure_cards import FigureCards
from app.pages.formatting import booking_time, money, rate
from app.pages.frontdesk.getting_started import getting_started_section
from app.pages.guard import PageContext, guarded_page
from app.pages.menus import menu_on_press
from app.pages.registry import shared_view
from app.pages.signed_in import MANAGING
from app.services import amounts, clock, i18n
from app.services.frontdesk import bookings, dashboard
from app.services.frontdesk.bookings import STATUS_LABELS
from app.services.i18n import N_, _

STATUS_COLOURS = {'booked': '#2f6496', 'confirmed': '#3b4a6b', 'checked_in': '#9a4f2c', 'completed': '#2e7d32',
                  'cancelled': '#616161', 'no_show': '#c62828'}
"""Each status's colour: white 12 px text on each reaches 5:1 or more (WCAG AA asks 4.5:1)."""
CARDS = [  # marker, title, definition (a tooltip)
    ('bookings-today', N_('Bookings on the day'), None),
    ('revenue-today', N_('Revenue on the day'), None),
    ('revenue-30d', N_('Revenue, last 30 days'), None),
    ('no-show-rate', N_('No-show rate, 30 days'),
     N_('No-shows ÷ bookings that were due (not cancelled), starting in the 30 days up to the day.')),
    ('cancellation-rate', N_('Cancellation rate, 30 days'),
     N_('Cancelled ÷ all bookings starting in the 30 days up to the day.')),
    ('booked-7d', N_('Booked value, next 7 days'),
     N_('The price of the bookings not cancelled that start in the 7 days after the day.')),
    ('booked-30d', N_('Booked value, next 30 days'),
     N_('The price of the bookings not cancelled that start in the 30 days after the day.')),
    ('no-reminder', N_('No reminder, this week'),
     N_('Bookings from now to Sunday whose customer has no phone or e-mail the shop sends messages to: they get no '
        'reminder. Add a phone or e-mail from the booking.')),
]
BOOKING_COLUMNS = [
    {'name': 'time', 'label': N_('Time'), 'field': 'time', 'align': 'left', 'sortable': True},
    {'name': 'customer', 'label': N_('Customer'), 'field': 'customer', 'align': 'left'},
    {'name': 'service', 'label': N_('Service'), 'field': 'service', 'align': 'left'},
    {'name': 'staff', 'label': N_('Staff member'), 'field': 'staff', 'align': 'left'},
    {'name': 'status', 'label': N_('Status'), 'field': 'status', 'align': 'left'},
]


def booking_rows(items: list[BookingRead], time_zone: str) -> list[dict]:
    """Rows for a bookings table, in the language of the moment (shared by the tabs speaking it)."""
    context = (time_zone, i18n.current())
    return [live.per_item('dashboard-row', b, context, lambda b=b: {
        'id': b.id, 'at': b.starts_at.isoformat(), 'time': booking_time(b, time_zone),
        'customer': _('Walk-in') if b.customer_id is None and b.customer_name == 'Walk-in' else b.customer_name,
        'service': b.service_name, 'staff': b.staff_name, 'status': _(STATUS_LABELS[b.status])}) for b in items]


def columns_of(columns: list[dict]) -> list[dict]:
    """Table columns with their labels (marked ``N_``) in the language of the moment."""
    return [{**column, 'label': _(column['label'])} for column in columns]


# staff land on their day's schedule, kiosks on the kiosk
@guarded_page('/', roles=MANAGING, title=N_('Dashboard'), icon='dashboard', others_home=True)
def dashboard_page(page: PageContext, day: str | None = None) -> None:
    """The Dashboard for the reference ``day`` (an ISO date, default today)."""
    location = page.location
    shown, message = params.day(day, clock.today(location.time_zone), what=N_('reference day'))
    params.notice(message)
    with ui.row().classes('items-center gap-4'):
        ui.label(format_date(shown, 'EEEE dd MMMM y', locale=i18n.current())).classes(
            'text-xl font-semibold').mark('day')
        menu_on_press(ui.button(_('Reference day'), icon='edit_calendar').props('flat'), lambda _menu: ui.date(
            value=shown.isoformat(), on_change=lambda e: _go_to(e.value, shown)).mark('day-picker'))
        ui.button(_('Today'), on_click=lambda: ui.navigate.to('/')).props('flat')
    getting_started_section(page)
    backup_alert(page)  # issue 31: red while backups fail or are overdue (owners)
    _build(live.join(page.user, location), shown)


@shared_view('dashboard')
def dashboard_parts(location: LocationRead, day: str, actor: UserRead) -> dict:
    """The dashboard of ``location`` on the local ``day`` (ISO) as every open dashboard shows it: ``cards``
    (marker → text), ``revenue`` and ``status`` (ECharts options), ``rows`` (the day's bookings, keyed: a booking
    sends its own row)."""
    figures = dashboard.summary(location.id, date.fromisoformat(day), actor=actor)
    items = bookings.list_day(location.id, date.fromisoformat(day), actor=actor, time_zone=location.time_zone)
    return {'cards': _card_texts(figures, location.locale),
            'revenue': live.derived(f'revenue-options:{i18n.current()}', figures, lambda: _revenue_options(figures)),
            'status': live.derived(f'status-options:{i18n.current()}', figures, lambda: _status_options(figures)),
            'rows': live.derived(f'dashboard-rows:{i18n.current()}', items,
                                 lambda: live.keyed(booking_rows(items, location.time_zone), sort='at'))}


def _build(room: live.Subscription, day: date) -> None:
    """Cards, charts and the day's list, bound to the room of this location and day: a change elsewhere
    arrives as one message shared by every open dashboard (see :mod:`app.live.rooms`)."""
    argument = day.isoformat()
    parts = live.current_parts('dashboard', room.location, argument, room.user)
    figures = FigureCards(_cards(i18n.current()), parts['cards']).mark('figures')
    room.bind(figures, 'cards', 'values')
    with ui.row().classes('w-full gap-4 flex-nowrap'):
        with ui.card().classes('w-2/3'):
            ui.label(_('Revenue per day, last 30 days (before tax)')).classes('font-semibold')
            revenue = ui.echart(parts['revenue']).classes('w-full h-64').mark('revenue-chart')
        with ui.card().classes('w-1/3'):
            ui.label(_('Bookings by status, last 30 days')).classes('font-semibold')
            status = ui.echart(parts['status']).classes('w-full h-64').mark('status-chart')
    with ui.card().classes('w-full'):
        ui.label(_("The day's bookings")).classes('font-semibold')
        table = scrolling(ui.table(columns=columns_of(BOOKING_COLUMNS), rows=[], row_key='id', pagination=15).classes(
            'w-full').props('dense flat').mark('day-bookings'), _("The day's bookings"))
        table.props['no-data-label'] = _('No bookings on this day.')
    shared = ((revenue, 'revenue', 'options'), (status, 'status', 'options'), (table, 'rows', 'rows'))
    for element, part, prop in shared:
        live.set_prop(element, prop, parts[part])
        room.bind(element, part, prop)
    room.show('dashboard', argument)

    def absorb(message: dict, _event) -> None:
        fresh = message.get('parts', {})
        if 'cards' in fresh:
            live.set_prop(figures, 'values', fresh['cards'])
        for element, part, prop in shared:
            if part in fresh:
                live.set_prop(element, prop, fresh[part])

    room.follow(absorb)


def _card_texts(figures: dashboard.DashboardSummary, locale: str) -> dict[str, str]:
    currency = figures.currency
    return {'bookings-today': str(figures.bookings_today),
            'revenue-today': money(figures.revenue_today_cents, currency, locale),
            'revenue-30d': money(figures.revenue_30d_cents, currency, locale),
            'no-show-rate': rate(figures.no_show_rate_30d),
            'cancellation-rate': rate(figures.cancellation_rate_30d),
            'booked-7d': money(figures.booked_value_next_7d_cents, currency, locale),
            'booked-30d': money(figures.booked_value_next_30d_cents, currency, locale),
            'no-reminder': str(figures.unreached_this_week)}


def _revenue_options(figures: dashboard.DashboardSummary) -> dict:
    return {
        'tooltip': {'trigger': 'axis'},
        'grid': {'left': 60, 'right': 16, 'top': 16, 'bottom': 40},
        'xAxis': {'type': 'category', 'data': [format_date(d, 'dd MMM', locale=i18n.current())
                                               for d, _cents in figures.revenue_per_day]},
        'yAxis': {'type': 'value', 'name': figures.currency},
        'series': [{'type': 'bar', 'name': _('Revenue'), 'itemStyle': {'color': '#3b4a6b'},
                    'data': [float(amounts.to_major(cents, figures.currency))
                             for _day, cents in figures.revenue_per_day]}],
    }


def _status_options(figures: dashboard.DashboardSummary) -> dict:
    data = [{'name': _(STATUS_LABELS[s]), 'value': n, 'itemStyle': {'color': STATUS_COLOURS[s]}}
            for s, n in figures.bookings_by_status.items() if n]
    return {'tooltip': {'trigger': 'item'}, 'legend': {'bottom': 0},
            'series': [{'type': 'pie', 'radius': ['38%', '65%'], 'center': ['50%', '42%'], 'data': data,
                        'label': {'show': False}}]}


@functools.lru_cache(maxsize=8)
def _cards(language: str) -> list[dict]:
    """:data:`CARDS` in ``language`` (the language of the moment: the argument keys the cache)."""
    return [{'mark': mark, 'title': _(title), 'definition': _(definition) if definition else ''}
            for mark, title, definition in CARDS]


def _go_to(value: str | None, shown: date) -> None:
    if value and value != shown.isoformat():
        ui.navigate.to(f'/?day={value}')



