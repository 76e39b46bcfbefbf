"""What pages derive from the services' shared lists, computed once for every client, and tables kept
equal to a list by touching only the rows that changed."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import TypeVar

from nicegui import ui

T = TypeVar('T')


def sync_rows(table: ui.table, rows: list[dict]) -> None:
    """Make ``table.rows`` equal ``rows`` (dicts with an ``id``) by touching only the rows that changed.

    Every open client runs this on every change, so a new booking costs each client one inserted
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
_bounded = threading.Lock()  # views are built on the event loop (a page) and in a worker thread (a room's change)


def _keep(cache: dict, key: Hashable, value: object, most: int) -> None:
    """``cache[key] = value``, the oldest entry dropped first when ``cache`` holds ``most`` (thread-safe)."""
    with _bounded:
        if len(cache) >= most:
            cache.pop(next(iter(cache)))
        cache[key] = value


def derived(kind: str, source: object, build: Callable[[], object]) -> object:
    """``build()``, computed once per ``source`` object for every client.

    The services' shared caches hand every client the very same list until the data changes, so
    what a page derives from it (formatted rows, grouping) can be shared too; ``kind`` names the
    derivation. The result is shared: callers must not mutate it.
    """
    key = (kind, id(source))
    hit = _derived.get(key)
    if hit is not None and hit[0] is source:
        return hit[1]
    value = build()
    _keep(_derived, key, (source, value), 512)
    return value


_latest: dict[str, object] = {}


def derived_again(kind: str, source: object, build: Callable[[T | None], T], *, given: Hashable = None) -> T:
    """``build(last)``, computed once per ``source`` object and ``given`` (what else the derivation read, compared
    by equality) for every client, as :func:`derived`; ``last`` is what ``build`` made for the same ``kind`` before
    (``None`` the first time, or once forgotten), so a derivation can redo only what changed since: ``kind`` names
    the derivation and what it is of (a location, a day, a language). Shared: callers must not mutate it, nor
    ``last``."""
    key = (kind, id(source))
    hit = _derived.get(key)
    if hit is not None and hit[0] is source and hit[1][0] == given:
        return hit[1][1]  # type: ignore[return-value]
    value = build(_latest.get(kind))  # type: ignore[arg-type]
    _keep(_derived, key, (source, (given, value)), 512)
    with _bounded:
        _latest.pop(kind, None)  # the latest last: the views in use are the last to go
    _keep(_latest, kind, value, 64)
    return value


_per_item: dict[tuple, object] = {}
_by_identity: dict[tuple, tuple[object, object]] = {}  # (kind, context, id(item)) → (item, value)
_MISSING = object()


def per_item(kind: str, item: object, context: Hashable, build: Callable[[], T]) -> T:
    """``build()`` for one list item (a pydantic model of plain field values, e.g. a ``BookingRead``), computed
    once per item *value* and ``context`` (a time zone, say) and reused by every later list holding the same
    item unchanged: a booking re-lists the day, but formats one row. Shared: callers must not mutate it.

    The very same item object (the services' patched lists keep every unchanged item: ``bookings._DayLists``) is
    found by its identity first, without building its value's key: a day of 1,500 bookings re-derived after each
    change cost 4 ms a view that way (``bench/fanout.py --day-size``). Items are never mutated (shared lists).
    """
    mine = (kind, context, id(item))
    known = _by_identity.get(mine)
    if known is not None and known[0] is item:
        return known[1]  # type: ignore[return-value]
    key = (kind, context, *item.__dict__.values())
    value = _per_item.get(key, _MISSING)
    if value is _MISSING:
        value = build()
        _keep(_per_item, key, value, 8192)
    _keep(_by_identity, mine, (item, value), 8192)  # holds the item: its id is not reused while it is here
    return value  # type: ignore[return-value]

