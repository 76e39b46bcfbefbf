"""A customer's own data, from their page (owners and managers): "Export their data" downloads the zip of
:func:`app.services.customers.subject_access.export_customer` (written in a worker thread, served once, removed when
the page goes)."""

from __future__ import annotations

import contextlib
import urllib.parse
from pathlib import Path

from nicegui import app, ui

from app.models import CustomerRead, UserRead
from app.pages import language
from app.services.customers import subject_access
from app.services.errors import ClientPulseError
from app.services.i18n import _


def export_button(user: UserRead, customer: CustomerRead) -> None:
    """The button, drawn where called."""

    async def export() -> None:
        try:
            path = await language.io_bound(subject_access.export_customer, customer.id, actor=user)
        except ClientPulseError as error:
            ui.notify(str(error), type='negative', multi_line=True)
            return
        url = app.add_static_file(local_file=path, single_use=True)
        ui.context.client.on_delete(lambda: _forget(url, path))
        ui.download.from_url(url, f'customer-{customer.code}.zip')
        ui.notify(_('Their data is being downloaded; the export is in the activity log.'))

    ui.button(_('Export their data'), icon='download', on_click=export).props('flat dense').mark('customer-export')


def _forget(url: str, path: Path) -> None:
    with contextlib.suppress(Exception):
        app.remove_route(urllib.parse.unquote(url))
    path.unlink(missing_ok=True)  # personal data: not kept beyond the page that asked for it
