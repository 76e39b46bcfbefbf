"""The suite's tiers are marks set from the fixtures a test uses (tests/conftest.py): ``-m unit`` leaves out every
test with a simulated user, a browser, a cluster or a build of the whole program."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import tiers_of

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(('fixtures', 'marks', 'tiers'), [
    ({'db', 'shop_clock'}, set(), {'unit'}),
    ({'shop', 'user'}, set(), {'page'}),
    ({'shop', 'user', 'create_user'}, {'asyncio'}, {'page'}),
    ({'create_user'}, set(), {'page'}),
    ({'served', 'chromium'}, set(), {'browser'}),
    ({'site', 'browser_shop', 'browser'}, set(), {'browser'}),
    ({'chromium', 'sqlite_db'}, {'parametrize'}, {'browser'}),
    ({'cluster', 'shop'}, set(), {'cluster'}),
    ({'cluster', 'chromium'}, set(), {'cluster', 'browser'}),
    ({'tmp_path'}, {'wheel'}, set()),
    ({'tmp_path'}, {'bundle'}, set()),
])
def test_a_tests_fixtures_give_its_tiers(fixtures, marks, tiers):
    assert tiers_of(frozenset(fixtures), frozenset(marks)) == tiers


def test_this_test_is_in_the_unit_tier_only(request):
    names = {mark.name for mark in request.node.iter_markers()}
    assert 'unit' in names
    assert not names & {'page', 'browser', 'cluster'}


def test_selecting_page_collects_the_simulated_user_tests_of_a_module_and_nothing_else():
    """tests/test_language.py holds three page tests (``user``) and three without a simulated user."""
    result = subprocess.run(
        [sys.executable, '-m', 'pytest', '-p', 'no:cacheprovider', '--collect-only', '-q', '-m', 'page',
         'tests/test_language.py'], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    collected = {line.split('::', 1)[1] for line in result.stdout.splitlines() if '::' in line}
    assert collected == {
        'test_the_desk_speaks_the_locations_language_unless_the_user_chose_their_own',
        'test_work_in_a_thread_speaks_the_sessions_language',
        'test_a_live_toast_reaches_each_session_in_its_own_language',
    }, result.stdout[-3000:] + result.stderr[-3000:]


def test_modules_with_slower_tiers_are_handed_out_first_and_a_module_stays_whole():
    """scripts/test.sh's xdist workers take modules in collected order: the slowest start first (tests/conftest.py)."""
    from types import SimpleNamespace

    from tests.conftest import _slow_modules_first

    def item(nodeid: str, *marks: str):
        return SimpleNamespace(nodeid=nodeid, iter_markers=lambda: [SimpleNamespace(name=m) for m in marks])

    items = [item('tests/a.py::t1', 'unit'), item('tests/b.py::t1', 'unit'), item('tests/b.py::t2', 'browser'),
             item('tests/c.py::t1', 'page'), item('tests/d.py::t1', 'bundle'), item('tests/e.py::t1', 'unit'),
             item('tests/e.py::t2', 'unit')]
    _slow_modules_first(items)
    assert [i.nodeid for i in items] == ['tests/d.py::t1', 'tests/b.py::t1', 'tests/b.py::t2', 'tests/c.py::t1',
                                         'tests/e.py::t1', 'tests/e.py::t2', 'tests/a.py::t1']
