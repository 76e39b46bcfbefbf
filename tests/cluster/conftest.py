"""Two ClientPulse processes behind nginx, on one PostgreSQL database and a Redis of their own, started by
``scripts/cluster.sh`` as a person would start them. Needs PostgreSQL, ``redis-server``, ``nginx`` and Chromium:
with ``CI=true`` a missing one fails the test (``.ci/run`` installs nginx and Chromium), elsewhere it is skipped."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from app.models import LocationRead
from tests.conftest import IN_CI
from tests.factories import make_small_shop
from tests.fixtures.browser import FLAGS, PASSWORD, sign_in
from tests.redis_server import free_port, free_ports

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / 'scripts' / 'cluster.sh'
CHROMIUM = shutil.which('chromium') or '/usr/bin/chromium'
DAY = '2030-03-04'


def _require(command: str, how: str) -> None:
    if shutil.which(command) is None and not Path(command).exists():
        message = f'{command} is not installed ({how})'
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


@dataclass
class Cluster:
    """The running cluster: ``url`` is nginx; ``nodes`` the processes' own addresses (index 0 is process 1)."""

    folder: Path
    env: dict[str, str]
    url: str
    nodes: list[str]
    location: LocationRead

    def run(self, *args: str) -> None:
        """``scripts/cluster.sh ARGS`` with this cluster's settings."""
        subprocess.run(['bash', str(SCRIPT), *args], env=self.env, check=True, timeout=180,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def node_of(self, upstream: str) -> int:
        """The process number (1, 2) that answered, from an ``X-ClientPulse-Upstream`` value (nginx lists every
        process it tried, ``127.0.0.1:8081, 127.0.0.1:8082``: the one that answered is the last)."""
        return self.nodes.index(f'http://{upstream.rsplit(",", maxsplit=1)[-1].strip()}') + 1

    def tried(self, upstream: str) -> list[int]:
        """Every process nginx tried for one request, in order (from an ``X-ClientPulse-Upstream`` value)."""
        return [self.nodes.index(f'http://{u.strip()}') + 1 for u in upstream.split(',')]

    @property
    def bus_url(self) -> str:
        """The processes' ``CLIENTPULSE_BUS_URL``: the script's Redis, with the password it made."""
        password = (self.folder / 'redis_password').read_text().strip()
        return f'redis://clientpulse:{password}@127.0.0.1:{self.env["CLUSTER_REDIS_PORT"]}/0'

    @property
    def secret(self) -> str:
        """The processes' ``CLIENTPULSE_STORAGE_SECRET`` (it signs the cookies and the bus's entries)."""
        return (self.folder / 'storage_secret').read_text().strip()

    def log(self, node: int, *, tail: int | None = 3000) -> str:
        """What process ``node`` has logged so far: the last ``tail`` characters (for failure messages), or all."""
        path = self.folder / f'node-{node}.log'
        text = path.read_text(errors='replace') if path.exists() else ''
        return text[-tail:] if tail else text


@pytest.fixture
def chromium() -> str:
    _require(CHROMIUM, 'apt-get install chromium')
    return CHROMIUM


@pytest.fixture
def shop(postgres_db: str) -> LocationRead:
    """A small shop on a fresh PostgreSQL database (JJ, a women's cut, Sam Lee; a manager and a staff member)."""
    return make_small_shop(PASSWORD)


@pytest.fixture
def cluster(postgres_db: str, shop: LocationRead, tmp_path: Path, request: pytest.FixtureRequest
            ) -> Iterator[Cluster]:
    """:func:`shop` served by two processes behind nginx (``scripts/cluster.sh``). A test may mark extra environment
    for the processes with ``@pytest.mark.cluster_env(NAME=value)``; fixtures listed before this one prepare the
    database before the processes start."""
    _require('redis-server', 'apt-get install redis-server')
    _require('nginx', 'apt-get install nginx')
    location = shop
    first = free_ports(2)  # the processes listen on first, first + 1
    ports = {'CLUSTER_PORT': free_port(), 'CLUSTER_FIRST_NODE_PORT': first, 'CLUSTER_REDIS_PORT': free_port()}
    plain = {k: v for k, v in os.environ.items() if not k.startswith(('PYTEST', 'NICEGUI'))}
    marker = request.node.get_closest_marker('cluster_env')
    env = {**plain, 'CLUSTER_DIR': str(tmp_path / 'cluster'), 'CLUSTER_PROCESSES': '2',
           **{k: str(v) for k, v in ports.items()},
           'CLIENTPULSE_DATABASE_URL': postgres_db, 'CLIENTPULSE_SCHEDULER': 'false',
           **(marker.kwargs if marker else {})}
    cluster = Cluster(folder=tmp_path / 'cluster', env=env, url=f'http://127.0.0.1:{ports["CLUSTER_PORT"]}',
                      nodes=[f'http://127.0.0.1:{first + i}' for i in range(2)], location=location)
    try:
        cluster.run('start')
    except subprocess.CalledProcessError as error:
        cluster.run('stop')
        pytest.fail(f'the cluster did not start: {error.stderr.decode(errors="replace")}\n{cluster.log(1)}')
    yield cluster
    cluster.run('stop')


def wait_until(check, timeout: float, what: str) -> None:
    """Poll ``check()`` until true, or fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f'not within {timeout} s: {what}')
        time.sleep(0.1)


def upstream_of(url: str, cookies: dict[str, str]) -> str:
    """Which process nginx sends a browser with ``cookies`` to."""
    return httpx.get(f'{url}/login', cookies=cookies, timeout=10).headers['x-clientpulse-upstream']


def route_to(cluster: Cluster, node: int) -> str:
    """A route cookie value nginx sends to process ``node``."""
    for _ in range(200):
        value = secrets.token_hex(16)
        if cluster.node_of(upstream_of(cluster.url, {'cp_route': value})) == node:
            return value
    raise AssertionError(f'no route to process {node} in 200 tries')


@contextmanager
def browsers(chromium: str, cluster: Cluster, *nodes: int):
    """One signed-in browser (a manager's day view on ``DAY``) per process in ``nodes``, each routed there by nginx:
    yields their pages."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=FLAGS)
        pages = []
        for node in nodes:
            context = browser.new_context(viewport={'width': 1400, 'height': 900})
            context.add_cookies([{'name': 'cp_route', 'value': route_to(cluster, node), 'url': cluster.url}])
            page = context.new_page()
            response = sign_in(page, cluster.url, 'manager@shop.test', f'/bookings?day={DAY}')
            assert cluster.node_of(response.headers['x-clientpulse-upstream']) == node
            page.get_by_role('button', name='New booking').wait_for(timeout=15_000)
            pages.append(page)
        yield pages
        browser.close()
