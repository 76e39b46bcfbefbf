"""A backup killed with SIGKILL half-way leaves nothing that looks complete, and the next one works; a full target
disk fails cleanly, with a message, leaving nothing behind; the failure rings the owners' bell once."""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlmodel import select

from app.config import PROJECT_ROOT
from app.models import Notification
from app.services import database
from app.services.backups import archive, schedule
from app.services.database import session_scope
from tests.factories import OWNER

_STOP_HALF_WAY = '''
import pathlib, sys, threading
from app.services.backups import archive
original = archive._add_folder
def half_way(tar, folder, prefix):
    counted = original(tar, folder, prefix)
    pathlib.Path(sys.argv[2]).touch()  # the partial file holds the database by now: the test kills us here
    threading.Event().wait()
archive._add_folder = half_way
archive.make_backup(pathlib.Path(sys.argv[1]))
'''


def test_kill_9_during_a_backup_leaves_no_complete_looking_file_and_the_next_backup_works(shop, target, tmp_path):
    marker = tmp_path / 'half-way'
    environment = {**os.environ, 'CLIENTPULSE_DATABASE_URL': database.database_url(),
                   'CLIENTPULSE_DATA_DIR': os.environ['CLIENTPULSE_DATA_DIR']}
    process = subprocess.Popen([sys.executable, '-c', _STOP_HALF_WAY, str(target), str(marker)], cwd=PROJECT_ROOT,
                               env=environment)
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():  # the condition: the backup is half-way through writing
            assert process.poll() is None, 'the backup process ended before it was half-way'
            assert time.monotonic() < deadline, 'the backup never got half-way'
            time.sleep(0.05)
        process.kill()  # SIGKILL: no cleanup runs
        process.wait(30)
    finally:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
    left = [p.name for p in target.iterdir()]
    assert left and all(archive.PARTIAL.match(name) for name in left), left  # half-written, and named so
    assert not archive.backups_in(target)

    result = schedule.back_up(target)
    assert [p.name for p in target.iterdir()] == [Path(result.path).name]  # the dead one's partial is gone


def test_a_full_target_disk_fails_cleanly_with_a_message_and_rings_the_bell_once(shop, target, tmp_path, monkeypatch):
    """A real tmpfs of 256 KiB when this process may mount one (root), else a target whose writes fail with ENOSPC
    after 64 KiB (the same error the kernel gives)."""
    full = _tiny_tmpfs(tmp_path / 'tiny')
    filling = contextlib.ExitStack()  # closed below: undo() would also undo the data_dir fixture's folder
    if full is None:
        full = target
        filling.enter_context(monkeypatch.context()).setattr(archive, '_open_partial',
                                                             _filling_up(archive._open_partial, 64 * 1024))
    attachments = Path(os.environ['CLIENTPULSE_DATA_DIR']) / 'attachments'
    (attachments / 'large-scan.bin').write_bytes(os.urandom(1024 * 1024))  # does not compress: fills the disk
    try:
        with pytest.raises(archive.BackupError, match='is full: the backup was not kept'):
            schedule.back_up(full)
        assert list(full.iterdir()) == []  # nothing left behind, not even the partial file
    finally:
        if full != target:
            subprocess.run(['umount', str(full)], check=False)
    shown = schedule.status(actor=OWNER)
    assert (shown.state, shown.last_ok) == ('failed', False)
    assert 'is full' in shown.last_message

    assert schedule.alert_if_needed() is True
    assert schedule.alert_if_needed() is False  # once, not every minute
    assert _bells() == 1
    filling.close()
    schedule.back_up(target)  # fixed
    assert schedule.status(actor=OWNER).state == 'ok'


def _bells() -> int:
    with session_scope() as session:
        return len(session.exec(select(Notification).where(Notification.kind == 'backup_failed')).all())


def _tiny_tmpfs(folder: Path) -> Path | None:
    if os.geteuid() != 0:
        return None
    folder.mkdir()
    done = subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=256k,mode=0700', 'tmpfs', str(folder)],
                          capture_output=True, check=False)
    return folder if done.returncode == 0 else None


def _filling_up(opener, room: int):
    class Full:
        def __init__(self, raw) -> None:
            self.raw, self.written = raw, 0

        def write(self, data: bytes) -> int:
            if self.written + len(data) > room:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            self.written += len(data)
            return self.raw.write(data)

        def __getattr__(self, name):
            return getattr(self.raw, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc) -> None:
            self.raw.close()

    return lambda path: Full(opener(path))
