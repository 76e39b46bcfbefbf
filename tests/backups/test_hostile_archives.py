"""A file handed to ``clientpulse restore`` is hostile until checked: members that climb out of the folder (``..``),
absolute paths, names that are not a backup's own, and files that are not backups at all are refused with a clear
error, and nothing is written outside the folder restored into."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from app.services.backups import archive
from app.services.backups.archive import BackupError


def _archive(path: Path, names: list[str]) -> Path:
    with tarfile.open(path, 'w:gz') as tar:
        for name in names:
            data = b'{"format": %d}' % archive.FORMAT if name == 'manifest.json' else b'x'
            member = tarfile.TarInfo(name)
            member.size = len(data)
            tar.addfile(member, io.BytesIO(data))
    return path


@pytest.mark.parametrize('name', ['../outside.txt', 'files/../../outside.txt', '/tmp/outside-abs.txt',
                                  'other/thing.txt', 'database.sqlite/../../outside.txt'])
def test_a_member_outside_the_backups_own_names_is_refused_and_nothing_escapes(tmp_path, name):
    into = tmp_path / 'into'
    into.mkdir()
    hostile = _archive(tmp_path / 'hostile.tar.gz', ['manifest.json', name])
    with pytest.raises(BackupError, match='not a ClientPulse backup'):
        archive.extract(hostile, None, into)
    assert not (tmp_path / 'outside.txt').exists() and not Path('/tmp/outside-abs.txt').exists()


@pytest.mark.parametrize('content', [b'', b'not a backup at all', b'\x1f\x8b\x08\x00garbage' * 100])
def test_a_file_that_is_not_a_backup_is_refused_in_words(tmp_path, content):
    path = tmp_path / 'nothing.tar.gz'
    path.write_bytes(content)
    with pytest.raises(BackupError, match='not a complete ClientPulse backup'):
        archive.extract(path, None, tmp_path / 'into')


def test_an_archive_without_a_manifest_is_refused(tmp_path):
    path = _archive(tmp_path / 'bare.tar.gz', ['files/attachments/a.txt'])
    with pytest.raises(BackupError, match='no manifest'):
        archive.extract(path, None, tmp_path / 'into')
