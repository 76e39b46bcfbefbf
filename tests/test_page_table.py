"""The table the app mounts its pages and plain routes from (``app/pages/declared.py``) says what the page modules
declare, and a start imports none of those modules: a page's waits until the page is opened, a route's until the route
is called (FastAPI takes the route's URL parameters from the table)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app import pages
from app.pages import table

ROOT = Path(__file__).resolve().parents[1]
START = """
import json, sys
from app.services import database
database.migrate()
from app import server
server.setup()  # the pages registered, as `clientpulse run` does before it serves
print(json.dumps(sorted(name for name in sys.modules if name.startswith('app.'))))
"""


def test_the_table_says_what_the_page_modules_declare():
    written = table.source(table.declarations(pages.PAGE_MODULES))
    assert written == table.TABLE.read_text(encoding='utf-8'), (
        'app/pages/declared.py is not what the page modules declare: run `python -m app.pages.table`')


def test_a_page_parameter_of_a_type_the_table_cannot_write_is_refused_by_name(tmp_path, monkeypatch):
    module = tmp_path / 'dated_page_for_table.py'
    module.write_text('from __future__ import annotations\n'
                      'from datetime import date\n'
                      'from app.pages.guard import guarded_page\n'
                      'from app.pages.signed_in import OWNERS\n\n'
                      "@guarded_page('/dated', roles=OWNERS, title='Users')\n"
                      'def dated(page, day: date):\n'
                      '    pass\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ValueError, match=r"dated_page_for_table\.dated: the URL parameter 'day' is typed 'date'"):
        table.declarations(['dated_page_for_table'])


def test_a_start_imports_no_page_module_each_waits_for_its_first_opening_or_call(tmp_path):
    env = {**os.environ, 'CLIENTPULSE_DATA_DIR': str(tmp_path), 'CLIENTPULSE_SCHEDULER': 'false',
           'PYTHONPATH': str(ROOT)}
    env.pop('CLIENTPULSE_DATABASE_URL', None)
    run = subprocess.run([sys.executable, '-c', START], env=env, cwd=ROOT, capture_output=True, text=True,
                         check=False, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    imported = set(json.loads(run.stdout.strip().splitlines()[-1]))
    from app.pages.declared import DECLARED
    from app.pages.registry import RouteEntry

    with_routes = {line.module for line in DECLARED if isinstance(line.declaration, RouteEntry)}
    assert len(with_routes) >= 7 and len(pages.PAGE_MODULES) >= 25
    assert not set(pages.PAGE_MODULES) & imported, sorted(set(pages.PAGE_MODULES) & imported)
    # the services that hear changes from anywhere listen from the start, whichever page is opened first
    assert {'app.services.frontdesk', 'app.services.notifications', 'app.services.messaging.outbox'} <= imported
