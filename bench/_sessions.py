"""Browserless NiceGUI sessions for ``bench/fanout.py`` and ``bench/fanout_floor.py``: the servers they open pages
on, the sessions themselves, and the measurement of one change's arrival in all of them.

A session is opened the way NiceGUI's own frontend does: sign in (app only), GET the page, read ``client_id`` and
``next_message_id`` from it, connect python-socketio to ``/_nicegui_ws/socket.io`` (websocket) with that query and an
implicit handshake, listen for ``update`` messages and ack them every 3 s. App pages also carry a ``live_link.js``
element: like the browser, the session then joins its live room (``cp_join`` with the element's token) and listens
for ``cp_live`` messages too. An arrival is the first ``update`` or ``cp_live`` message holding a booking's marker.

:func:`measure_sides` measures several setups (:class:`Side`: a bare page, the app, two app processes …) in one run,
all servers up and all sessions open at once, taking turns per booking, so each sees the same load of the machine.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import httpx
import socketio

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
TICKS = os.sysconf('SC_CLK_TCK')
UPDATE = '2["update",'  # a Socket.IO event packet (type 2) named update, as text
LIVE = '2["cp_live",'  # the app's live-room message (app/live/rooms.py), one per change for a whole room
DEMO = [('owner@demo.clientpulse', '/'), ('manager@demo.clientpulse', '/bookings')]
PASSWORD = 'demo1234'


@dataclass
class Session:
    """One open page: its socket and when each marker first arrived in an update."""

    http: httpx.AsyncClient
    sio: socketio.AsyncClient
    client_id: str = ''
    next_message_id: int = 0
    arrivals: dict[str, float] = field(default_factory=dict)
    waiting: set[str] = field(default_factory=set)

    def tap(self, handle: Callable[[object], Awaitable[None]]) -> Callable[[object], Awaitable[None]]:
        """Wrap python-socketio's handler of raw Engine.IO messages: an ``update`` event is timed and
        searched for markers as it arrives, as text, and not decoded further (nobody renders it here).

        Decoding every update in this one Python client (100 sessions' tables and charts, several KB
        each) once took longer than the server's sending and was counted as server latency."""
        async def on_message(data: object) -> None:
            if isinstance(data, str) and data.startswith((UPDATE, LIVE)):
                now = time.time()
                for marker in [m for m in self.waiting if m in data]:
                    self.arrivals[marker] = now
                    self.waiting.discard(marker)
                return
            await handle(data)
        return on_message


class Server:
    """One server process (``script kind port``), started at once; ``ready=False``: not waited for here (start
    several, then :meth:`wait_ready` on each, so their starts overlap)."""

    def __init__(self, kind: str, env: dict[str, str], script: Path = ROOT / 'bench' / 'fanout_server.py', *,
                 ready: bool = True) -> None:
        with socket.socket() as probe:
            probe.bind(('127.0.0.1', 0))
            self.port = probe.getsockname()[1]
        self.kind = kind
        self.base = f'http://127.0.0.1:{self.port}'
        # the server's log goes to a file: an unread pipe fills up (64 KB) and then blocks the server mid-run
        self.log = tempfile.NamedTemporaryFile(prefix=f'fanout-{kind}-', suffix='.log', delete=False)
        self.process = subprocess.Popen([PYTHON, str(script), kind, str(self.port)],
                                        env=env, stdout=subprocess.DEVNULL, stderr=self.log)
        if ready:
            self.wait_ready()

    def wait_ready(self, seconds: float = 90) -> None:
        """Wait until the server accepts connections.

        :raises RuntimeError: it stopped, or did not listen within ``seconds`` (with the end of its log)"""
        deadline = time.monotonic() + seconds
        while True:
            try:
                socket.create_connection(('127.0.0.1', self.port), timeout=0.5).close()
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f'{self.kind} did not start: {self.log_tail()}') from None
                time.sleep(0.2)

    def log_tail(self, size: int = 3000) -> str:
        """The end of what the server logged."""
        return Path(self.log.name).read_text(errors='replace')[-size:]

    def cpu_seconds(self) -> float:
        fields_ = Path(f'/proc/{self.process.pid}/stat').read_text().rsplit(')', 1)[1].split()
        return (int(fields_[11]) + int(fields_[12])) / TICKS

    def rss_mb(self) -> float:
        for line in Path(f'/proc/{self.process.pid}/status').read_text().splitlines():
            if line.startswith('VmRSS:'):
                return int(line.split()[1]) / 1024
        return 0.0

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)


