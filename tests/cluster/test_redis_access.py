"""The cluster's Redis (``scripts/cluster.sh`` with ``deploy/redis.conf``) lets nobody in without the password it
made, and lets ClientPulse's own user do only what ClientPulse does (issue 28: anyone who reached Redis could
``XADD`` a forged event). Starts only the script's Redis: quick."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import redis

from tests.cluster.conftest import SCRIPT, _require
from tests.redis_server import free_port


@pytest.fixture
def cluster_redis(tmp_path: Path):
    """``scripts/cluster.sh redis-start`` in a folder of its own: yields (folder, port); stopped after."""
    _require('redis-server', 'apt-get install redis-server')
    port = free_port()
    env = {**os.environ, 'CLUSTER_DIR': str(tmp_path / 'cluster'), 'CLUSTER_REDIS_PORT': str(port)}
    subprocess.run(['bash', str(SCRIPT), 'redis-start'], env=env, check=True, timeout=60, capture_output=True)
    try:
        yield tmp_path / 'cluster', port
    finally:
        subprocess.run(['bash', str(SCRIPT), 'redis-stop'], env=env, check=True, timeout=60, capture_output=True)


def test_a_client_without_the_password_cannot_append_to_the_clusters_redis(cluster_redis):
    folder, port = cluster_redis
    entry = {'id': 'x', 'origin': 'x', 'event': '{"type": "BookingChanged"}'}
    with pytest.raises(redis.AuthenticationError):  # no password: refused before any command
        redis.Redis(port=port).xadd('clientpulse:events', entry)
    with pytest.raises(redis.AuthenticationError):
        redis.Redis(port=port, username='clientpulse', password='a guess').xadd('clientpulse:events', entry)
    with pytest.raises(redis.AuthenticationError):  # the default user is off, whatever the password
        redis.Redis(port=port, password=(folder / 'redis_password').read_text().strip()).ping()
    password = folder / 'redis_password'
    assert password.stat().st_mode & 0o777 == 0o600
    assert password.read_text().strip() not in (folder / 'redis' / 'redis.conf').read_text()  # in the user file only
    assert (folder / 'redis' / 'clientpulse-user.conf').stat().st_mode & 0o777 == 0o600
    # the processes' URL carries it: ClientPulse's user appends, and may do nothing administrative
    with redis.Redis.from_url(f'redis://clientpulse:{password.read_text().strip()}@127.0.0.1:{port}/0') as own:
        assert own.xadd('clientpulse:events', entry)
        assert own.info('server')['run_id']  # the bus reads it to notice a restart
        for refused in (own.flushall, lambda: own.config_get('requirepass'),
                        lambda: own.set('another-app:key', 'x'), own.acl_list):
            with pytest.raises(redis.exceptions.NoPermissionError):
                refused()
