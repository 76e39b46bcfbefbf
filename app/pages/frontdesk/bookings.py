"""Bookings: a day view per staff member (calendar grid) and a filterable list, both live."""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import date, timedelta
from html import escape

from nicegui import background_tasks, ui

from app import live
from app.models import BookingMove, BookingRead, BookingStatus, LocationRead, StaffMemberRead, UserRead
from app.pages import dates, language, params
from app.pages.formatting import booking_time, money
from app.pages.frontdesk.booking_dialogs import (
    CHANNEL_LABELS,
    long_day,
    open_booking_actions,
    open_in,
    open_new_booking,
)
from app.pages.frontdesk.grid import PX_PER_MINUTE, DayGrid, block_of, grid_texts, now_line
from app.pages.frontdesk.resource_day import resource_day_parts
from app.pages.frontdesk.week import WeekView
from app.pages.guard import PageContext, guarded_page
from app.pages.money.checkout import open_checkout
from app.pages.registry import shared_view
from app.pages.signed_in import FRONT_DESK
from app.services import clock, events, i18n
from app.services.analytics import noshow
from app.services.analytics.noshow import Risk
from app.services.catalogue import staff
from app.services.errors import ClientPulseError
from app.services.frontdesk import bookings
from app.services.frontdesk.bookings import STATUS_LABELS
from app.services.i18n import N_, _, ngettext
from app.services.messaging import reach

SCOPES = {1: N_('The day'), 7: N_('7 days from the day'), 30: N_('30 days from the day')}
LIST_COLUMNS = [
    {'name': 'when', 'label': N_('When'), 'field': 'when', 'align': 'left', 'sortable': True},
    {'name': 'customer', 'label': N_('Customer'), 'field': 'customer', 'align': 'left', 'sortable': True},
    {'name': 'service', 'label': N_('Service'), 'field': 'service', 'align': 'left'},
    {'name': 'staff', 'label': N_('Staff member'), 'field': 'staff', 'align': 'left', 'sortable': True},
    {'name': 'status', 'label': N_('Status'), 'field': 'status', 'align': 'left', 'sortable': True},
    {'name': 'channel', 'label': N_('Channel'), 'field': 'channel', 'align': 'left'},
    {'name': 'price', 'label': N_('Price'), 'field': 'price', 'align': 'right'},
    {'name': 'risk', 'label': N_('No-show risk'), 'field': 'risk', 'align': 'left', 'sortable': True},
]
RISK_LEVELS = {'low': N_('Low ({percent} %)'), 'medium': N_('Medium ({percent} %)'), 'high': N_('High ({percent} %)')}


@guarded_page('/bookings', roles=FRONT_DESK, title=N_('Bookings'), icon='event')
def bookings_page(page: PageContext, day: str | None = None) -> None:
    """The Bookings page: the day view of ``day`` (an ISO date, default today)."""
    shown, message = params.day(day, clock.today(page.location.time_zone))
    params.notice(message)
    view = _BookingsView(page.user, page.location, shown)
    view.build(live.join(page.user, page.location))


def day_links(day: date) -> str:
    """The day shown between links to the day before and after (HTML: one element instead of three; the links'
    names are read out, their arrows are not)."""
    arrows = []
    for step, name, icon in ((-1, _('Previous day'), 'chevron_left'), (1, _('Next day'), 'chevron_right')):
        arrows.append(f'<a href="/bookings?day={(day + timedelta(days=step)).isoformat()}" aria-label="{escape(name)}"'
                      f' title="{escape(name)}" class="day-step"><i class="q-icon notranslate material-icons"'
                      f' aria-hidden="true" role="presentation">{icon}</i></a>')
    return f'{arrows[0]}<span class="text-xl font-semibold">{escape(long_day(day))}</span>{arrows[1]}'


