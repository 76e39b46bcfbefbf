"""The catalogs: every marked text of app/ translated in every language we ship, placeholders kept, plurals right;
and the language machinery (which language speaks, deferred text, locales)."""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

from app.services import i18n

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = [code for code in i18n.LANGUAGES if code != i18n.DEFAULT_LANGUAGE]
KEYWORDS = {**DEFAULT_KEYWORDS, 'N_': None, 'deferred': None}


@functools.cache
def source_messages() -> dict[str, str | None]:
    """Every text app/ marks for translation: singular → plural (None for a plain text), as pybabel extracts."""
    found: dict[str, str | None] = {}
    for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / 'app', method_map=[('**.py', 'python')], keywords=KEYWORDS):
        if isinstance(message, tuple):
            found[message[0]] = message[1]
        elif message:
            found[message] = None
    return found


@functools.cache
def catalog(language: str):
    with (i18n.LOCALE_DIR / language / 'LC_MESSAGES' / 'messages.po').open('rb') as file:
        return read_po(file, locale=language)


def entries(language: str) -> dict:
    return {(m.id[0] if isinstance(m.id, tuple) else m.id): m for m in catalog(language) if m.id}


def test_the_source_marks_texts():
    assert 'ClientPulse does not speak "{language}".' in source_messages()


@pytest.mark.parametrize('language', SHIPPED)
def test_every_marked_text_is_translated_and_not_fuzzy(language: str):
    known = entries(language)
    absent = [text for text in source_messages() if text not in known]
    assert not absent, f'{language}: not in the catalog (run scripts/i18n.sh extract update): {absent[:10]}'
    untranslated = [key for key, m in known.items() if key in source_messages()
                    and not all(m.string if isinstance(m.string, tuple) else (m.string,))]
    assert not untranslated, f'{language}: untranslated: {untranslated[:10]}'
    fuzzy = [key for key, m in known.items() if key in source_messages() and m.fuzzy]
    assert not fuzzy, f'{language}: fuzzy (check the translation, then remove the mark): {fuzzy[:10]}'


@pytest.mark.parametrize('language', SHIPPED)
def test_translations_keep_the_placeholders_of_their_source(language: str):
    wrong = []
    for key, message in entries(language).items():
        sources = message.id if isinstance(message.id, tuple) else (message.id,)
        wanted = set().union(*(i18n.placeholders(text) for text in sources))
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        # a plural form may leave out {n} where the language's word says the number ("une réservation")
        optional = {'n'} if isinstance(message.id, tuple) else set()
        for text in strings:
            if text and (i18n.placeholders(text) - wanted or wanted - optional - i18n.placeholders(text)):
                wrong.append((key, text))
    assert not wrong, f'{language}: placeholders differ from the source: {wrong[:5]}'


@pytest.mark.parametrize('language', SHIPPED)
def test_plural_texts_have_every_form_of_the_language(language: str):
    forms = catalog(language).num_plurals
    for key, message in entries(language).items():
        if isinstance(message.id, tuple) and key in source_messages():
            assert len(message.string) == forms and all(message.string), (language, key)
            assert source_messages()[key] == message.id[1], f'{language}: the plural of {key!r} changed'


@pytest.mark.parametrize('language', SHIPPED)
def test_each_catalog_says_who_can_review_it(language: str):
    assert catalog(language).last_translator and 'FULL NAME' not in catalog(language).last_translator


def test_the_language_of_the_moment_translates_and_falls_back():
    with i18n.speaking('fr'):
        assert i18n._('ClientPulse does not speak "{language}".') != 'ClientPulse does not speak "{language}".'
        assert i18n.current() == 'fr'
        with i18n.speaking('xx'):  # unknown: English
            assert i18n.current() == 'en'
    assert i18n.current() == 'en'
    assert i18n._('a text nobody marked') == 'a text nobody marked'


def test_plural_forms_follow_each_language():
    with i18n.speaking('en'):
        assert i18n.ngettext('{n} booking', '{n} bookings', 1) == '{n} booking'
        assert i18n.ngettext('{n} booking', '{n} bookings', 0) == '{n} bookings'


