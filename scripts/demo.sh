#!/usr/bin/env bash
# Install ClientPulse into .venv and start it on the demo database (SQLite in the user's data folder).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
PYTHONWARNINGS='ignore:Editable installation' .venv/bin/python -m pip install --quiet -e .  # not setuptools' box about editable installs
bash scripts/i18n.sh compile  # the catalogs' .mo files, what the app reads
# the app's bytecode, written once: with PYTHONDONTWRITEBYTECODE set (as on CI's machine) every start would compile
# its ~250 modules again (0.8 s of each start; the suite starts the app ~100 times)
.venv/bin/python -m compileall -q -j 0 app main.py > /dev/null
exec .venv/bin/clientpulse demo "$@"
