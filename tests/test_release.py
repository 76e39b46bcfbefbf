"""Issue 31: one version (pyproject.toml), shown by the command and the app; a changelog that has it."""

from __future__ import annotations

import re
import tomllib

from typer.testing import CliRunner

import app
from app.cli import cli
from app.config import PROJECT_ROOT

VERSION = tomllib.loads((PROJECT_ROOT / 'pyproject.toml').read_text(encoding='utf-8'))['project']['version']


def test_the_app_has_the_version_of_pyproject():
    assert re.fullmatch(r'\d+\.\d+\.\d+', VERSION)
    assert app.__version__ == VERSION


def test_clientpulse_version_prints_it():
    result = CliRunner().invoke(cli, ['--version'])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f'ClientPulse {VERSION}'


def test_the_changelog_has_an_entry_for_this_version():
    """Keep a Changelog: an Unreleased section on top, then one entry per release, newest first."""
    text = (PROJECT_ROOT / 'CHANGELOG.md').read_text(encoding='utf-8')
    releases = re.findall(r'^## \[([^\]]+)\]', text, flags=re.MULTILINE)
    assert releases[0] == 'Unreleased'
    assert VERSION in releases
    assert re.search(rf'^## \[{re.escape(VERSION)}\] - \d{{4}}-\d{{2}}-\d{{2}}$', text, flags=re.MULTILINE)
