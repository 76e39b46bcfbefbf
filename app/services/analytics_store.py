"""Every booking and receipt line of a location as compact in-memory columns, kept current by the bus.

Why: the owner's report needs years of history (lifetime value, retention, segments, 12 months of
revenue). Reading a million rows through the ORM for every report took tens of seconds and gigabytes.
Here each location's rows are read once, as integers (times as epoch seconds, statuses as codes, about
60 bytes per booking), and afterwards only the rows named by the events since then are read again
(:meth:`app.services.events.Bus.changes`). A report then builds its frames from these columns in
milliseconds.

Consistency: events are published after commit, so re-reading the rows an event names sees the
change. When the bus no longer holds every event since the columns were read (or an import says
"many rows changed"), the location is read again in full. Changes made by another process reach this
one only through a cross-process bus.

Columns (numpy arrays of one length per table; ``-1`` means "none"):

*bookings*: ``id``, ``customer_id``, ``staff_member_id``, ``service_id``, ``starts_at``,
``local_start`` (epoch seconds of the local wall time), ``ends_at``, ``booked_at`` (``NO_TIME`` when
unknown), ``status`` (index into :data:`STATUSES`), ``channel`` (:data:`CHANNELS`), ``price_cents``,
``notice_days`` (``-1`` when unknown).

*lines*: ``id``, ``receipt_id``, ``issued_at``, ``local_issued``, ``customer_id``,
``staff_member_id``, ``service_id``, ``product_id``, ``payment_method`` (:data:`PAYMENT_METHODS`),
``channel`` (of the booking paid, ``-1`` when none), ``amount_cents``; plus ``descriptions``
(line id → text) for lines that are neither a service nor a product.
"""

from __future__ import annotations

import sqlite3
import threading
import weakref
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sqlalchemy import Engine, text

from app.models import BookingStatus, Channel, PaymentMethod

from . import events
from .database import get_engine

STATUSES = [s.value for s in BookingStatus]
CHANNELS = [c.value for c in Channel]
PAYMENT_METHODS = [p.value for p in PaymentMethod] + ['unknown']
NO_TIME = np.iinfo(np.int64).min
CHUNK_ROWS = 50_000

BOOKING_FIELDS = ['id', 'location_id', 'customer_id', 'staff_member_id', 'service_id', 'starts_at', 'ends_at',
                  'booked_at', 'status', 'channel', 'price_cents', 'notice_days']
LINE_FIELDS = ['id', 'location_id', 'receipt_id', 'issued_at', 'customer_id', 'staff_member_id', 'service_id',
               'product_id', 'payment_method', 'channel', 'amount_cents']


@dataclass
class LocationColumns:
    """One location's rows (see the module docstring); ``version`` is the bus version they reflect."""

    location_id: int
    time_zone: str
    version: int
    bookings: dict[str, np.ndarray]
    lines: dict[str, np.ndarray]
    descriptions: dict[int, str] = field(default_factory=dict)

    @property
    def nbytes(self) -> int:
        """Memory held by the columns, in bytes."""
        return sum(a.nbytes for a in self.bookings.values()) + sum(a.nbytes for a in self.lines.values())


