"""Fan-out of one change to N open sessions, against NiceGUI's own floor.

    .venv/bin/python bench/fanout.py [--sessions 10 50 100] [--bookings 15]
    .venv/bin/python bench/fanout.py --day-size 100 1500 [--sessions 30]
    .venv/bin/python bench/fanout.py --processes 2 [--sessions 200] [--bookings 15]

Starts the app on a fresh demo database (``clientpulse demo --no-serve`` in a temporary data
folder) and, separately, a bare NiceGUI page with one bound label (``bench/fanout_server.py``).
For each N it opens N sessions without a browser, the way NiceGUI's own frontend does: sign in
(app only), GET the page, read ``client_id`` and ``next_message_id`` from it, connect python-socketio
to ``/_nicegui_ws/socket.io`` (websocket) with that query and an implicit handshake, listen for
``update`` messages and ack them every 3 s. App pages also carry a ``live_link.js`` element: like the
browser, the session then joins its live room (``cp_join`` with the element's token) and listens for
``cp_live`` messages too, which carry what changed for every session of the room at once (one
message per change; ``app/live/rooms.py``). An arrival is the first ``update`` or ``cp_live``
message holding the marker. App sessions alternate between the dashboard (owner;
cards, two charts, the day's bookings, the bell) and the bookings page (manager; day view per staff
member and list, the bell), both on the day the bookings are made. Then, from outside these
sessions, it makes one booking at a time (a new customer each time, so every session can tell the
update that shows it) and waits until every session has it.

Printed per N: latency from the commit (the server's publish time) to the arrival of the update
showing the new customer in each session (p50 / p95 / max over every session × booking), server
CPU per booking (process CPU time during the bookings, minus the idle rate measured just before
with the same sessions open: the quietest of three seconds), SQL statements per booking (app) and
resident memory per session (the server's RSS growth while opening the N sessions ÷ N). Client and
servers share this machine's cores, so absolute latencies include the client's own decoding of every
message; the ratio to the bare page cancels most of that.

With ``--processes 2``, the app runs on a fresh PostgreSQL database (``CLIENTPULSE_TEST_POSTGRES_URL``, default the
local server) holding the demo business: first one process with N/2 sessions (the anchor), then two processes
sharing a private ``redis-server``'s stream (``CLIENTPULSE_BUS_URL``) with N/2 sessions each; every booking is made
in the first process, and the latency from its commit to the arrival is printed apart for the sessions on the
booking's own process and for those on the other one.

With ``--day-size``, the bare page is skipped: for each size, a fresh app whose watched day first holds
that many bookings (``/bench/plan?day_size=``) is measured with the same sessions and bookings, and the
ratio of the largest day's figures to the smallest's is printed (one booking's live work must not grow
with the size of the day shown).
"""

from __future__ import annotations

import argparse
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
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import httpx
import socketio

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench import report  # noqa: E402

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
    def __init__(self, kind: str, env: dict[str, str], script: Path = ROOT / 'bench' / 'fanout_server.py') -> None:
        with socket.socket() as probe:
            probe.bind(('127.0.0.1', 0))
            self.port = probe.getsockname()[1]
        self.base = f'http://127.0.0.1:{self.port}'
        # the server's log goes to a file: an unread pipe fills up (64 KB) and then blocks the server mid-run
        self.log = tempfile.NamedTemporaryFile(prefix=f'fanout-{kind}-', suffix='.log', delete=False)
        self.process = subprocess.Popen([PYTHON, str(script), kind, str(self.port)],
                                        env=env, stdout=subprocess.DEVNULL, stderr=self.log)
        deadline = time.monotonic() + 90
        while True:
            try:
                socket.create_connection(('127.0.0.1', self.port), timeout=0.5).close()
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f'{kind} did not start: {self.log_tail()}') from None
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


async def ack_forever(sessions: list[Session]) -> None:
    while True:
        await asyncio.sleep(3)
        for s in list(sessions):
            if s.sio.connected:
                await s.sio.emit('ack', {'client_id': s.client_id, 'next_message_id': s.next_message_id})


async def book_and_wait(http: httpx.AsyncClient, sessions: list[Session], number: int) -> tuple[str, dict]:
    """Make booking ``number`` through ``http``'s server and wait (at most 10 s) until every session has it:
    ``(its marker, the server's reply with the commit's time stamp)``."""
    marker = f'Bench customer {number:04d}'
    for s in sessions:
        s.waiting.add(marker)
    reply = (await http.post('/bench/book', params={'n': number})).json()
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


