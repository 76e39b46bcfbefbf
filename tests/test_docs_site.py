"""The docs site needs no network to be read: the scripts it loads are its own files (Mermaid, which draws the
architecture diagrams, from packaging/mermaid's pinned package, copied in by scripts/docs.sh). Checked once by hand
in Chromium with every request off the site refused: the four diagrams drew, nothing else was asked for."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _config() -> dict:
    class Loader(yaml.SafeLoader):  # mkdocs.yml names Python functions (!!python/name:…): read them as text
        pass

    Loader.add_multi_constructor('tag:yaml.org,2002:python/', lambda loader, suffix, node: suffix)
    return yaml.load((ROOT / 'mkdocs.yml').read_text(encoding='utf-8'), Loader=Loader)


def test_every_script_of_the_site_is_a_file_of_the_site_and_mermaid_is_put_there_at_a_pinned_version():
    scripts = _config().get('extra_javascript', [])
    assert 'javascripts/mermaid.min.js' in scripts
    assert not [s for s in scripts if re.match(r'[a-z]+:|//', str(s))]  # no address elsewhere
    build = (ROOT / 'scripts' / 'docs.sh').read_text(encoding='utf-8')
    assert 'npm ci --prefix packaging/mermaid' in build
    assert 'mermaid/dist/mermaid.min.js docs/javascripts/mermaid.min.js' in build
    locked = json.loads((ROOT / 'packaging' / 'mermaid' / 'package-lock.json').read_text(encoding='utf-8'))
    wanted = json.loads((ROOT / 'packaging' / 'mermaid' / 'package.json').read_text(encoding='utf-8'))
    pinned = wanted['dependencies']['mermaid']
    assert re.fullmatch(r'\d+\.\d+\.\d+', pinned)  # an exact version, not a range
    assert locked['packages']['node_modules/mermaid']['version'] == pinned
    assert 'scripts/docs.sh' in (ROOT / 'scripts' / 'test.sh').read_text(encoding='utf-8')  # built in CI
