"""``scripts/cluster.sh start`` checks what it needs before it starts anything, and a start that fails half-way stops
what it had started (nothing of it is left running)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from tests.cluster.conftest import SCRIPT, _require
from tests.redis_server import free_port, free_ports


def _path_without(tmp_path: Path, *missing: str, extra: dict[str, str] | None = None) -> str:
    """A PATH of one folder with a link to every program on this PATH but ``missing``, plus ``extra`` (name: script
    text) as programs of their own."""
    folder = tmp_path / 'bin'
    folder.mkdir()
    for directory in os.environ['PATH'].split(os.pathsep):
        if not os.path.isdir(directory):
            continue
        for name in os.listdir(directory):
            target, link = Path(directory) / name, folder / name
            if name not in missing and not link.exists() and os.access(target, os.X_OK) and target.is_file():
                link.symlink_to(target)
    for name, text in (extra or {}).items():
        (folder / name).unlink(missing_ok=True)
        (folder / name).write_text(text)
        (folder / name).chmod(0o755)
    return str(folder)


def _environment(tmp_path: Path, path: str) -> dict[str, str]:
    plain = {k: v for k, v in os.environ.items() if not k.startswith(('PYTEST', 'NICEGUI'))}
    return {**plain, 'PATH': path, 'CLUSTER_DIR': str(tmp_path / 'cluster'), 'CLUSTER_PROCESSES': '1',
            'CLUSTER_PORT': str(free_port()), 'CLUSTER_FIRST_NODE_PORT': str(free_ports(1)),
            'CLUSTER_REDIS_PORT': str(free_port()), 'CLIENTPULSE_SCHEDULER': 'false',
            'CLIENTPULSE_DATABASE_URL': f'sqlite:///{tmp_path / "cluster.db"}'}


def _script(env: dict[str, str], *args: str, timeout: float) -> subprocess.CompletedProcess:
    """``scripts/cluster.sh ARGS`` in ``env``, its output kept (its exit status is the test's to check)."""
    return subprocess.run(['bash', str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=timeout,
                          check=False)


def test_without_nginx_it_says_so_and_starts_nothing(tmp_path):
    env = _environment(tmp_path, _path_without(tmp_path, 'nginx'))
    assert shutil.which('nginx', path=env['PATH']) is None
    done = _script(env, 'start', timeout=60)
    assert done.returncode == 1
    assert done.stderr.strip() == 'cluster: nginx is not installed (apt-get install nginx)'
    assert not (tmp_path / 'cluster').exists()  # no Redis, no process, no folder: it stopped before anything
    assert not (tmp_path / 'cluster.db').exists()


def test_without_redis_it_says_so_and_starts_nothing(tmp_path):
    env = _environment(tmp_path, _path_without(tmp_path, 'redis-server'))
    done = _script(env, 'start', timeout=60)
    assert done.returncode == 1
    assert done.stderr.strip() == 'cluster: redis-server is not installed (apt-get install redis-server)'
    assert not (tmp_path / 'cluster').exists()


def test_a_start_that_fails_half_way_stops_what_it_started(tmp_path):
    """nginx refuses its configuration after Redis and the process have started: both are stopped again."""
    _require('redis-server', 'apt-get install redis-server')
    refusing = '#!/bin/sh\necho "nginx: [emerg] refused for the test" >&2\nexit 1\n'
    env = _environment(tmp_path, _path_without(tmp_path, 'nginx', extra={'nginx': refusing}))
    done = _script(env, 'start', timeout=180)
    folder = tmp_path / 'cluster'
    assert done.returncode == 1, done.stderr
    assert f'cluster: nginx refused {folder}/nginx/nginx.conf' in done.stderr
    assert 'cluster: stopped what this start had started (redis node-1)' in done.stderr
    assert (folder / 'redis.log').exists() and (folder / 'node-1.log').exists()  # they had started
    assert not (folder / 'redis.pid').exists() and not (folder / 'node-1.pid').exists()
    status = _script(env, 'status', timeout=60)
    assert status.stdout == ''  # nothing running, nothing left behind
