"""Bring a backup back: into an empty data folder or database, or — after the owner confirms — with what is there
moved aside first, never overwritten; then the schema upgraded to this ClientPulse's (a backup made by a newer one is
refused).

Moved aside: SQLite's database file (with its ``-wal``/``-shm``) and the data folders go to
``<data dir>/before-restore-<UTC time>/``; on PostgreSQL the schema is renamed ``clientpulse_before_restore_<UTC
time>`` and a new empty one made in its place for ``pg_restore``. Stop every ClientPulse process first.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import sqlite3
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from app.config import get_settings
from app.models import RestoreResult
from app.services import database, files
from app.services.backups import archive
from app.services.backups.archive import BackupError
from app.services.errors import ClientPulseError
from app.services.i18n import _

log = logging.getLogger(__name__)


class RestoreNeedsConfirmation(ClientPulseError):
    """The data folder or database holds data: restoring moves it aside, which the owner must confirm."""


def restore(path: Path, *, passphrase: str | None = None, move_aside: bool = False,
            as_of: datetime | None = None) -> RestoreResult:
    """Restore the backup at ``path`` into the configured database and data folder (module docstring). Blocking.

    :param move_aside: the owner confirmed that data already there may be moved aside
    :raises RestoreNeedsConfirmation: there is data and ``move_aside`` is False; nothing was changed
    :raises BackupError: not a complete backup, a backup of the other kind of database, made by a newer ClientPulse,
        or ``pg_restore`` failed
    :raises SealError: sealed, and the passphrase is missing or wrong
    """
    path = Path(path)
    if not path.is_file():
        raise BackupError(_('There is no file {file}.').format(file=path), field='file')
    url = database.database_url()
    kind = 'sqlite' if url.startswith('sqlite') else 'postgresql'
    staging_root = files.private_folder(get_settings().data_dir / 'backup-staging')
    with tempfile.TemporaryDirectory(dir=staging_root) as unpacked:
        staged = Path(unpacked)
        manifest = archive.extract(path, passphrase, staged)
        _refuse_newer(manifest)
        if manifest['kind'] != kind:
            raise BackupError(_('This backup is of a {backup} database and this ClientPulse uses {here}: set '
                                'CLIENTPULSE_DATABASE_URL to the same kind of database.').format(
                backup=manifest['kind'], here=kind))
        if _holds_data(url) and not move_aside:
            raise RestoreNeedsConfirmation(_(
                'There is data here already. Restoring moves it aside (it is kept, never overwritten) and puts the '
                "backup's data in its place."))
        database.reset_engines()
        stamp = f'{(as_of or datetime.now(UTC)).astimezone(UTC):%Y%m%d-%H%M%S}'
        moved = _move_aside(url, stamp)
        if kind == 'sqlite':
            _place_sqlite(staged / 'database.sqlite', database._sqlite_path(url))
        else:
            _pg_restore(url, staged / 'database.pgdump')
        placed = _place_files(staged / 'files', stamp)
    database.reset_engines()
    database.migrate()  # a backup made by an older ClientPulse is upgraded here
    counts, revision = _counts(url)
    log.info('restored %s (revision %s → %s); data before moved to %s', path, manifest['revision'], revision, moved)
    return RestoreResult(app_version=manifest['app_version'], revision_from=manifest['revision'],
                         revision_to=revision, counts=counts, files=placed, moved_aside_to=moved)


def _refuse_newer(manifest: dict[str, Any]) -> None:
    script = database.scripts()
    revision = manifest.get('revision')
    if (revision is not None and not database._known(script, revision)) or \
            _version(manifest.get('app_version', '0')) > _version(archive.app_version()):
        raise BackupError(_('This backup was made by a newer ClientPulse ({version}, database revision {revision}) '
                            'than this one ({ours}): update ClientPulse first, then restore it.').format(
            version=manifest.get('app_version'), revision=revision, ours=archive.app_version()))


def _version(value: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r'\d+', value)[:3])


def _holds_data(url: str) -> bool:
    """Whether restoring would replace something: rows in any table but Alembic's, or files in a data folder."""
    if any(_nonempty(folder) for folder in archive.data_folders().values()):
        return True
    counts, _revision = _counts(url)
    return any(n for table, n in counts.items() if table != 'alembic_version')


