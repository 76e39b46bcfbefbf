"""Which language a page speaks, and carrying it into the work a page hands to threads.

A page says its language once, early (``use(language)``): the guard does it for the desk (the signed-in user's own
choice, else their location's), the customer's pages and the kiosk with their location's. From then on
:func:`app.services.i18n._` in that tab's handlers speaks it, ``<html lang>`` says it, and Quasar's own words
(date pickers, tables) and NiceGUI's connection notices follow. Work handed to a thread goes through
:func:`io_bound` (never ``nicegui.run.io_bound`` directly), which takes the language along, so refusals and texts
made in the worker are in the reader's language too.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from nicegui import Client, app, context, run, ui
from nicegui import __version__ as nicegui_version
from starlette.responses import FileResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from app.live import current_client, set_page_language
from app.models import LocationRead, UserRead
from app.services import i18n
from app.services.i18n import _

T = TypeVar('T')

QUASAR_PACKS = Path(i18n.LOCALE_DIR) / 'quasar'
"""Quasar language packs NiceGUI does not ship (``sw.umd.prod.js``), served where NiceGUI looks for its own."""
HTML_LANG = {'en': 'en-GB', 'fr': 'fr', 'sw': 'sw'}
"""The ``<html lang>`` and Quasar pack of each language (Quasar has en-GB and en-US; the shops write dates
day first)."""


def use(language: str | None) -> str:
    """Make this tab speak ``language`` (unknown or None: English) from now on, ``<html lang>`` included.

    :returns: the language used.
    """
    chosen = i18n.language_of(language)
    try:
        client = context.client
    except RuntimeError:  # outside a page (a test calling a builder directly)
        return chosen
    app.storage.client['language'] = chosen
    set_page_language(client, HTML_LANG[chosen])
    _name_loading_bar(client, _('Loading'))  # in the language just chosen
    return chosen


def _name_loading_bar(client: Client, name: str) -> None:
    """Give Quasar's loading bar (a ``progressbar`` at the top while a request is under way) its spoken ``name``:
    once the page is up, or at once on a page already shown."""
    script = f'Quasar.LoadingBar.setDefaults({{"aria-label": {json.dumps(name)}}})'.replace('<', '\\u003c')
    if client.has_socket_connection:
        client.run_javascript(script)
    else:
        with client:
            ui.add_head_html(f'<script>addEventListener("DOMContentLoaded", () => {script})</script>')


def of(user: UserRead | None, location: LocationRead | None) -> str:
    """The desk's language for ``user``: their own choice, else their location's, else English."""
    if user is not None and getattr(user, 'language', None):
        return i18n.language_of(user.language)
    return i18n.language_of(getattr(location, 'language', None))


async def io_bound(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``nicegui.run.io_bound`` speaking this tab's language in the worker thread.

    :returns: what ``function(*args, **kwargs)`` returns; raises what it raises.
    """
    return await run.io_bound(i18n.run_speaking, i18n.current(), function, *args, **kwargs)


def _tab_language() -> str | None:
    """The current tab's language, for :func:`app.services.i18n.current` (None outside a tab: a thread,
    a job, start-up — asking NiceGUI's ``context.client`` there would switch it into script mode)."""
    client = current_client()
    if client is None:
        return None
    try:
        return client.storage.get('language')
    except (RuntimeError, AttributeError):
        return None


class QuasarPacks:
    """ASGI middleware answering ``/_nicegui/<version>/static/lang/<pack>.umd.prod.js`` for the packs in
    :data:`QUASAR_PACKS` (NiceGUI's static files answer the others)."""

    def __init__(self, inner: ASGIApp) -> None:
        self.inner = inner
        self.prefix = f'/_nicegui/{nicegui_version}/static/lang/'
        self.packs = {path.name: path for path in QUASAR_PACKS.glob('*.umd.prod.js')}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get('path', '') if scope['type'] == 'http' else ''
        if path.startswith(self.prefix) and path[len(self.prefix):] in self.packs:
            response = FileResponse(self.packs[path[len(self.prefix):]], media_type='text/javascript',
                                    headers={'Cache-Control': 'public, max-age=86400'})
            await response(scope, receive, send)
            return
        await self.inner(scope, receive, send)


def install() -> None:
    """At start: :func:`app.services.i18n._` asks the tab for its language; Quasar's Swahili pack is served."""
    i18n.set_resolver(_tab_language)
    if not any(getattr(m.cls, '__name__', '') == QuasarPacks.__name__ for m in app.user_middleware):
        app.add_middleware(QuasarPacks)
