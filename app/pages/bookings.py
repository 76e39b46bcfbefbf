"""Bookings: a day view per staff member (calendar grid) and a filterable list, both live."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from nicegui import ui

from app.models import BookingRead, BookingStatus, LocationRead, StaffMemberRead, UserRead
from app.services import bookings, clock, staff
from app.services.bookings import STATUS_LABELS

from . import live
from .booking_dialogs import open_booking_actions, open_new_booking
from .dashboard import STATUS_COLOURS
from .formatting import booking_time, local_time, money
from .layout import frame
from .session import current_location, require_user

PX_PER_MINUTE = 1.1
SCOPES = {1: 'The day', 7: '7 days from the day', 30: '30 days from the day'}
LIST_COLUMNS = [
    {'name': 'when', 'label': 'When', 'field': 'when', 'align': 'left', 'sortable': True},
    {'name': 'customer', 'label': 'Customer', 'field': 'customer', 'align': 'left', 'sortable': True},
    {'name': 'service', 'label': 'Service', 'field': 'service', 'align': 'left'},
    {'name': 'staff', 'label': 'Staff member', 'field': 'staff', 'align': 'left', 'sortable': True},
    {'name': 'status', 'label': 'Status', 'field': 'status', 'align': 'left', 'sortable': True},
    {'name': 'channel', 'label': 'Channel', 'field': 'channel', 'align': 'left'},
    {'name': 'price', 'label': 'Price', 'field': 'price', 'align': 'right'},
]


def register() -> None:
    @ui.page('/bookings')
    def bookings_page(day: str | None = None) -> None:
        user = require_user('/bookings')
        if user is None:
            return
        location = current_location(user)
        with frame('Bookings', user, location):
            if location is None:
                ui.label('No location yet: import data or run the demo.')
                return
            try:
                shown = date.fromisoformat(day) if day else clock.today(location.time_zone)
            except ValueError:
                shown = clock.today(location.time_zone)
            view = _BookingsView(user, location, shown)
            view.build()
        live.on_location_change(location.id, view.on_event)


class _BookingsView:
    def __init__(self, user: UserRead, location: LocationRead, day: date) -> None:
        self.user, self.location, self.day = user, location, day
        members = staff.list_staff(location.id, actor=user, include_inactive=True)
        # a staff member sees their own column first
        self.members = sorted(members, key=lambda m: m.id != user.staff_member_id)
        self.filters = {'scope': 1, 'staff_member_id': None, 'status': None, 'search': ''}
        self.dialogs: ui.element | None = None

    def build(self) -> None:
        self.dialogs = ui.element('div')  # dialogs live here, outside the parts that refresh
        with ui.row().classes('items-center gap-2'):
            ui.button(icon='chevron_left', on_click=lambda: self.go(self.day - timedelta(days=1))).props('flat dense')
            ui.label(f'{self.day:%A %d %B %Y}').classes('text-xl font-semibold').mark('day')
            ui.button(icon='chevron_right', on_click=lambda: self.go(self.day + timedelta(days=1))).props('flat dense')
            day_input = ui.input('Go to day', value=self.day.isoformat()).props('dense').classes('w-36')
            ui.button('Go', on_click=lambda: self.go_to(day_input)).props('flat dense')
            ui.button('Today', on_click=lambda: ui.navigate.to('/bookings')).props('flat dense')
            ui.space()
            ui.button('New booking', icon='add', on_click=self.new_booking).mark('new-booking')
        with ui.tabs().classes('w-full') as tabs:
            grid_tab = ui.tab('Day view')
            self.list_tab = ui.tab('List')
        # the panel not shown is brought up to date when it is opened, not on every change
        self.panels = ui.tab_panels(tabs, value=grid_tab, on_change=self.on_tab).classes('w-full').mark('booking-tabs')
        self.stale: set[str] = set()
        with self.panels:
            with ui.tab_panel(grid_tab):
                self.grid()
            with ui.tab_panel(self.list_tab):
                self.list_filters()
                self.table()

    def new_booking(self) -> None:
        self.dialogs.clear()
        with self.dialogs:
            open_new_booking(self.user, self.location, self.day)

    def go(self, day: date) -> None:
        ui.navigate.to(f'/bookings?day={day.isoformat()}')

    def go_to(self, day_input: ui.input) -> None:
        try:
            self.go(date.fromisoformat(day_input.value or ''))
        except ValueError:
            day_input.error = 'Enter a date as YYYY-MM-DD.'

    def on_event(self, event) -> None:
        days = {getattr(event, 'day', None), getattr(event, 'previous_day', None)}
        last = self.day + timedelta(days=self.filters['scope'])
        if not hasattr(event, 'day') or any(d is not None and self.day <= d < last for d in days):
            if self.showing_list():
                self.update_table()
                self.stale.add('grid')
            else:
                self.update_grid()
                self.stale.add('list')

    def showing_list(self) -> bool:
        return self.panels.value in (self.list_tab, 'List')

    def on_tab(self) -> None:
        if 'list' in self.stale and self.showing_list():
            self.stale.discard('list')
            self.update_table()
        if 'grid' in self.stale and not self.showing_list():
            self.stale.discard('grid')
            self.update_grid()

    def open(self, booking: BookingRead) -> None:
        self.dialogs.clear()  # one dialog at a time; closed ones are removed
        with self.dialogs:
            open_booking_actions(self.user, self.location, bookings.get_booking(booking.id, actor=self.user))

    # --- day view -------------------------------------------------------------------------------------------------

    def grid_content(self) -> tuple[_DayLayout, list[StaffMemberRead], int, int]:
        """The day's bookings as drawn (shared by every session), the staff columns and the first/last minute
        shown."""
        tz = self.location.time_zone
        listed = bookings.list_day(self.location.id, self.day, actor=self.user, time_zone=tz)
        layout = live.derived('day-layout', listed, lambda: _DayLayout.of(listed, tz))
        weekday = self.day.weekday()
        columns = [m for m in self.members if (m.active and any(h.weekday == weekday for h in m.working_hours))
                   or m.id in layout.blocks]
        first, last = _hours_shown(columns, layout.extent, weekday)
        return layout, columns, first, last

    @staticmethod
    def grid_shape(layout: _DayLayout, columns: list[StaffMemberRead], first: int, last: int) -> tuple:
        return tuple(m.id for m in columns), first, last, len(layout.clashes), layout.all_known

    def update_grid(self) -> None:
        """Redraw only the bookings that changed (the whole grid if its shape changed)."""
        layout, columns, first, last = self.grid_content()
        if self.grid_shape(layout, columns, first, last) != self.shape:
            self.grid.refresh()
            return
        for member in columns:
            wanted = layout.blocks.get(member.id, {})
            if self.drawn[member.id] != wanted:  # most columns did not change: one comparison each
                with self.columns[member.id]:
                    self.column_blocks(member.id, wanted, first)

    @ui.refreshable_method
    def grid(self) -> None:
        layout, columns, first, last = self.grid_content()
        self.shape = self.grid_shape(layout, columns, first, last)
        self.columns: dict[int, ui.element] = {}
        self.drawn: dict[int, dict[int, _Block]] = {}  # per staff member: the blocks drawn, by booking id
        self.elements: dict[int, ui.element] = {}  # the element of each booking drawn, by booking id
        weekday = self.day.weekday()
        if layout.clashes:
            ui.label(f'{len(layout.clashes)} bookings overlap another of the same staff member (imported history) — '
                     'marked in red.').classes('text-negative').mark('overlap-warning')
        if not layout.all_known:
            ui.label('Imported bookings carry no length: they are drawn as short markers with a dashed edge.'
                     ).classes('text-sm text-slate-500')
        if not columns:
            ui.label('Nobody works on this day.').classes('text-slate-500')
            return
        height = (last - first) * PX_PER_MINUTE
        with ui.row().classes('w-full flex-nowrap gap-0 overflow-x-auto').mark('day-grid'):
            with ui.column().classes('gap-0 w-14 shrink-0'):
                ui.label('').classes('h-8')
                with ui.element('div').classes('relative w-full').style(f'height:{height}px'):
                    for minute in range(first, last, 60):
                        ui.label(f'{minute // 60:02d}:00').classes('absolute text-xs text-slate-500').style(
                            f'top:{(minute - first) * PX_PER_MINUTE}px')
            for member in columns:
                self.staff_column(member, layout.blocks.get(member.id, {}), first, height, weekday)

    def staff_column(self, member: StaffMemberRead, blocks: dict[int, _Block], first: int, height: float,
                     weekday: int) -> None:
        with ui.column().classes('gap-0 min-w-28 flex-1 border-l'):
            ui.label(member.name).classes('h-8 font-semibold text-center w-full')
            with ui.element('div').classes('relative w-full bg-slate-100').style(f'height:{height}px'):
                for shift in (h for h in member.working_hours if h.weekday == weekday):
                    ui.element('div').classes('absolute w-full bg-white').style(
                        f'top:{(shift.start_minute - first) * PX_PER_MINUTE}px;'
                        f'height:{(shift.end_minute - shift.start_minute) * PX_PER_MINUTE}px')
                for minute in range(first, first + int(height / PX_PER_MINUTE), 60):
                    ui.element('div').classes('absolute w-full border-t border-slate-200').style(
                        f'top:{(minute - first) * PX_PER_MINUTE}px')
                with ui.element('div').classes('absolute inset-0') as column:
                    self.drawn[member.id] = {}
                    self.column_blocks(member.id, blocks, first)
                self.columns[member.id] = column

    def column_blocks(self, staff_member_id: int, wanted: dict[int, _Block], first: int) -> None:
        """Make one staff member's column show ``wanted``, keeping the blocks of bookings that did not change
        (every open session does this on every change: a new booking costs one new block)."""
        drawn = self.drawn[staff_member_id]
        for booking_id, block in wanted.items():
            if drawn.get(booking_id) == block:
                continue
            if booking_id in drawn:
                self.elements.pop(booking_id).delete()
            drawn[booking_id] = block
            self.elements[booking_id] = self.block(block, first)
        for gone in set(drawn) - set(wanted):
            del drawn[gone]
            self.elements.pop(gone).delete()

    def block(self, block: _Block, first: int) -> ui.element:
        # one element per booking (every open session draws each new booking): the details go in its title;
        # classes and style come ready-made (parsing them was half the cost of a new block)
        element = _BlockLabel(block.text)
        element.style.update(block.style)
        element.style['top'] = f'{(block.start - first) * PX_PER_MINUTE}px'
        element.props['title'] = block.title
        return element.on('click', lambda b=block.booking: self.open(b)).mark(f'booking-{block.booking.id}')

    # --- list -----------------------------------------------------------------------------------------------------

    def list_filters(self) -> None:
        with ui.row().classes('items-center gap-3'):
            ui.select(SCOPES, value=1, label='Period', on_change=lambda e: self.set_filter('scope', e.value)
                      ).classes('w-48')
            ui.select({None: 'Everyone', **{m.id: m.name for m in self.members}}, value=None, label='Staff member',
                      on_change=lambda e: self.set_filter('staff_member_id', e.value)).classes('w-40').mark(
                'filter-staff')
            ui.select({None: 'Any status', **{s.value: label for s, label in STATUS_LABELS.items()}}, value=None,
                      label='Status', on_change=lambda e: self.set_filter('status', e.value)).classes('w-40').mark(
                'filter-status')
            ui.input('Customer name, code or phone', on_change=lambda e: self.set_filter('search', e.value or '')
                     ).classes('w-72').mark('filter-search')

    def set_filter(self, name: str, value) -> None:
        self.filters[name] = value
        self.update_table()

    def table_rows(self) -> list[dict]:
        tz = self.location.time_zone
        start, _ = clock.day_bounds(self.day, tz)
        _, end = clock.day_bounds(self.day + timedelta(days=self.filters['scope'] - 1), tz)
        status = self.filters['status']
        items = bookings.list_bookings(self.location.id, actor=self.user, start=start, end=end,
                                       staff_member_id=self.filters['staff_member_id'],
                                       status=BookingStatus(status) if status else None,
                                       search=self.filters['search'])
        self.by_id = live.derived('by-id', items, lambda: {b.id: b for b in items})
        return live.derived('list-rows', items, lambda: [_list_row(b, tz, self.location.currency) for b in items])

    def table(self) -> None:
        rows = self.table_rows()
        self.list_table = ui.table(columns=LIST_COLUMNS, rows=rows, row_key='id', pagination=25).classes(
            'w-full').props('dense flat').mark('booking-list')
        self.list_table.on('rowClick', lambda e: self.open(self.by_id[e.args[1]['id']]))
        self.count_label = ui.label(f'{len(rows)} bookings').classes('text-sm text-slate-500').mark('booking-count')

    def update_table(self) -> None:
        """Put the current rows into the list (sent only when they changed)."""
        live.sync_rows(self.list_table, self.table_rows())
        self.count_label.set_text(f'{len(self.list_table.rows)} bookings')


def _list_row(b: BookingRead, tz: str, currency: str) -> dict:
    return {'id': b.id, 'when': f'{clock.to_local(b.starts_at, tz):%Y-%m-%d} {booking_time(b, tz)}',
            'customer': b.customer_name, 'service': b.service_name, 'staff': b.staff_name,
            'status': STATUS_LABELS[b.status], 'channel': b.channel.value.replace('_', '-'),
            'price': money(b.price_cents, currency)}


class _BlockLabel(ui.label):
    """A booking's block in the day view."""