def _counts(url: str) -> tuple[dict[str, int], str | None]:
    """Rows per table and the schema revision of the database at ``url`` (nothing when there is none yet)."""
    path = database._sqlite_path(url)
    if path is not None:
        if not path.exists():
            return {}, None
        with contextlib.closing(sqlite3.connect(path)) as connection:
            counts = archive.sqlite_counts(connection)
            row = connection.execute('SELECT version_num FROM alembic_version').fetchone() \
                if 'alembic_version' in counts else None
        return counts, row[0] if row else None
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            counts = archive.pg_counts(connection)
            revision = connection.execute(text('SELECT version_num FROM alembic_version')).scalar() \
                if 'alembic_version' in counts else None
    finally:
        engine.dispose()
    return counts, revision


def _move_aside(url: str, stamp: str) -> str | None:
    """What is there now, moved aside (module docstring); where to, or None when there was nothing."""
    settings = get_settings()
    path = database._sqlite_path(url)
    if path is not None:
        aside = settings.data_dir / f'before-restore-{stamp}'
        moved = False
        for part in (path, path.with_name(path.name + '-wal'), path.with_name(path.name + '-shm')):
            if part.exists():
                files.private_folder(aside)
                shutil.move(part, aside / part.name)
                moved = True
        moved = _move_folders(aside) or moved
        return str(aside) if moved else None
    schema = f'clientpulse_before_restore_{stamp.replace("-", "_")}'
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as connection:
            current = connection.execute(text('SELECT current_schema()')).scalar_one()
            if not connection.execute(text(
                    'SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()')).scalar_one():
                moved_schema = None
            else:
                connection.execute(text(f'ALTER SCHEMA "{current}" RENAME TO "{schema}"'))
                connection.execute(text(f'CREATE SCHEMA "{current}"'))
                moved_schema = schema
    finally:
        engine.dispose()
    aside = settings.data_dir / f'before-restore-{stamp}'
    folders_moved = _move_folders(aside)
    where = [x for x in (moved_schema and _('schema {schema}').format(schema=moved_schema),
                         folders_moved and str(aside)) if x]
    return ', '.join(where) or None


def _move_folders(aside: Path) -> bool:
    moved = False
    for name, folder in archive.data_folders().items():
        if _nonempty(folder):
            files.private_folder(aside / 'files')
            shutil.move(folder, aside / 'files' / name)
            moved = True
    secret = get_settings().data_dir / 'storage_secret'
    if moved and secret.exists():
        shutil.copy2(secret, aside / 'storage_secret')
    return moved


def _pg_restore(url: str, dump: Path) -> None:
    """``pg_restore`` of everything in ``dump`` but its schema's own entry (the schema is there already, empty:
    made when what was there was moved aside, or the new database's own), through ``--use-list``."""
    address, environment = archive.libpq(url)
    listed = archive.run_tool(['pg_restore', '--list', str(dump)], environment)
    wanted = dump.with_suffix('.list')
    wanted.write_text(''.join(line for line in listed.splitlines(keepends=True)
                              if ' SCHEMA - ' not in line and 'COMMENT - SCHEMA ' not in line))
    archive.run_tool(['pg_restore', '--no-owner', '--no-privileges', '--exit-on-error', f'--use-list={wanted}',
                      f'--dbname={address}', str(dump)], environment)


def _place_sqlite(copy: Path, path: Path) -> None:
    files.private_folder(path.parent)
    temporary = path.with_name(f'.{path.name}.restoring')
    shutil.copyfile(copy, temporary)
    os.replace(temporary, path)  # nothing is at ``path``: it was moved aside
    files.private_file(path)


def _place_files(staged: Path, stamp: str) -> dict[str, int]:
    """The backup's folders put in place (each missing or moved aside before); files per folder. A storage secret
    in the backup replaces this install's, which is kept beside it (``storage_secret.before-restore-<time>``)."""
    placed: dict[str, int] = {}
    for name, folder in archive.data_folders().items():
        source = staged / name
        found = [p for p in source.rglob('*') if p.is_file()] if source.is_dir() else []
        for item in found:
            target = folder / item.relative_to(source)
            files.private_folder(target.parent)
            shutil.move(item, target)
        placed[name] = len(found)
    secret = staged / 'storage_secret'
    if secret.is_file():
        target = get_settings().data_dir / 'storage_secret'
        files.private_folder(target.parent)
        if target.exists() and target.read_bytes() != secret.read_bytes():
            shutil.copy2(target, target.with_name(f'storage_secret.before-restore-{stamp}'))
        shutil.copyfile(secret, target)
        files.private_file(target)
    return placed


def _nonempty(folder: Path) -> bool:
    return folder.is_dir() and any(p.is_file() for p in folder.rglob('*'))
