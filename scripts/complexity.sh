#!/usr/bin/env bash
# The complexity gate: fails, listing them, when radon grades any function worse than C (cyclomatic complexity over
# 20: D, E or F) in app/services, or in the folders or files given as arguments. A function that needs more than that
# is usually a rule and its plumbing mixed (docs: STYLE.md, "Rules beside the work"); split it into named steps.
#
#     bash scripts/complexity.sh                 # app/services
#     bash scripts/complexity.sh app/live app    # other places
#
# RADON names the radon program (default: the project's .venv/bin/radon, else radon on the PATH).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
radon="${RADON:-}"
if [ -z "$radon" ]; then
    if [ -x "$root/.venv/bin/radon" ]; then radon="$root/.venv/bin/radon"; else radon=radon; fi
fi
if [ "$#" -gt 0 ]; then paths=("$@"); else cd "$root" && paths=(app/services); fi
for path in "${paths[@]}"; do
    [ -e "$path" ] || { echo "complexity: no such file or folder: $path" >&2; exit 2; }
done
worse="$("$radon" cc --show-complexity --min D "${paths[@]}")"
if [ -n "$worse" ]; then
    echo "complexity: functions graded worse than C by radon (complexity over 20); split rule from plumbing:" >&2
    echo "$worse" >&2
    exit 1
fi
echo "complexity: every function in ${paths[*]} is graded C or better (radon)"
