"""Start-up: how long until the app answers, and what it holds idle, against a bare NiceGUI page.

    .venv/bin/python bench/startup.py [--rounds 5] [--markdown]

Each round starts two servers one after the other on fresh ports, in turn (so both meet the same machine):

- the anchor: a bare NiceGUI app with one page and one label (``ui.run``, no reload, no window);
- ClientPulse: ``clientpulse run`` on a SQLite database already at the newest schema with an owner (a shop that
  has started before: no migration in the timing).

For each it times the spawn → the first ``200`` answer to a page (``/`` bare, ``/login`` ClientPulse), then reads
the server's resident memory (``VmRSS``) once the answer has come and the process has sat idle for a second. It
prints the medians and their ratios (targets in issue 33: start-up ≤ 2× bare; idle memory ≤ 1.5× bare plus what
the app caches). Then ``python -X importtime`` of ``app.server`` against ``nicegui`` alone lists the packages the
app adds at start, the largest first: what to import when first used instead.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import report  # noqa: E402

BARE = """
import sys
from nicegui import ui

@ui.page('/')
def index() -> None:
    ui.label('Hello')

ui.run(host='127.0.0.1', port=int(sys.argv[1]), reload=False, show=False, show_welcome_message=False)
"""
APP = 'import sys; from app.start import main; sys.argv[0] = "clientpulse"; main()'


def free_port() -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


def rss_mb(pid: int) -> float:
    """The resident memory of process ``pid`` in MB (``/proc/<pid>/status``)."""
    for line in Path(f'/proc/{pid}/status').read_text().splitlines():
        if line.startswith('VmRSS:'):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f'no VmRSS for {pid}')


def start(command: list[str], url: str, env: dict[str, str], timeout: float = 120.0) -> tuple[float, float]:
    """Spawn ``command``, wait for ``url`` to answer 200; return (seconds to that answer, idle RSS in MB)."""
    started = time.perf_counter()
    server = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            if server.poll() is not None:
                raise RuntimeError(f'{command[:3]} stopped with {server.returncode} before answering')
            try:
                with urllib.request.urlopen(url, timeout=5) as answer:
                    if answer.status == 200:
                        took = time.perf_counter() - started
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.perf_counter() - started > timeout:
                raise RuntimeError(f'{url} did not answer in {timeout:.0f} s')
            time.sleep(0.02)
        time.sleep(1.0)  # idle: whatever the first answer set off has settled
        return took, rss_mb(server.pid)
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def import_times(statement: str, env: dict[str, str]) -> tuple[dict[str, float], float]:
    """``python -X importtime -c statement``: the milliseconds each top-level package took to import, children
    included (an entry counts for its package when the module that imported it belongs to another package, so
    packages imported by other packages are counted in both), and the statement's whole import time in ms.

    Python prints a module after the modules it imported, indented one level deeper than its importer."""
    run = subprocess.run([sys.executable, '-X', 'importtime', '-c', statement], env=env, cwd=ROOT,
                         capture_output=True, text=True, check=True)
    entries = []  # (depth, package, cumulative ms), in printed order
    for line in run.stderr.splitlines():
        match = re.match(r'import time:\s+\d+ \|\s+(\d+) \|( *)(\S+)', line)
        if match:
            entries.append((len(match[2]), match[3].split('.')[0], int(match[1]) / 1000))
    packages: dict[str, float] = {}
    for index, (depth, package, ms) in enumerate(entries):
        importer = next((p for d, p, _ in entries[index + 1:] if d < depth), None)
        if importer != package:
            packages[package] = packages.get(package, 0.0) + ms
    return packages, sum(ms for depth, _, ms in entries if depth == 1)


def prepared_data_dir(folder: Path) -> dict[str, str]:
    """An environment for ``clientpulse run`` on ``folder``: its database migrated, one owner, the scheduler off."""
    env = {**os.environ, 'CLIENTPULSE_DATA_DIR': str(folder), 'CLIENTPULSE_SCHEDULER': 'false',
           'PYTHONPATH': str(ROOT)}
    env.pop('CLIENTPULSE_DATABASE_URL', None)
    subprocess.run([sys.executable, '-c', APP, 'create-user', 'owner@bench.test', '--role', 'owner',
                    '--password', 'bench password 1'], env=env, cwd=ROOT, check=True, capture_output=True)
    return env


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--top', type=int, default=12, help='how many added packages to list')
    report.add_option(parser)
    args = parser.parse_args()
    # both from bytecode, as installed: NiceGUI's was compiled by pip; the app's is compiled here (with
    # PYTHONDONTWRITEBYTECODE set, each start would otherwise compile ~250 modules again: 0.8 s)
    subprocess.run([sys.executable, '-m', 'compileall', '-q', str(ROOT / 'app')], check=True, capture_output=True)
    with tempfile.TemporaryDirectory() as folder:
        bare_script = Path(folder) / 'bare.py'
        bare_script.write_text(BARE)
        env = prepared_data_dir(Path(folder) / 'data')
        bare_env = {**env, 'NICEGUI_STORAGE_PATH': str(Path(folder) / 'bare-storage')}
        times: dict[str, list[float]] = {'bare': [], 'app': []}
        memory: dict[str, list[float]] = {'bare': [], 'app': []}
        for round_ in range(args.rounds):
            for kind in ('bare', 'app') if round_ % 2 == 0 else ('app', 'bare'):
                port = free_port()
                if kind == 'bare':
                    took, rss = start([sys.executable, str(bare_script), str(port)], f'http://127.0.0.1:{port}/',
                                      bare_env)
                else:
                    took, rss = start([sys.executable, '-c', APP, 'run', '--host', '127.0.0.1', '--port', str(port)],
                                      f'http://127.0.0.1:{port}/login', env)
                times[kind].append(took)
                memory[kind].append(rss)
                print(f'round {round_ + 1} {kind:4}: first answer {took:6.2f} s, idle RSS {rss:6.1f} MB', flush=True)
        bare_imports, bare_total = import_times('import nicegui', env)
        app_imports, app_total = import_times('import app.server', env)
    start_ratio = statistics.median(times['app']) / statistics.median(times['bare'])
    memory_ratio = statistics.median(memory['app']) / statistics.median(memory['bare'])
    table = report.Table('startup', ['server', 'first answer (s, median)', 'idle RSS (MB, median)', '× bare'],
                         notes=[f'{args.rounds} rounds, interleaved; × bare: start-up / idle memory. '
                                'Targets (issue 33): start-up ≤ 2×, idle ≤ 1.5× plus cached data.'])
    table.add('bare NiceGUI page (anchor)', f'{statistics.median(times["bare"]):.2f}',
              f'{statistics.median(memory["bare"]):.1f}', '1.00 / 1.00')
    table.add('ClientPulse (/login)', f'{statistics.median(times["app"]):.2f}',
              f'{statistics.median(memory["app"]):.1f}', f'{start_ratio:.2f} / {memory_ratio:.2f}')
    print(f'\nstart-up {start_ratio:.2f}× bare, idle memory {memory_ratio:.2f}× bare')
    added = sorted(((ms, name) for name, ms in app_imports.items() if name not in bare_imports), reverse=True)
    imports = report.Table('startup_imports', ['package the app adds at start', 'import (ms)'],
                           notes=[f'`python -X importtime -c "import app.server"`: the packages `import nicegui` does '
                                  'not import (with what they import, so a package two others use counts in both). '
                                  f'`import app.server` {app_total:.0f} ms, `import nicegui` {bare_total:.0f} ms.'])
    print(f'\nimport app.server {app_total:.0f} ms, import nicegui {bare_total:.0f} ms; '
          "packages beyond nicegui's (ms):")
    for ms, name in added[:args.top]:
        print(f'  {ms:7.0f}  {name}')
        imports.add(f'`{name}`', f'{ms:.0f}')
    if args.markdown:
        table.write()
        imports.write()


if __name__ == '__main__':
    main()
