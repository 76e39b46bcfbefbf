"""Engine, units of work and migrations. The only module that knows how to reach the database."""

from __future__ import annotations

import ast
import functools
import importlib
import logging
import os
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from sqlalchemy import Connection, Engine, NullPool, event, inspect, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, create_engine

from app.config import bundled_path, get_settings
from app.services import events, files, revisions
from app.services.errors import DatabaseNotWritableError, DatabaseTooNewError
from app.services.i18n import N_, _, deferred

if TYPE_CHECKING:  # Alembic is imported when a migration is due, not at every start (written_revisions says why)
    from alembic.config import Config
    from alembic.script import ScriptDirectory

log = logging.getLogger(__name__)

MIGRATIONS_DIR = bundled_path('migrations')
NOT_WRITABLE = N_("Nothing was saved: the shop's database cannot be written (disk full or read-only).")
"""What a person is told when their action's transaction was refused because the database cannot be written."""
OUTAGE_NOTICE = N_("The shop's database cannot be written (disk full or read-only): nothing can be saved until it "
                    'is fixed. Free some disk space, or make the database writable again.')
"""The bell's notification of an outage (one per outage, not one per refused write)."""
RECHECK_SECONDS = 10.0
"""While the database refuses writes, a trial write (:func:`recheck_writable`) at most this often tells when it is
back."""


def database_url() -> str:
    """The SQLAlchemy URL of the configured database."""
    return get_settings().effective_database_url


def get_engine(url: str | None = None) -> Engine:
    """One engine per URL for the life of the process.

    SQLite gets WAL, foreign keys, a 30 s busy timeout and explicit ``BEGIN`` so that write units of
    work can start with ``BEGIN IMMEDIATE`` (see :func:`session_scope`).
    """
    url = url or database_url()
    engine = _ENGINES.get(url)
    if engine is None:
        with _ENGINES_LOCK:  # threads starting at once must share one engine (one pool), not make one each
            engine = _ENGINES.get(url)
            if engine is None:
                engine = _ENGINES[url] = _create_engine(url)
    return engine


def writer(engine: Engine) -> Engine:
    """``engine`` for units of work that write (``BEGIN IMMEDIATE`` on SQLite), sharing its pool: made once per
    engine (making it per unit of work was 4 % of a booking's write, bench/writes.py)."""
    found = _WRITERS.get(engine)
    if found is None:
        found = _WRITERS[engine] = engine.execution_options(sqlite_immediate=True)
    return found


def _create_engine(url: str) -> Engine:
    if url.startswith('sqlite'):
        _ensure_sqlite_folder(url)
        engine = create_engine(url, connect_args={'check_same_thread': False, 'timeout': 30})
        _prepare_sqlite(engine)
        return engine
    settings = get_settings()
    # each process names its connections (pg_stat_activity.application_name): which process holds how many
    name = f'clientpulse pid {os.getpid()}' + (f' port {settings.port}' if settings.bus_url else '')
    return create_engine(url, pool_pre_ping=True, pool_size=settings.database_pool_size,
                         max_overflow=settings.database_max_overflow, connect_args={'application_name': name})


def reset_engines() -> None:
    """Dispose every cached engine (tests switch databases between runs)."""
    for engine in _ENGINES.values():
        engine.dispose()
    _ENGINES.clear()
    _WRITERS.clear()


