"""Every booking and receipt line of a location as compact in-memory columns, kept current cheaply.

Why: the owner's report needs years of history (lifetime value, retention, segments, 12 months of
revenue). Reading a million rows through the ORM for every report took tens of seconds and gigabytes.
Here each location's rows are held as integers (times as epoch seconds, statuses as codes, about 60
bytes per booking); a report builds its frames from them in milliseconds.

Staying current: every write of a booking or receipt bumps its location's revision and logs the ids
(:mod:`app.services.revisions`, same transaction). Before use, the store reads the revisions and the
log since the revision it holds, and re-reads only those rows — all in one consistent read, so
changes made by another process are seen too. When the log does not reach back (a bulk import),
the location is read in full.

Starting fast: the columns are saved to ``<data dir>/analytics/<database>/location-N.npz`` after a
full read and when the app stops; a new process starts from that copy (when its token matches the
database's) and patches it with the log, instead of reading every row again.

Columns (numpy arrays of one length per table; ``-1`` means "none"):

*bookings*: ``id``, ``location_id``, ``customer_id``, ``staff_member_id``, ``service_id``,
``starts_at``, ``local_start`` (epoch seconds of the local wall time), ``ends_at``, ``booked_at`` and
``local_booked``, ``cancelled_at`` and ``local_cancelled`` (``NO_TIME`` when unknown), ``status`` (index into
:data:`STATUSES`), ``channel`` (:data:`CHANNELS`), ``price_cents``, ``notice_days`` (``-1`` when unknown),
``time_known`` (0 when only the date is known), ``source`` (index into the location's ``sources``: the
export's own channel text, 0 = none).

*lines*: ``id``, ``location_id``, ``receipt_id``, ``issued_at``, ``local_issued``, ``customer_id``,
``staff_member_id``, ``service_id``, ``product_id``, ``payment_method`` (:data:`PAYMENT_METHODS`),
``channel`` (of the booking paid, ``-1`` when none), ``amount_cents``; plus ``descriptions``
(line id → text) for lines that are neither a service nor a product.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import tempfile
import threading
import time
import weakref
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, text

from app.config import get_settings
from app.models import BookingStatus, Channel, PaymentMethod
from app.services import files, lazy, revisions
from app.services.database import get_engine

if TYPE_CHECKING:  # the real modules for readers, tools and the bundle (PyInstaller follows these)
    import numpy as np
    import pandas as pd
else:  # at first use, not at start (app.services.lazy)
    np = lazy.module('numpy', globals())
    pd = lazy.module('pandas', globals())

log = logging.getLogger(__name__)

STATUSES = [s.value for s in BookingStatus]
CHANNELS = [c.value for c in Channel]
PAYMENT_METHODS = [p.value for p in PaymentMethod] + ['unknown']
NO_TIME = -(2 ** 63)  # numpy.iinfo(numpy.int64).min: numpy's NaT as an int64
CHUNK_ROWS = 50_000
FORMAT = 2
"""Version of the saved columns' layout (a different one is ignored and read afresh)."""

BOOKING_FIELDS = ['id', 'location_id', 'customer_id', 'staff_member_id', 'service_id', 'starts_at', 'ends_at',
                  'booked_at', 'status', 'channel', 'price_cents', 'notice_days', 'cancelled_at', 'time_known']
LINE_FIELDS = ['id', 'location_id', 'receipt_id', 'issued_at', 'customer_id', 'staff_member_id', 'service_id',
               'product_id', 'payment_method', 'channel', 'amount_cents']
BOOKING_PACKS = (('location_id', 'staff_member_id'), ('customer_id', 'service_id'),
                 ('status', 'channel', 'time_known', 'flagged'))
LINE_PACKS = (('location_id', 'customer_id'), ('staff_member_id', 'service_id'),
              ('product_id', 'payment_method', 'channel', 'flagged'))
