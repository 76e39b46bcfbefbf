"""Generic import of any booking export through a column mapping (see :mod:`app.services.imports.mapping`).

The whole file is read and mapped first; a bad value stops the import before anything is written,
with the lines and fields at fault. Then one transaction adds the locations, staff members,
services and customers it names and the bookings, in bulk. Rows are recognised by their content
and occurrence (as in the salon import), so re-importing a file, or a later export that repeats its
rows, adds only what is new; identical rows stay separate bookings.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlmodel import Session, col, select

from app.models import Booking, Customer, CustomerWord, Location, Role, Service, StaffMember, UserRead
from app.models.booking import new_booking_codes
from app.models.customer import word_rows
from app.services import events, i18n, lazy, revisions
from app.services.accounts.access import MANAGING_ROLES, ensure_role
from app.services.analytics import store as analytics_store
from app.services.customers import customers
from app.services.database import session_scope
from app.services.errors import PermissionDeniedError
from app.services.i18n import N_, _, ngettext
from app.services.imports import mapping, tabular

if TYPE_CHECKING:  # the real modules for readers, tools and the bundle (PyInstaller follows these)
    import numpy as np
    import pandas as pd
else:  # at first use, not at start (app.services.lazy)
    np = lazy.module('numpy', globals())
    pd = lazy.module('pandas', globals())

Progress = Callable[[float, str], None]
CHUNK = 10_000


@dataclass
class BookingImportReport:
    """Counts of an import: rows read, bookings added, rows already there, new related records."""

    rows: int = 0
    added: int = 0
    already_there: int = 0
    created: dict[str, int] = field(default_factory=dict)
    location_ids: list[int] = field(default_factory=list)

    def summary(self) -> str:
        """One line for people, in the current language."""
        extra = ', '.join(_('{n} new {kind}').format(n=n, kind=_(RELATED[k]) if k in RELATED else k)
                          for k, n in self.created.items() if n)
        counts = ngettext('{rows} row: {added} bookings added, {already} already there',
                          '{rows} rows: {added} bookings added, {already} already there', self.rows).format(
            rows=self.rows, added=self.added, already=self.already_there)
        return _('{counts}; {extra}').format(counts=counts, extra=extra) if extra else counts

    def stored_summary(self) -> str:
        """The summary for other tabs (an event's toast), stored to be shown in each reader's language."""
        return i18n.deferred(N_('{rows} rows: {added} bookings added, {already} already there'), rows=self.rows,
                             added=self.added, already=self.already_there)


RELATED = {'locations': N_('locations'), 'staff members': N_('staff members'), 'services': N_('services'),
           'customers': N_('customers')}
"""Records an import may create, in words (:meth:`BookingImportReport.summary`)."""


def preview(path: Path, spec: mapping.Mapping, *, rows: int = 20, name: str | None = None) -> pd.DataFrame:
    """The first ``rows`` rows as they would be imported (canonical frame), without writing anything.
    Only those rows are read, so a preview of a large file is quick. Call it from a worker thread.

    :param name: the file's name in messages (default: the path's name; uploads are stored under another)
    :raises ImportRowError, ValidationError: as :func:`import_bookings`
    """
    raw = mapping.read_table(path, spec, name=name, max_rows=rows)
    return mapping.map_frame(raw, spec, file=name or Path(path).name)


def import_bookings(path: Path, spec: mapping.Mapping, *, actor: UserRead, name: str | None = None,
                    progress: Progress | None = None) -> BookingImportReport:
    """Import every row of ``path`` (.csv/.xlsx) as a booking, in one transaction. Call it from a worker
    thread: reading and checking a large file takes seconds.

    A manager imports into their own location only: a row naming any other location stops the import.
    Only the owner's imports may create locations (a name not yet known).

    :param name: the file's name in messages (default: the path's name)
    :raises ImportRowError: unreadable values (file, line, field; up to 20 listed); nothing written
    :raises ValidationError: an unsupported, unreadable, empty or too large file
    :raises PermissionDeniedError: only owners and managers import; a row names a location the actor may
        not write to (file, line and field named); nothing written
    """
    ensure_role(actor, MANAGING_ROLES, 'import data')
    file = name or Path(path).name
    report_progress = progress or (lambda _fraction, _message: None)
    raw = mapping.read_table(path, spec, name=file)
    report_progress(0.1, ngettext('{n} row read', '{n} rows read', len(raw)).format(n=len(raw)))
    frame = mapping.map_frame(raw, spec, file=file).assign(import_key=row_keys(raw).to_numpy())
    report_progress(0.3, _('Rows checked'))
    report = BookingImportReport(rows=len(frame))
    with session_scope(write=True) as session:
        ids = _ensure_related(session, frame, spec, report, actor=actor, file=file)
        frame = frame.assign(location_id=frame['location'].map(ids['location']))
        existing = _existing_keys(session, report.location_ids)
        known = [(int(loc), key) in existing
                 for loc, key in zip(frame['location_id'].tolist(), frame['import_key'].tolist(), strict=True)]
        fresh = frame.loc[~pd.Series(known, index=frame.index, dtype=bool)]
        report.already_there = len(frame) - len(fresh)
        codes = new_codes(session, len(fresh))  # before the rows go: no query runs beside a COPY

        def chunks() -> Iterator[dict[str, list]]:
            for start in range(0, len(fresh), CHUNK):
                yield _booking_columns(fresh.iloc[start:start + CHUNK], ids, session.get_bind().dialect.name,
                                       codes[start:start + CHUNK])
                report_progress(0.4 + 0.5 * min(start + CHUNK, len(fresh)) / max(len(fresh), 1),
                                _('{done} of {total} bookings written').format(done=min(start + CHUNK, len(fresh)),
                                                                              total=len(fresh)))

        insert_chunks(session, 'booking', chunks())
        report.added = len(fresh)
        for location_id in fresh['location_id'].unique().tolist():  # rows written without the ORM's hook
            revisions.record(session.connection(), int(location_id), reload=True)
    report_progress(0.95, _('Preparing the analytics'))
    analytics_store.warm(report.location_ids)  # the first visit to Analytics after an import is quick
    for location_id in report.location_ids:
        events.publish(events.DataImported(location_id=location_id, summary=report.stored_summary()))
    report_progress(1.0, report.summary())
    return report


def row_keys(raw: pd.DataFrame) -> pd.Series:
    """Content key of each row: a 64-bit hash of its cells plus how often that content occurred before.

    Identical rows get keys ``…:0``, ``…:1``, … so they stay separate and are each recognised again.
    """
    digest = pd.util.hash_pandas_object(raw, index=False)
    occurrence = digest.groupby(digest).cumcount()
    return digest.map('{:016x}'.format) + ':' + occurrence.astype(str)


def _ensure_related(session: Session, frame: pd.DataFrame, spec: mapping.Mapping, report: BookingImportReport, *,
                    actor: UserRead, file: str) -> dict[str, dict]:
    """Create the locations, staff, services and customers the frame names; return name → id maps.

    :raises PermissionDeniedError: a location ``actor`` may not write to (another one, or a new one for a non-owner)
    """
    locations = _ensure_locations(session, frame, spec, report, actor=actor, file=file)
    report.location_ids = sorted(locations.values())
    ids: dict[str, dict] = {'location': locations}
    names = {location_id: name for name, location_id in locations.items()}
    for key, model, column in (('staff_member', StaffMember, 'name'), ('service', Service, 'code'),
                               ('customer', Customer, 'code')):
        if model is Customer:  # codes a desk is giving new customers at this moment are seen, not duplicated
            for location_id in report.location_ids:
                customers.lock_codes(session, location_id)
        known = _ensure_records(session, frame, report, key=key, model=model, column=column, locations=locations)
        ids[key] = {(names[loc], value): record_id for (loc, value), record_id in known.items() if loc in names}
    return ids


def _ensure_locations(session: Session, frame: pd.DataFrame, spec: mapping.Mapping, report: BookingImportReport, *,
                      actor: UserRead, file: str) -> dict[str, int]:
    """The locations the frame names, name → id, those missing created (in the mapping's time zone and currency).

    :raises PermissionDeniedError: as :func:`_location_refusal` says, naming the first line of that location
    """
    locations = {}
    for name in frame['location'].unique():
        location = session.exec(select(Location).where(Location.name == name)).first()
        refusal = _location_refusal(name, location, actor)
        if refusal is not None:
            raise _refused(refusal, file, int(frame.loc[frame['location'] == name, 'line'].iloc[0]))
        if location is None:
            location = Location(name=name, time_zone=spec.time_zone, currency=spec.currency)
            session.add(location)
            session.flush()
            report.created['locations'] = report.created.get('locations', 0) + 1
        locations[name] = location.id
    return locations


def _location_refusal(name: str, location: Location | None, actor: UserRead) -> str | None:
    """Why ``actor`` may not import into the location named ``name`` (``location``, None when there is none yet), or
    None: only the owner adds locations, and a user of one location imports only into it."""
    if location is None and actor.role != Role.OWNER:
        return _('"{name}" is not a location here; only the owner can add locations (an import by a '
                 'manager goes into their own location)').format(name=name)
    if location is not None and actor.location_id is not None and location.id != actor.location_id:
        return _('"{name}" is another location; you can import only into your own').format(name=name)
    return None


def _ensure_records(session: Session, frame: pd.DataFrame, report: BookingImportReport, *, key: str, model: type,
                    column: str, locations: dict[str, int]) -> dict[tuple[int, str], int]:
    """The ``model`` rows (staff members by name, services and customers by code) the frame's ``key`` column names,
    (location id, name or code) → id, those missing inserted at once and counted in ``report.created``."""
    def known_now() -> dict[tuple[int, str], int]:
        return {(loc, value): record_id for loc, value, record_id in session.exec(
            select(model.location_id, getattr(model, column), model.id)
            .where(col(model.location_id).in_(report.location_ids)))}

    pairs = frame.loc[frame[key] != '', ['location', key]].drop_duplicates()
    known = known_now()
    missing = [(locations[loc], value) for loc, value in pairs.itertuples(index=False)
               if (locations[loc], value) not in known]
    if missing:
        now = _created_at(session.get_bind().dialect.name)
        rows = [_related_row(model, loc, value, now) for loc, value in missing]
        insert_many(session, model.__tablename__, {k: [r[k] for r in rows] for k in rows[0]})
        known = known_now()
        if model is Customer:  # a plain INSERT: the words the search finds them by are not the ORM's to write
            words = [w for r in rows for w in word_rows(known[r['location_id'], r['code']], r['location_id'],
                                                        r['name'], r['code'], r['email'], '')]
            if words:
                insert_many(session, CustomerWord.__tablename__, {k: [w[k] for w in words] for k in words[0]})
    report.created[model.__tablename__.replace('_', ' ') + 's'] = len(missing)
    return known


def _refused(message: str, file: str, line: int) -> PermissionDeniedError:
    """A refusal that says where, as an :class:`ImportRowError` does."""
    return PermissionDeniedError(str(tabular.row_error(message, file=file, line=line, field='location')),
                                 field='location')


def _created_at(dialect: str) -> datetime | str:
    """Now, as the driver of ``dialect`` takes a customer's ``created_at`` (UTC text on SQLite): one moment for an
    import's customers (formatting it per row was a tenth of a 62,299-customer import)."""
    now = datetime.now(UTC)
    return now.strftime('%Y-%m-%d %H:%M:%S.%f') if dialect == 'sqlite' else now


def _related_row(model: type, location_id: int, value: str, created_at: datetime | str) -> dict:
    if model is StaffMember:
        return {'location_id': location_id, 'name': value[:80], 'active': True}
    if model is Service:
        return {'location_id': location_id, 'code': value[:40], 'name': value[:200], 'category': '',
                'price_cents': 0, 'cost_cents': 0, 'duration_minutes': None, 'active': True}
    return {'location_id': location_id, 'code': value[:40], 'name': value[:200], 'phone': '', 'email': '',
            'notes': 'Imported', 'created_at': created_at}


def _existing_keys(session: Session, location_ids: list[int]) -> set[tuple[int, str]]:
    return set(session.exec(select(Booking.location_id, Booking.import_key).where(
        col(Booking.location_id).in_(location_ids), col(Booking.import_key).is_not(None))).all())


def _booking_columns(chunk: pd.DataFrame, ids: dict[str, dict], dialect: str, codes: list[str]) -> dict[str, list]:
    """Column name → values of the chunk's bookings (``codes``: one new booking code each), converted for the
    driver of ``dialect``."""
    locations = chunk['location'].tolist()
    return {
        'location_id': [int(x) for x in chunk['location_id'].tolist()],
        'customer_id': [ids['customer'].get(p) for p in zip(locations, chunk['customer'].tolist(), strict=True)],
        'service_id': [ids['service'][p] for p in zip(locations, chunk['service'].tolist(), strict=True)],
        'staff_member_id': [ids['staff_member'][p] for p in zip(locations, chunk['staff_member'].tolist(),
                                                                strict=True)],
        'starts_at': _times(chunk['starts_at'], dialect),
        'ends_at': _times(chunk['ends_at'], dialect),
        'booked_at': _times(chunk['booked_at'], dialect),
        'status': chunk['status'].tolist(),
        'cancelled_at': _times(chunk['cancelled_at'], dialect),
        'channel': chunk['channel'].tolist(),
        'source': chunk['source'].tolist(),
        'time_known': [bool(x) for x in chunk['time_known'].tolist()],
        'price_cents': [int(x) for x in chunk['price_cents'].tolist()],
        'notes': [''] * len(chunk),
        'import_key': chunk['import_key'].tolist(),
        'code': codes,
    }


def new_codes(session: Session, count: int) -> list[str]:
    """``count`` new booking codes (:func:`~app.models.booking.new_booking_codes`), distinct from each other and
    from every code in the table, for rows written without the ORM."""
    codes: set[str] = set()
    postgres = session.get_bind().dialect.name == 'postgresql'
    # the candidates go as one parameter (an array, a JSON list): 10,000 separate ones cost 0.15 s a chunk
    query = text('SELECT code FROM booking WHERE code = ANY(:codes)' if postgres else
                 'SELECT code FROM booking WHERE code IN (SELECT value FROM json_each(:codes))')
    while len(codes) < count:
        wanted = list(set(new_booking_codes(count - len(codes))) - codes)
        taken = set(session.connection().execute(query, {'codes': wanted if postgres else json.dumps(wanted)})
                    .scalars())
        codes.update(c for c in wanted if c not in taken)
    return list(codes)


def insert_many(session: Session, table: str, columns: dict[str, list]) -> None:
    """Bulk insert through the driver (no per-value ORM processing), inside the session's transaction:
    ``COPY … FROM STDIN`` on PostgreSQL, ``executemany`` on SQLite. ``columns``: column name → values, as
    :func:`insert_chunks` takes each chunk."""
    insert_chunks(session, table, [columns])


def insert_chunks(session: Session, table: str, chunks: Iterable[dict[str, list]]) -> None:
    """Bulk insert ``chunks`` (each column name → values, the same columns in each), made one after the other: on
    PostgreSQL one ``COPY … FROM STDIN`` for them all, so the server writes a chunk's rows while the next is made
    (a COPY per chunk waited for each: two fifths of a 119,390-booking import); on SQLite an ``executemany`` each.

    Values must be driver-ready; times as :func:`_times` prepares them (UTC text on both: naive on SQLite, as
    :class:`~app.models.base.UTCDateTime` stores it; with its ``Z`` on PostgreSQL) or aware datetimes on PostgreSQL.
    """
    chunks = iter(chunks)
    first = next(chunks, None)
    if first is None:
        return
    names = list(first)
    if session.get_bind().dialect.name == 'postgresql':
        driver = session.connection().connection.driver_connection
        with driver.cursor() as cursor, cursor.copy(f'COPY {table} ({", ".join(names)}) FROM STDIN') as copy:
            for columns in itertools.chain([first], chunks):
                for row in zip(*(columns[name] for name in names), strict=True):
                    copy.write_row(row)
        return
    sql = f'INSERT INTO {table} ({", ".join(names)}) VALUES ({", ".join(["?"] * len(names))})'
    for columns in itertools.chain([first], chunks):
        session.connection().exec_driver_sql(sql, list(zip(*(columns[name] for name in names), strict=True)))


def _times(values: pd.Series, dialect: str) -> list[str | None]:
    """Aware times as text the driver writes as they are, None where missing: on SQLite SQLAlchemy's DATETIME text,
    naive UTC (``'2016-04-29 08:00:00.000000'``, as :class:`~app.models.base.UTCDateTime` writes it); on PostgreSQL
    ISO 8601 in UTC with its ``Z`` (``'2016-04-29T08:00:00.000000Z'``), which ``COPY`` reads into a ``timestamptz``
    whatever the session's time zone (a ``datetime`` made per value was a third of a PostgreSQL import)."""
    utc = values.dt.tz_convert('UTC').dt.tz_localize(None).to_numpy(dtype='datetime64[us]')
    missing = np.isnat(utc)  # a missing time is NULL (as text it would be 'NaT')
    if dialect == 'sqlite':
        text = np.char.replace(np.datetime_as_string(utc, unit='us'), 'T', ' ')
    else:
        text = np.datetime_as_string(utc, unit='us', timezone='UTC')
    return [None if gone else t for t, gone in zip(text.tolist(), missing.tolist(), strict=True)]
