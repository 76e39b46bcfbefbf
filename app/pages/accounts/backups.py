"""The owner's Backups page (``/settings/backups``, linked from Settings): the last backup's time, size and result
— red when it failed or none worked for 26 hours — the daily schedule (time, folder, how many to keep, a passphrase
to seal them), and "Back up now". Every read and write runs in a worker thread."""

from __future__ import annotations

from typing import Any

from babel.numbers import format_decimal
from nicegui import ui

from app.models import BackupStatus, Role
from app.pages import language
from app.pages.formatting import local_datetime
from app.pages.guard import PageContext, guarded_page
from app.pages.layout import field_error
from app.pages.signed_in import OWNERS
from app.services import i18n
from app.services.backups import schedule
from app.services.errors import ClientPulseError
from app.services.i18n import N_, _

STATES = {  # state → icon, colour, words (the colour is never alone: the words say it)
    'ok': ('check_circle', 'text-green-800', N_('The last backup worked.')),
    'failed': ('error', 'text-red-800', N_('The last backup failed.')),
    'missing': ('error', 'text-red-800', N_('No backup has worked for more than 26 hours.')),
    'waiting': ('schedule', 'text-slate-700', N_('Scheduled: the first backup runs at the time below.')),
    'off': ('warning', 'text-amber-900', N_('Backups are not scheduled.')),
}


def backup_alert(page: PageContext) -> None:
    """For the owner, where called (the dashboard): a red line while backups fail or are overdue, with a link to the
    Backups page; nothing otherwise. Read in a worker thread once the page is drawn."""
    if page.user.role != Role.OWNER:
        return
    holder = ui.element('div').classes('w-full')

    async def load() -> None:
        status = await language.io_bound(schedule.status, actor=page.user)
        if status.state in ('failed', 'missing'):
            icon, colour, words = STATES[status.state]
            with holder, ui.row().classes(f'items-center gap-2 {colour}').mark('dashboard-backup-alert'):
                ui.icon(icon).props('aria-hidden=true')
                ui.label(_(words)).classes('font-semibold')
                ui.link(_('Backups: schedule, last backup, restore'), '/settings/backups').classes('text-blue-800')

    ui.timer(0, load, once=True)


@guarded_page('/settings/backups', roles=OWNERS, title='Backups', needs_location=False)
def backups_page(page: PageContext) -> None:
    """The Backups page: schedule, last backup, restore."""
    _Backups(page).build()


