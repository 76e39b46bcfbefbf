"""Every script in bench/ runs at a tiny size and prints the figure it is for beside its anchor (issue 33: benches
that cannot rot: ``bench/analytics.py``'s generator had failed on a column added to the schema, and
``bench/holds.py`` on a helper the customer actors replaced, both unnoticed until someone measured again).

A smoke test, not a measurement: each script runs as a child process (this interpreter) with sizes that take
seconds, and its output must hold the lines with its ratio to the anchor. No time is asserted. Never ``--markdown``
(docs/benchmarks is written by real runs only); the child's temporary folders (``TMPDIR``), data folder and working
folder are the test's own. Scripts that also measure PostgreSQL are given ``CLIENTPULSE_TEST_POSTGRES_URL`` (they
make and drop a database of their own there); with ``CI=true`` an unreachable server fails them, elsewhere only their
SQLite half is checked. Scripts that read ``../shared/data`` fail without it in CI and are skipped elsewhere, like
the other tests of the real files. ``bench/fanout_server.py`` is started by fanout.py; ``_fresh.py``, ``_sample.py``,
``_sessions.py`` and ``report.py`` are their helpers.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import DEFAULT_POSTGRES_URL, IN_CI, required_shared_data

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / 'bench'
NUMBER = r'\d[\d,]*(?:\.\d+)?'
TIMEOUT = 240  # seconds; a script that hangs is killed with everything it started


@dataclass(frozen=True)
class Bench:
    """One script's tiny run: its arguments and the lines its output must hold (regular expressions, each found in
    some line); ``data``: reads ../shared/data; ``postgres``: lines it must also print when given a server."""

    script: str
    args: tuple[str, ...]
    shows: tuple[str, ...]
    data: bool = False
    postgres: tuple[str, ...] = ()
    browser: bool = False  # opens Debian's chromium (missing: fails in CI, skipped elsewhere, as browser tests)


BENCHES = {
    'analytics': Bench('analytics.py', ('--bookings', '2000', '--customers', '300'), (
        rf'^cold: first read ever of the database \(no saved columns\) +{NUMBER} s +{NUMBER} × plain scan +peak '
        rf'{NUMBER} MB$',
        rf'^cold: new process, saved columns \+ change log +{NUMBER} s +{NUMBER} × plain scan',
        rf'^refresh after one new booking made ahead \(after the period\) +{NUMBER} s +{NUMBER} × DuckDB$',
        rf'^refresh after one change inside the period \(a no-show\) +{NUMBER} s +{NUMBER} × DuckDB$',
        rf'^anchors: DuckDB, .* plain scan of the same columns +{NUMBER} s$',
    )),
    'analytics_memory': Bench('analytics.py', ('--bookings', '2000', '--customers', '300', '--sessions', '3',
                                               '--settle', '0.5'), (
        rf'^app, 2,000 bookings: idle +{NUMBER} MB, with 3 sessions +{NUMBER} MB$',
        rf'^bare NiceGUI page \(anchor\): idle +{NUMBER} MB, with 3 sessions +{NUMBER} MB$',
        rf'^with 3 sessions: {NUMBER} × bare \(-?{NUMBER} MB more\)$',
    )),
    'customer_search': Bench('customer_search.py', ('--customers', '300', '--visits', '600', '--repeat', '1'), (
        r'^search +keys +median ms +worst ms +anchor ms +× anchor$',
        rf'^wanjiru kam +11 +{NUMBER} +{NUMBER} +{NUMBER} +{NUMBER}$',
        rf'^p\d{{6}} +7 +{NUMBER} +{NUMBER} +{NUMBER} +{NUMBER}$',  # a customer's code
    )),
    'exports': Bench('exports.py', ('--rows', '1500'), (
        r'^hotel file: 1,500 bookings; the Excel report ',
        rf'^excel +{NUMBER} s +{NUMBER} × anchor$',
        rf'^every booking \(CSV\) +{NUMBER} s +{NUMBER} × anchor$',
    ), data=True),
    'fanout': Bench('fanout.py', ('--sessions', '2', '--bookings', '2'), (
        rf'^bare +N=2 +p50 +{NUMBER} ms .* SQL/booking .* missing \d+$',
        rf'^app +N=2 +p50 +{NUMBER} ms .* SQL/booking .* missing \d+$',
        rf'^\| 2 \| {NUMBER} / {NUMBER} / {NUMBER} \| {NUMBER} / {NUMBER} / {NUMBER} \| {NUMBER}× \|',
    )),
    'fanout_processes': Bench('fanout.py', ('--processes', '2', '--sessions', '2', '--bookings', '1'), (), postgres=(
        rf'^one process +N=2 +p50 +{NUMBER} ms .* missing 0$',
        rf'^two processes +N=2 +p50 +{NUMBER} ms .* missing 0$',
        rf'^bare, one process +N=2 +p50 +{NUMBER} ms .* missing 0$',  # the bare pages relayed through Redis
        rf'^bare, two processes +N=2 +p50 +{NUMBER} ms .* missing 0$',
        rf"^the app's pair: {NUMBER}× its one process; the bare pages' pair: {NUMBER}× theirs",
    )),
    'fanout_floor': Bench('fanout_floor.py', ('--sessions', '2', '--bookings', '2'), (
        rf'^\| 2 \| {NUMBER} / {NUMBER} \| {NUMBER} / {NUMBER} \| {NUMBER} / {NUMBER} \| '
        rf'{NUMBER} / {NUMBER} / {NUMBER} \|$',
    )),
    'forecast': Bench('forecast.py', ('--rows', '3000'), (
        rf'^Resort Hotel +\d+ +{NUMBER} % +{NUMBER} % +{NUMBER} ',
    ), data=True),
    'holds': Bench('holds.py', ('--sessions', '0', '2'), (
        r'^ +0 +0 +on +120 +100% +120 +0$',  # the anchor: no hostile session, every start seen
        r'^ +2 +2 +on +\d+ +\d+% +120 +\d+$',
        r'^ +2 +2 +off +\d+ +\d+% +120 +2$',
    )),
    'import': Bench('import.py', ('--rows', '1000'), (
        rf'^SQLite +KaggleV2-May-2016\.csv +1000 rows .* {NUMBER} × executemany \(read \+ map alone {NUMBER} s\)$',
        rf'^SQLite +hotel_bookings\.csv +1000 rows .* {NUMBER} × executemany \(read \+ map alone {NUMBER} s\)$',
    ), data=True, postgres=(
        rf'^PostgreSQL +KaggleV2-May-2016\.csv +1000 rows .* {NUMBER} × COPY \(read \+ map alone {NUMBER} s\)$',
        rf'^PostgreSQL +hotel_bookings\.csv +1000 rows .* {NUMBER} × COPY \(read \+ map alone {NUMBER} s\)$',
    )),
    'noshow': Bench('noshow.py', ('--rows', '3000', '--upcoming', '300'), (
        rf'^Vitória public clinics +\d+ +\d+ +{NUMBER}% +{NUMBER} +{NUMBER} +{NUMBER} +{NUMBER} +{NUMBER} ',
        rf'^City Hotel +\d+ +\d+ +{NUMBER}% ',
        rf'^live risks of {NUMBER} upcoming bookings: recomputed in {NUMBER} ms = {NUMBER}× reading',
    ), data=True),
    'outbox': Bench('outbox.py', ('--messages', '10', '--rounds', '1'), (
        rf'^SQLite +null sender .* one at a time = {NUMBER} × the batch$',
        rf'^SQLite +local SMTP .* one at a time = {NUMBER} × the batch$',
    ), postgres=(
        rf'^PostgreSQL +null sender .* one at a time = {NUMBER} × the batch$',
        rf'^PostgreSQL +local SMTP .* one at a time = {NUMBER} × the batch$',
    )),
    'page_time': Bench('page_time.py', ('--rounds', '1'), (
        rf'^first visit: bare {NUMBER} ms, /analytics {NUMBER} ms$',
        rf'^bare page \(anchor\) +median +{NUMBER} ms',
        rf'^/analytics charts +median +{NUMBER} ms',
        rf'^/analytics time to content {NUMBER}× bare$',
    ), browser=True),
    'sign_in': Bench('sign_in.py', ('--tries', '1'), (
        rf'^wrong password, real account \(anchor\) +{NUMBER} ms +1\.00 × anchor$',
        rf'^unknown address +{NUMBER} ms +{NUMBER} × anchor$',
    )),
    'startup': Bench('startup.py', ('--rounds', '1', '--top', '3'), (
        rf'^round 1 bare: first answer +{NUMBER} s, idle RSS +{NUMBER} MB$',
        rf'^round 1 app : first answer +{NUMBER} s, idle RSS +{NUMBER} MB$',
        rf'^start-up {NUMBER}× bare, idle memory {NUMBER}× bare$',
    )),
    'templates': Bench('templates.py', ('--repeat', '5'), (
        rf'^string\.Template of the confirmation \(anchor\) +{NUMBER} +1\.0$',
        rf'^render the default confirmation, warm +{NUMBER} +{NUMBER}$',
        rf'^ifs 20 deep +{NUMBER} +{NUMBER} +\d+$',
    )),
    'writes': Bench('writes.py', ('--bookings', '10'), (  # the messaged customer's bookings queue messages
        rf'^SQLite +app, messaged customer +{NUMBER} bookings/s .* [1-9]\d*\.\d messages/booking +{NUMBER} '
        rf'statements +{NUMBER} × raw +its statements alone +{NUMBER}/s \({NUMBER} × raw\): app {NUMBER} × them$',
        rf'^SQLite +app, no phone or e-mail +{NUMBER} bookings/s .* 0\.0 messages/booking +{NUMBER} statements '
        rf'+{NUMBER} × raw +its statements alone',
        rf'^SQLite +raw driver \(anchor\) +{NUMBER} bookings/s',
    ), postgres=(
        rf'^PostgreSQL +app, messaged customer +{NUMBER} bookings/s .* [1-9]\d*\.\d messages/booking +{NUMBER} '
        rf'statements +{NUMBER} × raw +its statements alone +{NUMBER}/s',
        rf'^PostgreSQL +raw driver \(anchor\) +{NUMBER} bookings/s',
    )),
}


def test_every_script_in_bench_is_run_here():
    """A new script in bench/ gets a tiny run above (or is named a helper here)."""
    helpers = {'_fresh.py', '_sample.py', '_sessions.py', 'report.py', 'fanout_server.py', '__init__.py'}
    scripts = {path.name for path in BENCH.glob('*.py')} - helpers
    assert scripts == {bench.script for bench in BENCHES.values()}


def postgres_admin_url() -> str | None:
    """``CLIENTPULSE_TEST_POSTGRES_URL`` (default: the local server) if it answers; unreachable, the test fails in CI
    and ``None`` elsewhere (the script then measures SQLite only)."""
    url = os.environ.get('CLIENTPULSE_TEST_POSTGRES_URL', DEFAULT_POSTGRES_URL)
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            connection.execute(text('SELECT 1'))
    except Exception as error:
        if IN_CI:
            pytest.fail(f'PostgreSQL at {url} is not reachable: {error}')
        return None
    finally:
        engine.dispose()
    return url


def run_script(bench: Bench, arguments: list[str], folder: Path) -> str:
    """Run ``bench`` in a child process in ``folder`` (its temporary files, data and working folder); its output.
    Fails with the end of its output if it fails or takes longer than :data:`TIMEOUT`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(('CLIENTPULSE_', 'PYTEST_', 'NICEGUI_'))}
    env.update(TMPDIR=str(folder), CLIENTPULSE_DATA_DIR=str(folder / 'data'), CLIENTPULSE_SCHEDULER='false',
               PYTHONUNBUFFERED='1')
    out, err = folder / 'stdout.txt', folder / 'stderr.txt'
    with out.open('w') as stdout, err.open('w') as stderr:
        child = subprocess.Popen([sys.executable, str(BENCH / bench.script), *arguments], cwd=folder, env=env,
                                 stdout=stdout, stderr=stderr, start_new_session=True)
        try:
            child.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)  # the script and the servers it started
            child.wait()
    printed = out.read_text(errors='replace')
    said = f'--- stdout:\n{printed[-4000:]}\n--- stderr:\n{err.read_text(errors="replace")[-4000:]}'
    assert child.returncode == 0, f'{bench.script} {" ".join(arguments)} exited with {child.returncode}\n{said}'
    return printed


@pytest.mark.bench
@pytest.mark.parametrize('name', list(BENCHES))
def test_a_bench_runs_at_a_tiny_size_and_prints_its_ratio(name: str, tmp_path: Path):
    """The script ends with status 0 and prints each line of :data:`BENCHES` (its figures beside its anchor's)."""
    bench = BENCHES[name]
    if bench.data:
        required_shared_data()
    if bench.browser:
        from tests.fixtures.browser import CHROMIUM, required
        required(Path(CHROMIUM), 'apt-get install chromium')
    arguments = list(bench.args)
    expected = list(bench.shows)
    if bench.postgres:
        url = postgres_admin_url()
        arguments += ['--postgres', url or 'postgresql+psycopg://nobody@127.0.0.1:1/none']
        if url:
            expected += bench.postgres
    printed = run_script(bench, arguments, tmp_path)
    lines = printed.splitlines()
    missing = [pattern for pattern in expected if not any(re.search(pattern, line) for line in lines)]
    assert not missing, f'{bench.script}: no line matches {missing}\n--- stdout:\n{printed[-4000:]}'
