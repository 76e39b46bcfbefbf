"""One cache for work shared by every session: computed once per change of the data it depends on.

A value is valid while the data versions of its locations (:func:`app.services.events.version`,
bumped before any subscriber hears of a change) are the ones it was computed at. Tabs asking
for the same key at once wait for a single computation; different keys compute in parallel.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable, Iterable, Mapping
from datetime import date
from typing import Generic, TypeVar

from app.services import events
from app.services.database import database_url

V = TypeVar('V')
Through = Mapping[int, date] | None
"""The last local date a value depends on, by location id (:meth:`VersionedCache.get`)."""


class VersionedCache(Generic[V]):
    """Values by key (per database), recomputed when a location they depend on has changed.

    ``max_age`` (seconds) also bounds how long a value is trusted, for data another process may
    change without this process hearing of it; ``max_entries`` bounds the memory (oldest dropped);
    ``of='takings'`` keys values on the takings version only (receipts, imports), for values that
    bookings do not change.
    Values are shared between tabs: callers must not mutate them.
    """

    def __init__(self, *, max_age: float | None = None, max_entries: int = 1024,
                 of: str | tuple[str, ...] = 'data') -> None:
        self._values: dict[tuple, tuple[tuple[int, ...], Through, tuple[int, ...], float, V]] = {}
        self._locks: dict[tuple, threading.Lock] = {}
        self._lock = threading.Lock()
        self.max_age, self.max_entries = max_age, max_entries
        # which versions a value depends on (events.VERSION_KINDS): 'data', only 'takings', or several
        self.of = (of,) if isinstance(of, str) else of

    def get(self, key: Hashable, location_ids: Iterable[int], compute: Callable[[], V], *,
            through: Through = None) -> V:
        """The value for ``key``, computing it with ``compute()`` unless a current one is cached.

        ``through``: for a value of past days only, the last local date at each location (by id) it depends on:
        events that concern only later days (a booking made for next week) leave it valid
        (:func:`app.services.events.version`). A location it does not name: any day.
        """
        full = (database_url(), key)
        ids = tuple(location_ids)
        with self._lock:
            key_lock = self._locks.setdefault(full, threading.Lock())
        with key_lock:
            versions = self._versions(ids, through)
            now = time.monotonic()
            cached = self._values.get(full)
            if cached is not None and cached[2] == versions and (self.max_age is None
                                                                 or now - cached[3] < self.max_age):
                return cached[4]
            value = compute()
            with self._lock:
                self._drop_outdated()
                self._values[full] = (ids, through, versions, now, value)
            return value

    def _versions(self, ids: tuple[int, ...], through: Through) -> tuple[int, ...]:
        days = through or {}
        return tuple(events.version(i, kind, through=days.get(i)) for i in ids for kind in self.of)

    def _drop_outdated(self) -> None:
        outdated = [k for k, (ids, through, versions, _, _) in self._values.items()
                    if versions != self._versions(ids, through)]
        for key in outdated:
            del self._values[key]
            self._locks.pop(key, None)
        while len(self._values) >= self.max_entries:
            oldest = next(iter(self._values))
            del self._values[oldest]
            self._locks.pop(oldest, None)
