#!/usr/bin/env bash
# Install ClientPulse with its test tools into .venv and run the whole test suite (lint, the docs site, pytest).
# PostgreSQL tests use CLIENTPULSE_TEST_POSTGRES_URL (default: the local server); with CI=true a
# missing server fails them instead of skipping; so does a missing Chromium for the browser tests (`-m browser`).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
# bundle: PyInstaller, for tests/test_bundle.py; docs: MkDocs; bench: what bench/ needs (tests/bench runs every script)
.venv/bin/python -m pip install --quiet -e '.[test,bundle,docs,bench]'
bash scripts/i18n.sh compile  # the catalogs' .mo files, what the app reads
# the app's bytecode, written once: with PYTHONDONTWRITEBYTECODE set (as on CI's machine) every start would compile
# its ~250 modules again (0.8 s of each start; the suite starts the app ~100 times)
.venv/bin/python -m compileall -q -j 0 app main.py > /dev/null
# the browser tests drive Debian's Chromium; tests/cluster runs nginx and its own redis-server in front of two app
# processes; the public proxy's test runs nginx and Caddy: install what is missing when this user may (CI runs as root)
missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v objdump >/dev/null || missing+=(binutils)  # PyInstaller reads libraries with objdump (tests/test_bundle.py)
command -v caddy >/dev/null || missing+=(caddy)  # tests/security/test_public_proxy.py runs deploy/Caddyfile.public
if [ "${#missing[@]}" -gt 0 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get install -y -qq "${missing[@]}" >/dev/null \
        || { apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null; } \
        || echo "Could not install ${missing[*]}: the browser tests and tests/cluster will be skipped (or fail with CI=true)."
fi
npm ci --prefix tests/fixtures/axe --no-audit --no-fund --silent || echo "Could not install axe-core: tests/test_accessibility.py will be skipped (or fail with CI=true)."  # pinned in tests/fixtures/axe/package-lock.json
.venv/bin/ruff check app tests bench main.py
# layers (pages → live → services → models), no import cycles, NiceGUI's internals only in app/live/_nicegui.py
.venv/bin/lint-imports --no-cache
bash scripts/complexity.sh  # no function in app/services graded worse than C by radon
# the docs site (mkdocs.yml, docs/): a broken link, a page missing from the nav or a missing benchmark table fails
bash scripts/docs.sh  # into site/ (ignored by git), Mermaid from the npm registry into the site; no other network
# in parallel (pytest-xdist): each worker has its own data folder, SQLite template, PostgreSQL database and ports; a
# module's tests stay on one worker (--dist loadscope) so module-scoped fixtures (a browser, a served shop) are made
# once, handed out in the order tests/conftest.py sorts them (slowest first: --no-loadscope-reorder keeps it; xdist
# would otherwise start the modules with the most tests first and leave the bundle's build for the end).
# CLIENTPULSE_TEST_WORKERS sets how many (default 3 on this 2-core machine: many tests wait on a browser or a server
# more than they compute); the slowest 15 tests are listed at the end.
exec .venv/bin/python -m pytest -n "${CLIENTPULSE_TEST_WORKERS:-3}" --dist loadscope --no-loadscope-reorder \
    --durations=15 "$@"