class _BookingsView:
    def __init__(self, user: UserRead, location: LocationRead, day: date) -> None:
        self.user, self.location, self.day = user, location, day
        self.members = staff.list_staff(location.id, actor=user, include_inactive=True)  # for the list's filter
        self.filters = {'scope': 1, 'staff_member_id': None, 'status': None, 'search': ''}
        self.dialogs: ui.element | None = None
        self.asked = 0  # list reads asked for: only the latest one's answer is shown

    def build(self, room: live.Subscription) -> None:
        self.dialogs = ui.element('div')  # dialogs live here, outside the parts that refresh
        with ui.row().classes('items-center gap-2'):
            ui.html(day_links(self.day), sanitize=False).classes('row items-center gap-2 no-wrap').mark('day')
            day_input = dates.date_input(_('Go to day'), self.day, locale=self.location.locale).props(
                'dense').classes('w-44')
            ui.button(_('Go'), on_click=lambda: self.go_to(day_input)).props('flat dense')
            ui.button(_('Today'), on_click=lambda: ui.navigate.to('/bookings')).props('flat dense')
            ui.button(_('Sale'), icon='point_of_sale', on_click=self.walk_in_sale).props('outline').mark(
                'walk-in-sale')
            ui.button(_('New booking'), icon='add', on_click=self.new_booking).mark('new-booking')
        with ui.tabs().classes('w-full') as tabs:
            grid_tab = ui.tab('Day view', _('Day view'))
            self.week_tab = ui.tab('Week', _('Week')).mark('week-tab')
            self.list_tab = ui.tab('List', _('List'))
            self.resources_tab = ui.tab('Resources', _('Resources')).mark('resources-tab')
        # the panel not shown is brought up to date when it is opened, not on every change
        self.panels = ui.tab_panels(tabs, value=grid_tab, on_change=self.on_tab).classes('w-full').mark('booking-tabs')
        self.stale: set[str] = set()
        with self.panels:
            with ui.tab_panel(grid_tab):
                argument = self.day.isoformat()
                parts = live.current_parts('day-view', self.location, argument, self.user)
                self.day_grid = DayGrid(parts['grid'], parts['blocks'], self.user.staff_member_id,
                                        now_line(self.day, self.location.time_zone, clock.now())).mark('day-grid')
                self.day_grid.on('open', lambda e: self.open(e.args))
                self.day_grid.on('slot', lambda e: self.new_at(e.args))
                self.day_grid.on('move', lambda e: self.move(e.args))
                room.bind(self.day_grid, 'grid', 'grid')
                room.bind(self.day_grid, 'blocks', 'blocks')
                room.show('day-view', argument)
            # the week and the list are drawn when first shown (on_tab): a page open on the day view holds neither
            # (every element costs each open page ~5 KB of server memory)
            self.week_panel = ui.tab_panel(self.week_tab)
            self.list_panel = ui.tab_panel(self.list_tab)
            self.resources_panel = ui.tab_panel(self.resources_tab)
        self.week: WeekView | None = None
        self.resource_grid: DayGrid | None = None
        self.staff_changed: events.StaffChanged | None = None
        self.list_table: ui.table | None = None
        self.staff_filter: ui.select | None = None
        room.follow(self.absorb)

    def new_booking(self) -> None:
        open_in(self.dialogs, open_new_booking(self.user, self.location, self.day))

    def walk_in_sale(self) -> None:
        """A sale without a booking: a product off the shelf, or a service done on the spot."""
        self.dialogs.clear()
        with self.dialogs:
            open_checkout(self.user, self.location)

    def go(self, day: date) -> None:
        ui.navigate.to(f'/bookings?day={day.isoformat()}')

    def go_to(self, day_input: ui.input) -> None:
        try:
            self.go(date.fromisoformat(day_input.value or ''))
        except ValueError:
            day_input.error = dates.refusal(self.location.locale)

    def absorb(self, message: dict, event) -> None:
        """Every event at the location: the day view follows its room quietly (its browser has the new grid
        already); the list, filtered per session, is updated here if shown, else when next shown."""
        for part in ('grid', 'blocks'):
            if part in message.get('parts', {}):
                live.set_prop(self.day_grid, part, message['parts'][part])
        if event.location_id != self.location.id:  # an owner's notice from another location
            return
        # the week and the list are read in a worker thread, each session's own: not while the room's message
        # goes out (this runs on the event loop)
        if self.week is not None:
            background_tasks.create(self.week.heard(event, self.showing_week()), name='week heard')
        elif isinstance(event, events.StaffChanged):  # the week, not drawn yet, reads its staff again when drawn
            self.staff_changed = event
        if self.resource_grid is not None:
            if self.showing_resources():
                background_tasks.create(self.draw_resources(), name='resource day')
            else:
                self.stale.add('resources')
        if isinstance(event, events.StaffChanged):  # the list's filter, drawn or not, offers who is there now
            background_tasks.create(self.refresh_staff(), name='staff filter')
        days = {getattr(event, 'day', None), getattr(event, 'previous_day', None)}
        last = self.day + timedelta(days=self.filters['scope'])
        if not hasattr(event, 'day') or any(d is not None and self.day <= d < last for d in days):
            if self.showing_list() and self.list_table is not None:
                background_tasks.create(self.update_table(), name='booking list')
            else:
                self.stale.add('list')

    def showing_list(self) -> bool:
        return self.panels.value in (self.list_tab, 'List')

    def showing_week(self) -> bool:
        return self.panels.value in (self.week_tab, 'Week')

    def showing_resources(self) -> bool:
        return self.panels.value in (self.resources_tab, 'Resources')

    async def draw_resources(self) -> None:
        """The day per resource, read in a worker thread: drawn the first time, brought up to date after."""
        if self.resource_grid is None and 'resources-drawing' in self.stale:
            return  # being drawn the first time (the tab opened twice while it was read)
        self.stale.discard('resources')
        self.stale.add('resources-drawing')
        try:
            parts = await language.io_bound(resource_day_parts, self.location, self.day, self.user)
        finally:
            self.stale.discard('resources-drawing')
        if self.resource_grid is None:
            with self.resources_panel:
                self.resource_grid = DayGrid(parts['grid'], parts['blocks'], None,
                                             now_line(self.day, self.location.time_zone, clock.now())).mark(
                    'resource-grid')
                self.resource_grid.on('open', lambda e: self.open(e.args))
            return
        live.set_prop(self.resource_grid, 'grid', parts['grid'])
        live.set_prop(self.resource_grid, 'blocks', parts['blocks'])

    def on_tab(self) -> Awaitable[None] | None:
        """The tab shown changed: draw its contents the first time (at once, in this change's own update) and bring
        them up to date when stale (read in a worker thread: NiceGUI awaits what this returns)."""
        if self.showing_week():
            if self.week is None:
                with self.week_panel:
                    self.week = WeekView(self.user, self.location, self.day, self.dialogs,
                                         members=[m for m in self.members if m.active])
                if self.staff_changed is not None:  # since the page read its staff: the chooser reads them again
                    return self.week.heard(self.staff_changed, True)
            return self.week.redraw() if self.week.stale else None
        if self.showing_resources():
            return self.draw_resources() if self.resource_grid is None or 'resources' in self.stale else None
        if self.showing_list():
            if self.list_table is None:
                with self.list_panel:
                    self.list_filters()
                    self.table()
            if 'list' in self.stale:
                self.stale.discard('list')
                return self.update_table()
        return None

    async def refresh_staff(self) -> None:
        """A staff member was added, renamed or switched off: read them again (in a worker thread) for the list's
        staff filter, drawn or still to be drawn; the one chosen stays chosen."""
        members = await language.io_bound(staff.list_staff, self.location.id, actor=self.user,
                                          include_inactive=True)
        self.members = members
        if self.staff_filter is None or self.staff_filter.is_deleted:
            return
        options = {None: self.staff_filter.options[None], **{m.id: m.name for m in members}}
        self.staff_filter.set_options(options, value=self.staff_filter.value if self.staff_filter.value in options
                                      else None)

    def new_at(self, where: dict) -> None:
        """An empty time of a staff member's column was clicked: a new booking there."""
        minute = params.whole_number(str(where.get('minute', ''))) if isinstance(where, dict) else None
        column = params.whole_number(str(where.get('column', ''))) if isinstance(where, dict) else None
        if minute is None or column is None or not 0 <= minute < 24 * 60:
            return
        open_in(self.dialogs, open_new_booking(self.user, self.location, self.day, staff_member_id=column,
                                               time=f'{minute // 60:02d}:{minute % 60:02d}'))

    async def move(self, where: dict) -> None:
        """A booking was dragged to another time or staff member: moved under the same rules as the dialog's Move;
        a refusal says why and the block stays where it was."""
        numbers = {k: params.whole_number(str(where.get(k, ''))) for k in ('id', 'column', 'minute')} \
            if isinstance(where, dict) else {}
        if None in numbers.values() or not numbers or not 0 <= numbers['minute'] < 24 * 60:
            return
        starts_at = clock.local_datetime(self.day, numbers['minute'], self.location.time_zone)
        try:
            await language.io_bound(bookings.move_booking, numbers['id'], BookingMove(
                starts_at=starts_at, staff_member_id=numbers['column']), actor=self.user)
        except ClientPulseError as error:
            ui.notify(str(error), type='negative', multi_line=True)
            return
        ui.notify(_('Booking moved.'), type='positive')

    def open(self, booking_id) -> None:
        """A booking's dialog, for the id a block or a list row sent (anything else is ignored)."""
        number = params.whole_number(str(booking_id))
        if number is not None:
            open_in(self.dialogs, open_booking_actions(self.user, self.location, number))

    # --- list -----------------------------------------------------------------------------------------------------

    def list_filters(self) -> None:
        with ui.row().classes('items-center gap-3'):
            ui.select({days: _(label) for days, label in SCOPES.items()}, value=1, label=_('Period'),
                      on_change=lambda e: self.set_filter('scope', e.value)).classes('w-48')
            self.staff_filter = ui.select(
                {None: _('Everyone'), **{m.id: m.name for m in self.members}}, value=None, label=_('Staff member'),
                on_change=lambda e: self.set_filter('staff_member_id', e.value)).classes('w-40').mark('filter-staff')
            ui.select({None: _('Any status'), **{s.value: _(label) for s, label in STATUS_LABELS.items()}},
                      value=None, label=_('Status'), on_change=lambda e: self.set_filter('status', e.value)
                      ).classes('w-40').mark('filter-status')
            ui.input(_('Customer name, code or phone'), on_change=lambda e: self.set_filter('search', e.value or '')
                     ).classes('w-72').mark('filter-search')

    async def set_filter(self, name: str, value) -> None:
        self.filters[name] = value
        await self.update_table()

    def table_rows(self) -> list[dict]:
        tz = self.location.time_zone
        start, _first_end = clock.day_bounds(self.day, tz)
        _last_start, end = clock.day_bounds(self.day + timedelta(days=self.filters['scope'] - 1), tz)
        status = self.filters['status']
        items = bookings.list_bookings(self.location.id, actor=self.user, start=start, end=end,
                                       staff_member_id=self.filters['staff_member_id'],
                                       status=BookingStatus(status) if status else None,
                                       search=self.filters['search'])
        currency = (self.location.currency, self.location.locale)
        risks = noshow.risks(self.location.id, [b.id for b in items], actor=self.user)
        signature = hash(tuple(sorted(risks.items())))
        language = i18n.current()  # rows are shared by the tabs of one language
        return live.derived(f'list-rows:{signature}:{language}', items, lambda: [
            live.per_item('list-row', b, (tz, currency, risks.get(b.id), language),
                          lambda b=b: _list_row(b, tz, currency, risks.get(b.id))) for b in items])

    def table(self) -> None:
        """The list, filled when its tab is first opened: a page open on the day view holds no copy of a busy
        day's rows."""
        columns = [{**column, 'label': _(column['label'])} for column in LIST_COLUMNS]
        self.list_table = ui.table(columns=columns, rows=[], row_key='id', pagination=25).classes(
            'w-full').props('dense flat').mark('booking-list')
        self.list_table.on('rowClick', lambda e: self.open(_row_id(e.args)))
        self.count_label = ui.label('').classes('text-sm text-slate-500').mark('booking-count')
        self.stale.add('list')

    async def update_table(self) -> None:
        """Read the rows (in a worker thread) and put them into the list (sent only when they changed); an answer
        overtaken by a later one (a filter typed meanwhile) is dropped."""
        self.asked += 1
        asked = self.asked
        rows = await language.io_bound(self.table_rows)
        if asked != self.asked or self.list_table is None or self.list_table.is_deleted:
            return
        live.sync_rows(self.list_table, rows)
        count = len(self.list_table.rows)
        self.count_label.set_text(ngettext('{n} booking', '{n} bookings', count).format(n=count))


