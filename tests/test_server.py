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
    monkeypatch.setattr(server, 'start_scheduler', lambda: None)
    monkeypatch.setattr(server.files, 'restrict_new_files', lambda: None)  # the test process keeps its umask
    monkeypatch.setattr(server.app.native, 'window_args', {})
    return seen


def test_a_plain_start_opens_no_window(started):
    server.run(port=8123)
    assert started['native'] is False and started['window_size'] is None  # a size alone would open a window
    assert started['port'] == 8123 and started['storage_secret']
    assert 'url' not in server.app.native.window_args


def test_a_fresh_install_prints_its_setup_link_and_the_window_opens_it(started, capsys):
    server.run(port=8123, native=True)
    link = setup.setup_path()
    assert link is not None and server.app.native.window_args['url'] == f'http://127.0.0.1:8123{link}'
    assert f'Set up your business: http://127.0.0.1:8123{link}' in capsys.readouterr().out


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
