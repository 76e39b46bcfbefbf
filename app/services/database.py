"""Engine, units of work and migrations. The only module that knows how to reach the database."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, event
from sqlmodel import Session, create_engine

from app.config import PROJECT_ROOT, get_settings
from app.services import files, revisions

log = logging.getLogger(__name__)

MIGRATIONS_DIR = PROJECT_ROOT / 'migrations'


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


@contextmanager
def session_scope(*, write: bool = False) -> Iterator[Session]:
    """A unit of work: commits when the block ends without error, rolls back otherwise.

    :param write: take the write lock at the start. On SQLite this is ``BEGIN IMMEDIATE`` (one writer
        at a time, across threads and processes); on PostgreSQL rows are locked explicitly by the
        caller (``SELECT … FOR UPDATE``).
    """
    engine = get_engine()
    bind = engine.execution_options(sqlite_immediate=True) if write else engine
    with Session(bind, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def write_connection() -> Iterator[Connection]:
    """A unit of work on a Core connection (no ORM session): ``BEGIN IMMEDIATE`` on SQLite, committed when the block
    ends without error, rolled back otherwise. For the hottest writes (a booking), where the ORM's own bookkeeping
    cost more than the statements; anything else uses :func:`session_scope`."""
    with get_engine().execution_options(sqlite_immediate=True).begin() as connection:
        yield connection


def connection_of(unit: Session | Connection) -> Connection:
    """The connection of a unit of work: a :func:`session_scope` session's, or a :func:`write_connection` itself."""
    return unit.connection() if isinstance(unit, Session) else unit


def migrate(url: str | None = None, revision: str = 'head') -> None:
    """Bring the database's schema to ``revision`` with Alembic (idempotent)."""
    _ensure_sqlite_folder(url or database_url())
    command.upgrade(alembic_config(url), revision)


def alembic_config(url: str | None = None) -> Config:
    """An Alembic configuration for ``url`` (default: the configured database)."""
    config = Config(str(PROJECT_ROOT / 'alembic.ini'))
    config.set_main_option('script_location', str(MIGRATIONS_DIR))
    config.set_main_option('sqlalchemy.url', (url or database_url()).replace('%', '%%'))
    return config


_ENGINES: dict[str, Engine] = {}
_ENGINES_LOCK = threading.Lock()
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
    if url.startswith('sqlite'):
        path = url.split('///', 1)[-1]
        if path and path != ':memory:':
            return Path(path)
    return None


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
