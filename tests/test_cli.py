"""The clientpulse command: migrate, create-user, import salon, demo."""

from __future__ import annotations

import os
import subprocess
import sys

from sqlalchemy import func, text
from sqlmodel import select
from typer.testing import CliRunner

from app.cli import cli
from app.models import Booking, Location
from app.services.accounts import users
from app.services.database import session_scope

runner = CliRunner()


def test_create_user_and_sign_in(sqlite_db):
    result = runner.invoke(cli, ['create-user', 'Owner@Shop.test', '--role', 'owner'],
                           input='long enough\nlong enough\n')
    assert result.exit_code == 0, result.output
    assert users.authenticate('owner@shop.test', 'long enough').role.value == 'owner'
    short = runner.invoke(cli, ['create-user', 'x@shop.test', '--role', 'owner'], input='short\nshort\n')
    assert short.exit_code == 1
    assert 'at least 8 characters' in short.output


def test_import_salon_command(sqlite_db, shared_data):
    result = runner.invoke(cli, ['import', 'salon', str(shared_data)])
    assert result.exit_code == 0, result.output
    assert 'bookings 1906 new' in result.output
    again = runner.invoke(cli, ['import', 'salon', str(shared_data)])
    assert 'bookings 0 new (1906 already there)' in again.output


def test_import_salon_command_reports_bad_file(sqlite_db, tmp_path):
    (tmp_path / 'Future Bookings (All Clients)0.csv').write_text('Code,Staff,Service,Date,Time,TimeInt\nA,B\n')
    result = runner.invoke(cli, ['import', 'salon', str(tmp_path)])
    assert result.exit_code == 1
    assert 'Future Bookings (All Clients)0.csv, line 2: expected 6 fields, found 2' in result.output
    with session_scope() as session:
        assert session.exec(select(func.count()).select_from(Location)).one() == 0


def test_demo_is_deterministic_and_created_once(sqlite_db):
    result = runner.invoke(cli, ['demo', '--no-serve'])
    assert result.exit_code == 0, result.output
    assert 'owner@demo.clientpulse' in result.output and 'demo1234' in result.output
    with session_scope() as session:
        statuses = dict(session.exec(select(Booking.status, func.count()).group_by(Booking.status)).all())
    assert set(statuses) == {'booked', 'confirmed', 'completed', 'cancelled', 'no_show'}
    total = sum(statuses.values())
    assert 0.04 < statuses['no_show'] / total < 0.09
    assert 0.07 < statuses['cancelled'] / total < 0.13
    with session_scope() as session:  # written in bulk: the analytics are told to re-read the location
        (location_id,) = session.exec(select(Location.id)).all()
        logged = session.execute(text('SELECT booking_id, receipt_id FROM change_log WHERE location_id = :l'),
                                 {'l': location_id}).all()
    assert (None, None) in logged
    again = runner.invoke(cli, ['demo', '--no-serve'])
    assert 'already there' in again.output
    with session_scope() as session:
        assert session.exec(select(func.count()).select_from(Booking)).one() == total


def test_same_day_same_demo(tmp_path, sqlite_template):
    import shutil
    from datetime import UTC, datetime

    from app.services import database
    from app.services.imports import demo
    from tests.conftest import use_database

    as_of = datetime(2026, 5, 4, 15, 0, tzinfo=UTC)
    signatures = []
    for name in ('one', 'two'):
        shutil.copy(sqlite_template, tmp_path / f'{name}.db')  # migrated
        use_database(f'sqlite:///{tmp_path / name}.db')
        demo.ensure_demo(as_of=as_of)
        with session_scope() as session:
            signatures.append(session.exec(select(Booking.starts_at, Booking.staff_member_id, Booking.status,
                                                  Booking.customer_id).order_by(Booking.id)).all())
    database.reset_engines()
    assert signatures[0] == signatures[1]
    assert len(signatures[0]) > 8000


def test_migrate_creates_a_missing_data_folder(tmp_path, monkeypatch):
    from tests.conftest import use_database

    use_database(f'sqlite:///{tmp_path / "new" / "folder" / "clientpulse.db"}')
    result = runner.invoke(cli, ['migrate'])
    assert result.exit_code == 0, result.output
    assert (tmp_path / 'new' / 'folder' / 'clientpulse.db').is_file()


