"""One backup: the database and the data folders in one archive, written under a temporary name and renamed into
place only once read back and verified.

The archive is a gzip'd tar (sealed with a passphrase if asked, :mod:`.sealing`) holding

- ``database.sqlite`` — SQLite's online backup API (``sqlite3.Connection.backup`` in one step: a consistent copy,
  writers go on meanwhile in WAL mode), or ``database.pgdump`` — ``pg_dump --format=custom`` of the app's schema
  run inside a snapshot this module exported (``pg_export_snapshot()``, PostgreSQL manual §9.27.5), so the row
  counts it records are the dump's own;
- ``files/attachments/…``, ``files/reports/…``, ``files/analytics/…`` — the chat attachments, scheduled reports and
  saved analytics columns; ``files/storage_secret`` only in a sealed archive (it signs sign-ins and customers'
  links);
- ``manifest.json`` last: the app version, the schema revision, the database kind, row counts per table and the
  files per folder (count and bytes).

Verification opens what was written: every member read back (a sealed one decrypted), the database copy opened —
``PRAGMA integrity_check`` and its row counts against the manifest, or ``pg_restore --list`` — and the files counted
again. Only then is the hidden ``.….partial`` file renamed to ``clientpulse-backup-<UTC time>.tar.gz[.sealed]``: a
backup killed half-way leaves only a ``.partial`` file, which the next backup removes once its process is gone.
"""

from __future__ import annotations

import contextlib
import errno
import gzip
import io
import json
import logging
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.pool import NullPool

import app
from app.config import get_settings
from app.models import BackupResult
from app.services import database, files
from app.services.backups.sealing import SealedReader, SealedWriter, is_sealed
from app.services.errors import ClientPulseError
from app.services.i18n import _

log = logging.getLogger(__name__)

PREFIX = 'clientpulse-backup-'
PLAIN, SEALED = '.tar.gz', '.tar.gz.sealed'
FINAL_NAME = re.compile(r'^clientpulse-backup-\d{8}-\d{6}(-\d+)?\.tar\.gz(\.sealed)?$')
"""What a complete backup is called; nothing else in a backup folder is one."""
PARTIAL = re.compile(r'^\.clientpulse-backup-.*\.(\d+)\.partial$')
FORMAT = 1


class BackupError(ClientPulseError):
    """A backup could not be made or verified; nothing that looks complete was left behind."""


def data_folders() -> dict[str, Path]:
    """The folders a backup holds, by their name in the archive: chat attachments, scheduled reports, analytics
    columns."""
    settings = get_settings()
    return {'attachments': settings.data_dir / 'attachments', 'reports': settings.effective_reports_dir,
            'analytics': settings.data_dir / 'analytics'}


def app_version() -> str:
    """This ClientPulse's version: the app's one version (:data:`app.__version__`, ``pyproject.toml``'s)."""
    return app.__version__


def make_backup(folder: Path, *, passphrase: str | None = None, as_of: datetime | None = None) -> BackupResult:
    """Back up the configured database and data folders into ``folder`` (see the module docstring). Blocking:
    call it from a worker thread.

    :param passphrase: seal the archive with it (``.tar.gz.sealed``); None: a plain ``.tar.gz``
    :param as_of: the moment named in the file's name (default now, UTC)
    :raises BackupError: the folder is missing or not writable, the disk is full, ``pg_dump`` failed, or what was
        written did not verify; no complete-looking file is left
    """
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise BackupError(_('The backup folder {folder} does not exist (is the disk connected?).').format(
            folder=folder), field='folder')
    if not os.access(folder, os.W_OK | os.X_OK):
        raise BackupError(_('The backup folder {folder} cannot be written by the user ClientPulse runs as.').format(
            folder=folder), field='folder')
    remove_stale_partials(folder)
    final = _free_name(folder, (as_of or datetime.now(UTC)).astimezone(UTC), SEALED if passphrase else PLAIN)
    partial = folder / f'.{final.name}.{os.getpid()}.partial'
    staging_root = files.private_folder(get_settings().data_dir / 'backup-staging')
    try:
        with tempfile.TemporaryDirectory(dir=staging_root) as staging:
            try:
                manifest = _snapshot(Path(staging))
            except OSError as error:  # the copy is made in the data folder first: its disk, not the target's
                raise BackupError(_('There is no room to copy the database in {folder}: {error}').format(
                    folder=staging_root, error=error.strerror or error)) from None
            _write(partial, Path(staging), manifest, passphrase)
            _verify(partial, manifest, passphrase)
            os.rename(partial, final)  # on the same folder: atomic; ``final`` was free (checked above)
            _sync_folder(folder)
    except OSError as error:
        partial.unlink(missing_ok=True)
        if error.errno in (errno.ENOSPC, errno.EDQUOT):
            raise BackupError(_('The backup folder {folder} is full: the backup was not kept. Free some space or '
                                'choose another folder.').format(folder=folder), field='folder') from None
        raise BackupError(_('The backup could not be written to {folder}: {error}').format(
            folder=folder, error=error.strerror or error)) from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    log.info('backup written: %s (%d bytes)', final, final.stat().st_size)
    return BackupResult(path=str(final), size_bytes=final.stat().st_size, counts=manifest['counts'],
                        sealed=passphrase is not None)


