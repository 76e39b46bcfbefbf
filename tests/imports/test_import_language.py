"""Import errors in the reader's language: the file, line and field named in French or Kiswahili."""

from __future__ import annotations

import pytest

from app.services import i18n
from app.services.errors import ImportRowError, ValidationError
from app.services.imports import mapped as booking_imports
from app.services.imports import mapping, tabular
from tests.factories import OWNER

MAPPING = """
[options]
time_zone = "Africa/Nairobi"
currency = "KES"

[fields]
location = { value = "Westlands" }
customer = { column = "Client" }
starts_at = { column = "Start", format = "%Y-%m-%d %H:%M" }
price = { column = "Price" }
"""


def bookings_file(tmp_path, price: str = '1500'):
    path = tmp_path / 'miadi.csv'
    path.write_text('Client,Start,Price\nAsha,2030-03-04 10:00,1200\nJuma,2030-03-04 11:00,' + price + '\n',
                    encoding='utf-8')
    return path


def test_a_bad_value_in_french_names_the_line_and_the_field(sqlite_db, tmp_path):
    path = bookings_file(tmp_path, price='cher')
    with i18n.speaking('fr'), pytest.raises(ImportRowError) as raised:
        booking_imports.import_bookings(path, mapping.parse_toml(MAPPING), actor=OWNER)
    message = str(raised.value)
    assert message.startswith('miadi.csv, ligne 3, champ « price » : 1 valeur n’a pas pu être lue')
    assert 'ligne 3 price : « cher » n’est pas un nombre' in message
    assert raised.value.line == 3 and raised.value.field == 'price'


def test_the_same_error_in_english_and_kiswahili(sqlite_db, tmp_path):
    path = bookings_file(tmp_path, price='ghali')
    spec = mapping.parse_toml(MAPPING)
    with pytest.raises(ImportRowError) as english:
        booking_imports.preview(path, spec)
    assert str(english.value) == ('miadi.csv, line 3, field "price": 1 value could not be read: line 3 price: '
                                  '"ghali" is not a number')
    with i18n.speaking('sw'), pytest.raises(ImportRowError) as swahili:
        booking_imports.preview(path, spec)
    assert str(swahili.value).startswith('miadi.csv, mstari 3, sehemu "price": Thamani 1 haikuweza kusomwa')


def test_file_and_mapping_refusals_are_translated(tmp_path):
    empty = tmp_path / 'tupu.csv'
    empty.write_bytes(b'')
    with i18n.speaking('fr'), pytest.raises(ValidationError, match=r'^tupu\.csv est vide\.$'):
        tabular.read_raw(empty)
    with i18n.speaking('sw'), pytest.raises(ValidationError) as raised:
        mapping.parse_toml('[fields]\nlocation = { value = "x" }\n', name='ulinganisho')
    assert str(raised.value) == 'ulinganisho: sehemu "starts_at" lazima ilinganishwe'
    doubled = tmp_path / 'mara-mbili.csv'
    doubled.write_text('A,A\n1,2\n', encoding='utf-8')
    with i18n.speaking('fr'), pytest.raises(ImportRowError) as twice:
        tabular.read_raw(doubled)
    assert str(twice.value) == ('mara-mbili.csv, ligne 1 : le nom de colonne « A » apparaît deux fois '
                                '(colonnes 1 et 2)')
