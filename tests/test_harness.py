"""The test harness itself: page tests end without NiceGUI waiting on tasks it could not cancel."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_page_tests_end_without_tasks_left_uncancelled():
    """Two simulated people (``user`` and ``create_user``), as in many page tests: before their sessions were closed
    first (tests/conftest.py), stopping the app waited 2 s and logged "Could not cancel N tasks"."""
    result = subprocess.run(
        [sys.executable, '-m', 'pytest', '-p', 'no:cacheprovider', '-q', '-o', 'log_cli=true',
         '--log-cli-level=ERROR', 'tests/frontdesk/test_kiosk.py::test_a_customer_messages_the_desk_from_the_kiosk',
         'tests/frontdesk/test_kiosk.py::test_a_booking_code_finds_only_that_booking_and_a_stranger_finds_nothing'],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert 'Could not cancel' not in result.stdout + result.stderr


def test_no_server_started_by_tests_or_benchmarks_writes_to_a_pipe_nobody_reads():
    """A server's log sent to ``subprocess.PIPE`` and read only on failure fills the pipe (64 KB) and then blocks
    the server mid-run: it froze bench/fanout.py once, and a browser test kept one. Logs go to files."""
    import ast

    offenders = []
    for path in [*sorted((ROOT / 'tests').rglob('*.py')), *sorted((ROOT / 'bench').rglob('*.py'))]:
        for node in ast.walk(ast.parse(path.read_text(encoding='utf-8'))):
            if isinstance(node, ast.Call) and getattr(node.func, 'attr', getattr(node.func, 'id', '')) == 'Popen':
                offenders += [f'{path.relative_to(ROOT)}:{node.lineno} {k.arg}' for k in node.keywords
                              if k.arg in ('stdout', 'stderr') and getattr(k.value, 'attr', '') == 'PIPE']
    assert not offenders, offenders


def test_an_error_logged_in_one_page_test_fails_that_test_only():
    """An ERROR logged during a page test fails that test, and the next page test starts the app as usual. NiceGUI's
    own ``user`` fixture failed inside the app's lifespan, which then never stopped: in CI one logged error turned
    into 147 failed tests ("Unable to register another startup handler"). tests/conftest.py checks after the stop."""
    probe = ROOT / 'tests' / 'frontdesk' / 'test_zz_harness_probe.py'
    probe.write_text(
        'import logging\n\nimport pytest\n\n'
        "pytestmark = pytest.mark.usefixtures('shop')\n\n\n"
        'async def test_one_logs_an_error(user):\n'
        "    await user.open('/login')\n"
        "    logging.getLogger('probe').error('the probe logged this')\n\n\n"
        'async def test_the_next_starts_the_app(user):\n'
        "    await user.open('/login')\n"
        "    await user.should_see(marker='password')\n")
    try:
        result = subprocess.run(
            [sys.executable, '-m', 'pytest', '-p', 'no:cacheprovider', '-q', '-rE', str(probe.relative_to(ROOT))],
            cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    finally:
        probe.unlink()
    out = result.stdout + result.stderr
    assert '2 passed, 1 error' in out, out[-3000:]
    assert 'probe: the probe logged this' in out, out[-3000:]
    assert 'Unable to register another startup handler' not in out, out[-3000:]


def test_each_xdist_worker_has_a_data_folder_of_its_own():
    """scripts/test.sh runs the suite in xdist workers, which inherit the run's ``CLIENTPULSE_DATA_DIR``: sharing it,
    they removed each other's NiceGUI storage files and found each other's backups (15 errors, 3 failures)."""
    import os

    folder = Path(os.environ['CLIENTPULSE_DATA_DIR'])
    worker = os.environ.get('PYTEST_XDIST_WORKER')
    assert folder.is_dir()
    if worker:
        assert folder.name == worker
    else:
        assert folder.name.startswith('clientpulse-test-data-') or 'CI' not in os.environ


@pytest.mark.postgres
def test_a_postgresql_test_starts_on_an_empty_database_with_every_sequence_at_one(postgres_db):
    """What the next PostgreSQL test gets after this one wrote rows that refer to each other (tests/conftest.py's
    ``empty_postgres``): no row in any table, and the first row of each table numbered 1 again."""
    from datetime import date

    from sqlalchemy import text
    from sqlmodel import SQLModel

    from app.services.database import session_scope
    from tests.conftest import empty_postgres
    from tests.factories import at, make_booking, make_customer, make_location, make_service, make_staff_member

    for name in ('First', 'Second'):
        location = make_location(name)
        member = make_staff_member(location, f'{name} stylist')
        make_booking(location, member, make_service(location), make_customer(location), at(date(2030, 3, 4), '10:00'))
    empty_postgres(postgres_db)
    with session_scope() as session:
        counts = {table: session.execute(text(f'SELECT count(*) FROM "{table}"')).scalar_one()
                  for table in SQLModel.metadata.tables}
    assert set(counts.values()) == {0}, {table: n for table, n in counts.items() if n}
    location = make_location('Again')
    member = make_staff_member(location, 'Again stylist')
    booking = make_booking(location, member, make_service(location), make_customer(location),
                           at(date(2030, 3, 4), '10:00'))
    assert (location.id, member.id, booking.id) == (1, 1, 1)