def _row_id(args) -> object:
    """The ``id`` of the row a ``rowClick`` event names (``[event, row, index]`` from Quasar), or None."""
    row = args[1] if isinstance(args, list) and len(args) > 1 else None
    return row.get('id') if isinstance(row, dict) else None


def _list_row(b: BookingRead, tz: str, currency: tuple[str, str], risk: Risk | None) -> dict:
    return {'id': b.id, 'when': f'{clock.to_local(b.starts_at, tz):%Y-%m-%d} {booking_time(b, tz)}',
            'customer': _('Walk-in') if b.customer_id is None and b.customer_name == 'Walk-in' else b.customer_name,
            'service': b.service_name, 'staff': b.staff_name,
            'status': _(STATUS_LABELS[b.status]), 'channel': _(CHANNEL_LABELS[b.channel]),
            'price': money(b.price_cents, *currency),
            'risk': _risk_text(risk)}


def _risk_text(risk: Risk | None) -> str:
    """'High (31 %): 2 earlier no-shows; booked 40 days ahead', 'Low (4 %)', or '' (not booked or confirmed, or no
    model yet)."""
    if risk is None:
        return ''
    percent = f'{risk.probability * 100:.0f}'
    text = _(RISK_LEVELS[risk.level]).format(percent=percent) if risk.level in RISK_LEVELS else \
        f'{risk.level.capitalize()} ({percent} %)'  # the house's way: a space before %
    words = risk.words()
    return _('{risk}: {reasons}').format(risk=text, reasons='; '.join(words)) if words and risk.level != 'low' \
        else text


