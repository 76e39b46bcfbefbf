"""Who is online now: one entry per signed-in browser of this process, while a page of it is open.

Kept in memory (a second process has its own list; a shared list needs the cross-process bus).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from nicegui import app, ui

from app import live
from app.models import Role, UserRead


@dataclass
class Presence:
    """A signed-in browser and the pages (clients) it has open."""

    email: str
    role: str
    location_id: int | None
    page: str
    since: float
    clients: set[str] = field(default_factory=set)


_online: dict[str, Presence] = {}


def install() -> None:
    """Start with nobody online (called at start-up: NiceGUI's test harness starts the app again per test)."""
    _online.clear()


def join(user: UserRead, page: str) -> None:
    """Count this page's browser as online (as ``user``, on ``page``) until its last page closes."""
    client = ui.context.client
    browser = str(app.storage.browser.get('id', client.id))
    entry = _online.get(browser)
    if entry is None or entry.email != user.email:
        entry = _online[browser] = Presence(user.email, user.role.value, user.location_id, page, time.time())
    entry.page = page
    entry.clients.add(client.id)
    client.on_delete(lambda: _leave(browser, client.id))
    live.presence_changed.emit()


def online(actor: UserRead) -> list[Presence]:
    """Who ``actor`` may see online (owners: everyone; others: their location), longest online first."""
    visible = [p for p in _online.values()
               if actor.role == Role.OWNER or p.location_id == actor.location_id]
    return sorted(visible, key=lambda p: p.since)


def on_change(handler) -> None:
    """Call ``handler()`` in this session whenever the list changes, until the session ends."""
    live.presence_changed.follow(handler)


def _leave(browser: str, client_id: str) -> None:
    entry = _online.get(browser)
    if entry is None:
        return
    entry.clients.discard(client_id)
    if not entry.clients:
        del _online[browser]
    live.presence_changed.emit()
