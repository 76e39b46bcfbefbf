"""Issue 31: the wheel an owner installs holds everything the app needs (slow-ish: one build, one install, 20–50 s).

``python -m build`` on a clean copy of the tree (the sdist, then the wheel from it, as a release is made;
``--no-isolation``: this environment's setuptools and babel, no download) → a fresh virtualenv in a temporary folder
with the wheel installed (``--no-deps``: its dependencies come from this environment's site-packages through a .pth
file, so nothing is downloaded) → from a folder outside the source tree and with an empty data folder: ``clientpulse
--version``, every module imported, ``clientpulse demo --no-serve`` (the migrations, alembic.ini and the catalogs from
the installed package). Every .js file beside the code must be in the wheel (NiceGUI looks for an element's script
only when a page is served, so an import does not notice it missing).
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

import app
from app.config import PROJECT_ROOT

pytestmark = pytest.mark.wheel


@pytest.fixture(scope='module')
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from a copy of what git would check out (with this worktree's changes): built in the source
    tree itself, setuptools' leftovers there (clientpulse.egg-info/SOURCES.txt) hid a file the package data missed."""
    source = tmp_path_factory.mktemp('source')
    listed = subprocess.run(['git', 'ls-files', '-z', '--cached', '--others', '--exclude-standard'], cwd=PROJECT_ROOT,
                            check=True, capture_output=True, text=True).stdout.split('\0')
    for name in filter(None, listed):
        if (PROJECT_ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(PROJECT_ROOT / name, source / name)
    out = tmp_path_factory.mktemp('dist')
    subprocess.run([sys.executable, '-m', 'build', '--no-isolation', '--outdir', str(out), str(source)],
                   check=True, capture_output=True, text=True)
    (built,) = out.glob('clientpulse-*.whl')
    return built


@pytest.fixture(scope='module')
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtualenv holding only the wheel (its ``bin`` folder); this environment's packages visible behind it."""
    venv = tmp_path_factory.mktemp('venv')
    subprocess.run([sys.executable, '-m', 'venv', '--without-pip', str(venv)], check=True)
    python = venv / 'bin' / 'python'
    purelib = Path(subprocess.run([str(python), '-c', 'import sysconfig; print(sysconfig.get_path("purelib"))'],
                                  check=True, capture_output=True, text=True).stdout.strip())
    # this environment's site-packages after the venv's own: the dependencies, but not the editable clientpulse
    # (its finder is installed by a .pth file, which a plain path line does not run)
    ours = {sysconfig.get_path('purelib'), sysconfig.get_path('platlib'), *site.getsitepackages()}
    (purelib / 'dependencies.pth').write_text('\n'.join(sorted(ours)) + '\n', encoding='utf-8')
    subprocess.run([sys.executable, '-m', 'pip', '--python', str(python), 'install', '--quiet', '--no-deps',
                    '--no-index', str(wheel)], check=True, capture_output=True, text=True)
    return venv / 'bin'


def test_the_wheel_holds_what_the_app_reads(wheel: Path):
    names = set(zipfile.ZipFile(wheel).namelist())
    migrations = sorted(p.name for p in (PROJECT_ROOT / 'migrations' / 'versions').glob('*.py'))
    assert {n.rsplit('/', 1)[-1] for n in names if n.startswith('app/_bundled/migrations/versions/')} >= set(migrations)
    for needed in ['app/_bundled/alembic.ini', 'app/_bundled/migrations/env.py', 'app/_bundled/assets/logo.svg',
                   'app/locale/fr/LC_MESSAGES/messages.mo', 'app/locale/sw/LC_MESSAGES/messages.mo',
                   'app/locale/quasar/sw.umd.prod.js', 'app/live/live_link.js', 'app/pages/frontdesk/day_grid.js']:
        assert needed in names
    scripts = {p.relative_to(PROJECT_ROOT).as_posix() for p in (PROJECT_ROOT / 'app').rglob('*.js')}
    assert scripts <= names
    assert f'clientpulse-{app.__version__}.dist-info/METADATA' in names


def test_the_installed_wheel_runs_away_from_the_source_tree(installed: Path, tmp_path: Path):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(('CLIENTPULSE_', 'NICEGUI_', 'PYTHON', 'PYTEST_')) and k != 'VIRTUAL_ENV'}
    env['CLIENTPULSE_DATA_DIR'] = str(tmp_path / 'data')  # an empty data folder

    def run(*command: str) -> str:
        done = subprocess.run(command, check=False, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    assert run(str(installed / 'clientpulse'), '--version').strip() == f'ClientPulse {app.__version__}'
    where = run(str(installed / 'python'), '-c', 'import importlib, pkgutil, app\n'
                'for m in pkgutil.walk_packages(app.__path__, "app."): importlib.import_module(m.name)\n'
                'from app.config import bundled_path; print(app.__file__); print(bundled_path("migrations"))')
    assert not any(line.startswith(str(PROJECT_ROOT) + os.sep) for line in where.splitlines()), where
    output = run(str(installed / 'clientpulse'), 'demo', '--no-serve')
    assert 'owner@demo.clientpulse' in output
    assert (tmp_path / 'data' / 'clientpulse.db').is_file()
