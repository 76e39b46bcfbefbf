#!/usr/bin/env bash
# Build the docs site into site/ (MkDocs Material, --strict: a broken link, a page missing from the nav or a missing
# benchmark table fails). Mermaid, which draws the architecture diagrams in the reader's browser, is installed from
# the npm registry at the version pinned in packaging/mermaid/package-lock.json and served from the site itself
# (docs/javascripts/mermaid.min.js, not kept in git): the diagrams draw with no network, where Material's default
# fetched it from unpkg.com and showed the diagrams' source offline. Extra arguments go to `mkdocs build`.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --prefix packaging/mermaid --no-audit --no-fund --silent
mkdir -p docs/javascripts
cp packaging/mermaid/node_modules/mermaid/dist/mermaid.min.js docs/javascripts/mermaid.min.js
NO_MKDOCS_2_WARNING=1 .venv/bin/mkdocs build --strict --quiet "$@"
