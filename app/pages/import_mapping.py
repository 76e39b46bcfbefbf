"""Import page section: any booking export through a column mapping, with a preview."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from nicegui import events, run, ui

from app.config import PROJECT_ROOT
from app.models import UserRead
from app.services import booking_imports, mapping
from app.services.errors import ClientPulseError

from .formatting import money

EXAMPLES = PROJECT_ROOT / 'docs' / 'mappings'
PREVIEW_COLUMNS = ['line', 'location', 'customer', 'staff_member', 'service', 'starts_at', 'status', 'channel',
                   'price_cents']
PREVIEW_LABELS = {'staff_member': 'staff member', 'starts_at': 'starts (local)', 'price_cents': 'price'}


def mapping_section(user: UserRead) -> None:
    """Upload a file, write or pick a mapping, preview the first rows, import with progress."""
    folder = Path(tempfile.mkdtemp(prefix='clientpulse-bookings-'))
    ui.context.client.on_delete(lambda: shutil.rmtree(folder, ignore_errors=True))
    state = {'file': None, 'fraction': 0.0, 'message': ''}
    ui.label('Any booking export (CSV or Excel)').classes('text-xl font-semibold mt-6')
    columns_label = ui.label('Upload a file to see its columns.').classes('text-slate-500').mark('file-columns')

    async def receive(e: events.UploadEventArguments) -> None:
        target = folder / Path(e.file.name).name
        await e.file.save(target)
        state['file'] = target
        try:
            columns = list(mapping.read_table(target).columns)
        except ClientPulseError as error:
            columns_label.text = str(error)
            return
        columns_label.text = f'{target.name}: ' + ', '.join(columns)
        if not (text.value or '').strip():
            text.value = mapping.suggest(columns)

    ui.upload(auto_upload=True, on_upload=receive, label='Booking export').props('accept=.csv,.xlsx').classes(
        'w-[32rem]').mark('bookings-upload')
    examples = {p.name: p.stem.replace('-', ' ') for p in sorted(EXAMPLES.glob('*.toml'))}
    ui.select(examples, label='Start from an example mapping',
              on_change=lambda e: text.set_value((EXAMPLES / e.value).read_text(encoding='utf-8')) if e.value else None
              ).classes('w-96')
    text = ui.textarea('Mapping (TOML): which column gives each field').classes('w-full font-mono').props(
        'rows=14').mark('mapping-text')
    with ui.row().classes('gap-2'):  # the handlers are defined below, hence the lambdas
        ui.button('Preview', icon='visibility', on_click=lambda: show_preview()).mark(  # noqa: PLW0108
            'preview-button')
        button = ui.button('Import bookings', icon='upload', on_click=lambda: start()).mark(  # noqa: PLW0108
            'import-bookings')
    progress = ui.linear_progress(value=0, show_value=False).classes('w-[32rem]')
    status = ui.label('').mark('bookings-import-status')
    preview_box = ui.column().classes('w-full')

    def current() -> mapping.Mapping | None:
        text.error = None
        try:
            return mapping.parse_toml(text.value or '', name='the mapping')
        except ClientPulseError as error:
            text.error = str(error)
            return None

    def show_preview() -> None:
        preview_box.clear()
        spec = current()
        if spec is None or state['file'] is None:
            if state['file'] is None:
                ui.notify('Upload the file first.', type='warning')
            return
        with preview_box:
            try:
                shown = booking_imports.preview(state['file'], spec)
            except ClientPulseError as error:
                ui.label(str(error)).classes('text-negative').mark('preview-error')
                return
            local = shown['starts_at'].dt.tz_convert(spec.time_zone).dt.strftime('%Y-%m-%d %H:%M')
            rows = (shown.assign(starts_at=local, price_cents=[money(c, spec.currency) for c in shown['price_cents']])
                    [PREVIEW_COLUMNS].astype(str).to_dict('records'))
            ui.table(columns=[{'name': c, 'label': PREVIEW_LABELS.get(c, c), 'field': c, 'align': 'left'}
                              for c in PREVIEW_COLUMNS], rows=rows, row_key='line').classes('w-full').props(
                'dense flat').mark('preview')

    async def start() -> None:
        spec = current()
        if spec is None or state['file'] is None:
            return
        button.disable()

        def report(fraction: float, message: str) -> None:
            state.update(fraction=fraction, message=message)

        try:
            result = await run.io_bound(booking_imports.import_bookings, state['file'], spec, actor=user,
                                        progress=report)
        except ClientPulseError as error:
            state.update(fraction=0.0, message=f'Nothing was imported. {error}')
        else:
            state.update(fraction=1.0, message=f'Imported: {result.summary()}')
        finally:
            button.enable()

    ui.timer(0.25, lambda: (progress.set_value(state['fraction']), status.set_text(state['message'])))


