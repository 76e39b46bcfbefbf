"""The clientpulse command: migrate, create-user, import salon, demo."""

from __future__ import annotations

from sqlalchemy import func
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
    again = runner.invoke(cli, ['demo', '--no-serve'])
    assert 'already there' in again.output
    with session_scope() as session:
        assert session.exec(select(func.count()).select_from(Booking)).one() == total


def test_same_day_same_demo(tmp_path):
    from datetime import UTC, datetime

    from app.services import database
    from app.services.imports import demo
    from tests.conftest import use_database

    as_of = datetime(2026, 5, 4, 15, 0, tzinfo=UTC)
    signatures = []
    for name in ('one', 'two'):
        url = f'sqlite:///{tmp_path / name}.db'
        use_database(url)
        database.migrate(url)
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
