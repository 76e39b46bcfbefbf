"""Starting the server: a plain start opens no window; a native start opens one, signed in by token."""

from __future__ import annotations

import pytest

from app import server
from app.config import get_settings, reset_settings
from app.models import Role
from app.services.accounts import native_login, setup, users
from tests.factories import OWNER


@pytest.fixture
def started(monkeypatch, sqlite_db) -> dict:
    """What ``server.run`` handed to ``ui.run`` (nothing is served)."""
    seen: dict = {}
    monkeypatch.setattr(server.ui, 'run', lambda **kwargs: seen.update(kwargs))
    monkeypatch.setattr(server, 'announce_when_ready', lambda lines, host, port: seen.update(announced=lines),
                        raising=False)
    monkeypatch.setattr(server, 'start_scheduler', lambda: None)
    monkeypatch.setattr(server.files, 'restrict_new_files', lambda: None)  # the test process keeps its umask
    monkeypatch.setattr(server.app.native, 'window_args', {})
    return seen


def test_a_plain_start_opens_no_window(started):
    server.run(port=8123)
    assert started['native'] is False and started['window_size'] is None  # a size alone would open a window
    assert started['port'] == 8123 and started['storage_secret']
    assert 'url' not in server.app.native.window_args


def test_a_fresh_install_prints_its_setup_link_and_the_window_opens_it(started):
    server.run(port=8123, native=True)
    link = setup.setup_path()
    assert link is not None and server.app.native.window_args['url'] == f'http://127.0.0.1:8123{link}'
    first = server.addresses('0.0.0.0', 8123)[0]
    assert [line for line in started['announced'] if link in line] == [f'Set up your business: {first}{link}']


def test_the_setup_link_is_printed_once_however_many_addresses_the_machine_has(started, monkeypatch):
    monkeypatch.setattr(server.network, 'lan_urls', lambda port: [f'http://192.168.1.20:{port}',
                                                                 f'http://10.0.0.5:{port}', f'http://127.0.0.1:{port}'])
    server.run(host='0.0.0.0', port=8123)
    link = setup.setup_path()
    said = [line for line in started['announced'] if link in line]
    assert said == [f'Set up your business: http://192.168.1.20:8123{link}']  # the shop's address, once
    assert [line for line in started['announced'] if line.startswith('ClientPulse on')] == [
        'ClientPulse on http://192.168.1.20:8123', 'ClientPulse on http://10.0.0.5:8123',
        'ClientPulse on http://127.0.0.1:8123']


def test_a_native_start_points_the_window_at_a_one_time_sign_in(started):
    users.create_user('boss@shop.test', 'long enough', role=Role.OWNER, actor=OWNER)
    server.run(port=8123, native=True)
    assert started['native'] is True
    url = server.app.native.window_args['url']
    assert url.startswith('http://127.0.0.1:8123/native-login?token=')
    token = url.split('token=', 1)[1]
    assert native_login.redeem(token, '127.0.0.1') and not native_login.redeem(token, '127.0.0.1')


@pytest.fixture
def own_settings():
    yield
    reset_settings()  # torn down after monkeypatch (requested later) restored the environment


def test_the_storage_secret_is_made_once_and_readable_only_by_its_owner(tmp_path, own_settings, monkeypatch):
    monkeypatch.setenv('CLIENTPULSE_DATA_DIR', str(tmp_path))
    monkeypatch.delenv('CLIENTPULSE_STORAGE_SECRET', raising=False)
    reset_settings()
    settings = get_settings()
    first = settings.storage_secret_value()
    assert len(first) >= 48 and settings.storage_secret_value() == first
    assert (tmp_path / 'storage_secret').stat().st_mode & 0o777 == 0o600


def test_with_a_bus_url_changes_and_sign_ins_go_through_redis(started, monkeypatch, redis_server):
    """``CLIENTPULSE_BUS_URL``: the Redis stream bus takes over the in-process bus with its subscribers (the
    waitlist's, which acts on this process's events only), and NiceGUI keeps sign-ins in the same Redis."""
    from nicegui.storage import Storage

    from app.services import events
    from app.services.redis_bus import RedisStreamBus

    before = events.get_bus()
    heard: list = []
    before.subscribe(heard.append)
    monkeypatch.setenv('CLIENTPULSE_BUS_URL', redis_server.url)
    monkeypatch.setattr(Storage, 'redis_url', None)
    monkeypatch.setattr(Storage, 'redis_key_prefix', 'nicegui:')
    reset_settings()
    try:
        server.run(port=8123)
        bus = events.get_bus()
        assert isinstance(bus, RedisStreamBus) and events.crosses_processes()
        assert Storage.redis_url == redis_server.url and Storage.redis_key_prefix == 'clientpulse:storage:'
        event = events.LocationChanged(location_id=1)
        events.publish(event)
        assert heard == [event]  # the subscriber made before the switch still hears, at once
        assert bus.flush()
    finally:
        current = events.get_bus()
        if isinstance(current, RedisStreamBus):
            current.close()
        events.set_bus(before)
        monkeypatch.delenv('CLIENTPULSE_BUS_URL')
        reset_settings()
    before.unsubscribe(heard.append)


# --- a start that cannot go on (issue 28): a plain message, exit status 1, no traceback ---------------------------