def backups_in(folder: Path) -> list[Path]:
    """The complete backups in ``folder``, oldest first (by name: their UTC time)."""
    folder = Path(folder)
    return sorted(p for p in folder.iterdir() if FINAL_NAME.match(p.name)) if folder.is_dir() else []


def prune(folder: Path, keep: int) -> list[Path]:
    """Remove all but the newest ``keep`` complete backups in ``folder``; returns what was removed."""
    every = backups_in(folder)
    gone = every[:-keep] if keep > 0 else []
    for path in gone:
        path.unlink(missing_ok=True)
    return gone


def remove_stale_partials(folder: Path) -> None:
    """Remove the ``.partial`` files of backups whose process has ended (killed half-way): a running backup's
    is left alone."""
    for path in Path(folder).iterdir():
        found = PARTIAL.match(path.name)
        if found and not _alive(int(found.group(1))):
            path.unlink(missing_ok=True)


@contextlib.contextmanager
def reading(path: Path, passphrase: str | None) -> Iterator[tarfile.TarFile]:
    """The archive at ``path`` as a streamed tar (decrypted if sealed).

    :raises SealError: sealed and no passphrase given, or the passphrase is wrong, or the file was changed
    :raises BackupError: not a ClientPulse backup
    """
    from app.services.backups.sealing import SealError
    with open(path, 'rb') as raw:
        sealed = is_sealed(raw.read(16))
        raw.seek(0)
        if sealed and not passphrase:
            raise SealError(_('This backup is sealed: give its passphrase.'), field='passphrase')
        source: BinaryIO = SealedReader(raw, passphrase) if sealed else raw  # type: ignore[assignment]
        try:
            with tarfile.open(fileobj=source, mode='r|gz') as tar:
                yield tar
        except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as error:
            raise BackupError(_('{file} is not a complete ClientPulse backup ({error}).').format(
                file=path, error=error)) from None


def extract(path: Path, passphrase: str | None, into: Path) -> dict[str, Any]:
    """Unpack the backup at ``path`` into the folder ``into`` (``database.*``, ``files/…``); returns its manifest.
    Only regular files under the archive's own names are written, never outside ``into``.

    :raises BackupError: not a complete ClientPulse backup (no manifest, or a member that is not ours)
    :raises SealError: see :func:`reading`
    """
    manifest: dict[str, Any] | None = None
    with reading(path, passphrase) as tar:
        for member in tar:
            if not member.isfile():
                continue
            if member.name == 'manifest.json':
                manifest = json.loads(tar.extractfile(member).read())
                continue
            target = _member_path(into, member.name)
            target.parent.mkdir(parents=True, exist_ok=True)
            with tar.extractfile(member) as source, open(target, 'wb') as out:
                shutil.copyfileobj(source, out, 1 << 20)
    if manifest is None or manifest.get('format') != FORMAT:
        raise BackupError(_('{file} is not a complete ClientPulse backup (it has no manifest).').format(file=path))
    return manifest


# --- what a backup does, step by step ------------------------------------------------------------------------------

