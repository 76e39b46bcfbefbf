"""Bridge from the service bus to NiceGUI sessions.

The bus may deliver in any thread (a worker that committed, or a listener of a cross-process
backend). This module hands each event to the event loop and re-emits it on a NiceGUI
:class:`~nicegui.Event`; pages subscribe to that inside their page function, so the subscription
ends by itself when the session ends.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from nicegui import Event, core

from app.services import events

changed: Event = Event()
"""Emits every bus event (BookingChanged, ReceiptCreated, DataImported) on the event loop."""


def install() -> None:
    """Connect the bus to :data:`changed` (idempotent; called at start-up)."""
    global changed  # noqa: PLW0603  (NiceGUI's test harness resets events between runs)
    if changed not in Event.instances:
        changed = Event()
    events.subscribe(_forward)


def on_location_change(location_id: int, handler: Callable[[events.Event], Awaitable[None] | None]) -> None:
    """Call ``handler(event)`` in this session for every event at ``location_id`` until the session ends
    (an async handler is awaited in the background, in this session's context)."""
    changed.subscribe(lambda event: handler(event) if event.location_id == location_id else None)


def on_any_change(handler: Callable[[events.Event], Awaitable[None] | None]) -> None:
    """Call ``handler(event)`` in this session for every event at any location (owners) until it ends."""
    changed.subscribe(handler)


def _forward(event: events.Event) -> None:
    loop = core.loop
    if loop is None or loop.is_closed():
        return
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        changed.emit(event)
    else:
        loop.call_soon_threadsafe(lambda: changed.emit(event))
