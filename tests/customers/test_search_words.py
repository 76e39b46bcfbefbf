"""How a customer's words are folded (:func:`app.models.customer.searchable`): ASCII text takes a shortcut (lower
case, no Unicode normalisation) that must give exactly what the general fold gives, for every text."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from app.models.customer import searchable


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
