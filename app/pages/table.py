"""The table of what the page modules declare (``app/pages/declared.py``), written from the modules themselves:

    python -m app.pages.table

The app mounts its pages from that table (:func:`app.pages.guard.mount`), so a page's module — and the services only
it uses — is imported when the page is first opened, not when the app starts (issue 33: start-up and idle memory
against a bare NiceGUI page, ``bench/startup.py``). The declarations stay where they are written, on the pages'
functions; ``tests/test_page_table.py`` fails, naming this command, when the table no longer says what they declare.
"""

from __future__ import annotations

import dataclasses
import enum
import importlib
import inspect
from collections.abc import Iterable
from pathlib import Path

from app.pages import registry
from app.pages.registry import Declared, PageEntry, PublicPage, RouteEntry

TABLE = Path(__file__).with_name(registry.TABLE.rsplit('.', 1)[1] + '.py')
TYPES = ('str', 'str | None', 'int', 'int | None', 'Request')
"""The types a page's or a route's URL parameter may be given (as written, ``from __future__ import annotations``):
the table writes them as they are, and imports ``Request``."""

HEADER = '''"""What the page modules declare, in the navigation's order: the table the app mounts its pages from, each
page's module imported when the page is first opened. Written by ``python -m app.pages.table`` from the declarations
on the pages' functions — do not edit: declare in the page's module and run it again (tests/test_page_table.py
checks the two agree)."""

from __future__ import annotations

from inspect import Parameter

from fastapi import Request

from app.models import Role
from app.pages.registry import Declared, PageEntry, PublicPage, RouteEntry, SharedView

DECLARED: tuple[Declared, ...] = (
'''


def declarations(modules: Iterable[str]) -> list[Declared]:
    """What ``modules`` (dotted names, imported here) declare, in their order and each module's own.

    :raises ValueError: a page's or a route's URL parameter of a type not in :data:`TYPES`
    """
    table = []
    for name in modules:
        for function, declaration in registry.declared(importlib.import_module(name)):
            table.append(Declared(name, function.__name__, declaration, _parameters(function, declaration),
                                  coroutine=isinstance(declaration, RouteEntry)
                                  and inspect.iscoroutinefunction(function)))
    return table


def source(table: Iterable[Declared]) -> str:
    """The text of ``app/pages/declared.py`` for ``table``: one field per line (no line long, diffs small)."""
    lines = [HEADER.rstrip('\n')]
    for line in table:
        lines += ['    Declared(', f'        module={line.module!r},', f'        function={line.function!r},',
                  f'        declaration={type(line.declaration).__name__}(']
        defaults = {f.name: f.default for f in dataclasses.fields(line.declaration)}
        for field, value in vars(line.declaration).items():
            if defaults[field] is dataclasses.MISSING or value != defaults[field]:
                lines.append(f'            {field}={_code(value)},')
        lines.append('        ),')
        if line.parameters:
            lines.append('        parameters=(')
            lines += [f'            ({name!r}, {kind}, {_code(default)}),' for name, kind, default in line.parameters]
            lines.append('        ),')
        if line.coroutine:
            lines.append('        coroutine=True,')
        lines.append('    ),')
    return '\n'.join([*lines, ')', ''])


def _parameters(function, declaration) -> tuple[tuple[str, str, object], ...]:
    """A page's or a route's URL parameters as (name, type as written, default); none for a shared view."""
    if not isinstance(declaration, PageEntry | PublicPage | RouteEntry):
        return ()
    parameters = list(inspect.signature(function).parameters.values())
    if isinstance(declaration, PageEntry) or (isinstance(declaration, RouteEntry) and declaration.roles is not None):
        parameters = parameters[1:]  # ``page``: the guard's PageContext; ``user``: the signed-in caller
    for parameter in parameters:
        if parameter.annotation not in TYPES:
            raise ValueError(f'{function.__module__}.{function.__name__}: the URL parameter {parameter.name!r} is '
                             f'typed {parameter.annotation!r}; a page or route takes one of {", ".join(TYPES)}')
    return tuple((p.name, p.annotation, p.default) for p in parameters)


def _code(value) -> str:
    """``value`` written as Python the table can hold: roles by name, no default as ``Parameter.empty``."""
    if value is inspect.Parameter.empty:
        return 'Parameter.empty'
    if isinstance(value, frozenset):
        return 'frozenset({' + ', '.join(sorted(_code(role) for role in value)) + '})'
    if isinstance(value, enum.Enum):
        return f'{type(value).__name__}.{value.name}'
    return repr(value)


def main() -> None:
    """Write the table from the modules :data:`app.pages.PAGE_MODULES` names."""
    from app import pages

    TABLE.write_text(source(declarations(pages.PAGE_MODULES)), encoding='utf-8')
    print(f'wrote {TABLE}')


if __name__ == '__main__':
    main()
