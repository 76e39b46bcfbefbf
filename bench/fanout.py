"""Fan-out of one change to N open sessions, against NiceGUI's own floor.

    .venv/bin/python bench/fanout.py [--sessions 10 50 100] [--bookings 15]
    .venv/bin/python bench/fanout.py --day-size 100 1500 [--sessions 30]
    .venv/bin/python bench/fanout.py --processes 2 [--sessions 200] [--bookings 15]

Starts the app on a fresh demo database (``clientpulse demo --no-serve`` in a temporary data
folder) and, beside it, a bare NiceGUI page with one bound label (``bench/fanout_server.py``).
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

Both servers run at once, each with its N sessions open, and the bookings alternate between them, one booking
timed on the bare page, then one on the app (the order swapped every round), so both see the same load of the machine:
on this shared machine, measuring one after the other made the ratio a measure of the load (13× one way, 1.2× the
other). Printed per N, for each: latency from the commit (the server's publish time) to the arrival of the update
showing the new customer in each session (p50 / p95 / max over every session × booking), server CPU per booking
(process CPU time during the bookings, minus the idle rate measured just before with the same sessions open: the
quietest of three seconds), SQL statements per booking (app), resident memory per session (the server's RSS growth
while opening the N sessions ÷ N) and the bench client's CPU while each booking was awaited; then the app's p95 as a
ratio to the bare page's (issue 33's target: ≤ 1.0× at N = 100). Client and servers share this machine's cores, so
absolute latencies include the client's own decoding of every message; the ratio to the bare page cancels most of
that.

With ``--processes 2``, on PostgreSQL (``--postgres``, default ``CLIENTPULSE_TEST_POSTGRES_URL`` or the local server):
two fresh databases holding the same demo business (the second a copy of the first), one for one process alone with
N sessions (the anchor, in-process bus), one for two processes sharing a private ``redis-server``'s stream
(``CLIENTPULSE_BUS_URL``) with N/2 sessions each; every booking of the pair is made in its first process. The two
setups run at once and take turns per booking, as above; printed: the latency of each, the pair's apart for the
sessions on the booking's own process and on the other one, and its p95 as a ratio to the one process's at the same
N (target: ≤ 1.3× at N = 200). The same for bare NiceGUI pages, what two processes cost on this machine without the
app: one bare process with N sessions, and two with N/2 each that relay every change through a stream of the same
Redis (``fanout_server.py``'s ``BENCH_BUS_URL``).

With ``--day-size``, the bare page is skipped: for each size, a fresh app whose watched day first holds
that many bookings (``/bench/plan?day_size=``), all up at once with the same sessions each and the bookings
taking turns between them, and the ratio of the largest day's figures to the smallest's is printed (one
booking's live work must not grow with the size of the day shown).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench import report  # noqa: E402
from bench._sessions import PYTHON, Server, Side, measure_sides, running  # noqa: E402


def plan(server: Server, needed: int, day_size: int = 0) -> str:
    """The day the app ``server`` books on (``/bench/plan``, first filled to ``day_size`` bookings), which must have
    ``needed`` free times."""
    day = httpx.get(f'{server.base}/bench/plan', params={'day_size': day_size}, timeout=600).json()
    if day['free'] < needed:
        raise SystemExit(f'only {day["free"]} free times on {day["day"]}; ask for fewer bookings')
    if day_size:
        print(f'day {day["day"]} holds {day["held"]} bookings', flush=True)
    return day['day']


def app_env(env: dict[str, str], args: argparse.Namespace) -> dict[str, str]:
    """``env`` for an app server, asking it to time its handlers with ``--verbose``."""
    return {**env, 'BENCH_VERBOSE': '1'} if args.verbose else env


def demo_env(folder: str) -> dict[str, str]:
    """The environment of an app on a fresh demo database in ``folder``."""
    plain = {k: v for k, v in os.environ.items() if not k.startswith(('PYTEST', 'NICEGUI', 'CLIENTPULSE'))}
    env = {**plain, 'CLIENTPULSE_DATA_DIR': folder, 'CLIENTPULSE_SCHEDULER': 'false'}
    subprocess.run([PYTHON, '-m', 'app.cli', 'demo', '--no-serve'], env=env, cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    return env


def busy_day(args: argparse.Namespace) -> None:
    """One booking's cost with the watched day holding each of ``args.day_size`` bookings (same sessions), every
    size's app up at once and the bookings taking turns between them (one per size per round), so each size meets
    the same load of the machine: measured one after the other, the ratio moved between 1.2× and 1.5× from run to run
    with the code unchanged."""
    n = args.sessions[-1] if args.sessions != [10, 50, 100] else 30
    with contextlib.ExitStack() as stack:
        folders = [stack.enter_context(tempfile.TemporaryDirectory()) for _ in args.day_size]
        servers = stack.enter_context(running([]))  # stopped before the folders go
        sides = []
        for size, folder in zip(args.day_size, folders, strict=True):
            servers.append(Server('app', app_env(demo_env(folder), args)))
            sides.append(Side(str(size), 'app', servers[-1:], plan(servers[-1], args.bookings, size)))
        measured = asyncio.run(measure_sides(sides, [n], args.bookings, args.verbose))
    results = {size: measured[str(size)][n] for size in args.day_size}
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
                                            'CPU per booking (ms)', 'CPU × anchor', 'SQL per booking',
                                            'RSS per session (KB)'],
                             notes=[f'{n} sessions, {args.bookings} bookings per size; one app per size, all up at '
                                    'once, the bookings taking turns between them. Anchor: the smallest day, same run '
                                    '(targets: CPU per booking on the largest day ≤ 1.2×, issue 33; p95 within 1.3×).'])
        for size, r in results.items():
            table.add(f'{size:,}', f'{r["p50"]:.0f} / {r["p95"]:.0f} / {r["max"]:.0f}',
                      f'{r["p95"] / small["p95"]:.2f}', f'{r["cpu_ms"]:.1f}', f'{r["cpu_ms"] / small["cpu_ms"]:.2f}',
                      f'{r["statements"]:.0f}', f'{r["rss_kb"]:.0f}')
        table.write()


def processes(args: argparse.Namespace) -> None:
    """One process with N sessions and two processes on one Redis stream with N/2 sessions each, on two PostgreSQL
    databases holding the same demo business, measured in turn per booking (see the module docstring)."""
    import secrets
    import shutil

    from sqlalchemy import create_engine, text

    if args.processes != 2:
        raise SystemExit('--processes takes 2')
    redis_binary = shutil.which('redis-server')
    if redis_binary is None:
        raise SystemExit('redis-server is not installed (apt-get install redis-server)')
    n = args.sessions[-1] if args.sessions != [10, 50, 100] else 200
    admin_url = args.postgres
    pair_db = f'clientpulse_bench_{uuid.uuid4().hex[:10]}'
    alone_db = f'{pair_db}_alone'
    admin = create_engine(admin_url, isolation_level='AUTOCOMMIT')
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE {pair_db}'))
    except Exception as error:  # any failure to reach the server: say so and measure nothing
        print(f'PostgreSQL at {admin_url} is not reachable ({error}); nothing was measured.')
        return
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        redis_port = probe.getsockname()[1]
    redis = subprocess.Popen([redis_binary, '--port', str(redis_port), '--bind', '127.0.0.1', '--save', '',
                              '--appendonly', 'no'], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with tempfile.TemporaryDirectory() as folder, running([]) as servers:
            plain = {k: v for k, v in os.environ.items() if not k.startswith(('PYTEST', 'NICEGUI', 'CLIENTPULSE'))}
            server_url = admin_url.rsplit('/', 1)[0]
            env = app_env({**plain, 'CLIENTPULSE_DATABASE_URL': f'{server_url}/{pair_db}',
                           'CLIENTPULSE_DATA_DIR': folder, 'CLIENTPULSE_SCHEDULER': 'false',
                           'CLIENTPULSE_STORAGE_SECRET': secrets.token_urlsafe(32)}, args)
            print('creating the demo business on PostgreSQL…', flush=True)
            subprocess.run([PYTHON, '-m', 'app.cli', 'demo', '--no-serve'], env=env, cwd=ROOT, check=True,
                           stdout=subprocess.DEVNULL)
            with admin.connect() as connection:  # the same business for the one process: a copy of the database
                connection.execute(text(f'CREATE DATABASE {alone_db} TEMPLATE {pair_db}'))
            for number in range(3):
                (Path(folder) / f'node-{number}').mkdir()
            servers.append(Server('app', {**env, 'CLIENTPULSE_DATABASE_URL': f'{server_url}/{alone_db}',
                                          'CLIENTPULSE_DATA_DIR': f'{folder}/node-0'}, ready=False))
            for number in (1, 2):
                servers.append(Server('app', {**env, 'CLIENTPULSE_BUS_URL': f'redis://127.0.0.1:{redis_port}/0',
                                              'CLIENTPULSE_DATA_DIR': f'{folder}/node-{number}'}, ready=False))
            # without the app: bare pages, one process and two relaying through the same Redis (its own stream)
            servers.append(Server('bare', plain, ready=False))
            for _ in (1, 2):
                servers.append(Server('bare', {**plain, 'BENCH_BUS_URL': f'redis://127.0.0.1:{redis_port}/1'},
                                      ready=False))
            for server in servers:  # all six started at once
                server.wait_ready()
            sides = [Side('one process', 'app', servers[:1], plan(servers[0], args.bookings)),
                     Side('two processes', 'app', servers[1:3], plan(servers[1], args.bookings)),
                     Side('bare, one process', 'bare', servers[3:4]),
                     Side('bare, two processes', 'bare', servers[4:])]
            results = asyncio.run(measure_sides(sides, [n], args.bookings, args.verbose))
    finally:
        redis.kill()
        redis.wait()
        with admin.connect() as connection:
            for name in (alone_db, pair_db):
                connection.execute(text(f'DROP DATABASE IF EXISTS {name} WITH (FORCE)'))
        admin.dispose()
    _processes_table(args, n, results)


def _processes_table(args: argparse.Namespace, n: int, results: dict[str, dict[int, dict]]) -> None:
    """Print (and with ``--markdown`` write) the comparison of one process and two at ``n`` sessions, for the app and
    for the bare page (what two processes cost on this machine without the app): each pair's p95 as a ratio to
    its own one process, and the app's ratio over the bare page's."""
    half = f'{n} ({n // 2} each)'
    rows = []
    for page, prefix in (('app', ''), ('bare page', 'bare, ')):
        alone, two = results[f'{prefix}one process'][n], results[f'{prefix}two processes'][n]
        rows += [(page, 1, n, "the booking's own process", alone, alone), (page, 2, half, 'both', two, alone),
                 (page, 2, half, "the booking's own process", two['groups'][0], alone),
                 (page, 2, half, 'the other process', two['groups'][1], alone)]
    cells = [(page, count, sessions, where, f'{r["p50"]:.0f} / {r["p95"]:.0f} / {r["max"]:.0f}',
              f'{r["p95"] / alone["p95"]:.2f}', f'{r["cpu_ms"]:.1f}' if 'cpu_ms' in r else '')
             for page, count, sessions, where, r, alone in rows]
    bare = cells[5][5]  # the bare pair's p95 over the bare process's
    over = float(cells[1][5]) / float(bare)
    headers = ['page', 'processes', 'sessions', 'where the sessions are', 'p50 / p95 / max (ms)',
               'p95 × one process', 'CPU per booking, all processes (ms)']
    print('\n| ' + ' | '.join(headers) + ' |')
    print('|' + '---|' * len(headers))
    for row in cells:
        print('| ' + ' | '.join(str(cell) for cell in row) + ' |')
    print(f'\nthe app\'s pair: {cells[1][5]}× its one process; the bare pages\' pair: {bare}× theirs; '
          f'the app\'s ratio over the bare pages\': {over:.2f}×')
    if args.markdown:
        table = report.Table('fanout_processes', headers, notes=[
            f'{args.bookings} bookings each, the four setups taking turns, on PostgreSQL (two databases holding the '
            'same demo business); the app\'s pair shares a Redis stream and makes every booking in its first process. '
            'Anchor: one process with the same number of sessions, same run (target: the app\'s pair ≤ 1.3×). '
            'Beside it, what two processes cost on this machine without the app: bare NiceGUI pages (one bound '
            'label), one process and two relaying each change through a stream of the same Redis (a writer and a '
            f'reader thread, as the app\'s bus). This run: the app\'s pair {cells[1][5]}× its one process, the bare '
            f'pair {bare}× its one process, the app\'s ratio over the bare pages\' {over:.2f}×. The bench client, the '
            'six servers, PostgreSQL and Redis share the machine\'s cores; sessions connect to each process directly '
            '(no nginx in front).'])
        for row in cells:
            table.add(*row)
        table.write()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument('--sessions', type=int, nargs='+', default=[10, 50, 100])
    parser.add_argument('--bookings', type=int, default=15)
    parser.add_argument('--verbose', action='store_true', help='print each booking\'s spread')
    parser.add_argument('--day-size', type=int, nargs='+', default=None,
                        help='bookings the watched day holds before the sessions open, e.g. 100 1500 (app only)')
    parser.add_argument('--processes', type=int, default=1,
                        help='2: one process against two on PostgreSQL and a Redis stream (default N = 200)')
    parser.add_argument('--postgres', default=os.environ.get('CLIENTPULSE_TEST_POSTGRES_URL',
                                                             'postgresql+psycopg://postgres@127.0.0.1:5432/postgres'),
                        help='with --processes: the server where its two databases are made (and dropped)')
    report.add_option(parser)
    args = parser.parse_args()
    if args.processes > 1:
        processes(args)
        return
    if args.day_size:
        busy_day(args)
        return
    with tempfile.TemporaryDirectory() as folder, running([]) as servers:
        env = demo_env(folder)
        servers.append(Server('bare', {k: v for k, v in env.items()
                                       if k not in ('CLIENTPULSE_DATA_DIR', 'CLIENTPULSE_SCHEDULER')}))
        servers.append(Server('app', app_env(env, args)))
        sides = [Side('bare', 'bare', servers[:1]),
                 Side('app', 'app', servers[1:], plan(servers[1], args.bookings * len(args.sessions)))]
        results = asyncio.run(measure_sides(sides, args.sessions, args.bookings, args.verbose))
    floor, ours = results['bare'], results['app']
    print('\n| N | bare p50 / p95 / max (ms) | app p50 / p95 / max (ms) | p95 ratio | CPU per booking bare / app (ms) '
          '| SQL per booking | RSS per session bare / app (KB) |')
    print('|---|---|---|---|---|---|---|')
    for n in args.sessions:
        b, a = floor[n], ours[n]
        print(f'| {n} | {b["p50"]:.0f} / {b["p95"]:.0f} / {b["max"]:.0f} | {a["p50"]:.0f} / {a["p95"]:.0f} / '
              f'{a["max"]:.0f} | {a["p95"] / b["p95"]:.2f}× | {b["cpu_ms"]:.1f} / {a["cpu_ms"]:.1f} | '
              f'{a["statements"]:.0f} | {b["rss_kb"]:.0f} / {a["rss_kb"]:.0f} |')
    if args.markdown:
        table = report.Table('fanout', ['open sessions', 'bare page p50 / p95 / max (ms)',
                                        'app p50 / p95 / max (ms)', 'p95 × anchor', 'CPU per booking bare / app (ms)',
                                        'SQL per booking', 'RSS per session bare / app (KB)'],
                             notes=[f'{args.bookings} bookings each; latency from the commit to the arrival of the '
                                    'update in every session; half the app\'s sessions on the dashboard, half on the '
                                    'bookings page. Anchor: a bare NiceGUI page with one bound label, the same number '
                                    'of sessions, both servers up at once and taking turns per booking (target: p95 '
                                    '≤ 1.0× at N = 100). Client and servers share the machine\'s cores.'])
        for n in args.sessions:
            b, a = floor[n], ours[n]
            table.add(n, f'{b["p50"]:.0f} / {b["p95"]:.0f} / {b["max"]:.0f}',
                      f'{a["p50"]:.0f} / {a["p95"]:.0f} / {a["max"]:.0f}', f'{a["p95"] / b["p95"]:.2f}',
                      f'{b["cpu_ms"]:.1f} / {a["cpu_ms"]:.1f}', f'{a["statements"]:.0f}',
                      f'{b["rss_kb"]:.0f} / {a["rss_kb"]:.0f}')
        table.write()


if __name__ == '__main__':
    main()
