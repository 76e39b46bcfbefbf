#!/usr/bin/env bash
# Install ClientPulse with its test tools into .venv and run the whole test suite (lint + pytest).
# PostgreSQL tests use CLIENTPULSE_TEST_POSTGRES_URL (default: the local server); with CI=true a
# missing server fails them instead of skipping.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'
.venv/bin/ruff check app tests main.py
exec .venv/bin/python -m pytest "$@"
