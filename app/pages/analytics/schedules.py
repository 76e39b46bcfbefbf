"""Scheduled reports: add schedules, see when they run next and every run's outcome (failures in red)."""

from __future__ import annotations

from nicegui import ui

from app.models import ReportScheduleBase, Role
from app.pages.formatting import local_datetime
from app.pages.guard import PageContext, guarded_page
from app.pages.layout import field_error
from app.pages.signed_in import MANAGING
from app.services.analytics import schedules
from app.services.catalogue import locations
from app.services.errors import ClientPulseError
from app.services.i18n import N_, _, ngettext

ROLES = MANAGING
LABELS = {'id': N_('Id'), 'location': N_('Location'), 'frequency': N_('Frequency'), 'format': N_('Format'),
          'recipients': N_('Recipients'), 'next': N_('Next'), 'schedule_id': N_('Schedule id'),
          'period': N_('Period'), 'attempt': N_('Attempt'), 'outcome': N_('Outcome'), 'file': N_('File'),
          'emailed_to': N_('Emailed to'), 'error': N_('Error')}
"""The tables' column labels."""
OUTCOMES = {'failed': N_('failed'), 'success': N_('success')}


@guarded_page('/reports', roles=ROLES, title=N_('Scheduled reports'), icon='schedule_send')
def reports_page(page: PageContext) -> None:
    """The Scheduled reports page."""
    user, home = page.user, page.location
    tz = home.time_zone
    names = {x.id: x.name for x in locations.list_locations(actor=user)}

    @ui.refreshable
    def tables() -> None:
        rows = [{'id': s.id, 'location': names.get(s.location_id, _('All locations')),
                 'frequency': _(schedules.FREQUENCIES.get(s.frequency, s.frequency)),
                 'format': s.format, 'recipients': s.recipients or _('(file only)'),
                 'next': _('{when} (retry {attempt})').format(when=local_datetime(s.retry_at, tz),
                                                               attempt=s.failures + 1) if s.retry_at else
                 local_datetime(s.next_run_at, tz)}
                for s in schedules.list_schedules(actor=user)]
        ui.table(columns=_columns('id', 'location', 'frequency', 'format', 'recipients', 'next'), rows=rows,
                 row_key='id').classes('w-full').props('dense flat').mark('schedule-list')
        mine = {s.id for s in schedules.list_schedules(actor=user)}
        runs = [r for r in schedules.list_runs(actor=user) if r.schedule_id in mine]
        ui.label(_('Runs')).classes('font-semibold mt-4')
        failed = [r for r in runs if r.outcome == 'failed']
        if failed:
            ui.label(ngettext('{n} run failed — latest: {error}', '{n} runs failed — latest: {error}',
                              len(failed)).format(n=len(failed), error=failed[0].error)).classes(
                'text-negative').mark('failed-runs')
        table = ui.table(columns=_columns('schedule_id', 'period', 'attempt', 'outcome', 'file', 'emailed_to',
                                          'error'),
                         rows=[{'id': r.id, 'schedule_id': r.schedule_id, 'period': f'{r.period_start} – '
                                f'{r.period_end}', 'attempt': r.attempt, 'outcome': r.outcome,
                                'outcome_words': _(OUTCOMES.get(r.outcome, r.outcome)),
                                'file': r.file_path.rsplit('/', 1)[-1], 'emailed_to': r.emailed_to,
                                'error': r.error} for r in runs], row_key='id').classes('w-full').props(
            'dense flat').mark('run-list')
        table.add_slot('body-cell-outcome', '''
            <q-td :props="props"><q-badge :color="props.value == 'failed' ? 'negative' : 'positive'">
            {{ props.row.outcome_words }}</q-badge></q-td>''')

    with ui.card().classes('w-full'):
        ui.label(_('New schedule')).classes('font-semibold')
        with ui.row().classes('w-full items-start gap-3'):
            options = {0: _('All locations'), **names} if user.role == Role.OWNER else {home.id: home.name}
            where = ui.select(options, value=home.id, label=_('Location')).classes('w-56')
            frequency = ui.select({k: _(v) for k, v in schedules.FREQUENCIES.items()}, value='weekly',
                                  label=_('Every')).classes('w-32').mark('frequency')
            fmt = ui.select(['pdf', 'xlsx', 'csv'], value='pdf', label=_('Format')).classes('w-24')
            recipients = ui.input(_('Recipients (comma-separated)')).classes('w-96 max-w-full').mark(
                'recipients')

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

            ui.button(_('Add'), on_click=add).mark('add-schedule')
    tables()


def _columns(*names: str) -> list[dict]:
    return [{'name': n, 'label': _(LABELS[n]), 'field': n, 'align': 'left'} for n in names]