class AnalyticsStore:
    """The columns of every location of one database, read lazily and patched per event."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._locations: dict[int, LocationColumns] = {}
        self._lock = threading.Lock()

    def columns(self, location_id: int) -> LocationColumns:
        """The location's columns, brought up to the bus's current version first."""
        return self.columns_for([location_id])[0]

    def columns_for(self, location_ids: list[int]) -> list[LocationColumns]:
        """The columns of each location, brought up to the bus's current version first: patched with
        the rows the events since name, or read in full (all such locations in one pass).

        Safe to call from several threads (one brings the columns up to date, the others wait).
        """
        with self._lock:
            unread: dict[int, int] = {}
            for location_id in dict.fromkeys(location_ids):
                current = self._locations.get(location_id)
                version = events.version(location_id)
                if current is not None and current.version == version:
                    continue
                changes = None if current is None else events.changes(location_id, current.version)
                if changes is None or any(isinstance(e, events.DataImported) for e in changes):
                    unread[location_id] = version
                else:
                    self._locations[location_id] = self._patch(current, changes, version)
            if unread:
                self._locations.update(self._read_all(unread))
            return [self._locations[i] for i in location_ids]

    # --- reading ------------------------------------------------------------------------------------------------------

    def _read_all(self, versions: dict[int, int]) -> dict[int, LocationColumns]:
        """Every row of the locations (keys of ``versions``, the bus versions read before reading)."""
        ids = ', '.join(str(int(i)) for i in versions)
        with self._engine.connect() as connection:
            zones = dict(connection.execute(text(f'SELECT id, time_zone FROM location WHERE id IN ({ids})')).all())
            descriptions = self._descriptions(connection, f'r.location_id IN ({ids})')
        scan = ' NOT INDEXED' if self._engine.dialect.name == 'sqlite' else ''  # a sequential scan reads faster
        # one after the other: in two threads they contend for the GIL (each row is a Python tuple) and took longer
        bookings = self._read(self._booking_sql(f'b.location_id IN ({ids})', scan), BOOKING_FIELDS)
        lines = self._read(self._line_sql(f'r.location_id IN ({ids})', scan), LINE_FIELDS)
        result = {}
        for location_id, version in versions.items():
            zone = zones.get(location_id, 'UTC')
            mine = _rows(bookings, bookings['location_id'] == location_id)
            theirs = _rows(lines, lines['location_id'] == location_id)
            own = set(theirs['id'][np.isin(theirs['id'], list(descriptions))].tolist()) if descriptions else set()
            result[location_id] = LocationColumns(
                location_id, zone, version, _with_local(mine, 'starts_at', 'local_start', zone),
                _with_local(theirs, 'issued_at', 'local_issued', zone), {k: descriptions[k] for k in own})
        return result

    def _read(self, sql: str, names: list[str]) -> dict[str, np.ndarray]:
        with self._engine.connect() as connection:
            table = _read(connection, sql, names)
        order = np.argsort(table['id'], kind='stable')
        return {k: v[order] for k, v in table.items()}

    def _patch(self, current: LocationColumns, changes: list, version: int) -> LocationColumns:
        booking_ids = sorted({e.booking_id for e in changes if isinstance(e, events.BookingChanged)})
        receipt_ids = sorted({e.receipt_id for e in changes if isinstance(e, events.ReceiptCreated)})
        bookings, lines, descriptions = current.bookings, current.lines, dict(current.descriptions)
        with self._engine.connect() as connection:
            if booking_ids:
                fresh = _read(connection, self._booking_sql(_in('b.id', booking_ids)), BOOKING_FIELDS)
                fresh = _rows(fresh, fresh['location_id'] == current.location_id)  # moved elsewhere: gone
                bookings = _upsert(bookings, _with_local(fresh, 'starts_at', 'local_start', current.time_zone),
                                   booking_ids)
            if receipt_ids:
                where = _in('l.receipt_id', receipt_ids)
                fresh = _read(connection, self._line_sql(where), LINE_FIELDS)
                lines = _upsert(lines, _with_local(fresh, 'issued_at', 'local_issued', current.time_zone),
                                lines['id'][np.isin(lines['receipt_id'], receipt_ids)].tolist())
                descriptions.update(self._descriptions(connection, where))
        return LocationColumns(current.location_id, current.time_zone, version, bookings, lines, descriptions)

    def _booking_sql(self, where: str, scan: str = '') -> str:
        dialect = self._engine.dialect.name
        return (f'SELECT b.id, b.location_id, coalesce(b.customer_id, -1), b.staff_member_id, b.service_id, '
                f'{_epoch("b.starts_at", dialect)}, {_epoch("b.ends_at", dialect)}, '
                f'coalesce({_epoch("b.booked_at", dialect)}, {NO_TIME}), {_code("b.status", STATUSES)}, '
                f'{_code("b.channel", CHANNELS)}, b.price_cents, coalesce(b.notice_days, -1) '
                f'FROM booking b{scan} WHERE {where}')

    def _line_sql(self, where: str, scan: str = '') -> str:
        dialect = self._engine.dialect.name
        return (f'SELECT l.id, r.location_id, l.receipt_id, {_epoch("r.issued_at", dialect)}, '
                f'coalesce(r.customer_id, -1), '
                f'coalesce(l.staff_member_id, -1), coalesce(l.service_id, -1), coalesce(l.product_id, -1), '
                f'{_code("r.payment_method", PAYMENT_METHODS, missing=len(PAYMENT_METHODS) - 1)}, '
                f'{_code("bk.channel", CHANNELS)}, l.amount_cents '
                f'FROM receipt_line l{scan} JOIN receipt r ON r.id = l.receipt_id '
                f'LEFT JOIN booking bk ON bk.id = r.booking_id WHERE {where}')

    @staticmethod
    def _descriptions(connection, where: str) -> dict[int, str]:
        rows = connection.execute(text(
            'SELECT l.id, l.description FROM receipt_line l JOIN receipt r ON r.id = l.receipt_id '
            f'WHERE {where} AND l.service_id IS NULL AND l.product_id IS NULL'))
        return dict(rows.all())


def store() -> AnalyticsStore:
    """The store of the configured database (one per engine, so switching databases starts afresh)."""
    engine = get_engine()
    with _stores_lock:
        found = _stores.get(engine)
        if found is None:
            found = _stores[engine] = AnalyticsStore(engine)
        return found


def columns(location_id: int) -> LocationColumns:
    """Shortcut: ``store().columns(location_id)``."""
    return store().columns(location_id)


def columns_for(location_ids: list[int]) -> list[LocationColumns]:
    """Shortcut: ``store().columns_for(location_ids)``."""
    return store().columns_for(location_ids)


_stores: weakref.WeakKeyDictionary[Engine, AnalyticsStore] = weakref.WeakKeyDictionary()
_stores_lock = threading.Lock()


# --- helpers ----------------------------------------------------------------------------------------------------------

def _epoch(column: str, dialect: str) -> str:
    """SQL for whole epoch seconds of a stored UTC time (SQLite keeps naive-UTC text)."""
    if dialect == 'sqlite':
        if sqlite3.sqlite_version_info >= (3, 38):
            return f'unixepoch({column})'  # 20 % faster than strftime over a million rows
        return f"CAST(strftime('%s', {column}) AS INTEGER)"
    return f'CAST(floor(extract(epoch FROM {column})) AS BIGINT)'


def _code(column: str, values: list[str], *, missing: int = -1) -> str:
    """SQL mapping an enum column to its index in ``values`` (``missing`` for NULL)."""
    cases = ' '.join(f"WHEN '{v}' THEN {i}" for i, v in enumerate(values))
    return f'CASE {column} {cases} ELSE {missing} END'


def _in(column: str, ids: list[int]) -> str:
    return f'{column} IN ({", ".join(str(int(i)) for i in ids)})'


def _read(connection, sql: str, names: list[str]) -> dict[str, np.ndarray]:
    """Run ``sql`` (integer columns only) on the driver's own cursor and return its columns, fetched
    in chunks (a server-side cursor on PostgreSQL) so that memory stays near the final arrays'."""
    raw = connection.connection.dbapi_connection
    cursor = raw.cursor(name='analytics_store') if connection.dialect.name == 'postgresql' else raw.cursor()
    try:
        cursor.execute(sql)
        parts = []
        while chunk := cursor.fetchmany(CHUNK_ROWS):
            parts.append(np.array(chunk, dtype=np.int64).reshape(-1, len(names)))
    finally:
        cursor.close()
    matrix = np.concatenate(parts) if parts else np.empty((0, len(names)), dtype=np.int64)
    return {name: _narrow(name, matrix[:, i]) for i, name in enumerate(names)}


