"""Where a process begins (app/start.py): the app imported with full garbage collections held off, CPython's
thresholds given back before a command runs."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

import pytest

from app import __version__, start

ROOT = Path(__file__).resolve().parents[1]

WATCHED_COMMAND = """
import gc, sys
import typer

default = gc.get_threshold()
during = []

class Watch:  # what the thresholds are while the models (imported by the command's module) are imported
    def find_spec(self, name, path=None, target=None):
        if name == 'app.models':
            during.append(gc.get_threshold())
        return None

sys.meta_path.insert(0, Watch())
def echo(text):  # what --version prints, as the command runs: with which thresholds, how much of it frozen
    print(text, gc.get_threshold() == default)
    print('frozen', gc.get_freeze_count(), 'of', gc.get_freeze_count() + len(gc.get_objects()))

typer.echo = echo
print('default', default)
from app import start
sys.argv = ['clientpulse', '--version']
try:
    start.main()
except SystemExit:
    pass
print('during', during)
"""


def test_the_command_is_imported_with_full_collections_held_off_and_runs_with_them_back():
    done = subprocess.run([sys.executable, '-c', WATCHED_COMMAND], check=False, capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = dict(line.split(' ', 1) for line in done.stdout.splitlines() if line.startswith(('default', 'during')))
    first, second, _ = thresholds_read(lines['default'])
    assert lines['during'] == f'[({first}, {second}, {start.HELD_OFF})]'  # the models imported once, held off
    assert f'ClientPulse {__version__} True' in done.stdout  # the command itself ran with the thresholds it had
    frozen, _, everything = next(line for line in done.stdout.splitlines() if line.startswith('frozen')).split()[1:]
    assert int(frozen) > int(everything) / 2  # what the import made is left out of later collections


def thresholds_read(text: str) -> tuple[int, int, int]:
    """``'(700, 10, 10)'`` → ``(700, 10, 10)`` (what the child printed of :func:`gc.get_threshold`)."""
    first, second, third = (int(part) for part in text.strip('()').split(','))
    return first, second, third


def test_the_thresholds_come_back_after_an_error_too():
    before = gc.get_threshold()
    try:
        with pytest.raises(ImportError), start.full_collections_held_off():
            assert gc.get_threshold() == (before[0], before[1], start.HELD_OFF)
            raise ImportError('a module that is not there')
        assert gc.get_threshold() == before
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()  # this test process collects as it did, whatever failed
        gc.set_threshold(*before)