@shared_view('day-view')
def day_view_parts(location: LocationRead, day: str, actor: UserRead) -> dict:
    """The day view of ``location`` on the local ``day`` (ISO) as every open day view draws it: ``{'grid': {first,
    last (minutes of the day shown), px (per minute), clashes (count), all_known (every length recorded),
    columns: [{id, name, colour, shifts: [[start, end] minutes] (weekly and extra), away: [[start, end, reason]]}]},
    'blocks': keyed [{id, column (staff member id),
    start, text, title, style}]}``: a booking sends its own block, not the day's."""
    shown = date.fromisoformat(day)
    tz = location.time_zone
    start, end = clock.day_bounds(shown, tz)
    listed = bookings.list_day(location.id, shown, actor=actor, time_zone=tz)
    risks = noshow.risks(location.id, [b.id for b in listed], actor=actor)
    unreached = frozenset(reach.unreachable_between(location.id, start, end, actor=actor))
    # a retrained model (or a customer's new contact) redraws the day, not only a changed list
    signature = hash((tuple(sorted(risks.items())), unreached))
    language = i18n.current()  # each language's rooms have their own words
    layout = live.derived_again(f'day-layout:{location.id}:{day}:{tz}:{language}', listed, given=signature,
                                build=lambda last: _DayLayout.of(listed, tz, risks, unreached, previous=last))
    members = staff.list_staff(location.id, actor=actor, include_inactive=True)
    weekday = shown.weekday()
    plan = staff.schedule(location.id, start, end, actor=actor)
    extra = {x.staff_member_id: [] for x in plan.extra_shifts}
    for shift in plan.extra_shifts:
        extra[shift.staff_member_id].append([shift.start_minute, shift.end_minute])
    away: dict[int, list] = {}
    for gone in plan.time_off:  # minutes of the day shown, clipped to it
        first_minute = 0 if gone.starts_at <= start else clock.minute_of_day(gone.starts_at, tz)
        last_minute = 24 * 60 if gone.ends_at >= end else clock.minute_of_day(gone.ends_at, tz)
        away.setdefault(gone.staff_member_id, []).append([first_minute, last_minute, gone.reason or _('Time off')])
    columns = [m for m in members if (m.active and (any(h.weekday == weekday for h in m.working_hours)
                                                   or m.id in extra)) or m.id in layout.blocks]
    first, last = _hours_shown(columns, layout.extent, weekday)
    return {'grid': {
        'first': first, 'last': last, 'px': PX_PER_MINUTE, 'clashes': len(layout.clashes),
        'all_known': layout.all_known, **grid_texts(len(layout.clashes)),
        'columns': [{'id': m.id, 'name': m.name, 'colour': m.colour,
                     'shifts': [[h.start_minute, h.end_minute] for h in m.working_hours if h.weekday == weekday]
                     + extra.get(m.id, []), 'away': away.get(m.id, [])}
                    for m in columns]},
        'blocks': live.derived('day-blocks', layout, lambda: live.keyed(
            [block for member in layout.blocks.values() for block in member.values()]))}


