"""Fill translators' work into the catalogs, or list what is left to translate.

    python scripts/i18n_fill.py --missing fr            # untranslated or fuzzy entries of fr, as JSON
    python scripts/i18n_fill.py work.json [more.json]  # fill them in

A work file maps each English source text to its translations::

    {"Choose a service": {"fr": "Choisissez une prestation", "sw": "Chagua huduma"},
     "{n} booking": {"plural": "{n} bookings", "fr": ["{n} rendez-vous", "{n} rendez-vous", "{n} rendez-vous"],
                     "sw": ["miadi {n}", "miadi {n}"]}}

A plural entry gives one text per plural form of the language, in the catalog's order (its Plural-Forms header:
French has three — one, many, other —, Kiswahili two). Entries not in a catalog are reported and skipped (run
``scripts/i18n.sh extract update`` first); a filled entry loses its fuzzy mark.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

LOCALE = Path(__file__).resolve().parent.parent / 'app' / 'locale'


def catalog_path(language: str) -> Path:
    return LOCALE / language / 'LC_MESSAGES' / 'messages.po'


def missing(language: str) -> dict:
    with catalog_path(language).open('rb') as file:
        catalog = read_po(file)
    left = {}
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            key = message.id[0] if isinstance(message.id, tuple) else message.id
            left[key] = {'plural': message.id[1]} if isinstance(message.id, tuple) else {}
    return left


def fill(work: dict) -> None:
    for language in sorted({code for entry in work.values() for code in entry if code != 'plural'}):
        path = catalog_path(language)
        with path.open('rb') as file:
            catalog = read_po(file)
        by_key = {(m.id[0] if isinstance(m.id, tuple) else m.id): m for m in catalog if m.id}
        filled = 0
        for key, entry in work.items():
            if language not in entry:
                continue
            message = by_key.get(key)
            if message is None:
                print(f'{language}: not in the catalog: {key!r}', file=sys.stderr)
                continue
            text = entry[language]
            if isinstance(message.id, tuple):
                forms = list(text) if isinstance(text, list) else [text]
                forms += [forms[-1]] * (catalog.num_plurals - len(forms))
                message.string = tuple(forms[:catalog.num_plurals])
            else:
                message.string = text[0] if isinstance(text, list) else text
            message.flags.discard('fuzzy')
            filled += 1
        with path.open('wb') as file:
            write_po(file, catalog, width=120, omit_header=False, no_location=True, sort_output=True)
        print(f'{language}: {filled} filled')


if __name__ == '__main__':
    if sys.argv[1:2] == ['--missing']:
        print(json.dumps(missing(sys.argv[2]), ensure_ascii=False, indent=1))
    else:
        work: dict = {}
        for name in sys.argv[1:]:
            work.update(json.loads(Path(name).read_text(encoding='utf-8')))
        fill(work)
