"""Import page section: any booking export through a column mapping, with a preview.

Files are read, previewed and imported in worker threads (reading a large workbook takes seconds);
what goes wrong is shown as the service's message (file, line and field), never as a traceback.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path

from nicegui import events, ui

from app.config import bundled_path, get_settings
from app.models import UserRead
from app.pages import language
from app.pages.formatting import money
from app.services.errors import ClientPulseError
from app.services.i18n import N_, _
from app.services.imports import mapped as booking_imports
from app.services.imports import mapping, tabular

log = logging.getLogger(__name__)
EXAMPLES = bundled_path('docs/mappings')
PREVIEW_COLUMNS = ['line', 'location', 'customer', 'staff_member', 'service', 'starts_at', 'status', 'channel',
                   'price_cents']
PREVIEW_LABELS = {'line': N_('line'), 'location': N_('location'), 'customer': N_('customer'),
                  'staff_member': N_('staff member'), 'service': N_('service'), 'starts_at': N_('starts (local)'),
                  'status': N_('status'), 'channel': N_('channel'), 'price_cents': N_('price')}
UNEXPECTED = N_('The file could not be read (an unexpected error, logged for the developers). Nothing was imported.')


async def run_import(state: dict, button: ui.button, importer, *args, **options) -> str | None:
    """Run ``importer(*args, progress=…, **options)`` in a worker thread, keeping ``state['fraction']`` and
    ``state['message']`` up to date for the page's progress line, with ``button`` disabled meanwhile.
    Returns the error shown, or None when the import went through."""
    button.disable()

    def report(fraction: float, message: str) -> None:
        state.update(fraction=fraction, message=message)

    try:
        result = await language.io_bound(importer, *args, progress=report, **options)
    except ClientPulseError as error:
        state.update(fraction=0.0, message=_('Nothing was imported. {error}').format(error=error))
        return str(error)
    except Exception:
        log.exception('an import failed')
        state.update(fraction=0.0, message=_(UNEXPECTED))
        return _(UNEXPECTED)
    else:
        state.update(fraction=1.0, message=_('Imported: {summary}').format(summary=result.summary()))
        return None
    finally:
        button.enable()


def mapping_section(user: UserRead) -> None:
    """Upload a file, write or pick a mapping, preview the first rows, import with progress."""
    folder = Path(tempfile.mkdtemp(prefix='clientpulse-bookings-'))
    ui.context.client.on_delete(lambda: shutil.rmtree(folder, ignore_errors=True))
    state: dict = {'file': None, 'name': '', 'fraction': 0.0, 'message': ''}
    limit_mb = get_settings().import_max_mb
    ui.label(_('Any booking export (CSV or Excel)')).classes('text-xl font-semibold mt-6')
    columns_label = ui.label(_('Upload a file to see its columns.')).classes('text-slate-500').mark('file-columns')

    async def receive(e: events.UploadEventArguments) -> None:
        name = Path(e.file.name).name
        suffix = Path(name).suffix.lower()
        if suffix not in tabular.CSV_SUFFIXES | tabular.EXCEL_SUFFIXES:
            columns_label.text = _('{file}: only .csv and .xlsx files can be imported.').format(file=name)
            return
        if e.file.size() > limit_mb * 1024 * 1024:
            columns_label.text = _('{file} is larger than {limit} MB, the most one import takes.').format(
                file=name, limit=f'{limit_mb:g}')
            return
        target = folder / f'upload{suffix}'  # stored under a name of ours; messages use the sender's
        await e.file.save(target)
        state.update(file=target, name=name)
        try:
            columns = await language.io_bound(mapping.file_columns, target, name=name)
        except ClientPulseError as error:
            columns_label.text = str(error)
            return
        except Exception:
            log.exception('reading the columns of an upload failed')
            columns_label.text = _(UNEXPECTED)
            return
        columns_label.text = _('{file}: {columns}').format(file=name, columns=', '.join(columns))
        if not (text.value or '').strip():
            text.value = mapping.suggest(columns)

    ui.upload(auto_upload=True, on_upload=receive, label=_('Booking export'),
              max_file_size=int(limit_mb * 1024 * 1024),
              on_rejected=lambda: ui.notify(_('Files up to {limit} MB (.csv or .xlsx).').format(limit=f'{limit_mb:g}'),
                                            type='warning'),
              ).props('accept=.csv,.xlsx').classes('w-[32rem] max-w-full').mark('bookings-upload')
    examples = {p.name: p.stem.replace('-', ' ') for p in sorted(EXAMPLES.glob('*.toml'))}
    ui.select(examples, label=_('Start from an example mapping'),
              on_change=lambda e: text.set_value((EXAMPLES / e.value).read_text(encoding='utf-8')) if e.value else None
              ).classes('w-96 max-w-full')
    text = ui.textarea(_('Mapping (TOML): which column gives each field')).classes('w-full font-mono mb-8').props(
        'rows=14').mark('mapping-text')
    with ui.row().classes('gap-2'):  # the handlers are defined below, hence the lambdas
        ui.button(_('Preview'), icon='visibility', on_click=lambda: show_preview()).mark(  # noqa: PLW0108
            'preview-button')
        button = ui.button(_('Import bookings'), icon='upload', on_click=lambda: start()).mark(  # noqa: PLW0108
            'import-bookings')
    progress = ui.linear_progress(value=0, show_value=False).classes('w-[32rem] max-w-full')
    status = ui.label('').mark('bookings-import-status')
    preview_box = ui.column().classes('w-full')

    def current() -> mapping.Mapping | None:
        text.error = None
        try:
            return mapping.parse_toml(text.value or '', name=_('the mapping'))
        except ClientPulseError as error:
            text.error = str(error)
            return None

    async def show_preview() -> None:
        preview_box.clear()
        spec = current()
        if spec is None or state['file'] is None:
            if state['file'] is None:
                ui.notify(_('Upload the file first.'), type='warning')
            return
        try:
            shown = await language.io_bound(booking_imports.preview, state['file'], spec, name=state['name'])
        except ClientPulseError as error:
            message = str(error)
        except Exception:
            log.exception('preview of an upload failed')
            message = _(UNEXPECTED)
        else:
            local = shown['starts_at'].dt.tz_convert(spec.time_zone).dt.strftime('%Y-%m-%d %H:%M')
            rows = (shown.assign(starts_at=local, price_cents=[money(c, spec.currency) for c in shown['price_cents']])
                    [PREVIEW_COLUMNS].astype(str).to_dict('records'))
            with preview_box:
                ui.table(columns=[{'name': c, 'label': _(PREVIEW_LABELS[c]), 'field': c, 'align': 'left'}
                                  for c in PREVIEW_COLUMNS], rows=rows, row_key='line').classes('w-full').props(
                    'dense flat').mark('preview')
            return
        with preview_box:
            ui.label(message).classes('text-negative').mark('preview-error')

    async def start() -> None:
        spec = current()
        if spec is None or state['file'] is None:
            return
        await run_import(state, button, booking_imports.import_bookings, state['file'], spec, actor=user,
                         name=state['name'])

    ui.timer(0.25, lambda: (progress.set_value(state['fraction']), status.set_text(state['message'])))