def _serve_nothing(monkeypatch) -> dict:
    """``server.run``'s hand-over to NiceGUI and its announcement, recorded instead of done."""
    from app import server
    from app.services.imports import demo
    seen: dict = {}
    monkeypatch.setattr(server.ui, 'run', lambda **kwargs: seen.update(kwargs))
    monkeypatch.setattr(server, 'announce_when_ready', lambda lines, host, port: seen.update(announced=lines),
                        raising=False)
    monkeypatch.setattr(server, 'start_scheduler', lambda: None)
    monkeypatch.setattr(server.files, 'restrict_new_files', lambda: None)
    monkeypatch.setattr(demo, 'ensure_demo', lambda: demo.DemoResult(location_id=1, created=False, bookings=0))
    return seen


def test_the_demo_listens_on_this_computer_only_and_says_so(sqlite_db, monkeypatch):
    """Its password is published (README, ``demo1234``): by default only 127.0.0.1, however the app's own
    ``CLIENTPULSE_HOST`` is set; ``--host 0.0.0.0`` lets the shop's network in, with a warning."""
    seen = _serve_nothing(monkeypatch)
    result = runner.invoke(cli, ['demo', '--port', '8124'])
    assert result.exit_code == 0, result.output
    assert (seen['host'], seen['port']) == ('127.0.0.1', 8124)
    assert seen['announced'][0] == ("Demo on http://127.0.0.1:8124 — only this computer can reach it; --host 0.0.0.0 "
                                    "to let the shop's network in")
    opened = runner.invoke(cli, ['demo', '--port', '8124', '--host', '0.0.0.0'])
    assert opened.exit_code == 0, opened.output
    assert seen['host'] == '0.0.0.0'
    assert ("— the shop's network can reach it, and its password (demo1234) is published: use it only on a network "
            'you trust') in seen['announced']


def test_the_demo_prints_its_logins_last_under_the_ready_line(sqlite_db, monkeypatch):
    """Nothing of the start-up comes between the logins and the person reading them: they are the last lines, printed
    with (under) the line that says where the demo is, once it listens; ``--no-serve`` prints them at once."""
    from app import server

    seen = _serve_nothing(monkeypatch)
    monkeypatch.setattr(server.first_run, 'setup_path', lambda: None)  # the demo's owner is there: no setup link
    result = runner.invoke(cli, ['demo', '--port', '8124'])
    assert result.exit_code == 0, result.output
    assert 'owner@demo.clientpulse' not in result.output  # not before the start-up's own output
    assert seen['announced'] == [
        "Demo on http://127.0.0.1:8124 — only this computer can reach it; --host 0.0.0.0 to let the shop's network in",
        'Demo logins (password for all: demo1234):', '  owner    owner@demo.clientpulse',
        '  manager  manager@demo.clientpulse', '  staff    staff@demo.clientpulse', '  kiosk    kiosk@demo.clientpulse']
    unserved = runner.invoke(cli, ['demo', '--no-serve'])
    assert unserved.output.splitlines()[-5:] == seen['announced'][1:]


def test_the_port_is_in_the_help_and_read_from_clientpulse_port(sqlite_db, monkeypatch):
    from app.config import get_settings

    assert 'CLIENTPULSE_PORT' in runner.invoke(cli, ['demo', '--help'], env={'COLUMNS': '200'}).output
    seen = _serve_nothing(monkeypatch)
    monkeypatch.setenv('CLIENTPULSE_PORT', '8125')
    get_settings.cache_clear()
    try:
        assert runner.invoke(cli, ['demo']).exit_code == 0
        assert seen['port'] == 8125
        assert runner.invoke(cli, ['demo', '--port', '8126']).exit_code == 0
        assert seen['port'] == 8126
    finally:
        get_settings.cache_clear()