async def measure(kind: str, server: Server, counts: list[int], bookings: int, day: str | None,
                  verbose: bool = False) -> dict[int, dict]:
    sessions: list[Session] = []
    acker = asyncio.create_task(ack_forever(sessions))
    http = httpx.AsyncClient(base_url=server.base, timeout=60)
    results: dict[int, dict] = {}
    # one page opened and dropped first, so the server's imports and caches are warm before memory is counted
    warm = await open_session(server, f'{DEMO[0][1]}?day={day}' if day else '/', DEMO[0][0] if kind == 'app' else None)
    await warm.sio.disconnect()
    await warm.http.aclose()
    booking_number = 0
    for n in counts:
        await asyncio.sleep(1)
        rss_before = server.rss_mb()
        opened_before = len(sessions)
        while len(sessions) < n:
            email, path = DEMO[len(sessions) % 2]
            if kind == 'bare':
                sessions.append(await open_session(server, '/', None))
            else:
                sessions.append(await open_session(server, f'{path}?day={day}', email))
        await asyncio.sleep(3)  # pages settle (first updates, charts)
        rss_per_session = (server.rss_mb() - rss_before) / max(1, n - opened_before)
        # the idle rate: the quietest of three 1-second windows (the app's scheduled full garbage collection
        # runs in quiet moments: counted as idle it would hide the CPU the bookings cost)
        rates = []
        for _ in range(3):
            idle_start, idle_cpu = time.time(), server.cpu_seconds()
            await asyncio.sleep(1)
            rates.append((server.cpu_seconds() - idle_cpu) / (time.time() - idle_start))
        idle_rate = min(rates)
        latencies: list[float] = []
        missing = 0
        statements_before = (await http.get('/bench/stats')).json()['statements'] if kind == 'app' else 0
        profiling = kind == 'app' and bool(os.environ.get('BENCH_PROFILE'))
        if profiling:
            await http.post('/bench/profile', params={'on': True})
        cpu_before, started = server.cpu_seconds(), time.time()
        client_before = time.process_time()
        with client_collector_paused():
            for _ in range(bookings):
                booking_number += 1
                marker, reply = await book_and_wait(http, sessions, booking_number)
                these = []
                for s in sessions:
                    if marker in s.arrivals:
                        these.append(s.arrivals[marker] - reply['stamp'])
                    else:
                        missing += 1
                        s.waiting.discard(marker)
                latencies.extend(these)
                if verbose and these:
                    print(f'  booking {booking_number}: first {min(these) * 1000:.0f} ms, '
                          f'median {percentile(these, 0.5) * 1000:.0f} ms, last {max(these) * 1000:.0f} ms')
                await asyncio.sleep(0.2)
        elapsed = time.time() - started
        if profiling:
            await http.post('/bench/profile', params={'on': False})
        cpu = server.cpu_seconds() - cpu_before - idle_rate * elapsed
        client_cpu = time.process_time() - client_before
        stats = (await http.get('/bench/stats')).json() if kind == 'app' else {'statements': 0, 'full_gc_seconds': []}
        statements = stats['statements'] - statements_before
        if verbose:
            print('  full garbage collections so far (s):', [round(x, 3) for x in stats['full_gc_seconds']])
            print('  calls over 10 ms (latest 20):', stats.get('slow_handlers'))
            print('  per booking, s from the commit until the loop took it up, and s the rooms and all sessions\' '
                  'handlers then took (nothing is sent before they are done):', stats.get('handler_runs'))
            print('  median call so far (ms):', stats.get('handler_median_ms'))
        results[n] = {'p50': percentile(latencies, 0.5) * 1000, 'p95': percentile(latencies, 0.95) * 1000,
                      'max': max(latencies) * 1000, 'cpu_ms': cpu / bookings * 1000,
                      'statements': statements / bookings, 'rss_kb': rss_per_session * 1024, 'missing': missing,
                      'idle_ms_per_s': idle_rate * 1000, 'client_ms': client_cpu / bookings * 1000}
        r = results[n]
        print(f'{kind:5} N={n:<4} p50 {r["p50"]:7.1f} ms  p95 {r["p95"]:7.1f} ms  max {r["max"]:7.1f} ms  '
              f'CPU/booking {r["cpu_ms"]:7.1f} ms  SQL/booking {r["statements"]:5.1f}  '
              f'RSS/session {r["rss_kb"]:6.0f} KB  idle CPU {r["idle_ms_per_s"]:5.1f} ms/s  '
              f'client CPU/booking {r["client_ms"]:6.1f} ms  missing {missing}',
              flush=True)
    acker.cancel()
    for s in sessions:
        await s.sio.disconnect()
        await s.http.aclose()
    await http.aclose()
    return results


