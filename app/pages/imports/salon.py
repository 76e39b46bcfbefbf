"""Import page: upload the salon export's CSV files and import them with progress."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from nicegui import events, ui

from app.models import Role
from app.pages.guard import PageContext, guarded_page
from app.pages.imports.mapping import mapping_section, run_import
from app.pages.signed_in import MANAGING
from app.services.i18n import N_, _
from app.services.imports import salon as imports

ROLES = MANAGING


# the owner may import before there is any location: the salon export creates one
@guarded_page('/import', roles=ROLES, title=N_('Import'), icon='upload_file', needs_location=False)
def import_page(page: PageContext) -> None:
    """The Import page: the salon export's CSV files, and mapped files."""
    user, location = page.user, page.location
    folder = Path(tempfile.mkdtemp(prefix='clientpulse-upload-'))
    ui.context.client.on_delete(lambda: shutil.rmtree(folder, ignore_errors=True))
    state = {'fraction': 0.0, 'message': ''}
    ui.label(_('Salon export')).classes('text-xl font-semibold')
    ui.markdown(_('Upload the CSV files of the export ({files}). Nothing is changed unless every file is valid; '
                  'running it again adds only rows that are new.').format(
        files=', '.join(f'`{name}`' for name in imports.SALON_FILES.values())))
    uploaded = ui.label(_('No files yet.')).classes('text-slate-500').mark('uploaded')

    async def receive(e: events.UploadEventArguments) -> None:
        name = Path(e.file.name).name
        if name not in imports.SALON_FILES.values():
            ui.notify(_('{name} is not a file of the salon export; skipped.').format(name=name), type='warning')
            return
        await e.file.save(folder / name)
        uploaded.text = _('Ready: {files}').format(files=', '.join(sorted(p.name for p in folder.iterdir())))

    ui.upload(multiple=True, auto_upload=True, on_upload=receive, label=_('CSV files')).props(
        'accept=.csv').classes('w-[32rem] max-w-full').mark('upload')
    if user.role == Role.OWNER:  # the owner may import into any location, or a new one by name
        name = ui.input(_('Import into location'), value=imports.SALON_LOCATION.name).classes('w-96 max-w-full')
    else:  # everyone else into their own
        name = ui.input(_('Import into location'), value=location.name if location else '').classes(
            'w-96 max-w-full').props('readonly')
    progress = ui.linear_progress(value=0, show_value=False).classes('w-[32rem] max-w-full')
    status = ui.label('').mark('import-status')
    ui.timer(0.25, lambda: (progress.set_value(state['fraction']), status.set_text(state['message'])))

    async def start() -> None:
        if not any(folder.iterdir()):
            ui.notify(_('Upload the export files first.'), type='warning')
            return
        target = imports.SALON_LOCATION.model_copy(update={'name': name.value or imports.SALON_LOCATION.name})
        failed = await run_import(state, button, imports.import_salon, folder, actor=user, location=target)
        if failed:
            ui.notify(failed, type='negative', multi_line=True)

    button = ui.button(_('Import'), icon='upload', on_click=start).mark('start-import')
    mapping_section(user)