class _Backups:
    """The status and the schedule's form, filled once the status is read (in a worker thread)."""

    def __init__(self, page: PageContext) -> None:
        self.page = page
        self.fields: dict[str, Any] = {}
        self.time_zone = page.location.time_zone if page.location is not None else 'UTC'

    def build(self) -> None:
        ui.link(_('Back to Settings'), '/settings').classes('text-sm text-blue-800')
        self.status_card = ui.card().classes('w-full max-w-3xl').mark('backup-status')
        with ui.card().classes('w-full max-w-3xl'):
            heading = ui.label(_('Every day')).classes('text-lg font-semibold')
            heading.tag = 'h2'
            f = self.fields
            f['enabled'] = ui.switch(_('Back up every day')).mark('backup-enabled')
            with ui.grid().classes('w-full grid-cols-1 md:grid-cols-3 gap-x-4'):
                f['time_of_day'] = ui.input(_('Time of day (HH:MM)')).mark('backup-time')
                f['folder'] = ui.input(_('Folder (a USB disk, a network share)')).classes('md:col-span-2').mark(
                    'backup-folder')
                f['keep'] = ui.number(_('How many to keep'), min=1, max=schedule.MAX_KEEP, step=1, format='%d').mark(
                    'backup-keep')
                f['passphrase'] = ui.input(_('New passphrase (seals the backups)'), password=True,
                                           password_toggle_button=True).classes('md:col-span-2').mark(
                    'backup-passphrase')
            self.sealed = ui.label('').classes('text-sm text-slate-700').mark('backup-sealed')
            f['plain'] = ui.checkbox(_('Remove the passphrase: plain backups')).mark('backup-plain')
            ui.label(_('Without its passphrase a sealed backup cannot be restored by anyone, you included: keep it '
                       'written down somewhere safe.')).classes('text-xs text-slate-700')
            with ui.row().classes('gap-2'):
                ui.button(_('Save'), icon='save', on_click=self.save).mark('backup-save')
                ui.button(_('Back up now'), icon='backup', on_click=self.back_up_now).props('outline').mark(
                    'backup-now')
        with ui.card().classes('w-full max-w-3xl'):
            heading = ui.label(_('Restore')).classes('text-lg font-semibold')
            heading.tag = 'h2'
            ui.label(_('Stop ClientPulse, then run the command below on this computer. What is here now is moved '
                       'aside, never overwritten.')).classes('text-sm')
            ui.label('clientpulse restore /path/to/clientpulse-backup-….tar.gz').classes(
                'font-mono text-sm bg-slate-100 rounded px-2 py-1')
        ui.timer(0, self.load, once=True)

    async def load(self) -> None:
        status = await language.io_bound(schedule.status, actor=self.page.user)
        self.show(status)
        f = self.fields
        f['enabled'].value, f['time_of_day'].value = status.enabled, status.time_of_day
        f['folder'].value, f['keep'].value = status.folder, status.keep

    def show(self, status: BackupStatus) -> None:
        icon, colour, words = STATES[status.state]
        self.status_card.clear()
        with self.status_card:
            heading = ui.label(_('Last backup')).classes('text-lg font-semibold')
            heading.tag = 'h2'
            with ui.row().classes(f'items-center gap-2 {colour}').mark(f'backup-state-{status.state}'):
                ui.icon(icon).props('aria-hidden=true')
                ui.label(_(words)).classes('font-semibold')
            if status.last_finished_at is not None:
                ui.label(_('{when} · {result}').format(
                    when=local_datetime(status.last_finished_at, self.time_zone),
                    result=_('worked') if status.last_ok else _('failed'))).mark('backup-last')
            if status.last_ok and status.last_size_bytes is not None:
                ui.label(_('{size} MB in {file}').format(
                    size=format_decimal(status.last_size_bytes / 1e6, format='#,##0.0', locale=i18n.current()),
                    file=status.last_file)).classes('text-sm break-all').mark('backup-size')
            if not status.last_ok and status.last_message:
                ui.label(i18n.shown(status.last_message)).classes('text-sm text-red-800 break-all').mark(
                    'backup-error')
        self.sealed.set_text(_('Backups are sealed with a passphrase.') if status.sealed
                             else _('Backups are not sealed: anyone holding the disk can read them.'))

    async def save(self) -> None:
        f = self.fields
        for element in f.values():
            if hasattr(element, 'error'):
                element.error = None
        passphrase: dict[str, str] = {}
        if f['plain'].value:
            passphrase['passphrase'] = ''
        elif f['passphrase'].value:
            passphrase['passphrase'] = f['passphrase'].value
        try:
            status = await language.io_bound(
                schedule.save_schedule, enabled=bool(f['enabled'].value), time_of_day=f['time_of_day'].value or '',
                folder=f['folder'].value or '', keep=int(f['keep'].value or 0), actor=self.page.user, **passphrase)
        except ClientPulseError as error:
            field_error(f, error)
            return
        f['passphrase'].value, f['plain'].value = '', False
        self.show(status)
        ui.notify(_('Backup schedule saved.'), type='positive')

    async def back_up_now(self) -> None:
        ui.notify(_('Backing up…'))
        try:
            result = await language.io_bound(schedule.back_up_now, actor=self.page.user)
            ui.notify(_('Backed up into {file}.').format(file=result.path), type='positive', multi_line=True)
        except ClientPulseError as error:
            ui.notify(str(error), type='negative', multi_line=True)
        self.show(await language.io_bound(schedule.status, actor=self.page.user))
