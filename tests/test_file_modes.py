"""What ClientPulse writes into its data folder is its user's alone, and NiceGUI's session files live there."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from app.config import reset_settings
from app.services import database
from app.services.analytics import exports, reports
from tests.factories import OWNER, make_location

ROOT = Path(__file__).resolve().parents[1]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def loose_umask():
    """The usual umask of a shell (022: new files readable by everyone), restored afterwards."""
    before = os.umask(0o022)
    yield
    os.umask(before)


def test_the_command_makes_a_private_data_folder_and_database(tmp_path, loose_umask):
    data = tmp_path / 'fresh' / 'clientpulse'
    env = {**os.environ, 'CLIENTPULSE_DATA_DIR': str(data), 'CLIENTPULSE_SCHEDULER': 'false'}
    env.pop('CLIENTPULSE_DATABASE_URL', None)
    done = subprocess.run([sys.executable, '-c', 'import sys; from app.cli import main; sys.argv[1:] = ["migrate"]; '
                           'main()'], cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert mode(data) == 0o700
    written = [p for p in data.iterdir() if p.name.startswith('clientpulse.db')]
    assert written and all(mode(p) == 0o600 for p in written)


def test_an_existing_database_and_data_folder_are_made_private(tmp_path, loose_umask, monkeypatch):
    data = tmp_path / 'old'
    data.mkdir(mode=0o755)
    monkeypatch.setenv('CLIENTPULSE_DATA_DIR', str(data))
    monkeypatch.delenv('CLIENTPULSE_DATABASE_URL', raising=False)
    reset_settings()
    url = f'sqlite:///{data / "clientpulse.db"}'
    (data / 'clientpulse.db').touch(mode=0o644)
    database.migrate(url)
    database.get_engine(url).connect().close()
    assert mode(data) == 0o700
    assert all(mode(p) == 0o600 for p in data.glob('clientpulse.db*'))
    database.reset_engines()
    reset_settings()


def test_exports_are_private(sqlite_db, loose_umask):
    location = make_location(time_zone='UTC')
    report = reports.build_report([location.id], date(2030, 3, 1), date(2030, 3, 31),
                                  as_of=datetime(2030, 4, 1, tzinfo=UTC), time_zone='UTC')
    path = exports.export_for_download(report, actor=OWNER, kind='csv', title='t', currency='EUR',
                                       locations=[location.name], time_zone='UTC')
    assert mode(path) == 0o600 and mode(path.parent) == 0o700


def test_nicegui_keeps_its_session_files_in_the_data_folder(monkeypatch, sqlite_db):
    from nicegui.storage import Storage

    from app import server
    from app.config import get_settings
    monkeypatch.setattr(server.ui, 'run', lambda **_kwargs: None)
    monkeypatch.setattr(server, 'start_scheduler', lambda: None)
    monkeypatch.setattr(server.files, 'restrict_new_files', lambda: None)  # the test process keeps its umask
    monkeypatch.setattr(Storage, 'path', Storage.path)  # restored afterwards
    server.run(port=8124)
    assert Storage.path == get_settings().data_dir / 'nicegui'
    assert mode(Storage.path) == 0o700
