"""Full garbage collections wait for a quiet moment (and never longer than ``longest``)."""

from __future__ import annotations

import gc

import pytest

from app.live import quiet_gc as collector_module
from app.live.quiet_gc import NEVER, QuietCollector

pytestmark = pytest.mark.usefixtures('shop')  # made before the app starts (tests/fixtures/pages.py)


def test_a_pass_waits_for_quiet_after_its_interval():
    c = QuietCollector(every=30, quiet=2, longest=300, last_change=100.0, last_collection=100.0)
    assert not c.due(120)  # too soon after the last pass
    c.last_change = 129.5
    assert not c.due(130.5)  # interval over, but a change went out a second ago
    assert c.due(131.5)  # two quiet seconds


def test_a_shop_that_is_never_quiet_still_collects():
    c = QuietCollector(every=30, quiet=2, longest=300, last_change=0.0, last_collection=0.0)
    c.last_change = 399.9
    assert not c.due(299)
    assert c.due(400)


def test_collect_if_due_runs_a_full_pass_then_trims_the_heap_and_records_it(monkeypatch):
    passes = []
    monkeypatch.setattr(collector_module.gc, 'collect', lambda *args: passes.append(('collect', *args)) or 0)
    monkeypatch.setattr(collector_module, 'release_free_memory', lambda: passes.append(('trim',)) or True)
    c = QuietCollector(every=30, quiet=2, last_change=-1e9, last_collection=-1e9)
    assert c.collect_if_due() is True and passes == [('collect',), ('trim',)]
    assert c.collect_if_due() is False and len(passes) == 2  # just ran: not due again
    assert len(c.durations) == 1


def test_freed_memory_goes_back_to_the_system():
    """glibc (this machine's C library) keeps what Python frees in the process until ``malloc_trim``: 200 MB freed
    in blocks between small ones still in use (the heap's holes after a report) stay resident until the trim.
    Measured in a fresh interpreter: a test worker's own heap already holds free pages that blur the figures."""
    import json
    import subprocess
    import sys

    script = """
import ctypes, json
from pathlib import Path
from app.live import quiet_gc

def resident_mb():
    line = next(x for x in Path('/proc/self/status').read_text().splitlines() if x.startswith('VmRSS:'))
    return int(line.split()[1]) / 1024

start = resident_mb()
blocks, kept = [], []
for _ in range(12_800):  # 200 MB in the C heap (16 KB blocks: never mmap'd), each followed by a small one kept
    blocks.append(ctypes.create_string_buffer(16_384))
    kept.append(ctypes.create_string_buffer(64))
del blocks
freed = resident_mb()
trimmed = quiet_gc.release_free_memory()
print(json.dumps({'start': start, 'freed': freed, 'trimmed': trimmed, 'after': resident_mb()}))
"""
    if not sys.platform.startswith('linux'):
        pytest.fail('expected Linux (glibc), where the app is deployed')
    out = subprocess.run([sys.executable, '-c', script], capture_output=True, text=True, check=True).stdout
    figures = json.loads(out.strip().splitlines()[-1])
    assert figures['freed'] > figures['start'] + 150, figures  # freed, and still resident
    assert figures['trimmed'] is True
    assert figures['after'] < figures['freed'] - 150, figures



def test_a_change_going_out_postpones_the_pass(monkeypatch):
    monkeypatch.setattr(collector_module.gc, 'collect', lambda *args: pytest.fail('collected during a change'))
    c = QuietCollector(every=0, quiet=60, longest=1e12, last_collection=-1e9)
    c.changed()
    assert c.collect_if_due() is False


@pytest.fixture
def thresholds():
    saved = gc.get_threshold()
    yield
    gc.set_threshold(*saved)


def test_take_over_stops_automatic_full_passes_only(thresholds):
    first, second, _ = gc.get_threshold()
    collector_module.take_over()
    assert gc.get_threshold() == (first, second, NEVER)