@dataclass(frozen=True)
class _DayLayout:
    """A day's bookings as the day view draws them, computed once per list for every open day view.

    Built from the layout of the same day's previous list (``previous``) by redrawing only the staff members whose
    bookings changed: the day's list is patched, not re-read (``bookings._DayLists``), so an unchanged booking is
    the very same object, found by identity. A busy day of 1,500 bookings cost 3-4 ms a change redrawn in full
    (``bench/fanout.py --day-size``); a booking now costs its staff member's column.
    """

    blocks: dict[int, dict[int, dict]]  # staff member id → booking id → block as day_grid.js draws it (block_of)
    clashes: frozenset[int]
    all_known: bool  # every booking drawn has a recorded length
    extent: tuple[int, int] | None  # first start and last end of the bookings drawn (minutes of the day)
    drawn: dict[int, BookingRead] = field(default_factory=dict, compare=False, repr=False)  # id → booking drawn
    columns: dict[int, _Column] = field(default_factory=dict, compare=False, repr=False)  # staff member id → its part
    risks: dict[int, Risk] = field(default_factory=dict, compare=False, repr=False)  # as drawn
    unreached: frozenset[int] = field(default=frozenset(), compare=False, repr=False)  # as drawn

    @classmethod
    def of(cls, listed: list[BookingRead], tz: str, risks: dict[int, Risk] | None = None,
           unreached: frozenset[int] = frozenset(), previous: _DayLayout | None = None) -> _DayLayout:
        """The layout of ``listed``; ``previous``: the layout of the day's last list in the same ``tz`` and
        language, whose staff members' columns are reused where none of their bookings changed, nor their risks or
        whether their customers are reached (``None``: every column drawn)."""
        risks = risks or {}
        cancelled = BookingStatus.CANCELLED
        drawn = {b.id: b for b in listed if b.status != cancelled and b.time_known}  # as drawn (time_recorded)
        touched: set[int] | None = None
        if previous is not None:
            before = previous.drawn
            changed = [b for i, b in drawn.items() if before.get(i) is not b]  # new, or read again changed
            touched = {b.staff_member_id for b in changed}
            # where they were, and where the bookings no longer drawn were (cancelled, moved to another day, gone)
            touched.update(before[b.id].staff_member_id for b in changed if b.id in before)
            touched.update(before[i].staff_member_id for i in before.keys() - drawn.keys())
            flagged = unreached ^ previous.unreached  # a customer's contact added or taken away
            if risks or previous.risks:
                flagged |= {i for i in risks.keys() | previous.risks.keys() if risks.get(i) != previous.risks.get(i)}
            touched.update(drawn[i].staff_member_id for i in flagged if i in drawn)
        mine: dict[int, list[BookingRead]] = {}
        for booking in drawn.values():
            if touched is None or booking.staff_member_id in touched:
                mine.setdefault(booking.staff_member_id, []).append(booking)
        columns = {} if previous is None else {m: c for m, c in previous.columns.items() if m not in touched}
        columns.update((member, _Column.of(items, tz, risks, unreached)) for member, items in mine.items())
        spans = [c.extent for c in columns.values()]
        return cls(blocks={member: c.blocks for member, c in columns.items()},
                   clashes=frozenset().union(*(c.clashes for c in columns.values())),
                   all_known=all(c.all_known for c in columns.values()),
                   extent=(min(s[0] for s in spans), max(s[1] for s in spans)) if spans else None,
                   drawn=drawn, columns=columns, risks=risks, unreached=unreached)


