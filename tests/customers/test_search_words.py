"""How a customer's words are folded (:func:`app.models.customer.searchable`) and taken
(:func:`~app.models.customer.search_words`): ASCII text takes shortcuts (lower case, no Unicode normalisation; plain
words taken as they are) that must give exactly what the general rule gives, for every text."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from app.models.customer import WORD_LENGTH, search_words, searchable


def _folded_in_full(*parts: str | None) -> str:
    """The general fold, for every text: NFKD, combining marks dropped, casefold, non-words read as spaces."""
    text = unicodedata.normalize('NFKD', ' '.join(p for p in parts if p))
    text = ''.join(c for c in text if not unicodedata.combining(c)).casefold()
    return ' '.join(re.sub(r'[^\w@.]+|_', ' ', text).split())


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(st.lists(st.one_of(st.none(), st.text(st.characters(max_codepoint=127)), st.text()), max_size=3))
def test_the_ascii_shortcut_folds_as_the_general_rule_does(parts):
    assert searchable(*parts) == _folded_in_full(*parts)


def test_names_codes_and_e_mails_are_folded_to_their_words():
    assert searchable('José  Núñez-Ortiz', 'NUNJ01') == 'jose nunez ortiz nunj01'
    assert searchable("O'BRIEN_Pat", None, 'Pat.OBrien@Example.COM') == 'o brien pat pat.obrien@example.com'
    assert searchable('Straße') == 'strasse'


def _words_in_full(name, code, email, phone_e164) -> set[str]:
    """The general rule for a customer's words: the folded words, each written word also whole, the phone's
    digit suffixes (as :func:`search_words` documents it)."""
    written = ' '.join(p for p in (name, code, email) if p)
    words = set(_folded_in_full(written).split()) | {''.join(_folded_in_full(w).split()) for w in written.split()}
    words.discard('')
    digits = re.sub(r'\D', '', phone_e164 or '')
    if len(digits) >= 4:
        words |= {digits[start:] for start in {0, 1, 2, 3, max(0, len(digits) - 7), len(digits) - 4}}
    return {word[:WORD_LENGTH] for word in words}


_PLAINISH = st.text(st.sampled_from('abcXYZ019@. \t-_\'é'), max_size=30)
"""Mostly the shortcut's letters, with the characters that must leave it (hyphen, underscore, apostrophe, é)."""


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(st.one_of(st.none(), _PLAINISH, st.text()), st.one_of(st.none(), _PLAINISH), st.one_of(st.none(), _PLAINISH),
       st.one_of(st.none(), st.from_regex(r'\+[0-9]{0,14}', fullmatch=True)))
def test_a_customers_words_are_the_general_rules_with_or_without_the_shortcut(name, code, email, phone):
    assert search_words(name, code, email, phone) == _words_in_full(name, code, email, phone)


def test_plain_and_written_words_are_found_whole():
    assert search_words('29872499824296', 'P-1', 'Ann.Lee@mail.com', None) == {
        '29872499824296', 'p', '1', 'p1', 'ann.lee@mail.com'}
    assert search_words('Mary  Ann', None, None, '+254712345678') == {
        'mary', 'ann', '254712345678', '54712345678', '4712345678', '712345678', '2345678', '5678'}
