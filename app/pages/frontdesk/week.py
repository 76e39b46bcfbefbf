"""A staff member's week: the day view's grid with one column per day (Monday to Sunday) for one staff member, their
hours, breaks, time off, extra shifts and bookings. Click a booking to open it, an empty time to book there, drag a
booking to another day or time to move it (under the same rules; a refusal says why and it springs back)."""

from __future__ import annotations

from datetime import date, timedelta

from babel.dates import format_date
from nicegui import ui

from app import live
from app.models import BookingMove, BookingStatus, LocationRead, StaffMemberRead, UserRead
from app.pages import language, params
from app.pages.frontdesk.booking_dialogs import open_booking_actions, open_in, open_new_booking
from app.pages.frontdesk.grid import PX_PER_MINUTE, DayGrid, block_of, grid_texts
from app.services import clock, events, i18n
from app.services.catalogue import staff
from app.services.errors import ClientPulseError
from app.services.frontdesk import bookings
from app.services.i18n import _
from app.services.messaging import reach


def week_parts(location: LocationRead, member: StaffMemberRead, monday: date, actor: UserRead) -> dict:
    """The week of ``member`` from ``monday`` as ``day_grid.js`` draws it: ``{'grid': {first, last, px, clashes,
    all_known, columns: [{id (the day's proleptic ordinal), name ('Mon 07'), colour, shifts, away}]}, 'blocks':
    [{id, column (the day's ordinal), start, text, title, unreached, style}]}`` (shapes as the day view's: a booking
    whose customer no message reaches carries the no-reminder mark, named in the legend).

    :raises PermissionDeniedError: another location
    """
    tz = location.time_zone
    start, _first_end = clock.day_bounds(monday, tz)
    _last_start, end = clock.day_bounds(monday + timedelta(days=6), tz)
    listed = [b for b in bookings.list_bookings(location.id, actor=actor, start=start, end=end,
                                                staff_member_id=member.id)
              if b.status != BookingStatus.CANCELLED and b.time_recorded]
    clashes = bookings.overlapping_ids(listed)
    unreached = reach.unreachable_between(location.id, start, end, actor=actor, staff_member_id=member.id)
    plan = staff.schedule(location.id, start, end, actor=actor)
    columns = [_day_column(member, plan, monday + timedelta(days=offset), tz) for offset in range(7)]
    minutes = [m for column in columns for shift in column['shifts'] for m in shift]
    blocks = []
    for booking in listed:
        block = {**block_of(booking, booking.id in clashes, tz, unreached=booking.id in unreached),
                 'column': clock.to_local(booking.starts_at, tz).date().toordinal()}
        blocks.append(block)
        minutes += [block['start'], block['start'] + int((booking.ends_at - booking.starts_at).total_seconds() // 60)]
    first_minute = min([*minutes, 8 * 60]) // 60 * 60
    last_minute = -(-min(max([*minutes, 20 * 60]), 24 * 60) // 60) * 60
    return {'grid': {'first': first_minute, 'last': last_minute, 'px': PX_PER_MINUTE, 'clashes': len(clashes),
                     'all_known': all(b.duration_known for b in listed), 'columns': columns,
                     **grid_texts(len(clashes))}, 'blocks': blocks}


def _day_column(member: StaffMemberRead, plan: staff.Schedule, day: date, tz: str) -> dict:
    """The column of ``day`` for ``member``: its shifts (weekly hours and extra shifts, ``[start, end]`` minutes of
    the day) and time off (``[start, end, reason]``, cut to the day)."""
    first, last = clock.day_bounds(day, tz)
    shifts = [[h.start_minute, h.end_minute] for h in member.working_hours if h.weekday == day.weekday()]
    shifts += [[x.start_minute, x.end_minute] for x in plan.extra_shifts
               if x.staff_member_id == member.id and x.day == day]
    away = [[0 if gone.starts_at <= first else clock.minute_of_day(gone.starts_at, tz),
             24 * 60 if gone.ends_at >= last else clock.minute_of_day(gone.ends_at, tz),
             gone.reason or _('Time off')]
            for gone in plan.time_off
            if gone.staff_member_id == member.id and gone.starts_at < last and gone.ends_at > first]
    return {'id': day.toordinal(), 'name': format_date(day, 'EEE dd', locale=i18n.current()),
            'colour': member.colour, 'shifts': shifts, 'away': away}


class WeekView:
    """The week tab of the Bookings page: a staff member chooser (a staff login starts on their own) and the grid.
    Redrawn when a booking or the staff change at the location while it is shown, else when next shown; what it
    draws is read in a worker thread (an answer overtaken by a later redraw is dropped)."""

    def __init__(self, user: UserRead, location: LocationRead, day: date, dialogs: ui.element, *,
                 members: list[StaffMemberRead]) -> None:
        """``members``: the location's active staff members, read by the caller (not on the event loop here)."""
        self.user, self.location, self.dialogs = user, location, dialogs
        self.monday = day - timedelta(days=day.weekday())
        self.members = {m.id: m for m in members}
        chosen = user.staff_member_id if user.staff_member_id in self.members else next(iter(self.members), None)
        with ui.row().classes('items-center gap-2'):
            self.who = ui.select({m.id: m.name for m in self.members.values()}, value=chosen,
                                 label=_('Staff member'), on_change=self.redraw).classes('w-48').mark(
                'week-staff')
            ui.label(_('Week of {day}').format(day=format_date(self.monday, 'dd MMMM y', locale=i18n.current()))
                     ).classes('text-slate-600').mark('week-of')
        self.grid = DayGrid({'first': 480, 'last': 1200, 'px': 1, 'clashes': 0, 'all_known': True, 'columns': [],
                             **grid_texts(0)}, [], None).mark('week-grid')
        self.grid.on('open', lambda e: self.open(e.args))
        self.grid.on('slot', lambda e: self.new_at(e.args))
        self.grid.on('move', lambda e: self.move(e.args))
        self.stale = True
        self.asked = 0  # redraws asked for: only the latest one's answer is drawn

    async def redraw(self) -> None:
        member = self.members.get(self.who.value)
        if member is None:
            return
        self.asked += 1
        asked = self.asked
        parts = await language.io_bound(week_parts, self.location, member, self.monday, self.user)
        if asked != self.asked or self.grid.is_deleted:
            return
        live.set_prop(self.grid, 'grid', parts['grid'])
        live.set_prop(self.grid, 'blocks', parts['blocks'])
        self.grid.update()  # this session's own copy: sent to its browser (the day view's come through its room)
        self.stale = False

    async def heard(self, event, showing: bool) -> None:
        """An event at the location: redraw now if the week is shown, else when it is next shown (a booking
        outside this week changes nothing)."""
        days = {getattr(event, 'day', None), getattr(event, 'previous_day', None)} - {None}
        if days and not any(0 <= (d - self.monday).days < 7 for d in days):
            return
        if isinstance(event, events.StaffChanged):
            listed = await language.io_bound(staff.list_staff, self.location.id, actor=self.user)
            if self.who.is_deleted:
                return
            self.members = {m.id: m for m in listed}
            self.who.set_options({m.id: m.name for m in self.members.values()}, value=self.who.value
                                 if self.who.value in self.members else None)
        if showing:
            await self.redraw()
        else:
            self.stale = True

    def _day_and_minute(self, where) -> tuple[date, int] | None:
        if not isinstance(where, dict):
            return None
        column = params.whole_number(str(where.get('column', '')))
        minute = params.whole_number(str(where.get('minute', '')))
        if column is None or minute is None or not 0 <= minute < 24 * 60:
            return None
        day = date.fromordinal(column) if column >= 1 else None
        if day is None or not 0 <= (day - self.monday).days < 7:
            return None
        return day, minute

    def open(self, booking_id) -> None:
        number = params.whole_number(str(booking_id))
        if number is None:
            return
        open_in(self.dialogs, open_booking_actions(self.user, self.location, number))

    def new_at(self, where) -> None:
        spot = self._day_and_minute(where)
        if spot is None or self.who.value is None:
            return
        day, minute = spot
        open_in(self.dialogs, open_new_booking(self.user, self.location, day, staff_member_id=self.who.value,
                                               time=f'{minute // 60:02d}:{minute % 60:02d}'))

    async def move(self, where) -> None:
        spot = self._day_and_minute(where)
        number = params.whole_number(str(where.get('id', ''))) if isinstance(where, dict) else None
        if spot is None or number is None or self.who.value is None:
            return
        day, minute = spot
        try:
            await language.io_bound(bookings.move_booking, number, BookingMove(
                starts_at=clock.local_datetime(day, minute, self.location.time_zone),
                staff_member_id=self.who.value), actor=self.user)
        except ClientPulseError as error:
            ui.notify(str(error), type='negative', multi_line=True)
            await self.redraw()  # the block springs back
            return
        ui.notify(_('Booking moved.'), type='positive')
