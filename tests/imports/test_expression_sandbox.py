"""Mapping expressions are data, never code: a small grammar checked when the mapping is read."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from app.services.errors import ValidationError
from app.services.imports import expressions, mapping
from app.services.imports import mapped as booking_imports

ATTACKS = [
    "__import__('os').system('touch {marker}')",
    "adr.__class__.__mro__[1].__subclasses__()",
    "@pd.io.common.os.system('touch {marker}')",
    "(lambda: __import__('os').system('touch {marker}'))()",
    "open('{marker}', 'w').write('x')",
    "adr if adr else exec('import os')",
    "[c for c in ().__class__.__base__.__subclasses__()]",
    "getattr(adr, 'x')",
    "adr ** 99999999",
    "f'{{adr}}'",
    "adr.max()",
    "column('adr').x",
    "round(adr, nights)",
]


def hotel_mapping(expression: str) -> dict:
    return {'options': {'time_zone': 'Europe/Lisbon'},
            'fields': {'location': {'value': 'Hotel'}, 'starts_at': {'column': 'day'},
                       'price': {'expression': expression}}}


@pytest.mark.parametrize('attack', ATTACKS)
def test_code_in_an_expression_is_refused_when_the_mapping_is_checked(attack, sqlite_db, tmp_path):
    marker = tmp_path / 'ran'
    text = attack.format(marker=marker)
    with pytest.raises(ValidationError, match='field "price"') as raised:
        mapping.parse_mapping(hotel_mapping(text), name='m.toml')
    assert 'm.toml' in str(raised.value)
    assert not marker.exists()


def test_preview_never_evaluates_what_the_grammar_refuses(sqlite_db, tmp_path):
    """The exploit of the probe: a manager's Preview ran a shell command. Now the mapping never parses."""
    marker = tmp_path / 'ran'
    source = tmp_path / 'file.csv'
    source.write_text('day,adr\n2024-05-01,10\n', encoding='utf-8')
    toml = ('[fields]\nlocation = { value = "Hotel" }\nstarts_at = { column = "day" }\n'
            f'price = {{ expression = "__import__(\'os\').system(\'touch {marker}\')", columns = ["adr"] }}\n')
    with pytest.raises(ValidationError):
        booking_imports.preview(source, mapping.parse_toml(toml))
    assert not marker.exists()


@pytest.mark.parametrize(('text', 'columns', 'expected'), [
    ('adr * (weekend + week)', ('adr', 'weekend', 'week'), [30.0, 6.25]),
    ('column("Total amount") / 2 - 1', ('Total amount',), [4.0, 1.5]),
    ('-adr + +week', ('adr', 'week'), [-8.0, 0.0]),
    ('round(adr / 3, 1)', ('adr',), [3.3, 0.8]),
    ('round(2.5) + round(-2.5)', (), [0.0, 0.0]),  # half away from zero: 3 + -3
    ('min(adr, 5) + max(week, 1, 0)', ('adr', 'week'), [7.0, 5.0]),
    ('abs(week - adr)', ('week', 'adr'), [8.0, 0.0]),
    ('1e3', (), [1000.0, 1000.0]),
])
def test_the_grammar_computes_what_it_says(text, columns, expected):
    parsed = expressions.parse(text)
    assert parsed.columns == columns
    index = pd.Index([2, 3])
    values = {'adr': pd.Series([10.0, 2.5], index=index), 'weekend': pd.Series([1.0, 0.0], index=index),
              'week': pd.Series([2.0, 2.5], index=index), 'Total amount': pd.Series([10.0, 5.0], index=index)}
    result = expressions.evaluate(parsed, {c: values[c] for c in columns}, index=index)
    assert result.round(6).tolist() == expected
    assert result.index.equals(index)


def test_division_by_zero_is_a_row_error_not_a_crash(sqlite_db, tmp_path):
    source = tmp_path / 'file.csv'
    source.write_text('day,amount,nights\n2024-05-01,10,2\n2024-05-02,10,0\n', encoding='utf-8')
    spec = mapping.parse_mapping({'fields': {'location': {'value': 'Hotel'}, 'starts_at': {'column': 'day'},
                                             'price': {'expression': 'amount / nights'}}})
    with pytest.raises(Exception, match=r'file.csv, line 3, field "price".*amount / nights gives inf'):
        booking_imports.preview(source, spec)


def test_the_example_mappings_still_parse():
    for path in sorted((Path(__file__).resolve().parents[2] / 'docs' / 'mappings').glob('*.toml')):
        assert mapping.load_mapping(path).fields