def run_app(env: dict[str, str], args: argparse.Namespace, counts: list[int], day_size: int = 0) -> dict[int, dict]:
    """The app on the demo database of ``env``'s data folder, measured for ``counts`` sessions."""
    app = Server('app', {**env, 'BENCH_VERBOSE': '1'} if args.verbose else env)
    try:
        day = httpx.get(f'{app.base}/bench/plan', params={'day_size': day_size}, timeout=600).json()
        needed = args.bookings * len(counts)
        if day['free'] < needed:
            raise SystemExit(f'only {day["free"]} free times on {day["day"]}; ask for fewer bookings')
        if day_size:
            print(f'day {day["day"]} holds {day["held"]} bookings', flush=True)
        return asyncio.run(measure('app', app, counts, args.bookings, day['day'], args.verbose))
    except BaseException:
        print(f'The app server logged, at the end:\n{app.log_tail()}', file=sys.stderr)
        raise
    finally:
        app.stop()


def demo_env(folder: str) -> dict[str, str]:
    """The environment of an app on a fresh demo database in ``folder``."""
    plain = {k: v for k, v in os.environ.items() if not k.startswith(('PYTEST', 'NICEGUI', 'CLIENTPULSE'))}
    env = {**plain, 'CLIENTPULSE_DATA_DIR': folder, 'CLIENTPULSE_SCHEDULER': 'false'}
    subprocess.run([PYTHON, '-m', 'app.cli', 'demo', '--no-serve'], env=env, cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    return env


def busy_day(args: argparse.Namespace) -> None:
    """One booking's cost with the watched day holding each of ``args.day_size`` bookings (same sessions)."""
    n = args.sessions[-1] if args.sessions != [10, 50, 100] else 30
    results = {}
    for size in args.day_size:
        with tempfile.TemporaryDirectory() as folder:
            results[size] = run_app(demo_env(folder), args, [n], size)[n]
    print(f'\n| bookings on the day shown (N = {n}) | p50 / p95 / max (ms) | CPU per booking (ms) | SQL per booking '
          '| RSS per session (KB) |')
    print('|---|---|---|---|---|')
    for size, r in results.items():
        print(f'| {size} | {r["p50"]:.0f} / {r["p95"]:.0f} / {r["max"]:.0f} | {r["cpu_ms"]:.1f} | '
              f'{r["statements"]:.0f} | {r["rss_kb"]:.0f} |')
    small, large = results[min(results)], results[max(results)]
    print(f'\n{max(results)} vs {min(results)} bookings: p50 {large["p50"] / small["p50"]:.2f}×, '
          f'p95 {large["p95"] / small["p95"]:.2f}×, CPU {large["cpu_ms"] / small["cpu_ms"]:.2f}×, '
          f'RSS per session {large["rss_kb"] / max(1.0, small["rss_kb"]):.2f}× (target ≤ 1.3×, memory flat)')
    if args.markdown:
        table = report.Table('fanout_day', ['bookings on the day shown', 'p50 / p95 / max (ms)', 'p95 × anchor',
                                            'CPU per booking (ms)', 'SQL per booking', 'RSS per session (KB)'],
                             notes=[f'{n} sessions, {args.bookings} bookings. Anchor: the smallest day, same run '
                                    '(target: the largest day\'s p95 within 1.3×).'])
        for size, r in results.items():
            table.add(f'{size:,}', f'{r["p50"]:.0f} / {r["p95"]:.0f} / {r["max"]:.0f}',
                      f'{r["p95"] / small["p95"]:.2f}', f'{r["cpu_ms"]:.1f}', f'{r["statements"]:.0f}',
                      f'{r["rss_kb"]:.0f}')
        table.write()


async def measure_two(own: Server, other: Server, per_process: int, bookings: int, day: str) -> dict[str, dict]:
    """``per_process`` sessions on each server; ``bookings`` bookings made through ``own``; the latency from commit to
    arrival for the sessions of each server: ``{'own': {...}, 'other': {...}}``."""
    sessions: dict[str, list[Session]] = {'own': [], 'other': []}
    everyone: list[Session] = []
    acker = asyncio.create_task(ack_forever(everyone))
    for name, server in (('own', own), ('other', other)):
        warm = await open_session(server, f'{DEMO[0][1]}?day={day}', DEMO[0][0])
        await warm.sio.disconnect()
        await warm.http.aclose()
        while len(sessions[name]) < per_process:
            email, path = DEMO[len(sessions[name]) % 2]
            session = await open_session(server, f'{path}?day={day}', email)
            sessions[name].append(session)
            everyone.append(session)
    await asyncio.sleep(3)
    http = httpx.AsyncClient(base_url=own.base, timeout=60)
    latencies: dict[str, list[float]] = {'own': [], 'other': []}
    missing = {'own': 0, 'other': 0}
    with client_collector_paused():
        for number in range(1, bookings + 1):
            marker, reply = await book_and_wait(http, everyone, number)
            for name, group in sessions.items():
                for session in group:
                    if marker in session.arrivals:
                        latencies[name].append(session.arrivals[marker] - reply['stamp'])
                    else:
                        missing[name] += 1
                        session.waiting.discard(marker)
            await asyncio.sleep(0.2)
    acker.cancel()
    for session in everyone:
        await session.sio.disconnect()
        await session.http.aclose()
    await http.aclose()
    results = {}
    for name, values in latencies.items():
        results[name] = {'p50': percentile(values, 0.5) * 1000, 'p95': percentile(values, 0.95) * 1000,
                         'max': max(values) * 1000, 'missing': missing[name]}
        r = results[name]
        print(f'two processes, sessions on the {name:5} process: p50 {r["p50"]:7.1f} ms  p95 {r["p95"]:7.1f} ms  '
              f'max {r["max"]:7.1f} ms  missing {r["missing"]}', flush=True)
    return results


def processes(args: argparse.Namespace) -> None:
    """One process with N/2 sessions, then two processes on one PostgreSQL database and one Redis stream with N/2
    sessions each (see the module docstring)."""
    import secrets
    import shutil

    from sqlalchemy import create_engine, text

    if args.processes != 2:
        raise SystemExit('--processes takes 2')
    n = args.sessions[-1] if args.sessions != [10, 50, 100] else 200
    per_process = n // 2
    admin_url = os.environ.get('CLIENTPULSE_TEST_POSTGRES_URL',
                               'postgresql+psycopg://postgres@127.0.0.1:5432/postgres')
    name = f'clientpulse_bench_{uuid.uuid4().hex[:10]}'
    admin = create_engine(admin_url, isolation_level='AUTOCOMMIT')
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE {name}'))
    redis_binary = shutil.which('redis-server')
    if redis_binary is None:
        raise SystemExit('redis-server is not installed (apt-get install redis-server)')
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        redis_port = probe.getsockname()[1]
    redis = subprocess.Popen([redis_binary, '--port', str(redis_port), '--bind', '127.0.0.1', '--save', '',
                              '--appendonly', 'no'], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    servers: list[Server] = []
    try:
        with tempfile.TemporaryDirectory() as folder:
            plain = {k: v for k, v in os.environ.items() if not k.startswith(('PYTEST', 'NICEGUI', 'CLIENTPULSE'))}
            env = {**plain, 'CLIENTPULSE_DATABASE_URL': admin_url.rsplit('/', 1)[0] + f'/{name}',
                   'CLIENTPULSE_DATA_DIR': folder, 'CLIENTPULSE_SCHEDULER': 'false',
                   'CLIENTPULSE_STORAGE_SECRET': secrets.token_urlsafe(32)}
            print('creating the demo business on PostgreSQL…', flush=True)
            subprocess.run([PYTHON, '-m', 'app.cli', 'demo', '--no-serve'], env=env, cwd=ROOT, check=True,
                           stdout=subprocess.DEVNULL)
            alone = run_app(env, args, [per_process])[per_process]
            shared = {**env, 'CLIENTPULSE_BUS_URL': f'redis://127.0.0.1:{redis_port}/0'}
            for number in (1, 2):
                node = Path(folder) / f'node-{number}'
                node.mkdir()
                servers.append(Server('app', {**shared, 'CLIENTPULSE_DATA_DIR': str(node)}))
            day = httpx.get(f'{servers[0].base}/bench/plan', timeout=600).json()
            if day['free'] < args.bookings:
                raise SystemExit(f'only {day["free"]} free times on {day["day"]}; ask for fewer bookings')
            two = asyncio.run(measure_two(servers[0], servers[1], per_process, args.bookings, day['day']))
    except BaseException:
        for server in servers:
            print(f'An app server logged, at the end:\n{server.log_tail()}', file=sys.stderr)
        raise
    finally:
        for server in servers:
            server.stop()
        redis.kill()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS {name} WITH (FORCE)'))
        admin.dispose()
    print('\n| processes | sessions | where | p50 / p95 / max (ms) | p95 ÷ one process\'s |')
    print('|---|---|---|---|---|')
    print(f'| 1 | {per_process} | the booking\'s own process | {alone["p50"]:.0f} / {alone["p95"]:.0f} / '
          f'{alone["max"]:.0f} | 1.0× |')
    for where, label in (('own', 'the booking\'s own process'), ('other', 'the other process')):
        r = two[where]
        print(f'| 2 | {n} ({per_process} each) | {label} | {r["p50"]:.0f} / {r["p95"]:.0f} / {r["max"]:.0f} | '
              f'{r["p95"] / alone["p95"]:.1f}× |')
    if args.markdown:
        table = report.Table('fanout_processes', ['processes', 'sessions', 'where the sessions are',
                                                  'p50 / p95 / max (ms)', 'p95 × anchor'],
                             notes=[f'{args.bookings} bookings, all made in the first process, on PostgreSQL and a '
                                    'Redis stream. Anchor: one process with half the sessions, same run. The bench '
                                    'client, both servers, PostgreSQL and Redis share the machine\'s cores.'])
        table.add(1, per_process, "the booking's own process",
                  f'{alone["p50"]:.0f} / {alone["p95"]:.0f} / {alone["max"]:.0f}', '1.0')
        for where, label in (('own', "the booking's own process"), ('other', 'the other process')):
            r = two[where]
            table.add(2, f'{n} ({per_process} each)', label, f'{r["p50"]:.0f} / {r["p95"]:.0f} / {r["max"]:.0f}',
                      f'{r["p95"] / alone["p95"]:.1f}')
        table.write()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument('--sessions', type=int, nargs='+', default=[10, 50, 100])
    parser.add_argument('--bookings', type=int, default=15)
    parser.add_argument('--verbose', action='store_true', help='print each booking\'s spread')
    parser.add_argument('--day-size', type=int, nargs='+', default=None,
                        help='bookings the watched day holds before the sessions open, e.g. 100 1500 (app only)')
    parser.add_argument('--processes', type=int, default=1,
                        help='2: two processes on PostgreSQL and a Redis stream (default N = 200, 100 each)')
    report.add_option(parser)
    args = parser.parse_args()
    if args.processes > 1:
        processes(args)
        return
    if args.day_size:
        busy_day(args)
        return
    with tempfile.TemporaryDirectory() as folder:
        env = demo_env(folder)
        plain = {k: v for k, v in env.items() if k not in ('CLIENTPULSE_DATA_DIR', 'CLIENTPULSE_SCHEDULER')}
        bare = Server('bare', plain)
        try:
            floor = asyncio.run(measure('bare', bare, args.sessions, args.bookings, None))
        finally:
            bare.stop()
        ours = run_app(env, args, args.sessions)
    print('\n| N | bare p50 / p95 / max (ms) | app p50 / p95 / max (ms) | p95 ratio | CPU per booking bare / app (ms) '
          '| SQL per booking | RSS per session bare / app (KB) |')
    print('|---|---|---|---|---|---|---|')
    for n in args.sessions:
        b, a = floor[n], ours[n]
        print(f'| {n} | {b["p50"]:.0f} / {b["p95"]:.0f} / {b["max"]:.0f} | {a["p50"]:.0f} / {a["p95"]:.0f} / '
              f'{a["max"]:.0f} | {a["p95"] / b["p95"]:.1f}× | {b["cpu_ms"]:.1f} / {a["cpu_ms"]:.1f} | '
              f'{a["statements"]:.0f} | {b["rss_kb"]:.0f} / {a["rss_kb"]:.0f} |')
    if args.markdown:
        table = report.Table('fanout', ['open sessions', 'bare page p50 / p95 / max (ms)',
                                        'app p50 / p95 / max (ms)', 'p95 × anchor', 'CPU per booking bare / app (ms)',
                                        'SQL per booking', 'RSS per session bare / app (KB)'],
                             notes=[f'{args.bookings} bookings; latency from the commit to the arrival of the update '
                                    'in every session; half the app\'s sessions on the dashboard, half on the '
                                    'bookings page. Anchor: a bare NiceGUI page with one bound label, same sessions, '
                                    'same run. Client and servers share the machine\'s cores.'])
        for n in args.sessions:
            b, a = floor[n], ours[n]
            table.add(n, f'{b["p50"]:.0f} / {b["p95"]:.0f} / {b["max"]:.0f}',
                      f'{a["p50"]:.0f} / {a["p95"]:.0f} / {a["max"]:.0f}', f'{a["p95"] / b["p95"]:.1f}',
                      f'{b["cpu_ms"]:.1f} / {a["cpu_ms"]:.1f}', f'{a["statements"]:.0f}',
                      f'{b["rss_kb"]:.0f} / {a["rss_kb"]:.0f}')
        table.write()


if __name__ == '__main__':
    main()
