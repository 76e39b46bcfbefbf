"""Time to content of the Analytics page in headless Chromium, against a bare NiceGUI page.

    .venv/bin/python bench/page_time.py [--rounds 9] [--markdown]

Starts, side by side, a bare NiceGUI page with one label (``bench/fanout_server.py bare``) and the app on a fresh
demo database (``clientpulse demo --no-serve``; ``bench/fanout_server.py app``), and opens them in one headless
Chromium (Debian's ``chromium``, ``--headless --no-sandbox --disable-gpu``), signed in as the demo's owner for the
app. Time to content: from the start of the navigation (``performance.now()`` is 0 there) to the first frame on
which the page shows what it is for, read in the page itself (``requestAnimationFrame`` polling):

- bare page: its label;
- ``/analytics`` (last 30 days, every location): its figures, e.g. "Retention (90 days)" with a value, after the
  page has worked them out in a worker thread (a spinner shows until then). Its charts follow the figures (drawn
  once the browser has connected, so the chart library does not hold the figures back): the first frame with a
  chart's canvas is printed too, not counted in the ratio.

The first visit of each is printed apart (the app's first report of a database is read and computed then); then
``--rounds`` visits of each, taking turns, so both meet the same load of the machine; printed: the medians and the
app's as a ratio to the bare page's (issue 33's target: ≤ 1.5×). Browser, servers and bench share the machine's
cores.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from bench import report  # noqa: E402
from bench._sessions import Server, running  # noqa: E402

CHROMIUM = shutil.which('chromium') or '/usr/bin/chromium'
FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
         '--disable-component-update', '--disable-sync', '--no-first-run']
OWNER = ('owner@demo.clientpulse', 'demo1234')
SHOWN = {  # what each page shows once it has its content: text that is there only then
    'bare': 'nothing yet',
    'app': 'Retention (90 days)',
}
TIMED = """(text) => new Promise((resolve, reject) => {
    setTimeout(() => reject(new Error(`no "${text}" after 60 s`)), 60000);
    const look = () => document.body && document.body.innerText.includes(text)
        ? resolve(performance.now()) : requestAnimationFrame(look);
    look();
})"""
CHART = """() => new Promise((resolve, reject) => {
    setTimeout(() => reject(new Error('no chart after 60 s')), 60000);
    const look = () => document.querySelector('canvas') ? resolve(performance.now()) : requestAnimationFrame(look);
    look();
})"""
"""The first frame with a chart (ECharts draws on a canvas). Both stop the bench with an error after 60 s rather than
wait for ever (a page that never shows its content)."""


def visit(page, url: str, shown: str, charts: list[float] | None = None) -> float:
    """Open ``url`` in ``page`` and return the milliseconds from the navigation's start to the first frame showing
    the text ``shown``; with ``charts``, append to it the milliseconds to the first frame with a chart."""
    page.goto(url, wait_until='commit')
    shown_at = page.evaluate(TIMED, shown)
    if charts is not None:
        charts.append(page.evaluate(CHART))
    return shown_at


def demo_env(folder: str) -> dict[str, str]:
    """The environment of an app on a fresh demo database in ``folder`` (made here)."""
    import subprocess
    plain = {k: v for k, v in os.environ.items() if not k.startswith(('PYTEST', 'NICEGUI', 'CLIENTPULSE'))}
    env = {**plain, 'CLIENTPULSE_DATA_DIR': folder, 'CLIENTPULSE_SCHEDULER': 'false'}
    subprocess.run([sys.executable, '-m', 'app.cli', 'demo', '--no-serve'], env=env, cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    return env


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument('--rounds', type=int, default=9)
    report.add_option(parser)
    args = parser.parse_args()
    # Chromium's own temporary files in a short folder: under a long TMPDIR (a test's) its singleton socket's path
    # is longer than a Unix socket's may be, and it stops at once
    with tempfile.TemporaryDirectory() as folder, tempfile.TemporaryDirectory(prefix='cr', dir='/tmp') as short, \
            running([]) as servers, sync_playwright() as playwright:
        servers.append(Server('bare', {**os.environ}))
        servers.append(Server('app', demo_env(folder)))
        bare, app = servers
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, env={**os.environ, 'TMPDIR': short})
        try:
            pages = {'bare': browser.new_context().new_page(), 'app': browser.new_context().new_page()}
            signed_in = pages['app']
            signed_in.goto(f'{app.base}/login')
            signed_in.get_by_label('Email', exact=True).fill(OWNER[0])
            signed_in.get_by_label('Password', exact=True).fill(OWNER[1])
            signed_in.get_by_role('button', name='Sign in').click()
            signed_in.wait_for_url(lambda url: '/login' not in url)
            urls = {'bare': f'{bare.base}/', 'app': f'{app.base}/analytics'}
            first = {kind: visit(pages[kind], urls[kind], SHOWN[kind]) for kind in ('bare', 'app')}
            times: dict[str, list[float]] = {'bare': [], 'app': []}
            charts: list[float] = []
            for number in range(args.rounds):
                for kind in ('bare', 'app') if number % 2 == 0 else ('app', 'bare'):
                    times[kind].append(visit(pages[kind], urls[kind], SHOWN[kind],
                                             charts if kind == 'app' else None))
        finally:
            browser.close()
    medians = {kind: statistics.median(values) for kind, values in times.items()}
    ratio = medians['app'] / medians['bare']
    print(f'first visit: bare {first["bare"]:.0f} ms, /analytics {first["app"]:.0f} ms')
    for kind, label in (('bare', 'bare page (anchor)'), ('app', '/analytics')):
        print(f'{label:20} median {medians[kind]:6.0f} ms  (min {min(times[kind]):.0f}, max {max(times[kind]):.0f})')
    print(f'/analytics charts      median {statistics.median(charts):6.0f} ms  (after the figures; not in the ratio)')
    print(f'/analytics time to content {ratio:.2f}× bare')
    if args.markdown:
        table = report.Table('page_time', ['page', 'first visit (ms)', f'median of {args.rounds} (ms)',
                                           'min / max (ms)', '× bare'],
                             notes=[f'Headless Chromium, {args.rounds} visits of each taking turns after a first '
                                    'visit; time to content: from the navigation\'s start to the first frame showing '
                                    'the page\'s content (the bare page\'s label; the Analytics figures of the last '
                                    '30 days, demo database, signed in as the owner). Target (issue 33): ≤ 1.5× '
                                    'bare.'])
        for kind, label in (('bare', 'bare NiceGUI page (anchor)'), ('app', '`/analytics`')):
            table.add(label, f'{first[kind]:.0f}', f'{medians[kind]:.0f}',
                      f'{min(times[kind]):.0f} / {max(times[kind]):.0f}', f'{medians[kind] / medians["bare"]:.2f}')
        table.add('`/analytics`, its first chart (after the figures)', '–', f'{statistics.median(charts):.0f}',
                  f'{min(charts):.0f} / {max(charts):.0f}', '–')
        table.write()


if __name__ == '__main__':
    main()