def _clientpulse(tmp_path, *args: str, **env: str) -> subprocess.CompletedProcess:
    """The real command (its own process: its logging as a person sees it) on a fresh SQLite database."""
    plain = {k: v for k, v in os.environ.items() if not k.startswith(('PYTEST', 'NICEGUI', 'CLIENTPULSE'))}
    fresh = {**plain, 'HOME': str(tmp_path), 'CLIENTPULSE_DATA_DIR': str(tmp_path / 'data'), **env}
    return subprocess.run([sys.executable, '-m', 'app.cli', *args], capture_output=True, text=True, timeout=300,
                          check=False, env=fresh)


def test_a_start_is_quiet_unless_asked(sqlite_template, tmp_path):
    """Alembic's lines (~50 on a first migration) and the scheduler's (one every 20 s) are not shown by default;
    ``--verbose`` or ``CLIENTPULSE_LOG_LEVEL=INFO`` shows them."""
    import shutil

    (tmp_path / 'data').mkdir()
    shutil.copy(sqlite_template, tmp_path / 'data' / 'clientpulse.db')
    quiet = _clientpulse(tmp_path, 'migrate')
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stderr == ''
    assert quiet.stdout == f'Database at sqlite:///{tmp_path / "data" / "clientpulse.db"} is up to date.\n'
    # an up-to-date database is known so without Alembic (app.services.database.written_revisions): the two
    # below migrate fresh folders, so that Alembic has something to say
    migrating = 'INFO alembic.runtime.migration: Running upgrade  -> 0001'
    verbose = _clientpulse(tmp_path / 'one', '--verbose', 'migrate')
    assert migrating in verbose.stderr
    informed = _clientpulse(tmp_path / 'two', 'migrate', CLIENTPULSE_LOG_LEVEL='info')
    assert migrating in informed.stderr


def test_clientpulse_own_notes_stay_at_info_and_the_libraries_follow_the_level():
    import logging

    from app.cli import configure_logging

    root, own = logging.getLogger(), logging.getLogger('app')
    before = root.level, own.level
    try:
        configure_logging('WARNING')
        assert (root.level, own.level) == (logging.WARNING, logging.INFO)
        configure_logging('debug')
        assert (root.level, own.level) == (logging.DEBUG, logging.DEBUG)
        configure_logging('loud')  # unknown: the default
        assert (root.level, own.level) == (logging.WARNING, logging.INFO)
    finally:
        root.setLevel(before[0])
        own.setLevel(before[1])


def test_old_code_on_a_newer_database_is_refused_plainly(sqlite_db):
    from alembic.script import ScriptDirectory
    from sqlalchemy import text

    from app.services import database

    head = ScriptDirectory.from_config(database.alembic_config()).get_current_head()
    with database.get_engine().begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    database.reset_engines()
    for command in (['migrate'], ['create-user', 'x@shop.test', '--password', 'long enough']):
        result = runner.invoke(cli, command)
        assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
        assert result.output == (f'Error: Its database is at revision 0099, newer than this ClientPulse knows (its '
                                 f'newest is {head}). This ClientPulse is older than its database: update '
                                 'ClientPulse, or restore a backup made by this version.\n')


def test_the_command_speaks_the_terminals_language(sqlite_db, monkeypatch):
    for variable in ('LC_ALL', 'LC_MESSAGES'):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv('LANG', 'fr_FR.UTF-8')
    short = runner.invoke(cli, ['create-user', 'x@shop.test', '--role', 'owner'], input='short\nshort\n')
    assert short.exit_code == 1
    assert 'Erreur : Le mot de passe doit compter au moins 8 caractères.' in short.output  # the service's refusal too
    monkeypatch.setenv('LANG', 'sw_KE.UTF-8')
    made = runner.invoke(cli, ['create-user', 'y@shop.test', '--role', 'owner'], input='long enough\nlong enough\n')
    assert 'Imeundwa akaunti ya mmiliki y@shop.test' in made.output
    monkeypatch.setenv('LANG', 'C.UTF-8')
    again = runner.invoke(cli, ['create-user', 'y@shop.test', '--role', 'owner'], input='long enough\nlong enough\n')
    assert 'Error: There is already an account for y@shop.test.' in again.output
