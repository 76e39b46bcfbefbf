#!/usr/bin/env bash
# The owner's desktop app: a one-folder bundle (dist/ClientPulse/ClientPulse and its _internal folder) built with
# PyInstaller from .venv, as NiceGUI's own nicegui-pack runs it. Installs PyInstaller (the "bundle" extra) when missing.
# Takes a few minutes (the app's libraries: pandas, scikit-learn, statsmodels, reportlab). Run
# ./dist/ClientPulse/ClientPulse (no arguments: serve, with the desktop window when pywebview was bundled; any
# clientpulse command works too). How to install it: docs/install.md.
# Usage: bash scripts/build_bundle.sh [OUT_FOLDER]   (default: dist)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT="$(realpath -m "${1:-dist}")"
[ -x .venv/bin/python ] || { echo "Run scripts/demo.sh or scripts/test.sh first (they make .venv)." >&2; exit 1; }
.venv/bin/python -c 'import PyInstaller' 2>/dev/null || .venv/bin/python -m pip install --quiet -e '.[bundle]'
bash scripts/i18n.sh compile  # the catalogs' .mo files go into the bundle
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
# the entry, with an import of every module of app/ (pages and services are imported by name, which PyInstaller
# follows; this makes sure nothing found only at run time is left out)
modules=$(cd "$ROOT" && find app -name '*.py' ! -path '*/__pycache__/*' | sed -e 's|/__init__\.py$||' -e 's|\.py$||' \
          -e 's|/|.|g' | sort | sed -e 's|^|import |')
python3 - "$ROOT/packaging/bundle_entry.py" "$WORK/ClientPulse.py" "$modules" <<'PY'
import sys
source, target, modules = sys.argv[1:]
text = open(source, encoding='utf-8').read().replace('# BUNDLED MODULES', modules.replace('\n', '\n    '))
open(target, 'w', encoding='utf-8').write(text)
PY
S=:  # PyInstaller's --add-data separator (";" on Windows)
# the test and bench tools share .venv and libraries import them when present (optional imports PyInstaller follows):
# DuckDB alone was 66 MB of the bundle; the app imports none of these
EXCLUDED="--exclude-module duckdb --exclude-module hypothesis --exclude-module pytest --exclude-module _pytest"
EXCLUDED="$EXCLUDED --exclude-module docutils --exclude-module playwright --exclude-module mkdocs"
cd "$WORK"
# PYTHONPATH: the source tree, where PyInstaller finds app/ (it cannot follow the editable install's finder); the
# files the app reads beside its code go where app.config.bundled_path and the modules' own paths look for them
# PyInstaller as NiceGUI's nicegui-pack runs it (NiceGUI's own folder as data), called directly: nicegui-pack passes
# no --exclude-module on
NICEGUI="$("$ROOT/.venv/bin/python" -c 'import nicegui, pathlib; print(pathlib.Path(nicegui.__file__).parent)')"
PYTHONPATH="$ROOT" PATH="$ROOT/.venv/bin:$PATH" "$ROOT/.venv/bin/python" -m PyInstaller --onedir --noconfirm --clean \
    --name ClientPulse --add-data "$NICEGUI${S}nicegui" \
    --add-data "$ROOT/migrations${S}app/_bundled/migrations" \
    --add-data "$ROOT/alembic.ini${S}app/_bundled" \
    --add-data "$ROOT/assets${S}app/_bundled/assets" \
    --add-data "$ROOT/docs/mappings${S}app/_bundled/docs/mappings" \
    --add-data "$ROOT/pyproject.toml${S}." \
    --add-data "$ROOT/app/locale${S}app/locale" \
    --add-data "$ROOT/app/live/live_link.js${S}app/live" \
    --add-data "$ROOT/app/pages/frontdesk/day_grid.js${S}app/pages/frontdesk" \
    $EXCLUDED ClientPulse.py
rm -rf "$OUT/ClientPulse"
mkdir -p "$OUT"
mv "$WORK/dist/ClientPulse" "$OUT/ClientPulse"
echo "Built $OUT/ClientPulse/ClientPulse"