@contextmanager
def session_scope(*, write: bool = False) -> Iterator[Session]:
    """A unit of work: commits when the block ends without error, rolls back otherwise.

    :param write: take the write lock at the start. On SQLite this is ``BEGIN IMMEDIATE`` (one writer
        at a time, across threads and processes); on PostgreSQL rows are locked explicitly by the
        caller (``SELECT … FOR UPDATE``).
    :raises DatabaseNotWritableError: the database cannot be written; nothing was saved
    A write the database refuses because it cannot be written at all (SQLite: read-only or full; PostgreSQL:
    ``disk_full``, ``read_only_sql_transaction``) raises :class:`DatabaseNotWritableError` (:data:`NOT_WRITABLE`)
    instead of the driver's error, and starts an outage (:func:`write_outage`) if none is on.
    """
    engine = get_engine()
    bind = writer(engine) if write else engine
    with Session(bind, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except DBAPIError as error:
            session.rollback()
            _raise_if_not_writable(error)
            raise
        except BaseException:
            session.rollback()
            raise


@contextmanager
def write_connection() -> Iterator[Connection]:
    """A unit of work on a Core connection (no ORM session): ``BEGIN IMMEDIATE`` on SQLite, committed when the block
    ends without error, rolled back otherwise. For the hottest writes (a booking), where the ORM's own bookkeeping
    cost more than the statements; anything else uses :func:`session_scope`.

    :raises DatabaseNotWritableError: the database cannot be written; nothing was saved (as :func:`session_scope`)
    """
    try:
        with writer(get_engine()).begin() as connection:
            yield connection
    except DBAPIError as error:
        _raise_if_not_writable(error)
        raise


def connection_of(unit: Session | Connection) -> Connection:
    """The connection of a unit of work: a :func:`session_scope` session's, or a :func:`write_connection` itself."""
    return unit.connection() if isinstance(unit, Session) else unit


def migrate(url: str | None = None, revision: str = 'head') -> None:
    """Bring the database's schema to ``revision`` with Alembic (idempotent).

    :raises DatabaseTooNewError: the database is at a revision this code does not know (a newer ClientPulse migrated
        it); nothing is changed
    :raises DatabaseNotWritableError: a migration was due and the database cannot be written
    """
    _ensure_sqlite_folder(url or database_url())
    current = refuse_newer(url)
    if revision == 'head' and current and set(current) == written_revisions()[1]:
        return  # already there, as every start after the first finds it: no need to import Alembic
    from alembic import command

    if revision == 'head' and current and set(current) == set(scripts().get_heads()):
        return  # already there: Alembic's upgrade would load its environment and the migrations to do nothing
    try:
        command.upgrade(alembic_config(url), revision)
    except DBAPIError as error:
        reason = refusal(error)
        if reason:
            raise DatabaseNotWritableError(_('The database cannot be written ({reason}), so it cannot be brought up '
                                             'to date: {error}').format(reason=reason, error=error.orig),
                                           detail=str(error.orig)) from None
        raise


def refuse_newer(url: str | None = None) -> tuple[str, ...]:
    """Refuse a database a newer ClientPulse has migrated: its Alembic revision is none of this code's migrations
    (Alembic itself would stop with "Can't locate revision …" and a traceback). Returns the database's revisions
    (none for a database not migrated yet).

    :raises DatabaseTooNewError: naming both revisions and what to do
    """
    url = url or database_url()
    current = current_revisions(url)
    if set(current) <= written_revisions()[0]:
        return current  # every one is this code's: no need for Alembic (nor its 0.25 s import) to say so
    script = scripts()
    unknown = [revision for revision in current if not _known(script, revision)]
    if unknown:
        raise DatabaseTooNewError(_(
            'Its database is at revision {revision}, newer than this ClientPulse knows (its newest is {newest}). This '
            'ClientPulse is older than its database: update ClientPulse, or restore a backup made by this '
            'version.').format(revision=', '.join(unknown), newest=script.get_current_head()))
    return tuple(current)


def insert_or_skip(connection: Connection, table: Any, index_elements: list[str], **values: Any) -> Any:
    """``INSERT … ON CONFLICT (index_elements) DO NOTHING`` of one row of ``table`` (a ``Table`` or a model
    class) in ``connection``'s dialect (SQLite and PostgreSQL spell it alike, through different SQLAlchemy
    constructs; the dialect's module is imported here, so a SQLite shop never loads PostgreSQL's). Returns the
    statement, for ``execute``."""
    dialect = importlib.import_module(f'sqlalchemy.dialects.{connection.dialect.name}')
    return dialect.insert(table).values(**values).on_conflict_do_nothing(index_elements=index_elements)


_REVISION_LINE = re.compile(r'^(?P<name>revision|down_revision)\b[^=\n]*=(?P<value>[^#\n]+)', re.MULTILINE)
"""A module-level ``revision`` or ``down_revision`` assignment (annotation allowed), its value up to a comment."""


def current_revisions(url: str) -> tuple[str, ...]:
    """The Alembic revisions the database at ``url`` is at (its ``alembic_version`` rows; none before the first
    migration), read with plain SQL as Alembic's ``MigrationContext.get_current_heads`` reads them."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table('alembic_version'):
                return ()
            return tuple(row[0] for row in connection.execute(text('SELECT version_num FROM alembic_version')))
    finally:
        engine.dispose()


@functools.cache
def written_revisions() -> tuple[frozenset[str], frozenset[str]]:
    """(every revision, the heads) of this code's migrations, read from the ``revision`` and ``down_revision``
    assignments of ``migrations/versions/*.py`` as literals (``ast.literal_eval``), without running them.

    Importing Alembic costs a start ~0.25 s (it brings Mako, Pygments and SQLAlchemy's PostgreSQL dialect) only
    to learn that the database is already at the newest revision; this reading answers that, and
    ``tests/test_migrations.py`` checks it against Alembic's own (``ScriptDirectory``) for the migrations that
    exist. A file this reading cannot follow gives empty sets, so the caller falls back to Alembic."""
    revisions_: set[str] = set()
    parents: set[str] = set()
    for path in sorted((MIGRATIONS_DIR / 'versions').glob('*.py')):
        found = _revision_literals(path)
        if 'revision' not in found:
            return frozenset(), frozenset()
        revisions_.add(found['revision'])
        down = found.get('down_revision')
        parents.update([down] if isinstance(down, str) else down or ())
    return frozenset(revisions_), frozenset(revisions_ - parents)


def _revision_literals(path: Path) -> dict[str, Any]:
    """The module-level ``revision`` and ``down_revision`` literals of one migration file, each on its own line as
    Alembic's template writes them (``revision: str = '0047'``); parsing whole files took 0.5 s for 47 of them."""
    found: dict[str, Any] = {}
    for match in _REVISION_LINE.finditer(path.read_text(encoding='utf-8')):
        try:
            found[match['name']] = ast.literal_eval(match['value'])
        except (ValueError, SyntaxError):
            return {}
    return found


@functools.cache
def scripts() -> ScriptDirectory:
    """This code's migrations (Alembic's script directory), read once per process: reading the ~50 files took 0.09 s
    a time, twice at every start (and at every page test's)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config('sqlite://'))


def check_writable(url: str | None = None) -> None:
    """Try a write, rolled back: the start refuses a database that cannot be written, rather than failing at every
    write later. SQLite: the file and its folder writable by this user, then ``BEGIN IMMEDIATE``, a table created and
    a row inserted (a new page: a full disk or ``max_page_count`` refuses it), rolled back. PostgreSQL: not a standby
    (``pg_is_in_recovery()``), then Alembic's row updated to itself (a new row version: refused in a read-only
    transaction, SQLSTATE 25006, or on a full disk, 53100; no CREATE right needed, for a user that does not migrate),
    or on a database not migrated yet the same trial table as SQLite's, rolled back.

    :raises DatabaseNotWritableError: it cannot be written (or, SQLite, opened); the message says why and where
    """
    url = url or database_url()
    path = _sqlite_path(url)
    for target in ([path, path.parent] if path is not None else []):
        if target.exists() and not os.access(target, os.W_OK):
            raise DatabaseNotWritableError(_(
                'Its database cannot be written: {path} is not writable by the user ClientPulse runs as. Make the '
                'database and its folder writable, then start it again.').format(path=target), detail='permissions')
    engine = get_engine(url)
    try:
        with engine.execution_options(sqlite_immediate=True).connect() as connection:
            transaction = connection.begin()
            try:
                if engine.dialect.name == 'postgresql' and connection.execute(
                        text('SELECT pg_is_in_recovery()')).scalar():
                    raise DatabaseNotWritableError(_(
                        'Its database server is a read-only standby (pg_is_in_recovery): point '
                        'CLIENTPULSE_DATABASE_URL at the primary.'), detail='pg_is_in_recovery')
                if engine.dialect.name == 'postgresql' and connection.execute(
                        text("SELECT to_regclass('alembic_version')")).scalar() is not None:
                    connection.execute(text('UPDATE alembic_version SET version_num = version_num'))
                else:
                    connection.execute(text('CREATE TABLE clientpulse_write_check (x INTEGER)'))
                    connection.execute(text('INSERT INTO clientpulse_write_check VALUES (1)'))
            finally:
                transaction.rollback()
    except DBAPIError as error:
        reason = refusal(error) or _cannot_open(error)
        if not reason:
            raise
        raise DatabaseNotWritableError(_(
            'Its database ({database}) cannot be written ({reason}: {error}). Free some disk space, or make the '
            'database and its folder writable by the user ClientPulse runs as, then start it again.').format(
            database=path or engine.url.render_as_string(hide_password=True), reason=reason, error=error.orig),
            detail=str(error.orig)) from None


def write_outage() -> tuple[datetime, str] | None:
    """``(since, reason)`` while this process finds the database refusing writes ('disk full' or 'read-only'): from
    the first refused write until a trial write (:func:`recheck_writable`) succeeds; None when it takes writes."""
    return _outage.current()


def recheck_writable() -> bool:
    """During an outage, try a write (:func:`check_writable`) at most every :data:`RECHECK_SECONDS`; when it works,
    the outage ends (published as :class:`events.DatabaseOutage` ``'ended'``). Returns whether the database is
    taken to be writable now. Blocking: call it from a worker thread."""
    return _outage.recheck()


def ping() -> None:
    """A trivial read (``SELECT 1``) on a pooled connection.

    :raises sqlalchemy.exc.SQLAlchemyError: the database did not answer
    """
    with get_engine().connect() as connection:
        connection.execute(text('SELECT 1')).scalar()


def refusal(error: BaseException) -> str:
    """Why the database refused a write if it cannot be written at all: 'read-only' (SQLite ``SQLITE_READONLY``, any
    extended code; PostgreSQL SQLSTATE 25006 ``read_only_sql_transaction``), 'disk full' (SQLite ``SQLITE_FULL``,
    "database or disk is full"; PostgreSQL 53100 ``disk_full``), else '' (another error: a constraint, a lock, …).
    Codes from https://www.sqlite.org/rescode.html and PostgreSQL's Appendix A, "Error Codes"."""
    original = getattr(error, 'orig', None)
    code = getattr(original, 'sqlite_errorcode', None)
    if code is not None:
        return {8: 'read-only', 13: 'disk full'}.get(code & 0xFF, '')
    return {'25006': 'read-only', '53100': 'disk full'}.get(getattr(original, 'sqlstate', None) or '', '')


def alembic_config(url: str | None = None) -> Config:
    """An Alembic configuration for ``url`` (default: the configured database)."""
    from alembic.config import Config

    config = Config(str(bundled_path('alembic.ini')))
    config.set_main_option('script_location', str(MIGRATIONS_DIR))
    config.set_main_option('sqlalchemy.url', (url or database_url()).replace('%', '%%'))
    return config


_ENGINES: dict[str, Engine] = {}
_ENGINES_LOCK = threading.Lock()
_WRITERS: dict[Engine, Engine] = {}
"""Each cached engine's :func:`writer` (cleared with the engines)."""
revisions.install()  # every unit of work logs its booking and receipt writes for the analytics columns


def _ensure_sqlite_folder(url: str) -> None:
    """Create the folder of a SQLite file (the data folder does not exist on a fresh machine): private
    (0700) when it is the data folder or one made here; the database's files are made private on connect."""
    path = _sqlite_path(url)
    if path is not None:
        folder = path.parent
        if folder.resolve() == get_settings().data_dir.resolve() or not folder.exists():
            files.private_folder(folder)


def _sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (``sqlite:///path``, or a URI filename: ``sqlite:///file:path?mode=ro&uri=true``)."""
    if url.startswith('sqlite'):
        path = url.split('///', 1)[-1]
        if path.startswith('file:'):
            path = unquote(path.removeprefix('file:').split('?', 1)[0])
        if path and path != ':memory:':
            return Path(path)
    return None


def _known(script: ScriptDirectory, revision: str) -> bool:
    from alembic.util.exc import CommandError

    try:
        return script.get_revision(revision) is not None
    except CommandError:
        return False


def _cannot_open(error: DBAPIError) -> str:
    code = getattr(error.orig, 'sqlite_errorcode', None)
    return 'the file cannot be opened' if code is not None and code & 0xFF == 14 else ''  # SQLITE_CANTOPEN


def _raise_if_not_writable(error: DBAPIError) -> None:
    reason = refusal(error)
    if reason:
        _outage.start(reason, str(error.orig))
        raise DatabaseNotWritableError(_(NOT_WRITABLE), detail=str(error.orig)) from error


@dataclass
class _Outage:
    """This process's knowledge of whether the database takes writes: one outage from the first refused write until
    a trial write succeeds, announced once at each end (the bell rings once per outage, not per refused write)."""

    lock: threading.Lock
    since: datetime | None = None
    reason: str = ''
    checked: float = 0.0

    def current(self) -> tuple[datetime, str] | None:
        with self.lock:
            return (self.since, self.reason) if self.since is not None else None

    def start(self, reason: str, detail: str) -> None:
        with self.lock:
            if self.since is not None:
                return
            self.since, self.reason, self.checked = datetime.now(UTC), reason, time.monotonic()
            since = self.since
        log.error('the database refuses writes (%s): %s; nothing is saved until it is fixed', reason, detail)
        _announce(events.DatabaseOutage(location_id=0, change='started', since=since.isoformat(),
                                        summary=deferred(OUTAGE_NOTICE),
                                        notification_id=-int(since.timestamp() * 1000)))

    def recheck(self) -> bool:
        with self.lock:
            if self.since is None:
                return True
            if time.monotonic() - self.checked < RECHECK_SECONDS:
                return False
            self.checked = time.monotonic()
        try:
            check_writable()
        except DatabaseNotWritableError:
            return False
        with self.lock:
            since, self.since, self.reason = self.since, None, ''
        if since is not None:
            log.warning('the database takes writes again (it refused them since %s)', since.isoformat())
            _announce(events.DatabaseOutage(location_id=0, change='ended', since=since.isoformat(),
                                            notification_id=-int(since.timestamp() * 1000)))
        return True


def _announce(event: events.DatabaseOutage) -> None:
    """Publish an outage's start or end (the database cannot store it: the bell holds it in memory, every process
    hears it over the bus); a failing bus is logged, never raised in place of the refused write."""
    try:
        events.publish(event)
    except Exception:
        log.exception('could not announce %r', event)


_outage = _Outage(threading.Lock())


def _prepare_sqlite(engine: Engine) -> None:
    path = _sqlite_path(engine.url.render_as_string(hide_password=False))

    @event.listens_for(engine, 'connect')
    def _on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute('PRAGMA foreign_keys=ON')
        cursor.execute('PRAGMA journal_mode=WAL')
        cursor.execute('PRAGMA busy_timeout=30000')
        cursor.close()
        if path is not None:  # the database and its write-ahead log hold every customer's details
            for part in (path, path.with_name(path.name + '-wal'), path.with_name(path.name + '-shm')):
                files.private_file(part)

    @event.listens_for(engine, 'begin')
    def _on_begin(connection) -> None:
        immediate = connection.get_execution_options().get('sqlite_immediate', False)
        connection.exec_driver_sql('BEGIN IMMEDIATE' if immediate else 'BEGIN')
