"""Benchmark results as Markdown tables for the docs site, written by the benchmark that measured them.

A bench script collects its printed figures in a :class:`Table` and, when run with ``--markdown``, writes it to
``docs/benchmarks/<name>.md`` with the command, the machine and the date, so the Benchmarks page (which includes
these files) never holds a typed number::

    table = report.Table('sign_in', ['case', 'median (ms)', '× anchor'])
    table.add('wrong password, real account (anchor)', '103.8', '1.00')
    table.write()                        # only when the script's --markdown option was given

Not part of the app: ``bench/`` only.
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / 'docs' / 'benchmarks'
LOAD = os.getloadavg()[0] if hasattr(os, 'getloadavg') else None  # how busy the machine was as the bench started


def add_option(parser: argparse.ArgumentParser) -> None:
    """Give a bench script the ``--markdown`` option (write its table(s) to ``docs/benchmarks/``)."""
    parser.add_argument('--markdown', action='store_true',
                        help='also write the results as a Markdown table to docs/benchmarks/<name>.md')


class Table:
    """One Markdown table of a benchmark's results.

    :param name: the file's name under ``docs/benchmarks`` (without ``.md``); one script may write several
    :param headers: the column titles
    :param notes: lines printed under the table (what the anchor is, what a short run left out)
    """

    def __init__(self, name: str, headers: list[str], *, notes: list[str] | None = None) -> None:
        self.name = name
        self.headers = headers
        self.rows: list[list[str]] = []
        self.notes = list(notes or [])

    def add(self, *cells: object) -> None:
        """Add a row; cells are written with ``str`` (format numbers before)."""
        if len(cells) != len(self.headers):
            raise ValueError(f'{len(cells)} cells for {len(self.headers)} columns')
        self.rows.append([str(cell).replace('|', '\\|') for cell in cells])

    def note(self, line: str) -> None:
        """Add a line under the table."""
        self.notes.append(line)

    def markdown(self, *, when: datetime | None = None) -> str:
        """The table with the command that made it, the machine and the date (UTC)."""
        when = when or datetime.now(UTC)
        lines = [f'<!-- written by {_command()} — do not edit: run it again -->', '',
                 '| ' + ' | '.join(self.headers) + ' |', '|' + '---|' * len(self.headers)]
        lines += ['| ' + ' | '.join(row) + ' |' for row in self.rows]
        lines += ['']
        lines += [f'{line}  ' for line in self.notes]
        busy = '' if LOAD is None else f', load average {LOAD:.1f} as it started'
        lines += [f'*Measured {when:%Y-%m-%d %H:%M} UTC by `{_command()}` on {machine()}{busy}.*', '']
        return '\n'.join(lines)

    def write(self, folder: Path = FOLDER) -> Path:
        """Write the table to ``<folder>/<name>.md`` and say so on stderr; returns the path."""
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f'{self.name}.md'
        path.write_text(self.markdown(), encoding='utf-8')
        print(f'wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}', file=sys.stderr)
        return path


def machine() -> str:
    """The machine in a few words: system, processor, cores, memory, Python and SQLite versions."""
    cpu = platform.processor() or platform.machine()
    try:
        with open('/proc/cpuinfo', encoding='utf-8') as info:
            cpu = next((line.split(':', 1)[1].strip() for line in info if line.startswith('model name')), cpu)
    except OSError:
        pass
    memory = ''
    try:
        memory = f', {os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2 ** 30:.0f} GB'
    except (ValueError, OSError, AttributeError):
        pass
    return (f'{platform.system()} {platform.machine()}, {cpu}, {os.cpu_count()} cores{memory}, '
            f'Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}')


def _command() -> str:
    """The command line that ran the benchmark, as it would be typed from the repository's root."""
    script = Path(sys.argv[0])
    try:
        script = script.resolve().relative_to(ROOT)
    except ValueError:
        pass
    arguments = [shlex.quote(a) for a in sys.argv[1:] if a != '--markdown']
    return ' '.join(['python', str(script), *arguments])