def _snapshot(staging: Path) -> dict[str, Any]:
    """The database copied into ``staging``; returns the manifest so far (kind, revision, counts)."""
    url = database.database_url()
    manifest: dict[str, Any] = {'format': FORMAT, 'app_version': app_version(),
                                'made_at': datetime.now(UTC).isoformat(timespec='seconds')}
    if url.startswith('sqlite'):
        source = database._sqlite_path(url)
        if source is None or not source.exists():
            raise BackupError(_('There is no database to back up at {url}.').format(url=url))
        copy = staging / 'database.sqlite'
        with contextlib.closing(sqlite3.connect(source, timeout=30)) as src, \
                contextlib.closing(sqlite3.connect(copy)) as dst:
            src.backup(dst)  # one step: a consistent copy as of one moment
        with contextlib.closing(sqlite3.connect(copy)) as dst:
            manifest.update(kind='sqlite', revision=_sqlite_revision(dst), counts=sqlite_counts(dst))
        return manifest
    return {**manifest, 'kind': 'postgresql', **_pg_dump(url, staging / 'database.pgdump')}


def _write(partial: Path, staging: Path, manifest: dict[str, Any], passphrase: str | None) -> None:
    """The archive written to ``partial`` (created new), synced to disk; ``manifest`` gets the files' counts."""
    with _open_partial(partial) as raw:
        target = SealedWriter(raw, passphrase) if passphrase else raw
        with tarfile.open(fileobj=target, mode='w|gz') as tar:
            database_file = next(staging.glob('database.*'))
            tar.add(database_file, arcname=database_file.name)
            manifest['files'] = {name: _add_folder(tar, path, f'files/{name}')
                                 for name, path in data_folders().items()}
            secret = get_settings().data_dir / 'storage_secret'
            if passphrase and secret.is_file():
                tar.add(secret, arcname='files/storage_secret')
            _add_bytes(tar, 'manifest.json', json.dumps(manifest, indent=1, sort_keys=True).encode())
        if isinstance(target, SealedWriter):
            target.close()
        raw.flush()
        os.fsync(raw.fileno())


def _verify(partial: Path, manifest: dict[str, Any], passphrase: str | None) -> None:
    """Read ``partial`` back and check it against ``manifest``.

    :raises BackupError: naming what did not match
    """
    with tempfile.TemporaryDirectory(dir=get_settings().data_dir / 'backup-staging') as unpacked:
        found = extract(partial, passphrase, Path(unpacked))
        if found != manifest:
            raise BackupError(_('The backup did not verify: its manifest differs from what was written.'))
        seen = {name: _count_files(Path(unpacked) / 'files' / name) for name in data_folders()}
        if seen != manifest['files']:
            raise BackupError(_('The backup did not verify: its files differ from what was written.'))
        if manifest['kind'] == 'sqlite':
            with contextlib.closing(sqlite3.connect(Path(unpacked) / 'database.sqlite')) as copy:
                check = copy.execute('PRAGMA integrity_check').fetchall()
                counts = sqlite_counts(copy)
            if check != [('ok',)] or counts != manifest['counts']:
                raise BackupError(_('The backup did not verify: its database copy is damaged or incomplete.'))
        else:
            listed = _run([_tool('pg_restore'), '--list', str(Path(unpacked) / 'database.pgdump')], {})
            missing = [t for t, n in manifest['counts'].items() if n and f' TABLE DATA public {t} ' not in listed]
            if missing:
                raise BackupError(_('The backup did not verify: pg_restore --list misses {tables}.').format(
                    tables=', '.join(missing)))


