#!/usr/bin/env bash
# The catalogs, with Babel's pybabel: `extract` (app/ → app/locale/messages.pot), `update` (the .pot into every
# language's .po), `compile` (.po → .mo, what the app reads; scripts/test.sh and scripts/demo.sh run it), `init CODE`
# (a new language's catalog: then add its line to LANGUAGES in app/services/i18n.py). A translator edits
# app/locale/CODE/LC_MESSAGES/messages.po; tests/test_catalogs.py fails on an entry left untranslated or fuzzy.
set -euo pipefail
cd "$(dirname "$0")/.."
PYBABEL=".venv/bin/pybabel"; [ -x "$PYBABEL" ] || PYBABEL=pybabel
POT=app/locale/messages.pot
case "${1:-compile}" in
    extract) "$PYBABEL" -q extract -F babel.cfg -k N_ -k deferred --no-location --sort-output \
                 --project=ClientPulse --copyright-holder='ClientPulse' --msgid-bugs-address='' -o "$POT" app ;;
    update) "$PYBABEL" -q update -i "$POT" -d app/locale -D messages --no-fuzzy-matching --ignore-obsolete ;;
    # every .mo is written; pybabel's %-format check is left out of the output: our texts use {named} placeholders
    # (tests/test_catalogs.py checks those) and it mistakes "20 %" or "{% if %}" in a text for %-formats
    compile) "$PYBABEL" -q compile -d app/locale -D messages 2>&1 \
                 | grep -v -e 'placeholder' -e 'errors encountered' -e '^$' || true ;;
    init) "$PYBABEL" -q init -i "$POT" -d app/locale -D messages -l "${2:?language code}" ;;
    *) echo "usage: $0 extract|update|compile|init CODE" >&2; exit 2 ;;
esac