def test_deferred_text_is_shown_in_the_readers_language():
    stored = i18n.deferred('ClientPulse does not speak "{language}".', language='xx')
    with i18n.speaking('en'):
        assert i18n.shown(stored) == 'ClientPulse does not speak "xx".'
    with i18n.speaking('fr'):
        french = i18n.shown(stored)
    assert 'xx' in french and french != 'ClientPulse does not speak "xx".'
    assert i18n.shown('typed by a person') == 'typed by a person'
    assert i18n.shown(None) == ''


def test_languages_and_locales():
    assert i18n.language_of('sw_KE') == 'sw'
    assert i18n.language_of('de_DE') == 'en'
    assert i18n.locale_for('en_KE', 'sw') == 'sw_KE'
    assert i18n.locale_for('en_RW', 'fr') == 'fr_RW'
    assert i18n.locale_for('fr_FR', 'fr') == 'fr_FR'
    assert i18n.locale_for('en_CA', 'sw') == 'sw'  # Babel has no Swahili of Canada: Kiswahili's own formats
    assert i18n.locale_for('en_KE', 'fr') == 'fr'
    assert i18n.locale_for('en_KE', 'en') == 'en_KE'
    with pytest.raises(ValueError, match='xx'):
        i18n.check_language('xx')


def test_a_catalog_without_its_built_file_is_read_from_its_source(tmp_path, monkeypatch):
    i18n.translations.cache_clear()
    monkeypatch.setattr(i18n, 'LOCALE_DIR', tmp_path)
    folder = tmp_path / 'fr' / 'LC_MESSAGES'
    folder.mkdir(parents=True)
    (folder / 'messages.po').write_text('msgid ""\nmsgstr "Content-Type: text/plain; charset=utf-8\\n"\n\n'
                                        'msgid "Yes"\nmsgstr "Oui"\n', encoding='utf-8')
    try:
        with i18n.speaking('fr'):
            assert i18n._('Yes') == 'Oui'
    finally:
        i18n.translations.cache_clear()


def test_a_stored_date_is_written_in_the_readers_language():
    from datetime import date, datetime

    stored = i18n.deferred('Import finished: {summary}', summary=i18n.moment(datetime(2030, 3, 4, 14, 30),
                                                                              'EEE dd MMM HH:mm'))
    day = i18n.deferred('Import finished: {summary}', summary=i18n.moment(date(2030, 3, 4), 'EEEE d MMMM'))
    with i18n.speaking('en'):
        assert i18n.shown(stored) == 'Import finished: Mon 04 Mar 14:30'
        assert i18n.shown(day) == 'Import finished: Monday 4 March'
    with i18n.speaking('fr'):
        assert 'lun. 04 mars 14:30' in i18n.shown(stored) and 'lundi 4 mars' in i18n.shown(day)
    with i18n.speaking('sw'):
        assert 'Jumatatu 4 Machi' in i18n.shown(day)
    assert i18n.fit(stored, 60) == "Import finished: Mon 04 Mar 14:30"  # no room for its form: English, cut


def test_no_function_hides_gettext_behind_a_local_underscore():
    """``start, _ = …`` in a function makes ``_`` a local for the whole function: its ``_('…')`` then calls a
    datetime (the week view's time off did)."""
    found = []
    for path in (ROOT / 'app').rglob('*.py'):
        tree = ast.parse(path.read_text(encoding='utf-8'))
        if not any(isinstance(node, ast.ImportFrom) and any(alias.name == '_' for alias in node.names)
                   for node in tree.body):
            continue  # a module without gettext may use _ as it likes
        for function in ast.walk(tree):
            if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                found += [f'{path.relative_to(ROOT)}:{node.lineno}' for node in _own_nodes(function)
                          if isinstance(node, ast.Name) and node.id == '_' and isinstance(node.ctx, ast.Store)]
    assert not found, f'name it _unused or the like: {found}'


def _own_nodes(node):
    """The nodes of a function's own scope (not those of comprehensions, lambdas or nested functions)."""
    for child in ast.iter_child_nodes(node):
        if not isinstance(child, ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp | ast.Lambda
                          | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            yield child
            yield from _own_nodes(child)
