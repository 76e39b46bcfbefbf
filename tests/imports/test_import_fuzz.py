"""Property: whatever file and mapping arrive, an import ends in either a successful import or a clear error
that names where (the file, line and field, or the mapping and field), never a traceback, and a refused
import leaves the database exactly as it was."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from app.services.database import session_scope
from app.services.errors import ClientPulseError, ImportRowError, ValidationError
from app.services.imports import mapped as booking_imports
from app.services.imports import mapping
from tests.factories import OWNER

COLUMNS = ['day', 'guest', 'price', 'nights', 'status', 'Total amount', 'who', '', ' day ', 'é', 'a,b']
GOOD = ['day', 'guest', 'price', 'nights', 'status']
DAYS = st.sampled_from(['2030-03-04', '2030-03-04 10:00', '2029-12-31 23:30', '2030-03-05T09:15'])
WEIRD = st.one_of(
    st.sampled_from(['04/03/2030', '1899-12-31', '9999-12-31', 'July', '', '12.5', '-3', '0', 'inf', 'nan', '1e308',
                     'Yes', 'No', 'maybe', '=cmd|calc', '"', '""', ',', ';', '\n', '\r\n', '\x00', 'Ødegård',
                     'x' * 300, 'x' * 6000]),
    st.text(max_size=12),
    st.integers(-10**12, 10**12).map(str),
)
GOOD_CELLS = {'day': DAYS, 'guest': st.sampled_from(['Ann', 'Bo Lee', 'Ødegård', '', 'Ann']),
              'price': st.sampled_from(['12.5', '0', '80', '-6.38', '']),
              'nights': st.sampled_from(['1', '2', '0', '']), 'status': st.sampled_from(['Yes', 'No'])}
EXPRESSIONS = ['price * nights', 'price / nights', 'round(price, 2)', 'column("Total amount") + 1', 'nights - -1',
               "__import__('os').system('true')", 'price.real', 'price ** 2', 'min(price)', '', '((price', 'who',
               'price + 1', 'max(price, 10) - nights']


def maybe(good: st.SearchStrategy, bad: st.SearchStrategy) -> st.SearchStrategy:
    """``good`` nine times in ten, else ``bad`` (so that many examples get past the first check)."""
    return st.integers(0, 9).flatmap(lambda i: bad if i == 0 else good)


TEXT_FIELD = maybe(st.sampled_from([{'column': 'guest'}, {'value': 'Walk-in'}, {'column': 'who'}]),
                   st.one_of(st.builds(lambda v: {'value': v}, st.one_of(st.text(max_size=8), st.integers(),
                                                                          st.booleans())),
                             st.dictionaries(st.sampled_from(['column', 'value', 'colum', 'expression']),
                                             st.sampled_from(['guest', 3, None]), max_size=3)))
NUMBER_FIELD = maybe(st.one_of(st.sampled_from([{'column': 'price'}, {'value': 12}, {'value': '2.5'}]),
                               st.builds(lambda e: {'expression': e}, st.sampled_from(EXPRESSIONS))),
                     st.one_of(st.builds(lambda v: {'value': v}, st.one_of(st.floats(), st.text(max_size=5))),
                               st.builds(lambda u: {'column': 'nights', 'unit': u},
                                         st.sampled_from(['minutes', 'hours', 'days', 'weeks']))))
MAPPINGS = st.fixed_dictionaries({
    'options': maybe(st.just({'time_zone': 'Europe/Lisbon', 'currency': 'EUR'}), st.fixed_dictionaries({}, optional={
        'time_zone': st.sampled_from(['UTC', 'America/Sao_Paulo', 'Mars/Base', '']),
        'currency': st.sampled_from(['EUR', 'usd', 'XYZ']),
        'delimiter': st.sampled_from([',', ';', '\t', ',,']),
        'encoding': st.sampled_from(['utf-8', 'latin-1', 'utf-16', 'klingon']),
        'colour': st.just('red')})),
    'fields': st.fixed_dictionaries(
        {'location': maybe(st.just({'value': 'Fuzz shop'}), TEXT_FIELD),
         'starts_at': maybe(st.just({'column': 'day'}), st.builds(
             lambda c, f: {'column': c, 'format': f}, st.sampled_from(COLUMNS),
             st.sampled_from(['%Y-%m-%d', '%d/%m/%Y', 'yyyy', '%Y-%m-%d %H:%M', '%Q'])))},
        optional={'customer': TEXT_FIELD, 'duration': NUMBER_FIELD, 'price': NUMBER_FIELD,
                  'status': maybe(st.just({'column': 'status', 'values': {'Yes': 'no_show', 'No': 'completed'}}),
                                  TEXT_FIELD),
                  'booked_at': maybe(st.just({'lead_days': 'nights'}), st.just({'column': 'guest'}))}),
})


@st.composite
def files(draw) -> tuple:
    header = draw(maybe(st.just(GOOD), st.lists(st.sampled_from(COLUMNS), max_size=7)))
    count = draw(st.integers(0, 6))
    rows = []
    for _ in range(count):
        row = [draw(maybe(GOOD_CELLS.get(name, WEIRD), WEIRD)) for name in header]
        rows.append(draw(maybe(st.just(row), st.just([*row[:-1], 'extra', 'cells']))))
    encoding = draw(maybe(st.sampled_from(['utf-8', 'utf-8-sig']),
                          st.sampled_from(['utf-16', 'latin-1', 'cp1252', 'raw bytes'])))
    delimiter = draw(maybe(st.just(','), st.sampled_from([';', '\t'])))
    return header, rows, encoding, delimiter, draw(st.binary(max_size=200))


def write_file(path, header, rows, encoding, delimiter, noise) -> None:
    if encoding == 'raw bytes':
        path.write_bytes(noise)
        return
    if path.suffix == '.xlsx':  # a real workbook of the same cells (text that openpyxl cannot store is dropped)
        from openpyxl import Workbook
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
        book = Workbook()
        for line in [header, *rows]:
            book.active.append([ILLEGAL_CHARACTERS_RE.sub('', c) for c in line])
        book.save(path)
        return
    quoted = lambda cell: '"' + cell.replace('"', '""') + '"' if set(cell) & {delimiter, '"', '\n', '\r'} else cell  # noqa: E731
    lines = [delimiter.join(quoted(c) for c in line) for line in [header, *rows]]
    path.write_bytes('\n'.join(lines).encode(encoding, errors='replace'))


def snapshot() -> dict[str, list]:
    with session_scope() as session:
        return {name: sorted(map(tuple, session.execute(text(f'SELECT * FROM {name}')).all()), key=repr)
                for name in ('location', 'customer', 'service', 'staff_member', 'booking')}


@pytest.mark.parametrize('suffix', ['.csv', '.xlsx'])
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=MAPPINGS, file=files())
def test_any_file_and_mapping_import_or_say_where(suffix, spec, file, sqlite_db, tmp_path):
    path = tmp_path / f'fuzz{suffix}'
    write_file(path, *file)
    before = snapshot()
    try:
        checked = mapping.parse_mapping(spec, name='m.toml')
        report = booking_imports.import_bookings(path, checked, actor=OWNER)
    except ValidationError as error:
        event('refused: mapping' if str(error).startswith('m.toml') else 'refused: file')
        message = str(error)
        assert message.startswith(('m.toml', f'fuzz{suffix}')), message
        assert snapshot() == before
    except ImportRowError as error:
        event('refused: a line')
        assert str(error).startswith(f'fuzz{suffix}, line '), str(error)
        assert error.line >= 1
        assert snapshot() == before
    except ClientPulseError as error:  # any other refusal must still say what is wrong, and change nothing
        assert str(error) and 'Traceback' not in str(error)
        assert snapshot() == before
    else:
        event('imported')
        after = snapshot()
        assert len(after['booking']) == len(before['booking']) + report.added
        assert report.added + report.already_there == report.rows
