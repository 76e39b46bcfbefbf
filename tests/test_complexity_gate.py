"""scripts/complexity.sh, the gate scripts/test.sh runs after lint-imports: it fails, naming them, when radon grades a
function worse than C (complexity over 20), and passes code that is not."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GATE = ROOT / 'scripts' / 'complexity.sh'
RADON = Path(sys.executable).parent / 'radon'

pytestmark = pytest.mark.skipif(not RADON.exists(), reason='radon is not installed (pip install -e .[test])')


def _gate(*paths: Path) -> subprocess.CompletedProcess:
    return subprocess.run(['bash', str(GATE), *map(str, paths)], capture_output=True, text=True, timeout=120,
                          env={'PATH': '/usr/bin:/bin', 'RADON': str(RADON)}, check=False)


def _tangled(conditions: int) -> str:
    """A function with ``conditions`` ifs in a row: radon's complexity is ``conditions + 1``."""
    body = ''.join(f'    if value == {n}:\n        return {n}\n' for n in range(conditions))
    return f'def tangled(value):\n{body}    return -1\n'


def test_a_function_graded_worse_than_c_fails_the_gate_and_is_named(tmp_path):
    (tmp_path / 'rules.py').write_text('def plain(value):\n    return value + 1\n\n\n' + _tangled(21))
    ran = _gate(tmp_path)
    assert ran.returncode == 1
    assert 'rules.py' in ran.stderr and 'tangled - D (22)' in ran.stderr
    assert 'plain' not in ran.stderr  # only the ones over the grade are listed


def test_functions_graded_c_or_better_pass(tmp_path):
    (tmp_path / 'rules.py').write_text(_tangled(19))  # complexity 20: the top of grade C
    ran = _gate(tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert 'graded C or better' in ran.stdout


def test_a_path_that_does_not_exist_fails_rather_than_passing_empty(tmp_path):
    ran = _gate(tmp_path / 'missing')
    assert ran.returncode == 2 and 'no such file' in ran.stderr


def test_scripts_test_runs_the_gate_after_the_import_contracts():
    lines = (ROOT / 'scripts' / 'test.sh').read_text().splitlines()
    contracts = next(i for i, line in enumerate(lines) if line.startswith('.venv/bin/lint-imports'))
    assert lines[contracts + 1].startswith('bash scripts/complexity.sh')
