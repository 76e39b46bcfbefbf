"""Staff members and their weekly hours."""

from __future__ import annotations

from nicegui import ui

from app.models import WorkingHoursBase
from app.pages.guard import PageContext, guarded_page
from app.pages.session import MANAGING
from app.services.catalogue import staff

WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']


def hours_text(shifts: list[WorkingHoursBase], weekday: int) -> str:
    """``09:00–17:00`` (several shifts joined by commas), or ``off``."""
    return ', '.join(f'{s.start_minute // 60:02d}:{s.start_minute % 60:02d}–{s.end_minute // 60:02d}:'
                     f'{s.end_minute % 60:02d}' for s in shifts if s.weekday == weekday) or 'off'


def register() -> None:
    @guarded_page('/staff', roles=MANAGING, title='Staff', icon='badge')
    def staff_page(page: PageContext) -> None:
        columns = [{'name': 'name', 'label': 'Staff member', 'field': 'name', 'align': 'left'},
                   {'name': 'active', 'label': 'Active', 'field': 'active', 'align': 'left'},
                   *({'name': d, 'label': d, 'field': d, 'align': 'left'} for d in WEEKDAYS)]
        rows = [{'id': m.id, 'name': m.name, 'active': 'yes' if m.active else 'no',
                 **{d: hours_text(m.working_hours, i) for i, d in enumerate(WEEKDAYS)}}
                for m in staff.list_staff(page.location.id, actor=page.user, include_inactive=True)]
        ui.table(columns=columns, rows=rows, row_key='id').classes('w-full').props('dense flat').mark('staff-list')