@dataclass(frozen=True)
class _Column:
    """One staff member's bookings of the day as drawn (part of a :class:`_DayLayout`)."""

    blocks: dict[int, dict]  # booking id → block
    clashes: frozenset[int]
    all_known: bool
    extent: tuple[int, int]

    @classmethod
    def of(cls, items: list[BookingRead], tz: str, risks: dict[int, Risk], unreached: frozenset[int]) -> _Column:
        """The column of ``items`` (one staff member's bookings drawn, at least one)."""
        clashes = frozenset(bookings.overlapping_ids(items))
        blocks: dict[int, dict] = {}
        starts, ends = [], []
        language = i18n.current()
        for booking in items:
            clash = booking.id in clashes
            risk = risks.get(booking.id)
            far = booking.id in unreached
            block = live.per_item('day-block', booking, (clash, tz, risk, far, language),
                                  lambda b=booking, c=clash, r=risk, u=far: block_of(b, c, tz, r, u))
            blocks[booking.id] = block
            # a booking's real end (imported ones without a length: their 20-minute marker), not the minimum
            # height a short block is drawn with: a 15-minute booking at 19:45 must not add an empty hour (and
            # redraw every open day view)
            minutes = int((booking.ends_at - booking.starts_at).total_seconds() // 60)
            starts.append(block['start'] - block['before'])  # its preparation and buffer are drawn too
            ends.append(block['start'] + (minutes if booking.duration_known else max(minutes, 20)) + block['after'])
        return cls(blocks=blocks, clashes=clashes, all_known=all(b.duration_known for b in items),
                   extent=(min(starts), max(ends)))


def _hours_shown(columns: list[StaffMemberRead], extent: tuple[int, int] | None, weekday: int) -> tuple[int, int]:
    """First and last minute of the grid: working hours and the bookings' ``extent`` (see :class:`_DayLayout`),
    whole hours, default 08–20."""
    starts = [h.start_minute for m in columns for h in m.working_hours if h.weekday == weekday]
    ends = [h.end_minute for m in columns for h in m.working_hours if h.weekday == weekday]
    if extent is not None:
        starts.append(extent[0])
        ends.append(extent[1])
    first = max(0, min([*starts, 8 * 60])) // 60 * 60  # a preparation before midnight is not drawn the day before
    last = -(-min(max([*ends, 20 * 60]), 24 * 60) // 60) * 60
    return first, last