"""Fields a first read takes as one integer each group (:func:`_select`): 9 values a booking instead of 15, 7 a line
instead of 12. The driver makes a Python int of every value and numpy reads each back; packed, a million bookings'
first read took 0.3-0.5 s less (bench/analytics.py)."""
PACKED_BITS = {'status': 8, 'channel': 8, 'payment_method': 8, 'time_known': 2, 'flagged': 2}
"""Bits of each packed field (any other: an id, 31 bits), which is read plus one (-1, none, is 0)."""
PACKED_ID_LIMIT = 2 ** 31 - 2
"""The largest id a pack holds (plus one, in 31 bits): with a larger one in the database (only 2³¹-1, PostgreSQL's last
``integer`` key; the store keeps every id as an int32) a first read takes every field apart."""


@dataclass
class LocationColumns:
    """One location's rows (see the module docstring) as of ``revision`` (:mod:`app.services.revisions`)."""

    location_id: int
    time_zone: str
    token: str
    revision: int
    bookings: dict[str, np.ndarray]
    lines: dict[str, np.ndarray]
    descriptions: dict[int, str] = field(default_factory=dict)
    sources: list[str] = field(default_factory=lambda: [''])


LEFTOVER_SECONDS = 3600
"""How old a location's temporary save file must be to be taken for the leftover of a stopped process."""


