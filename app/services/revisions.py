"""Which bookings and receipts of a location changed, and in which order: a revision counter and a log.

Every flush that writes a booking, a receipt or a receipt line bumps its location's revision
(``data_revision``) and logs the ids at the new revision (``change_log``), in the same transaction.
The counter's row is locked until commit (PostgreSQL) or the whole database is (SQLite), so
revisions commit in order: a reader that has seen revision *r* learns every later change by reading
the log after *r*. The hook is on every SQLModel session, so no write path can forget it; bulk
inserts that bypass the ORM call :func:`record` with ``reload=True`` themselves.

Readers: :mod:`app.services.analytics.store` (patches its columns with the rows changed since the
revision it holds; another process's changes included).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import Connection, event, text
from sqlmodel import Session

from app.models import Booking, Receipt, ReceiptLine

BULK = 500
"""More ids than this for one location in one flush are logged as a single "re-read" entry."""
KEEP = 200_000
"""Log entries kept per location (older ones are pruned; a reader further behind re-reads in full)."""


def record(connection: Connection, location_id: int, *, booking_ids: Iterable[int] = (),
           receipt_ids: Iterable[int] = (), reload: bool = False) -> int:
    """Bump the location's revision and log the ids at it; returns the new revision.

    ``reload`` logs one entry meaning "re-read everything" instead of ids (bulk writes).
    Runs inside the caller's transaction.
    """
    booking_ids, receipt_ids = sorted(set(booking_ids)), sorted(set(receipt_ids))
    if len(booking_ids) + len(receipt_ids) > BULK or not (booking_ids or receipt_ids):
        reload = True
    if not reload and len(booking_ids) + len(receipt_ids) == 1 and connection.dialect.name == 'postgresql':
        # one user action's one row: the bump and the log in one round trip (a data-modifying WITH)
        revision = connection.execute(_BUMP_AND_LOG, {
            'l': location_id, 't': uuid.uuid4().hex, 'b': booking_ids[0] if booking_ids else None,
            'x': receipt_ids[0] if receipt_ids else None}).scalar_one()
        _prune(connection, location_id, revision)
        return revision
    revision = connection.execute(_BUMP, {'l': location_id, 't': uuid.uuid4().hex}).scalar_one()
    rows = [{'l': location_id, 'r': revision, 'b': None, 'x': None}] if reload else (
        [{'l': location_id, 'r': revision, 'b': b, 'x': None} for b in booking_ids]
        + [{'l': location_id, 'r': revision, 'b': None, 'x': x} for x in receipt_ids])
    if rows:  # one row as one execute: the executemany path costs more for the single booking of a user action
        connection.execute(_LOG, rows[0] if len(rows) == 1 else rows)
    _prune(connection, location_id, revision)
    return revision


def _prune(connection: Connection, location_id: int, revision: int) -> None:
    if revision % 1000 == 0:  # now and then, forget what no reader can still need
        connection.execute(text('DELETE FROM change_log WHERE location_id = :l AND revision < :r'),
                           {'l': location_id, 'r': revision - KEEP})


_BUMP = text('INSERT INTO data_revision (location_id, token, revision) VALUES (:l, :t, 1) '
             'ON CONFLICT (location_id) DO UPDATE SET revision = data_revision.revision + 1 RETURNING revision')
_LOG = text('INSERT INTO change_log (location_id, revision, booking_id, receipt_id) VALUES (:l, :r, :b, :x)')
_BUMP_AND_LOG = text(
    'WITH bumped AS (INSERT INTO data_revision (location_id, token, revision) VALUES (:l, :t, 1) '
    'ON CONFLICT (location_id) DO UPDATE SET revision = data_revision.revision + 1 RETURNING revision) '
    'INSERT INTO change_log (location_id, revision, booking_id, receipt_id) '
    'SELECT :l, revision, CAST(:b AS INTEGER), CAST(:x AS INTEGER) FROM bumped RETURNING revision')


def current(connection: Connection, location_ids: Iterable[int]) -> dict[int, tuple[str, int]]:
    """``{location_id: (token, revision)}`` for the locations that have ever been written."""
    ids = ', '.join(str(int(i)) for i in location_ids) or 'NULL'
    return {row[0]: (row[1], row[2]) for row in connection.execute(text(
        f'SELECT location_id, token, revision FROM data_revision WHERE location_id IN ({ids})'))}


def changed_since(connection: Connection, location_id: int, revision: int) -> tuple[set[int], set[int]] | None:
    """Booking ids and receipt ids written after ``revision``; ``None`` when the location must be
    re-read in full (a bulk write, or the log no longer reaches back that far)."""
    rows = connection.execute(text(
        'SELECT revision, booking_id, receipt_id FROM change_log WHERE location_id = :l AND revision > :r '
        'ORDER BY revision'), {'l': location_id, 'r': revision}).all()
    if not rows or rows[0][0] != revision + 1:
        return None if rows or _pruned(connection, location_id, revision) else (set(), set())
    if any(b is None and x is None for _, b, x in rows):
        return None
    return {b for _, b, _ in rows if b is not None}, {x for _, _, x in rows if x is not None}


def _pruned(connection: Connection, location_id: int, revision: int) -> bool:
    latest = connection.execute(text('SELECT revision FROM data_revision WHERE location_id = :l'),
                                {'l': location_id}).scalar_one_or_none()
    return latest is not None and latest > revision


def install() -> None:
    """Log every ORM write of bookings, receipts and receipt lines (idempotent)."""
    if not event.contains(Session, 'after_flush', _after_flush):
        event.listen(Session, 'after_flush', _after_flush)


def _after_flush(session: Session, _context) -> None:
    bookings: dict[int, set[int]] = defaultdict(set)
    receipts: dict[int, set[int]] = defaultdict(set)
    line_receipts: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Booking) and obj.id is not None:
            bookings[obj.location_id].add(obj.id)
        elif isinstance(obj, Receipt) and obj.id is not None:
            receipts[obj.location_id].add(obj.id)
        elif isinstance(obj, ReceiptLine):
            line_receipts.add(obj.receipt_id)
    if not (bookings or receipts or line_receipts):
        return
    connection = session.connection()
    known = {r for ids in receipts.values() for r in ids}
    missing = sorted(line_receipts - known)
    if missing:
        for receipt_id, location_id in connection.execute(text(
                f'SELECT id, location_id FROM receipt WHERE id IN ({", ".join(str(int(i)) for i in missing)})')):
            receipts[location_id].add(receipt_id)
    for location_id in sorted(set(bookings) | set(receipts)):
        record(connection, location_id, booking_ids=bookings.get(location_id, ()),
               receipt_ids=receipts.get(location_id, ()))