def _narrow(name: str, values: np.ndarray) -> np.ndarray:
    if name in {'status', 'channel', 'payment_method'}:
        return values.astype(np.int8)
    if name in {'starts_at', 'ends_at', 'booked_at', 'issued_at', 'price_cents', 'amount_cents'}:
        return values.copy()
    return values.astype(np.int32)


def _with_local(table: dict[str, np.ndarray], source: str, target: str, zone: str) -> dict[str, np.ndarray]:
    """Adds the local wall time of ``source`` (epoch seconds) in ``zone``, also as epoch seconds."""
    moments = pd.DatetimeIndex(table[source].astype('datetime64[s]')).tz_localize('UTC')
    local = moments.tz_convert(zone).tz_localize(None).as_unit('s').asi8
    return {**table, target: local.astype(np.int64)}


def _rows(table: dict[str, np.ndarray], mask: np.ndarray) -> dict[str, np.ndarray]:
    return {k: v[mask] for k, v in table.items()}


def _concat(left: dict[str, np.ndarray], right: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {k: np.concatenate([left[k], right[k].astype(left[k].dtype)]) for k in left}


def _upsert(table: dict[str, np.ndarray], fresh: dict[str, np.ndarray], ids: list[int]) -> dict[str, np.ndarray]:
    """Replace the rows with ``ids`` by ``fresh`` (rows no longer in the database disappear); ids stay sorted."""
    keep = ~np.isin(table['id'], ids)
    merged = _concat({k: v[keep] for k, v in table.items()}, fresh)
    order = np.argsort(merged['id'], kind='stable')  # nearly sorted already: cheap
    return {k: v[order] for k, v in merged.items()}