def test_a_read_only_sqlite_database_is_refused_at_start(started, sqlite_db, capsys):
    """Opened read-only (SQLite's ``mode=ro`` URI: the tests run as root, where chmod stops no write)."""
    from tests.conftest import use_database

    use_database(f'sqlite:///file:{sqlite_db.split("///", 1)[1]}?mode=ro&uri=true')
    with pytest.raises(SystemExit) as stopped:
        server.run(port=8123)
    assert stopped.value.code == 1 and 'port' not in started  # never served
    said = capsys.readouterr().err
    assert said.startswith(f'ClientPulse did not start. Its database ({sqlite_db.split("///", 1)[1]}) cannot be')
    assert 'Traceback' not in said
    assert 'cannot be written (read-only: attempt to write a readonly database)' in said
    assert 'make the database and its folder writable' in said


def test_a_full_sqlite_database_is_refused_at_start(started, sqlite_db, capsys):
    """A full disk, simulated: SQLite's ``PRAGMA max_page_count`` at the file's size (compacted first), so a write
    that needs one more page is refused with SQLITE_FULL, "database or disk is full"."""
    import sqlite3

    from sqlalchemy import event

    from app.services import database

    path = sqlite_db.split('///', 1)[1]
    with sqlite3.connect(path, isolation_level=None) as compact:
        compact.execute('VACUUM')
        pages = compact.execute('PRAGMA page_count').fetchone()[0]
    database.reset_engines()
    engine = database.get_engine()
    event.listen(engine, 'connect', lambda connection, _record: connection.execute(f'PRAGMA max_page_count={pages}'))
    with pytest.raises(SystemExit) as stopped:
        server.run(port=8123)
    assert stopped.value.code == 1 and 'port' not in started
    said = capsys.readouterr().err
    assert 'cannot be written (disk full: database or disk is full)' in said and 'Traceback' not in said


@pytest.fixture
def read_only_postgres(postgres_db):
    """The run's PostgreSQL database (migrated), its transactions read-only for this test's connections
    (``default_transaction_read_only``, as on a standby or after an operator's lock-down), set by the connection's
    ``options``: a database made and dropped for it had cost 35–50 s of teardown (DROP DATABASE under load)."""
    from tests.conftest import use_database

    url = f'{postgres_db}?options=-c%20default_transaction_read_only%3Don'
    use_database(url)
    yield url


@pytest.mark.postgres
def test_a_read_only_postgresql_database_is_refused_at_start(started, read_only_postgres, capsys):
    with pytest.raises(SystemExit) as stopped:
        server.run(port=8123)
    assert stopped.value.code == 1 and 'port' not in started
    said = capsys.readouterr().err
    assert said.startswith('ClientPulse did not start. Its database (postgresql+psycopg://') and 'Traceback' not in said
    assert 'cannot be written (read-only: cannot execute UPDATE in a read-only transaction)' in said


@pytest.fixture
def newer_database(started, db):
    """The test's database as a newer ClientPulse would leave it: at revision 0099, which this code does not know
    (put back to this code's newest at the end)."""
    from alembic.script import ScriptDirectory
    from sqlalchemy import text

    from app.services import database

    head = ScriptDirectory.from_config(database.alembic_config()).get_current_head()
    with database.get_engine().begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    database.reset_engines()
    yield head
    with database.get_engine().begin() as connection:
        connection.execute(text('UPDATE alembic_version SET version_num = :head'), {'head': head})
    database.reset_engines()


def test_old_code_on_a_newer_database_stops_with_both_revisions_and_what_to_do(started, newer_database, capsys):
    with pytest.raises(SystemExit) as stopped:
        server.run(port=8123)
    assert stopped.value.code == 1 and 'port' not in started
    said = capsys.readouterr().err
    assert said == (f'ClientPulse did not start. Its database is at revision 0099, newer than this ClientPulse knows '
                    f'(its newest is {newer_database}). This ClientPulse is older than its database: update '
                    'ClientPulse, or restore a backup made by this version.\n')


def test_the_address_is_printed_once_the_server_listens(sqlite_template, tmp_path):
    """A real start (``clientpulse run``): when the line with the address appears, that address answers at once
    (before, it was printed before the database was even migrated)."""
    import os
    import shutil
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    shutil.copy(sqlite_template, tmp_path / 'clientpulse.db')
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        port = probe.getsockname()[1]
    env = {**{k: v for k, v in os.environ.items() if k != 'PYTEST_CURRENT_TEST'},  # NiceGUI serves a test port then
           'CLIENTPULSE_DATABASE_URL': f'sqlite:///{tmp_path / "clientpulse.db"}',
           'CLIENTPULSE_DATA_DIR': str(tmp_path), 'CLIENTPULSE_SCHEDULER': 'false',
           'CLIENTPULSE_STORAGE_SECRET': 'x' * 48}
    out, err = tmp_path / 'run.out', tmp_path / 'run.err'
    with out.open('wb') as stdout, err.open('wb') as stderr:  # files, not pipes: an unread pipe can block it
        process = subprocess.Popen([sys.executable, '-m', 'app.cli', 'run', '--host', '127.0.0.1', '--port',
                                    str(port)], stdout=stdout, stderr=stderr, env=env)
    try:
        deadline = time.monotonic() + 120
        while f'ClientPulse on http://127.0.0.1:{port}' not in out.read_text():
            assert process.poll() is None and time.monotonic() < deadline, err.read_text(errors='replace')[-3000:]
            time.sleep(0.02)
        with socket.create_connection(('127.0.0.1', port), timeout=5):  # it answers now, not a moment later
            pass
        with urllib.request.urlopen(f'http://127.0.0.1:{port}/healthz', timeout=30) as answer:
            assert answer.status == 200
    finally:
        process.terminate()
        process.wait(timeout=30)