def sqlite_counts(connection: sqlite3.Connection) -> dict[str, int]:
    """Rows per table of a SQLite database (its own tables, not SQLite's)."""
    tables = [r[0] for r in connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    return {t: connection.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


def pg_counts(connection) -> dict[str, int]:
    """Rows per table of the PostgreSQL schema ``connection`` works in (a SQLAlchemy connection)."""
    tables = [r[0] for r in connection.execute(text(
        'SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename'))]
    return {t: connection.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one() for t in tables}


def libpq(url: str) -> tuple[str, dict[str, str]]:
    """A SQLAlchemy PostgreSQL URL as libpq takes it (for ``pg_dump``/``pg_restore``) and the environment that
    carries its password (``PGPASSWORD``, never on the command line)."""
    parsed = make_url(url)
    environment = {'PGPASSWORD': parsed.password} if parsed.password else {}
    plain = parsed.set(drivername='postgresql', password=None).render_as_string(hide_password=False)
    return plain, environment


def run_tool(arguments: list[str], environment: dict[str, str]) -> str:
    """Run a PostgreSQL client tool; its standard output.

    :raises BackupError: it is missing or failed (its own message)
    """
    return _run([_tool(arguments[0]), *arguments[1:]], environment)


def _pg_dump(url: str, out: Path) -> dict[str, Any]:
    engine = create_engine(url, poolclass=NullPool, isolation_level='REPEATABLE READ')
    try:
        with engine.connect() as connection:  # the snapshot lives as long as this transaction
            snapshot = connection.execute(text('SELECT pg_export_snapshot()')).scalar_one()
            schema = connection.execute(text('SELECT current_schema()')).scalar_one()
            counts = pg_counts(connection)
            revision = connection.execute(text('SELECT version_num FROM alembic_version')).scalar()
            address, environment = libpq(url)
            _run([_tool('pg_dump'), '--format=custom', f'--snapshot={snapshot}', f'--schema={schema}', '--no-owner',
                  '--no-privileges', f'--file={out}', f'--dbname={address}'], environment)
            connection.rollback()
    finally:
        engine.dispose()
    return {'revision': revision, 'counts': counts}


def _sqlite_revision(connection: sqlite3.Connection) -> str | None:
    try:
        row = connection.execute('SELECT version_num FROM alembic_version').fetchone()
    except sqlite3.Error:
        return None
    return row[0] if row else None


def _open_partial(path: Path) -> BinaryIO:
    """The partial file, created new (never an existing one) and private."""
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, files.FILE_MODE), 'wb')


def _add_folder(tar: tarfile.TarFile, folder: Path, prefix: str) -> dict[str, int]:
    """Every regular file under ``folder`` into ``tar`` at ``prefix``; ``{'count': …, 'bytes': …}`` of what went in.
    A file removed meanwhile is skipped."""
    count = size = 0
    for path in sorted(folder.rglob('*')) if folder.is_dir() else []:
        if not path.is_file() or path.is_symlink():
            continue
        with contextlib.suppress(FileNotFoundError):
            with open(path, 'rb') as source:
                info = tar.gettarinfo(fileobj=source, arcname=f'{prefix}/{path.relative_to(folder).as_posix()}')
                tar.addfile(info, source)
            count, size = count + 1, size + info.size
    return {'count': count, 'bytes': size}


def _count_files(folder: Path) -> dict[str, int]:
    found = [p for p in folder.rglob('*') if p.is_file()] if folder.is_dir() else []
    return {'count': len(found), 'bytes': sum(p.stat().st_size for p in found)}


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), int(datetime.now(UTC).timestamp()), 0o600
    tar.addfile(info, io.BytesIO(data))


def _member_path(into: Path, name: str) -> Path:
    """Where member ``name`` goes under ``into``; only our own names, nothing outside it.

    :raises BackupError: a name that is not one of ours (``..``, an absolute path, another top folder)
    """
    target = (into / name).resolve()
    ours = name.startswith(('database.', 'files/')) and '..' not in Path(name).parts and not Path(name).is_absolute()
    if not ours or not target.is_relative_to(into.resolve()):
        raise BackupError(_('This is not a ClientPulse backup: it holds {name}.').format(name=name))
    return target


def _free_name(folder: Path, moment: datetime, suffix: str) -> Path:
    base = f'{PREFIX}{moment:%Y%m%d-%H%M%S}'
    candidate, number = folder / f'{base}{suffix}', 1
    while candidate.exists():
        candidate, number = folder / f'{base}-{number}{suffix}', number + 1
    return candidate


def _sync_folder(folder: Path) -> None:
    """The rename made durable (the folder's entry synced), where the system allows it."""
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(_("{tool} was not found: install PostgreSQL's client tools (the same major version as the "
                            'server or newer).').format(tool=name))
    return found


def _run(arguments: list[str], environment: dict[str, str]) -> str:
    done = subprocess.run(arguments, capture_output=True, text=True, env={**os.environ, **environment},
                          check=False)
    if done.returncode != 0:
        raise BackupError(_('{tool} failed: {error}').format(tool=Path(arguments[0]).name,
                                                             error=done.stderr.strip()[-400:]))
    return done.stdout

