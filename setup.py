"""The wheel carries what the app reads beside its code (issue 31): the build copies the migrations, alembic.ini, the
assets and the example import mappings into ``app/_bundled/`` and compiles the catalogs (.po → .mo), so an installed
ClientPulse needs nothing from the source tree. Everything else is in pyproject.toml."""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
BUNDLED = ('migrations', 'alembic.ini', 'assets', 'docs/mappings')  # read through app.config.bundled_path


class BuildWithFiles(build_py):
    """build_py, plus the project's files under app/_bundled and the compiled catalogs."""

    def run(self) -> None:
        super().run()
        if getattr(self, 'editable_mode', False):  # an editable install reads them from the source tree
            return
        target = Path(self.build_lib) / 'app' / '_bundled'
        for name in BUNDLED:
            source, copy = ROOT / name, target / name
            copy.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, copy, dirs_exist_ok=True,
                                ignore=shutil.ignore_patterns('__pycache__', '*.pyc'))
            else:
                shutil.copy2(source, copy)
        self._compile_catalogs(Path(self.build_lib) / 'app' / 'locale')

    @staticmethod
    def _compile_catalogs(locale: Path) -> None:
        """Every messages.po into its messages.mo, as ``scripts/i18n.sh compile`` does (fuzzy entries left out)."""
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for po in (ROOT / 'app' / 'locale').glob('*/LC_MESSAGES/messages.po'):
            mo = locale / po.relative_to(ROOT / 'app' / 'locale').with_suffix('.mo')
            mo.parent.mkdir(parents=True, exist_ok=True)
            with po.open('rb') as read:
                catalog = read_po(read, locale=po.parts[-3])
            with mo.open('wb') as written:
                write_mo(written, catalog)


setup(cmdclass={'build_py': BuildWithFiles})
