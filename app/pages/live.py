"""Bridge from the service bus to NiceGUI sessions.

The bus may deliver in any thread (a worker that committed, or a listener of a cross-process
backend). This module hands each event to the event loop and re-emits it on a NiceGUI
:class:`~nicegui.Event`; pages subscribe to that inside their page function, so the subscription
ends by itself when the session ends.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import TypeVar

from nicegui import Event, core, ui

from app.services import events

from . import rooms
from .collector import collector

T = TypeVar('T')

changed: Event = Event()
"""Emits every bus event (BookingChanged, ReceiptCreated, DataImported) on the event loop."""


def install() -> None:
    """Connect the bus to :data:`changed` (idempotent; called at start-up)."""
    global changed  # noqa: PLW0603  (NiceGUI's test harness resets events between runs)
    if changed not in Event.instances:
        changed = Event()
    events.subscribe(_forward)


def on_location_change(location_id: int, handler: Callable[[events.Event], Awaitable[None] | None], *,
                       kinds: tuple[type, ...] | None = None) -> Callable[[], None]:
    """Call ``handler(event)`` in this session for every event at ``location_id`` (of ``kinds`` only, when
    given: a handler that re-reads something should not run for typing or holds) until the session ends or
    the returned function is called (an async handler is awaited in the background, in this session's
    context)."""
    def deliver(event: events.Event) -> Awaitable[None] | None:
        if event.location_id == location_id and (kinds is None or isinstance(event, kinds)):
            return handler(event)
        return None

    changed.subscribe(deliver)
    return lambda: changed.unsubscribe(deliver)


def _forward(event: events.Event) -> None:
    loop = core.loop
    if loop is None or loop.is_closed():
        return
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        _emit(event)
    else:
        loop.call_soon_threadsafe(lambda: _emit(event))


def _emit(event: events.Event) -> None:
    collector.changed()  # no full garbage collection while this goes out (see collector)
    rooms.publish(event)  # first: the shared messages go out before any session's own handler runs
    changed.emit(event)


def sync_rows(table: ui.table, rows: list[dict]) -> None:
    """Make ``table.rows`` equal ``rows`` (dicts with an ``id``) by touching only the rows that changed.

    Every open session runs this on every change, so a new booking costs each session one inserted
    row rather than the whole list rebuilt (NiceGUI wraps every assigned row in observables).
    """
    old_ids, new_ids = [r['id'] for r in table.rows], [r['id'] for r in rows]
    if old_ids != new_ids:
        wanted = set(new_ids)
        for index in reversed(range(len(old_ids))):
            if old_ids[index] not in wanted:
                del table.rows[index]
        present = {r['id'] for r in table.rows}
        for index, row in enumerate(rows):
            if row['id'] not in present:
                table.rows.insert(index, row)
        if [r['id'] for r in table.rows] != new_ids:  # reordered (a booking moved): start again
            table.rows = rows
            return
    for index, row in enumerate(rows):
        if table.rows[index] != row:
            table.rows[index] = row


_derived: dict[tuple[str, int], tuple[object, object]] = {}


def derived(kind: str, source: object, build: Callable[[], object]) -> object:
    """``build()``, computed once per ``source`` object for every session.

    The services' shared caches hand every session the very same list until the data changes, so
    what a page derives from it (formatted rows, grouping) can be shared too; ``kind`` names the
    derivation. The result is shared: callers must not mutate it.
    """
    key = (kind, id(source))
    hit = _derived.get(key)
    if hit is not None and hit[0] is source:
        return hit[1]
    value = build()
    if len(_derived) >= 512:
        _derived.pop(next(iter(_derived)))
    _derived[key] = (source, value)
    return value


_per_item: dict[tuple, object] = {}
_MISSING = object()


def per_item(kind: str, item: object, context: Hashable, build: Callable[[], T]) -> T:
    """``build()`` for one list item (a pydantic model of plain field values, e.g. a ``BookingRead``), computed
    once per item *value* and ``context`` (a time zone, say) and reused by every later list holding the same
    item unchanged: a booking re-lists the day, but formats one row. Shared: callers must not mutate it."""
    key = (kind, context, *item.__dict__.values())
    hit = _per_item.get(key, _MISSING)
    if hit is not _MISSING:
        return hit  # type: ignore[return-value]
    value = build()
    if len(_per_item) >= 8192:
        _per_item.pop(next(iter(_per_item)))
    _per_item[key] = value
    return value

