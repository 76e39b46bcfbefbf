"""Scheduled reports: add schedules, see when they run next and every run's outcome (failures in red)."""

from __future__ import annotations

from nicegui import ui

from app.models import ReportScheduleBase, Role
from app.pages.formatting import local_datetime
from app.pages.guard import PageContext, guarded_page
from app.pages.layout import field_error
from app.pages.session import MANAGING
from app.services.analytics import schedules
from app.services.catalogue import locations
from app.services.errors import ClientPulseError

ROLES = MANAGING


def register() -> None:
    @guarded_page('/reports', roles=ROLES, title='Scheduled reports', icon='schedule_send')
    def reports_page(page: PageContext) -> None:
        user, home = page.user, page.location
        tz = home.time_zone
        names = {x.id: x.name for x in locations.list_locations(actor=user)}

        @ui.refreshable
        def tables() -> None:
            rows = [{'id': s.id, 'location': names.get(s.location_id, 'All locations'), 'frequency': s.frequency,
                     'format': s.format, 'recipients': s.recipients or '(file only)',
                     'next': local_datetime(s.retry_at or s.next_run_at, tz)
                     + (f' (retry {s.failures + 1})' if s.retry_at else '')}
                    for s in schedules.list_schedules(actor=user)]
            ui.table(columns=_columns('id', 'location', 'frequency', 'format', 'recipients', 'next'), rows=rows,
                     row_key='id').classes('w-full').props('dense flat').mark('schedule-list')
            mine = {s.id for s in schedules.list_schedules(actor=user)}
            runs = [r for r in schedules.list_runs(actor=user) if r.schedule_id in mine]
            ui.label('Runs').classes('font-semibold mt-4')
            failed = [r for r in runs if r.outcome == 'failed']
            if failed:
                ui.label(f'{len(failed)} run(s) failed — latest: {failed[0].error}').classes(
                    'text-negative').mark('failed-runs')
            table = ui.table(columns=_columns('schedule_id', 'period', 'attempt', 'outcome', 'file', 'emailed_to',
                                              'error'),
                             rows=[{'id': r.id, 'schedule_id': r.schedule_id, 'period': f'{r.period_start} – '
                                    f'{r.period_end}', 'attempt': r.attempt, 'outcome': r.outcome,
                                    'file': r.file_path.rsplit('/', 1)[-1], 'emailed_to': r.emailed_to,
                                    'error': r.error} for r in runs], row_key='id').classes('w-full').props(
                'dense flat').mark('run-list')
            table.add_slot('body-cell-outcome', '''
                <q-td :props="props"><q-badge :color="props.value == 'failed' ? 'negative' : 'positive'">
                {{ props.value }}</q-badge></q-td>''')

        with ui.card().classes('w-full'):
            ui.label('New schedule').classes('font-semibold')
            with ui.row().classes('w-full items-start gap-3'):
                options = {0: 'All locations', **names} if user.role == Role.OWNER else {home.id: home.name}
                where = ui.select(options, value=home.id, label='Location').classes('w-56')
                frequency = ui.select(['daily', 'weekly', 'monthly', 'quarterly'], value='weekly',
                                      label='Every').classes('w-32').mark('frequency')
                fmt = ui.select(['pdf', 'xlsx', 'csv'], value='pdf', label='Format').classes('w-24')
                recipients = ui.input('Recipients (comma-separated)').classes('w-96 max-w-full').mark('recipients')

                def add() -> None:
                    recipients.error = None
                    try:
                        schedules.create_schedule(ReportScheduleBase(
                            location_id=where.value or None, frequency=frequency.value, format=fmt.value,
                            recipients=recipients.value or ''), actor=user)
                    except ClientPulseError as error:
                        field_error({'recipients': recipients, 'frequency': frequency}, error)
                        return
                    recipients.value = ''
                    tables.refresh()

                ui.button('Add', on_click=add).mark('add-schedule')
        tables()


def _columns(*names: str) -> list[dict]:
    return [{'name': n, 'label': n.replace('_', ' ').capitalize(), 'field': n, 'align': 'left'} for n in names]
