"""Who is online now: one entry per signed-in browser, while a page of it is connected, in every process.

A page counts from the moment its browser connects to it (NiceGUI's connect) until it disconnects or is deleted, and
a browser is listed on the page it connected to last among those still connected. A page built but never connected
(a reload the browser gave up, a request a proxy sent on elsewhere) never counts, and a page left behind stops
counting when its socket closes, not when the server lets it go ``reconnect_timeout`` later: counting from the build
had let a stray build of the day view list a browser on Activity as on "Bookings" for good.

Each process keeps its own browsers in memory. With a bus that crosses processes (``CLIENTPULSE_BUS_URL``) it
also publishes its whole list whenever it changes, and every :data:`HEARTBEAT_SECONDS` (a
:class:`~app.services.events.PresenceChanged`), and keeps the other processes' latest lists; a list not renewed
for :data:`STALE_SECONDS` (its process died) is dropped. A process that starts asks the others for theirs.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from dataclasses import dataclass, field

from nicegui import app, background_tasks, ui

from app import live
from app.models import Role, UserRead
from app.services import events

HEARTBEAT_SECONDS = 15.0
"""How often a process sends its list again (with a bus across processes)."""
STALE_SECONDS = 3 * HEARTBEAT_SECONDS
"""Another process's list not renewed for this long is dropped (that process is gone)."""
PROCESS = uuid.uuid4().hex[:12]
"""This process, in the lists it sends."""


@dataclass
class Presence:
    """A signed-in browser as listed: who, and the page it is on (``since``: seconds since the epoch)."""

    email: str
    role: str
    location_id: int | None
    page: str
    since: float


@dataclass
class _Browser:
    """A signed-in browser of this process and its connected pages: client id → (when it connected, monotonic
    seconds; the page's title)."""

    email: str
    role: str
    location_id: int | None
    since: float
    clients: dict[str, tuple[float, str]] = field(default_factory=dict)

    def listed(self) -> Presence:
        """As listed: on the page it connected to last."""
        page = max(self.clients.values())[1]
        return Presence(self.email, self.role, self.location_id, page, self.since)


_online: dict[str, _Browser] = {}
_elsewhere: dict[str, tuple[float, list[Presence]]] = {}  # process → (when heard, its list)
_lock = threading.Lock()


def install() -> None:
    """Start with nobody online (called at start-up: NiceGUI's test harness starts the app again per test); with a
    bus across processes, hear the other processes' lists and send this one's."""
    _online.clear()
    with _lock:
        _elsewhere.clear()
    events.subscribe(_heard)
    if events.crosses_processes():
        app.on_startup(lambda: background_tasks.create(_heartbeat(), name='presence heartbeat'))


def join(user: UserRead, page: str) -> None:
    """Count the page being built as one of its browser's (as ``user``, on ``page``) while it is connected: from
    each connect (a reconnect too) to its disconnect or deletion."""
    client = ui.context.client
    browser = str(app.storage.browser.get('id', client.id))
    client.on_connect(lambda: _arrive(browser, client.id, user, page))
    client.on_disconnect(lambda: _leave(browser, client.id))
    client.on_delete(lambda: _leave(browser, client.id))


def online(actor: UserRead) -> list[Presence]:
    """Who ``actor`` may see online in every process (owners: everyone; others: their location), longest online
    first."""
    now = time.monotonic()
    with _lock:
        others = [p for heard, people in _elsewhere.values() if now - heard < STALE_SECONDS for p in people]
    visible = [p for p in [*(entry.listed() for entry in list(_online.values())), *others]
               if actor.role == Role.OWNER or p.location_id == actor.location_id]
    return sorted(visible, key=lambda p: p.since)


def on_change(handler) -> None:
    """Call ``handler()`` in this tab whenever the list changes, until the tab closes."""
    live.presence_changed.follow(handler)


def _arrive(browser: str, client_id: str, user: UserRead, page: str) -> None:
    entry = _online.get(browser)
    if entry is None or entry.email != user.email:
        entry = _online[browser] = _Browser(user.email, user.role.value, user.location_id, time.time())
    entry.clients[client_id] = (time.monotonic(), page)
    _changed()


def _leave(browser: str, client_id: str) -> None:
    entry = _online.get(browser)
    if entry is None or entry.clients.pop(client_id, None) is None:
        return
    if not entry.clients:
        del _online[browser]
    _changed()


def _changed() -> None:
    live.presence_changed.emit()
    _send()


def _send(*, ask: bool = False) -> None:
    if not events.crosses_processes():
        return
    people = [{'email': p.email, 'role': p.role, 'location_id': p.location_id, 'page': p.page, 'since': p.since}
              for p in (entry.listed() for entry in list(_online.values()))]
    events.publish(events.PresenceChanged(location_id=0, process=PROCESS, online=json.dumps(people), ask=ask))


def _heard(event: events.Event) -> None:
    """A list from another process (any thread): kept, and the pages that show it told on the event loop."""
    if not isinstance(event, events.PresenceChanged) or event.process == PROCESS:
        return
    try:
        people = [Presence(str(p['email']), str(p['role']), p['location_id'] if isinstance(p['location_id'], int)
                           else None, str(p['page']), float(p['since'])) for p in json.loads(event.online)]
    except (ValueError, TypeError, KeyError):
        people = []  # a list this process cannot read counts as nobody
    with _lock:
        _elsewhere[event.process] = (time.monotonic(), people)
    live.call_soon(live.presence_changed.emit)
    if event.ask:
        live.call_soon(_send)


async def _heartbeat() -> None:
    _send(ask=True)
    while True:
        await asyncio.sleep(HEARTBEAT_SECONDS)
        _send()
        now = time.monotonic()
        with _lock:
            gone = [process for process, (heard, _) in _elsewhere.items() if now - heard >= STALE_SECONDS]
            for process in gone:
                del _elsewhere[process]
        if gone:
            live.presence_changed.emit()