async def open_session(server: Server, path: str, email: str | None) -> Session:
    http = httpx.AsyncClient(base_url=server.base, timeout=60)
    if email:
        response = await http.get('/bench/sign-in', params={'email': email, 'password': PASSWORD})
        response.raise_for_status()
    page = await http.get(path)
    page.raise_for_status()
    html = page.text
    client_id = re.search(r"""['"]client_id['"]\s*:\s*['"]([0-9a-f-]+)['"]""", html).group(1)
    next_id = int(re.search(r"""['"]next_message_id['"]\s*:\s*(\d+)""", html).group(1))
    session = Session(http=http, sio=socketio.AsyncClient(reconnection=False), client_id=client_id,
                      next_message_id=next_id)
    session.sio.eio.on('message', session.tap(session.sio._handle_eio_message))
    room = re.search(r'"token":\s*"([^"]+)",\s*"seq":\s*(\d+)', html)  # the page's live_link.js element, if any
    query = urlencode({'client_id': client_id, 'next_message_id': next_id, 'implicit_handshake': 'true',
                       'document_id': str(uuid.uuid4()), 'tab_id': str(uuid.uuid4())})
    cookies = '; '.join(f'{k}={v}' for k, v in http.cookies.items())
    await session.sio.connect(f'{server.base}?{query}', socketio_path='/_nicegui_ws/socket.io',
                              transports=['websocket'], headers={'Cookie': cookies} if cookies else {})
    if room:  # what live_link.js does once the socket is open: join the page's room
        joined = await session.sio.call('cp_join', {'token': room.group(1), 'client_id': client_id,
                                                    'seq': int(room.group(2))})
        if not joined:
            raise RuntimeError(f'{path}: the room refused the join')
    return session


async def ack_forever(sessions: list[Session], quiet: asyncio.Lock) -> None:
    """Every 3 s, ack what every session received (as NiceGUI's frontend does, so servers drop their message
    history), holding ``quiet``, which a measured booking holds too, and settling 0.2 s after: hundreds of acks at
    once keep the client and the servers busy for tens of ms, and a booking made then was late in every session (a
    tenth of the bookings at 800 sessions: it made the p95)."""
    while True:
        await asyncio.sleep(3)
        async with quiet:
            for s in list(sessions):
                if s.sio.connected:
                    await s.sio.emit('ack', {'client_id': s.client_id, 'next_message_id': s.next_message_id})
            await asyncio.sleep(0.2)


async def book_and_wait(http: httpx.AsyncClient, base: str, sessions: list[Session], number: int
                        ) -> tuple[str, dict]:
    """Make booking ``number`` through the server at ``base`` and wait (at most 10 s) until every session has it:
    ``(its marker, the server's reply with the commit's time stamp)``."""
    marker = f'Bench customer {number:04d}'
    for s in sessions:
        s.waiting.add(marker)
    reply = (await http.post(f'{base}/bench/book', params={'n': number})).json()
    deadline = time.time() + 10
    while any(marker in s.waiting for s in sessions) and time.time() < deadline:
        await asyncio.sleep(0.005)
    return marker, reply


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@contextlib.contextmanager
def client_collector_paused():
    """The bench client's own garbage collector kept out of the measured bookings: objects so far frozen (never
    scanned again), automatic collection off until the end. Without it a full collection of the client's hundreds of
    sessions' objects stalls the client's loop ~0.5 s at some booking, which then looks late in every session (the
    server already keeps its collections out of the way: app/live/quiet_gc.py)."""
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.unfreeze()


@dataclass
class Side:
    """One setup of a run, measured in turn with the others: its sessions, spread evenly over ``servers`` (the pages
    of ``kind``: ``bare`` or ``app``, on ``day``), and its bookings, made through the first server."""

    name: str
    kind: str
    servers: list[Server]
    day: str | None = None
    sessions: list[list[Session]] = field(default_factory=list)  # per server

    def page(self, number: int) -> tuple[str, str | None]:
        """The path and the user (None: no sign-in) of the ``number``-th session opened on a server."""
        if self.kind == 'bare':
            return '/', None
        email, path = DEMO[number % len(DEMO)]
        return f'{path}?day={self.day}', email

    def everyone(self) -> list[Session]:
        return [session for group in self.sessions for session in group]