class AnalyticsStore:
    """The columns of every location of one database: read once (or from the saved copy), then patched."""

    def __init__(self, engine: Engine, folder: Path | None = None) -> None:
        self._engine = engine
        self._folder = folder
        self._locations: dict[int, LocationColumns] = {}
        self._saved: dict[int, int] = {}  # revision of each location's saved copy
        self._lock = threading.Lock()
        self._save_lock = threading.Lock()  # one save at a time, in the order asked
        self._saving: list[threading.Thread] = []  # saves started after full reads, not known to be done
        self._saving_lock = threading.Lock()  # guards _saving

    def columns(self, location_id: int) -> LocationColumns:
        """The location's columns as of the database's latest revision."""
        return self.columns_for([location_id])[0]

    def columns_for(self, location_ids: list[int]) -> list[LocationColumns]:
        """The columns of each location as of the database's latest revision, in one consistent read:
        unchanged ones as they are; the others patched with the rows logged since their revision,
        or read in full (all such locations in one pass) when the log does not reach back. A location
        not in memory starts from its saved copy when that copy's token matches.

        Safe to call from several threads (one brings the columns up to date, the others wait). Locations read in
        full are saved in a thread of its own (:meth:`saved` waits for it): the caller has its columns without
        waiting for a write that only later processes read (~0.35 s of the first report at 1,000,000 bookings,
        ``bench/analytics.py``).
        """
        wanted = list(dict.fromkeys(location_ids))
        with self._lock:
            with self._consistent() as connection:
                latest = revisions.current(connection, wanted)
                unread: dict[int, tuple[str, int]] = {}
                for location_id in wanted:
                    token, revision = latest.get(location_id, ('', 0))
                    held = self._locations.get(location_id) or self._load_saved(location_id, token)
                    if held is not None and held.token == token and held.revision == revision:
                        self._locations[location_id] = held
                        continue
                    changed = None if held is None or held.token != token or not token else \
                        revisions.changed_since(connection, location_id, held.revision)
                    if changed is None:
                        unread[location_id] = (token, revision)
                    else:
                        self._locations[location_id] = self._patch(connection, held, *changed, revision)
                if unread:
                    fresh = self._read_all(connection, unread)
                    self._locations.update(fresh)
            if unread:
                self._save_soon(list(unread))
            return [self._locations[i] for i in location_ids]

    def _save_soon(self, location_ids: list[int]) -> None:
        """Save the locations in a thread of its own, logging a failure (the columns in memory are right; a later
        process reads afresh). Not a daemon: a process that exits finishes the save first."""
        def run() -> None:
            try:
                self.save(location_ids)
            except Exception:
                log.exception('could not save the analytics columns of locations %s', location_ids)

        thread = threading.Thread(target=run, name='analytics save')
        with self._saving_lock:
            self._saving = [t for t in self._saving if t.is_alive()] + [thread]
        thread.start()

    def saved(self) -> None:
        """Wait until every save started after a full read has finished."""
        with self._saving_lock:
            started = list(self._saving)
        for thread in started:
            thread.join()

    def save(self, location_ids: list[int] | None = None) -> None:
        """Write the columns of the locations (default: all in memory) to the folder, where a later
        process starts from them; a location whose saved copy is current is skipped."""
        if self._folder is None:
            return
        with self._save_lock:
            self._save(location_ids)

    def _save(self, location_ids: list[int] | None) -> None:
        for location_id in location_ids or list(self._locations):
            held = self._locations.get(location_id)
            if held is None or not held.token or self._saved.get(location_id) == held.revision:
                continue
            files.private_folder(self._folder)
            path = self._folder / f'location-{location_id}.npz'
            meta = {'format': FORMAT, 'time_zone': held.time_zone, 'token': held.token, 'revision': held.revision,
                    'descriptions': {str(k): v for k, v in held.descriptions.items()}, 'sources': held.sources}
            # a temporary file of this write's own: another store (another process, or a test's beside the app's)
            # may be saving the same location at the same moment, and a shared temporary name made one of the two
            # renames fail (FileNotFoundError)
            descriptor, temporary = tempfile.mkstemp(dir=self._folder, prefix=f'location-{location_id}.',
                                                     suffix='.tmp.npz')
            try:
                with os.fdopen(descriptor, 'wb') as handle:
                    np.savez(handle, meta=np.array(json.dumps(meta)),
                             **{f'b_{k}': v for k, v in held.bookings.items()},
                             **{f'l_{k}': v for k, v in held.lines.items()})
                os.replace(temporary, path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
            self._saved[location_id] = held.revision
            self._sweep(location_id)

    def _sweep(self, location_id: int) -> None:
        """Remove the location's temporary files older than :data:`LEFTOVER_SECONDS`: left by a process stopped
        in the middle of a save (a save takes seconds; a younger one may be another process's, still writing)."""
        oldest = time.time() - LEFTOVER_SECONDS
        for leftover in self._folder.glob(f'location-{location_id}.*.tmp.npz'):
            with suppress(FileNotFoundError):  # another process swept it first
                if leftover.stat().st_mtime < oldest:
                    leftover.unlink()

    # --- reading ------------------------------------------------------------------------------------------------------

    @contextmanager
    def _consistent(self) -> Iterator[Connection]:
        """A connection whose reads all see one state of the database (one transaction; PostgreSQL:
        repeatable read, SQLite: a WAL read transaction)."""
        with self._engine.connect() as connection:
            if connection.dialect.name == 'postgresql':
                connection.execution_options(isolation_level='REPEATABLE READ')
            with connection.begin():
                yield connection

    def _load_saved(self, location_id: int, token: str) -> LocationColumns | None:
        path = None if self._folder is None or not token else self._folder / f'location-{location_id}.npz'
        if path is None or not path.exists():
            return None
        try:
            with np.load(path, allow_pickle=False) as saved:
                meta = json.loads(str(saved['meta']))
                if meta.get('format') != FORMAT or meta.get('token') != token:
                    return None
                bookings = {k[2:]: saved[k] for k in saved.files if k.startswith('b_')}
                lines = {k[2:]: saved[k] for k in saved.files if k.startswith('l_')}
        except (OSError, ValueError, KeyError) as error:
            log.warning('ignoring the saved analytics columns in %s: %s', path, error)
            return None
        self._saved[location_id] = meta['revision']
        return LocationColumns(location_id, meta['time_zone'], token, meta['revision'], bookings, lines,
                               {int(k): v for k, v in meta['descriptions'].items()}, list(meta['sources']))

    def _read_all(self, connection: Connection, latest: dict[int, tuple[str, int]]) -> dict[int, LocationColumns]:
        """Every row of the locations (keys of ``latest``: their token and revision in this read)."""
        ids = ', '.join(str(int(i)) for i in latest)
        zones = dict(connection.execute(text(f'SELECT id, time_zone FROM location WHERE id IN ({ids})')).all())
        scan = ' NOT INDEXED' if self._engine.dialect.name == 'sqlite' else ''  # a sequential scan reads faster
        # one pass over each table: the few rows that also need a text (a booking's source, a line's own
        # description) are flagged in it and their texts read by id, not by a second pass over every row
        packs = _packable(connection)
        bookings = _sorted(self._read_packed(connection, self._booking_columns(flagged=True),
                                             f'FROM booking b{scan} WHERE b.location_id IN ({ids})',
                                             BOOKING_PACKS if packs else ()))
        sources, flagged = [''], bookings.pop('flagged')
        # the source texts by id where few bookings have one; one more pass where most have (an imported file: every
        # hotel booking has its channel), which reads them faster than ids listed by the thousand
        wheres = ([f'b.location_id IN ({ids})'] if flagged.sum() > len(flagged) * SOURCES_IN_ONE_PASS else
                  _in_chunks('b.id', flagged, bookings['id']))
        bookings['source'] = _source_codes(connection, wheres, bookings['id'], sources, scan=scan)
        lines = _sorted(self._read_packed(connection, self._line_columns(flagged=True),
                                          f'{self._line_from(scan)} WHERE r.location_id IN ({ids})',
                                          LINE_PACKS if packs else ()))
        descriptions = {}
        for where in _in_chunks('l.id', lines.pop('flagged'), lines['id']):
            descriptions.update(self._descriptions(connection, where))
        result = {}
        booking_rows, line_rows = _by_location(bookings, latest), _by_location(lines, latest)
        for location_id, (token, revision) in latest.items():
            zone = zones.get(location_id, 'UTC')
            mine, theirs = booking_rows[location_id], line_rows[location_id]
            own = set(theirs['id'][np.isin(theirs['id'], list(descriptions))].tolist()) if descriptions else set()
            result[location_id] = LocationColumns(
                location_id, zone, token, revision, _booking_times(mine, zone),
                _with_local(theirs, 'issued_at', 'local_issued', zone), {k: descriptions[k] for k in own},
                list(sources))
        return result

    def _patch(self, connection: Connection, held: LocationColumns, booking_ids: set[int], receipt_ids: set[int],
               revision: int) -> LocationColumns:
        bookings, lines, descriptions = held.bookings, held.lines, dict(held.descriptions)
        sources = list(held.sources)
        if booking_ids:
            fresh = _sorted(_read(connection, self._booking_sql(_in('b.id', booking_ids)), BOOKING_FIELDS))
            fresh['source'] = _source_codes(connection, [_in('b.id', booking_ids)], fresh['id'], sources)
            fresh = _rows(fresh, fresh['location_id'] == held.location_id)
            bookings = _upsert(bookings, _booking_times(fresh, held.time_zone), booking_ids)
        if receipt_ids:
            where = _in('l.receipt_id', receipt_ids)
            fresh = _read(connection, self._line_sql(where), LINE_FIELDS)
            lines = _upsert(lines, _with_local(fresh, 'issued_at', 'local_issued', held.time_zone),
                            lines['id'][np.isin(lines['receipt_id'], list(receipt_ids))].tolist())
            descriptions.update(self._descriptions(connection, where))
        return LocationColumns(held.location_id, held.time_zone, held.token, revision, bookings, lines, descriptions,
                               sources)

    def _booking_sql(self, where: str, scan: str = '', *, flagged: bool = False) -> str:
        """The booking columns' SQL; ``flagged``: one more column, 1 for a booking with a source (its text is read
        apart: :func:`_source_codes`)."""
        return f'SELECT {", ".join(self._booking_columns(flagged=flagged).values())} FROM booking b{scan} WHERE {where}'

    def _booking_columns(self, *, flagged: bool = False) -> dict[str, str]:
        """Each of :data:`BOOKING_FIELDS` (and ``flagged``) → its SQL over ``booking b``."""
        dialect = self._engine.dialect.name
        return {
            'id': 'b.id', 'location_id': 'b.location_id', 'customer_id': 'coalesce(b.customer_id, -1)',
            'staff_member_id': 'b.staff_member_id', 'service_id': 'b.service_id',
            'starts_at': _epoch('b.starts_at', dialect), 'ends_at': _epoch('b.ends_at', dialect),
            'booked_at': f'coalesce({_epoch("b.booked_at", dialect)}, {NO_TIME})',
            'status': _code('b.status', STATUSES), 'channel': _code('b.channel', CHANNELS),
            'price_cents': 'b.price_cents', 'notice_days': 'coalesce(b.notice_days, -1)',
            'cancelled_at': f'coalesce({_epoch("b.cancelled_at", dialect)}, {NO_TIME})',
            'time_known': 'CASE WHEN b.time_known THEN 1 ELSE 0 END',
            **({'flagged': "CASE WHEN b.source <> '' THEN 1 ELSE 0 END"} if flagged else {}),
        }

    def _line_sql(self, where: str, scan: str = '', *, flagged: bool = False) -> str:
        """The receipt lines' columns' SQL; ``flagged``: one more column, 1 for a line of neither a service nor a
        product (its own description is read apart: :meth:`_descriptions`)."""
        return f'SELECT {", ".join(self._line_columns(flagged=flagged).values())} {self._line_from(scan)} WHERE {where}'

    def _line_columns(self, *, flagged: bool = False) -> dict[str, str]:
        """Each of :data:`LINE_FIELDS` (and ``flagged``) → its SQL over :meth:`_line_from`."""
        return {
            'id': 'l.id', 'location_id': 'r.location_id', 'receipt_id': 'l.receipt_id',
            'issued_at': _epoch('r.issued_at', self._engine.dialect.name),
            'customer_id': 'coalesce(r.customer_id, -1)', 'staff_member_id': 'coalesce(l.staff_member_id, -1)',
            'service_id': 'coalesce(l.service_id, -1)', 'product_id': 'coalesce(l.product_id, -1)',
            'payment_method': _code('r.payment_method', PAYMENT_METHODS, missing=len(PAYMENT_METHODS) - 1),
            'channel': _code('bk.channel', CHANNELS), 'amount_cents': 'l.amount_cents',
            **({'flagged': 'CASE WHEN l.service_id IS NULL AND l.product_id IS NULL THEN 1 ELSE 0 END'}
               if flagged else {}),
        }

    @staticmethod
    def _line_from(scan: str = '') -> str:
        return (f'FROM receipt_line l{scan} JOIN receipt r ON r.id = l.receipt_id '
                'LEFT JOIN booking bk ON bk.id = r.booking_id')

    @staticmethod
    def _read_packed(connection, columns: dict[str, str], source: str,
                     packs: tuple[tuple[str, ...], ...]) -> dict[str, np.ndarray]:
        """``columns`` (name → SQL) read from ``source`` (its FROM and WHERE), each group of ``packs`` as one
        integer (:func:`_select`) and taken apart again: the same columns as reading each alone."""
        select, names = _select(columns, packs)
        return _unpack(_read(connection, f'SELECT {select} {source}', names), packs)

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
            digest = hashlib.sha256(engine.url.render_as_string(hide_password=True).encode()).hexdigest()[:16]
            found = _stores[engine] = AnalyticsStore(engine, get_settings().data_dir / 'analytics' / digest)
        return found


def columns_for(location_ids: list[int]) -> list[LocationColumns]:
    """Shortcut: ``store().columns_for(location_ids)``."""
    return store().columns_for(location_ids)


def warm(location_ids: list[int]) -> None:
    """Bring the locations' columns up to date now and save them (after a bulk import, which makes the
    next read a full one): the first report after it then starts from them, in this process or the next.
    Never raises: the import has committed; a failure here only means the first report reads afresh."""
    try:
        held = store().columns_for(location_ids)
        store().save([x.location_id for x in held])
    except Exception:
        log.exception('could not prepare the analytics columns of locations %s', location_ids)


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


def _in(column: str, ids: Iterable[int]) -> str:
    return f'{column} IN ({", ".join(str(int(i)) for i in ids)})'


ID_CHUNK = 5_000
"""Ids per ``IN`` list when rows are read by id (SQLite allows any number; this keeps each statement small)."""


SOURCES_IN_ONE_PASS = 0.5
"""Above this share of bookings with a source, a first read reads the source texts in one more pass over the
locations' bookings instead of by id (the hotel file's import: its analytics warm 0.71 → 0.47 s)."""


def _in_chunks(column: str, flags: np.ndarray, ids: np.ndarray) -> list[str]:
    """``column IN (…)`` conditions, :data:`ID_CHUNK` ids each, for the ``ids`` whose ``flags`` are set (none: no
    condition, nothing to read)."""
    chosen = ids[flags.astype(bool)]
    return [_in(column, chosen[start:start + ID_CHUNK].tolist()) for start in range(0, len(chosen), ID_CHUNK)]


def _read(connection, sql: str, names: list[str]) -> dict[str, np.ndarray]:
    """Run ``sql`` (integer columns only) on the driver's own cursor and return its columns, fetched
    in chunks (a server-side cursor on PostgreSQL) so that memory stays near the final arrays'. Each chunk is made
    an array straight from its rows and cut into narrowed columns at once (no million-row int64 matrix copied)."""
    raw = connection.connection.dbapi_connection
    cursor = raw.cursor(name='analytics_store') if connection.dialect.name == 'postgresql' else raw.cursor()
    width = len(names)
    parts: list[list[np.ndarray]] = [[] for _ in names]
    try:
        cursor.execute(sql)
        while chunk := cursor.fetchmany(CHUNK_ROWS):
            matrix = np.fromiter(chain.from_iterable(chunk), dtype=np.int64, count=len(chunk) * width).reshape(
                -1, width)
            for i, name in enumerate(names):
                parts[i].append(_narrow(name, matrix[:, i]))
    finally:
        cursor.close()
    return {name: np.concatenate(parts[i]) if parts[i] else _narrow(name, np.empty(0, dtype=np.int64))
            for i, name in enumerate(names)}


def _packable(connection) -> bool:
    """Whether every id a pack holds fits it (:data:`PACKED_ID_LIMIT`): the highest id of each table they refer to
    (each the last row of its primary key)."""
    return all((connection.execute(text(f'SELECT max(id) FROM {table}')).scalar() or 0) <= PACKED_ID_LIMIT
               for table in ('location', 'customer', 'staff_member', 'service', 'product'))


def _bits(name: str) -> int:
    return PACKED_BITS.get(name, 31)


def _select(columns: dict[str, str], packs: tuple[tuple[str, ...], ...]) -> tuple[str, list[str]]:
    """The SELECT list of ``columns`` (name → SQL) with each group of ``packs`` as one integer, and the names of what
    it reads (a group as its names joined by '+'). A group's fields, each plus one (so -1 is 0), sit one after the
    other from the lowest bit, :func:`_bits` each; a group takes at most 63 bits, so it stays a positive int64."""
    packed = {name for group in packs for name in group}
    parts = [(name, sql) for name, sql in columns.items() if name not in packed]
    for group in packs:
        terms, offset = [], 0
        for name in group:
            terms.append(f'(CAST({columns[name]} AS BIGINT) + 1) * {1 << offset}')  # 64-bit on PostgreSQL too
            offset += _bits(name)
        if offset > 63:
            raise ValueError(f'the pack {group} needs {offset} bits; an int64 holds 63')
        parts.append(('+'.join(group), ' + '.join(terms)))
    return ', '.join(sql for _name, sql in parts), [name for name, _sql in parts]


def _unpack(table: dict[str, np.ndarray], packs: tuple[tuple[str, ...], ...]) -> dict[str, np.ndarray]:
    """``table`` with each group of ``packs`` (read as :func:`_select` writes it) taken apart into its fields."""
    for group in packs:
        packed, offset = table.pop('+'.join(group)), 0
        for name in group:
            table[name] = _narrow(name, ((packed >> offset) & ((1 << _bits(name)) - 1)) - 1)
            offset += _bits(name)
    return table


def _narrow(name: str, values: np.ndarray) -> np.ndarray:
    if '+' in name:  # a pack (:func:`_select`): taken apart by :func:`_unpack`
        return values.copy()
    if name in {'status', 'channel', 'payment_method', 'time_known'}:
        return values.astype(np.int8)
    if name in {'starts_at', 'ends_at', 'booked_at', 'cancelled_at', 'issued_at', 'price_cents', 'amount_cents'}:
        return values.copy()  # a column of its own, not a view into the chunk's matrix
    return values.astype(np.int32)


def _source_codes(connection: Connection, wheres: list[str], ids: np.ndarray, sources: list[str], *,
                  scan: str = '') -> np.ndarray:
    """The ``source`` code of each booking in ``ids`` (sorted) read with each of ``wheres`` (``scan``: SQLite's
    ``NOT INDEXED``, for a pass over most rows): its index in ``sources``, which grows by the texts not in it yet
    (0 = none; a booking read that is not in ``ids`` is left out). The texts are read as bound values, never
    written into SQL."""
    codes = np.zeros(len(ids), dtype=np.int16)
    rows = [row for where in wheres for row in connection.execute(text(
        f"SELECT b.id, b.source FROM booking b{scan} WHERE {where} AND b.source <> ''")).all()]
    if not rows:
        return codes
    known = {name: i for i, name in enumerate(sources)}
    for _id, name in rows:
        if name not in known:
            known[name] = len(sources)
            sources.append(name)
    found = np.array([r[0] for r in rows], dtype=np.int64)
    where_found = np.searchsorted(ids, found)
    inside = (where_found < len(ids)) & (ids[np.minimum(where_found, len(ids) - 1)] == found)
    codes[where_found[inside]] = np.array([known[r[1]] for r in rows], dtype=np.int16)[inside]
    return codes


def _booking_times(table: dict[str, np.ndarray], zone: str) -> dict[str, np.ndarray]:
    """Adds the local wall times of the start, booked-at and cancelled-at moments."""
    table = _with_local(table, 'starts_at', 'local_start', zone)
    table = _with_local(table, 'booked_at', 'local_booked', zone)
    return _with_local(table, 'cancelled_at', 'local_cancelled', zone)


def _with_local(table: dict[str, np.ndarray], source: str, target: str, zone: str) -> dict[str, np.ndarray]:
    """Adds the local wall time of ``source`` (epoch seconds) in ``zone``, also as epoch seconds
    (``NO_TIME``, numpy's NaT, stays ``NO_TIME``)."""
    moments = pd.DatetimeIndex(table[source].astype('datetime64[s]')).tz_localize('UTC')
    local = moments.tz_convert(zone).tz_localize(None).as_unit('s').asi8
    return {**table, target: local.astype(np.int64)}


def _sorted(table: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    ids = table['id']
    if len(ids) < 2 or bool(np.all(ids[1:] > ids[:-1])):
        return table  # read in the table's own order (SQLite's rowid): sorted already
    order = np.argsort(ids, kind='stable')
    return {k: v[order] for k, v in table.items()}


def _by_location(table: dict[str, np.ndarray], location_ids: Iterable[int]) -> dict[int, dict[str, np.ndarray]]:
    """Each location's rows of ``table`` (sorted by id), still sorted by id: the rows reordered by location once
    (a stable sort) and each location's run taken as a slice, instead of one masked copy per location."""
    order = np.argsort(table['location_id'], kind='stable')
    grouped = {k: v[order] for k, v in table.items()}
    keys = grouped['location_id']
    runs = {i: np.searchsorted(keys, [i, i + 1]).tolist() for i in location_ids}  # [its first row, the next's)
    return {i: {k: v[first:end] for k, v in grouped.items()} for i, (first, end) in runs.items()}


def _rows(table: dict[str, np.ndarray], mask: np.ndarray) -> dict[str, np.ndarray]:
    return {k: v[mask] for k, v in table.items()}


def _concat(left: dict[str, np.ndarray], right: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {k: np.concatenate([left[k], right[k].astype(left[k].dtype)]) for k in left}


def _upsert(table: dict[str, np.ndarray], fresh: dict[str, np.ndarray], ids: Iterable[int]) -> dict[str, np.ndarray]:
    """Replace the rows with ``ids`` by ``fresh`` (rows no longer in the database disappear); ids stay sorted."""
    keep = ~np.isin(table['id'], list(ids))
    merged = _concat({k: v[keep] for k, v in table.items()}, fresh)
    order = np.argsort(merged['id'], kind='stable')  # nearly sorted already: cheap
    return {k: v[order] for k, v in merged.items()}
