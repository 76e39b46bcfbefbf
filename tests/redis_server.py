"""A private Redis server for tests: a real ``redis-server`` on a free port, which a test may stop and start again.

The machine's own Redis (127.0.0.1:6379) is shared with everything else on it; tests that take Redis away
(the live bus's outage and restart) need one of their own. With ``CI=true`` a missing ``redis-server`` fails
the test; elsewhere it is skipped.
"""

from __future__ import annotations

import os
import random
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

IN_CI = os.environ.get('CI', '').lower() == 'true'


def free_port() -> int:
    """A TCP port nothing listens on now (127.0.0.1)."""
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


def free_ports(count: int) -> int:
    """The first of ``count`` consecutive TCP ports nothing listens on now (127.0.0.1), below Linux's ephemeral range
    (32768–60999), so no outgoing connection takes one of them before a server binds it: the port after a
    :func:`free_port` may be such a connection's (a cluster's second process once failed to bind it)."""
    chooser = random.Random()
    for _ in range(200):
        first = chooser.randrange(20000, 32768 - count)
        probes = [socket.socket() for _ in range(count)]
        try:
            for offset, probe in enumerate(probes):
                probe.bind(('127.0.0.1', first + offset))
            return first
        except OSError:
            continue
        finally:
            for probe in probes:
                probe.close()
    raise RuntimeError(f'no {count} consecutive free ports between 20000 and 32768')


class RedisServer:
    """``redis-server`` on ``port`` with its files in ``folder``; ``persistent``: an append-only file, so a restart
    keeps the streams and the sign-ins (as a production Redis for ClientPulse is set up, deploy/redis.conf);
    ``password``: every client must give it (``requirepass``, passed in a file, not on the command line; ``url``
    carries it)."""

    def __init__(self, folder: Path, *, persistent: bool = False, password: str | None = None) -> None:
        binary = shutil.which('redis-server')
        if binary is None:
            message = 'redis-server is not installed (apt-get install redis-server)'
            if IN_CI:
                pytest.fail(message)
            pytest.skip(message)
        self.binary, self.folder, self.persistent, self.password = binary, folder, persistent, password
        self.port = free_port()
        self.url = f'redis://{f":{password}@" if password else ""}127.0.0.1:{self.port}/0'
        self.process: subprocess.Popen | None = None

    def start(self) -> RedisServer:
        """Start it and wait until it answers (at most 10 s)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        config = self.folder / 'redis.conf'
        config.write_text(f'requirepass "{self.password}"\n' if self.password else '')
        command = [self.binary, str(config), '--port', str(self.port), '--bind', '127.0.0.1', '--dir', str(self.folder),
                   '--save', '', '--appendonly', 'yes' if self.persistent else 'no', '--protected-mode', 'no']
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(('127.0.0.1', self.port), timeout=0.2) as connection:
                    connection.sendall(b'PING\r\n')
                    if connection.recv(16).startswith((b'+PONG', b'-NOAUTH')):  # it answers (a password is asked)
                        return self
            except OSError:
                pass
            time.sleep(0.05)
        self.stop()
        pytest.fail(f'redis-server did not start on port {self.port}')

    def stop(self) -> None:
        """Stop it now (SIGKILL: like a crash or a pulled cable, nothing is saved on the way out)."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
            self.process = None