async def measure(kind: str, server: Server, counts: list[int], bookings: int, day: str | None,
                  verbose: bool = False) -> dict[int, dict]:
    """One server alone (:func:`measure_sides` with one side): its figures per N."""
    return (await measure_sides([Side(kind, kind, [server], day)], counts, bookings, verbose))[kind]


async def measure_sides(sides: list[Side], counts: list[int], bookings: int, verbose: bool = False
                        ) -> dict[str, dict[int, dict]]:
    """For each N of ``counts``: every side's sessions opened up to N (all open at once), then ``bookings`` rounds of
    one booking per side, taking turns (the order swapped every round). Figures by side name and N: latency from the
    commit to the arrival (``p50``, ``p95``, ``max`` in ms, and per server in ``groups``), sessions ``missing``, server
    ``cpu_ms`` per booking (all the side's servers, less their idle rate), SQL ``statements`` per booking, ``rss_kb``
    per session opened, ``idle_ms_per_s`` and the bench client's ``client_ms`` per booking."""
    everyone: list[Session] = []
    quiet = asyncio.Lock()  # a measured booking, or the acks: never both at once
    acker = asyncio.create_task(ack_forever(everyone, quiet))
    http = httpx.AsyncClient(timeout=60)
    for side in sides:
        side.sessions = [[] for _ in side.servers]
        for server in side.servers:  # one page opened and dropped first: imports and caches warm before memory counts
            warm = await open_session(server, *side.page(0))
            await warm.sio.disconnect()
            await warm.http.aclose()
    servers = [server for side in sides for server in side.servers]
    results: dict[str, dict[int, dict]] = {side.name: {} for side in sides}
    number = 0
    for n in counts:
        await asyncio.sleep(1)
        rss_before, opened_before = [s.rss_mb() for s in servers], [len(side.everyone()) for side in sides]
        for side in sides:
            while len(side.everyone()) < n:  # round the side's servers in turn
                index = len(side.everyone()) % len(side.servers)
                group = side.sessions[index]
                group.append(await open_session(side.servers[index], *side.page(len(group))))
                everyone.append(group[-1])
        await asyncio.sleep(3)  # pages settle (first updates, charts)
        rss_growth = {id(s): s.rss_mb() - before for s, before in zip(servers, rss_before, strict=True)}
        idle = await _idle_rates(servers)
        statements = await _statements(http, sides)
        latencies = {side.name: [[] for _ in side.servers] for side in sides}
        missing = {side.name: [0] * len(side.servers) for side in sides}
        client_cpu = dict.fromkeys(results, 0.0)
        await _profile(http, sides, on=True)
        cpu_before, started = {id(s): s.cpu_seconds() for s in servers}, time.time()
        with client_collector_paused():
            for turn in range(bookings):
                for side in sides if turn % 2 == 0 else sides[::-1]:
                    number += 1
                    async with quiet:
                        client_before = time.process_time()
                        marker, reply = await book_and_wait(http, side.servers[0].base, side.everyone(), number)
                        client_cpu[side.name] += time.process_time() - client_before
                    these = _arrivals(side, marker, reply['stamp'], latencies[side.name], missing[side.name])
                    if verbose and these:
                        print(f'  {side.name} booking {number}: first {min(these) * 1000:.0f} ms, '
                              f'median {percentile(these, 0.5) * 1000:.0f} ms, last {max(these) * 1000:.0f} ms')
                    await asyncio.sleep(0.2)
        elapsed = time.time() - started
        cpu = {id(s): s.cpu_seconds() - cpu_before[id(s)] - idle[id(s)] * elapsed for s in servers}
        await _profile(http, sides, on=False)
        statements_after = await _statements(http, sides, verbose=verbose)
        for side, opened in zip(sides, opened_before, strict=True):
            results[side.name][n] = r = {
                **_spread([x for group in latencies[side.name] for x in group]),
                'groups': [{**_spread(values), 'missing': lost} for values, lost in
                           zip(latencies[side.name], missing[side.name], strict=True)],
                'missing': sum(missing[side.name]),
                'cpu_ms': sum(cpu[id(s)] for s in side.servers) / bookings * 1000,
                'statements': (statements_after[side.name] - statements[side.name]) / bookings,
                'rss_kb': sum(rss_growth[id(s)] for s in side.servers) / max(1, n - opened) * 1024,
                'idle_ms_per_s': sum(idle[id(s)] for s in side.servers) * 1000,
                'client_ms': client_cpu[side.name] / bookings * 1000}
            print(f'{side.name:5} N={n:<4} p50 {r["p50"]:7.1f} ms  p95 {r["p95"]:7.1f} ms  max {r["max"]:7.1f} ms  '
                  f'CPU/booking {r["cpu_ms"]:7.1f} ms  SQL/booking {r["statements"]:5.1f}  '
                  f'RSS/session {r["rss_kb"]:6.0f} KB  idle CPU {r["idle_ms_per_s"]:5.1f} ms/s  '
                  f'client CPU/booking {r["client_ms"]:6.1f} ms  missing {r["missing"]}', flush=True)
    acker.cancel()
    for session in everyone:
        await session.sio.disconnect()
        await session.http.aclose()
    await http.aclose()
    return results


