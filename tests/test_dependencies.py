"""Every package the app imports is declared in pyproject.toml, not just installed because another one needs it."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _normal(name: str) -> str:
    return re.sub(r'[-_.]+', '-', name).lower()


def test_every_imported_package_is_declared():
    declared = {_normal(re.split(r'[\s<>=!~;\[]', requirement, maxsplit=1)[0])
                for requirement in importlib.metadata.requires('clientpulse') or []}
    distributions = importlib.metadata.packages_distributions()
    imported: dict[str, str] = {}
    for path in [*sorted((ROOT / 'app').rglob('*.py')), ROOT / 'main.py']:
        for node in ast.walk(ast.parse(path.read_text(encoding='utf-8'))):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module
                     else [])
            for name in names:
                imported.setdefault(name.split('.')[0], str(path.relative_to(ROOT)))
    missing = {top: where for top, where in imported.items()
               if top not in sys.stdlib_module_names and top != 'app'
               and not any(_normal(d) in declared for d in distributions.get(top, [top]))}
    assert not missing, f'imported but not declared in pyproject.toml: {missing}'