_BlockLabel.default_classes('absolute rounded px-1 text-white text-xs cursor-pointer shadow-sm overflow-hidden '
                            'whitespace-nowrap text-ellipsis')


@dataclass(frozen=True)
class _Block:
    """One booking as the day view draws it; equal blocks need no redrawing."""

    booking: BookingRead = field(compare=False)
    look: tuple  # what the block shows depends on: status, times, names, clash
    start: int  # minute of the local day
    text: str
    title: str
    style: dict[str, str]  # CSS, all but the top, which depends on the first hour shown


@dataclass(frozen=True)
class _DayLayout:
    """A day's bookings as the day view draws them, computed once per list for every open day view."""

    blocks: dict[int, dict[int, _Block]]  # staff member id → booking id → block
    clashes: frozenset[int]
    all_known: bool  # every booking drawn has a recorded length
    extent: tuple[int, int] | None  # first start and last end of the bookings drawn (minutes of the day)

    @classmethod
    def of(cls, listed: list[BookingRead], tz: str) -> _DayLayout:
        items = [b for b in listed if b.status != BookingStatus.CANCELLED and b.time_recorded]  # as drawn
        clashes = frozenset(bookings.overlapping_ids(items))
        blocks: dict[int, dict[int, _Block]] = {}
        starts, ends = [], []
        for booking in items:
            block = _block(booking, booking.id in clashes, tz)
            blocks.setdefault(booking.staff_member_id, {})[booking.id] = block
            # a booking's real end (imported ones without a length: their 20-minute marker), not the minimum
            # height a short block is drawn with: a 15-minute booking at 19:45 must not add an empty hour (and
            # redraw every open day view)
            minutes = int((booking.ends_at - booking.starts_at).total_seconds() // 60)
            starts.append(block.start)
            ends.append(block.start + (minutes if booking.duration_known else max(minutes, 20)))
        return cls(blocks=blocks, clashes=clashes, all_known=all(b.duration_known for b in items),
                   extent=(min(starts), max(ends)) if items else None)


def _block(booking: BookingRead, clash: bool, tz: str) -> _Block:
    start = clock.minute_of_day(booking.starts_at, tz)
    minutes = (booking.ends_at - booking.starts_at).total_seconds() / 60
    colour = STATUS_COLOURS[booking.status.value]
    edge = {'border': '2px solid #e53935'} if clash else {} if booking.duration_known else {'border': '2px dashed #fff'}
    text = f'{local_time(booking.starts_at, tz)} {booking.customer_name} · {booking.service_name}'
    details = [text, STATUS_LABELS[booking.status]]
    if clash:
        details.append('overlaps another booking')
    if not booking.duration_known:
        details.append('length not recorded (imported)')
    return _Block(booking=booking, look=(booking.status, booking.starts_at, booking.ends_at, booking.customer_name,
                                         booking.service_name, clash),
                  start=start, text=text, title=' · '.join(details),
                  style={'height': f'{max(minutes * PX_PER_MINUTE, 20)}px', 'left': f'{10 if clash else 3}px',
                         'right': '3px', 'background': colour, 'line-height': '16px', **edge})


def _hours_shown(columns: list[StaffMemberRead], extent: tuple[int, int] | None, weekday: int) -> tuple[int, int]:
    """First and last minute of the grid: working hours and the bookings' ``extent`` (see :class:`_DayLayout`),
    whole hours, default 08–20."""
    starts = [h.start_minute for m in columns for h in m.working_hours if h.weekday == weekday]
    ends = [h.end_minute for m in columns for h in m.working_hours if h.weekday == weekday]
    if extent is not None:
        starts.append(extent[0])
        ends.append(extent[1])
    first = min([*starts, 8 * 60]) // 60 * 60
    last = -(-min(max([*ends, 20 * 60]), 24 * 60) // 60) * 60
    return first, last