def _arrivals(side: Side, marker: str, stamp: float, latencies: list[list[float]], missing: list[int]
              ) -> list[float]:
    """Add each of ``side``'s sessions' latency for ``marker`` (from the commit's ``stamp``) to its server's list in
    ``latencies``, or count it in ``missing``; the booking's latencies."""
    these = []
    for index, group in enumerate(side.sessions):
        for session in group:
            if marker in session.arrivals:
                latencies[index].append(session.arrivals[marker] - stamp)
                these.append(latencies[index][-1])
            else:
                missing[index] += 1
                session.waiting.discard(marker)
    return these


def _spread(values: list[float]) -> dict[str, float]:
    """p50, p95 and max of ``values`` (seconds) in ms; NaN when none arrived."""
    if not values:
        return dict.fromkeys(('p50', 'p95', 'max'), float('nan'))
    return {'p50': percentile(values, 0.5) * 1000, 'p95': percentile(values, 0.95) * 1000,
            'max': max(values) * 1000}


async def _idle_rates(servers: list[Server]) -> dict[int, float]:
    """Each server's idle CPU rate (s/s) by ``id``: the quietest of three 1-second windows (the app's scheduled full
    garbage collection runs in quiet moments: counted as idle it would hide the CPU the bookings cost)."""
    rates: dict[int, list[float]] = {id(s): [] for s in servers}
    for _ in range(3):
        started, before = time.time(), {id(s): s.cpu_seconds() for s in servers}
        await asyncio.sleep(1)
        for s in servers:
            rates[id(s)].append((s.cpu_seconds() - before[id(s)]) / (time.time() - started))
    return {key: min(values) for key, values in rates.items()}


async def _statements(http: httpx.AsyncClient, sides: list[Side], *, verbose: bool = False) -> dict[str, int]:
    """SQL statements executed so far by each side's app servers (0 for a bare page), by side name."""
    counted = {}
    for side in sides:
        counted[side.name] = 0
        for server in side.servers if side.kind == 'app' else []:
            stats = (await http.get(f'{server.base}/bench/stats')).json()
            counted[side.name] += stats['statements']
            if verbose:
                print(f'  {side.name}, port {server.port}: full garbage collections so far (s):',
                      [round(x, 3) for x in stats['full_gc_seconds']])
                print('  calls over 10 ms (latest 20):', stats.get('slow_handlers'))
                print('  per booking, s from the commit until the loop took it up, and s the rooms and all sessions\' '
                      'handlers then took (nothing is sent before they are done):', stats.get('handler_runs'))
                print('  median call so far (ms):', stats.get('handler_median_ms'))
    return counted


async def _profile(http: httpx.AsyncClient, sides: list[Side], *, on: bool) -> None:
    """With ``BENCH_PROFILE`` set, turn the app servers' profiler on or off (only while bookings are made)."""
    if os.environ.get('BENCH_PROFILE'):
        for server in (s for side in sides if side.kind == 'app' for s in side.servers):
            await http.post(f'{server.base}/bench/profile', params={'on': on})


@contextlib.contextmanager
def running(servers: list[Server]) -> Iterator[list[Server]]:
    """``servers`` (a list the block may add to), stopped at the end; on a failure, the end of each one's log is
    printed first."""
    try:
        yield servers
    except BaseException:
        for server in servers:
            print(f'The {server.kind} server on port {server.port} logged, at the end:\n{server.log_tail()}',
                  file=sys.stderr)
        raise
    finally:
        for server in servers:
            server.stop()
