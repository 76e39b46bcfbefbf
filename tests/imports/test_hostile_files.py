"""Broken files and values end in a clear error naming file, line and field, and change nothing."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func
from sqlmodel import select

from app.config import reset_settings
from app.models import Booking, Customer, Location, Service, StaffMember
from app.services.database import session_scope
from app.services.errors import ClientPulseError, ImportRowError, ValidationError
from app.services.frontdesk import bookings
from app.services.imports import mapped as booking_imports
from app.services.imports import mapping
from tests.factories import OWNER

SIMPLE = {'options': {'time_zone': 'Europe/Lisbon', 'currency': 'EUR'},
          'fields': {'location': {'value': 'Hotel'}, 'customer': {'column': 'guest'},
                     'starts_at': {'column': 'day'}, 'duration': {'column': 'minutes'},
                     'price': {'column': 'price'}}}
HEADER = 'guest,day,minutes,price\n'


def counts() -> tuple[int, ...]:
    with session_scope() as session:
        return tuple(session.exec(select(func.count()).select_from(model)).one()
                     for model in (Location, Customer, Service, StaffMember, Booking))


def run_import(path: Path, spec: dict | None = None):
    return booking_imports.import_bookings(path, mapping.parse_mapping(spec or SIMPLE, name='m.toml'), actor=OWNER)


def refused(path: Path, spec: dict | None = None, error: type = ClientPulseError) -> str:
    before = counts()
    with pytest.raises(error) as raised:
        run_import(path, spec)
    assert counts() == before
    return str(raised.value)


def guests() -> set[str]:
    with session_scope() as session:
        return set(session.exec(select(Customer.code)).all())


@pytest.mark.parametrize('encoding', ['latin-1', 'cp1252', 'utf-16', 'utf-8-sig', 'utf-32'])
def test_files_in_other_encodings_are_read_by_their_encoding(encoding, sqlite_db, tmp_path):
    source = tmp_path / f'{encoding}.csv'
    source.write_bytes((HEADER + 'José Müller-Ødegård,2024-05-01 10:00,30,12.5\nÇelia Ñúñez,2024-05-02 11:00,45,'
                        '20\n').encode(encoding))
    assert run_import(source).added == 2
    assert guests() == {'José Müller-Ødegård', 'Çelia Ñúñez'}


def test_a_declared_encoding_is_used_and_a_wrong_one_names_the_line(sqlite_db, tmp_path):
    source = tmp_path / 'latin.csv'
    source.write_bytes((HEADER + 'Ann,2024-05-01 10:00,30,1\nJosé,2024-05-01 11:00,30,1\n').encode('latin-1'))
    declared = {**SIMPLE, 'options': {**SIMPLE['options'], 'encoding': 'utf-8'}}
    assert refused(source, declared).startswith('latin.csv, line 3: byte 0xe9 cannot be read as utf-8')
    assert run_import(source, {**SIMPLE, 'options': {'encoding': 'latin-1'}}).added == 2


@pytest.mark.parametrize(('content', 'message'), [
    (b'', 'empty.csv is empty.'),
    (b'\n\n  \n', 'empty.csv is empty: the first line must name the columns.'),
    (HEADER.encode(), 'empty.csv has a header but no rows to import.'),
    ((HEADER + ',,,\n\n').encode(), 'empty.csv has a header but no rows to import.'),
    ((HEADER + 'Ann,2024-05-01 10:00,30,1,extra\n').encode(), 'empty.csv, line 2: this row has 5 fields, the header 4'),
    (b'guest,day,guest\nA,2024-05-01,B\n', 'empty.csv, line 1: the column name "guest" appears twice'),
    ((HEADER + 'Ann,2024-05-01 10:00,30,' + 'x' * 6000 + '\n').encode(), 'empty.csv, line 2: column 4 holds 6,000'),
    ((HEADER + '"Ann,2024-05-01 10:00,30,1\n').encode(), 'empty.csv, line 2'),
])
def test_empty_header_only_and_malformed_files_say_what_is_wrong(content, message, sqlite_db, tmp_path):
    source = tmp_path / 'empty.csv'
    source.write_bytes(content)
    assert refused(source).startswith(message)


def test_blank_lines_keep_their_numbers_in_messages(sqlite_db, tmp_path):
    source = tmp_path / 'gaps.csv'
    source.write_text(HEADER + '\nAnn,2024-05-01 10:00,30,1\n\n\n"Bo\nBo",2024-05-01 11:00,30,1\nCy,someday,30,1\n')
    assert 'line 8 starts_at: "someday" is not a date/time' in refused(source)


@pytest.mark.parametrize('kind', ['random bytes', 'csv text', 'zip without a workbook', 'truncated workbook'])
def test_corrupt_and_fake_workbooks_are_refused(kind, sqlite_db, tmp_path):
    source = tmp_path / 'book.xlsx'
    if kind == 'random bytes':
        source.write_bytes(bytes(range(256)) * 40)
    elif kind == 'csv text':
        source.write_text(HEADER + 'Ann,2024-05-01 10:00,30,1\n')
    elif kind == 'zip without a workbook':
        with zipfile.ZipFile(source, 'w') as archive:
            archive.writestr('hello.txt', 'not a workbook')
    else:
        whole = tmp_path / 'whole.xlsx'
        _workbook(whole, [['guest', 'day'], ['Ann', '2024-05-01']])
        source.write_bytes(whole.read_bytes()[:600])
    assert refused(source) == ('book.xlsx is not an Excel workbook that can be read (save it again as .xlsx or '
                               'export it as CSV).')


def test_a_workbook_that_unpacks_to_too_much_is_refused_before_it_is_opened(sqlite_db, tmp_path, monkeypatch):
    monkeypatch.setenv('CLIENTPULSE_IMPORT_MAX_MB', '1')  # unpacked parts may be 4 MB
    reset_settings()
    source = tmp_path / 'bomb.xlsx'
    _workbook(source, [['guest', 'day'], ['Ann', '2024-05-01']])
    with zipfile.ZipFile(source, 'a', compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr('xl/padding.xml', b' ' * 20_000_000)  # 20 MB of XML in a file of ~20 KB
    assert source.stat().st_size < 100_000
    assert 'bomb.xlsx unpacks to 19 MB; the most one import reads is 4 MB' in refused(source)
    reset_settings()


def test_too_many_rows_and_too_large_files_are_refused(sqlite_db, tmp_path, monkeypatch):
    source = tmp_path / 'many.csv'
    source.write_text(HEADER + ''.join(f'G{i},2024-05-01 10:00,30,1\n' for i in range(30)))
    monkeypatch.setenv('CLIENTPULSE_IMPORT_MAX_ROWS', '20')
    reset_settings()
    assert 'many.csv has more than 20 rows' in refused(source)
    monkeypatch.setenv('CLIENTPULSE_IMPORT_MAX_MB', '0.0001')
    reset_settings()
    assert 'the most one import takes is 0.0001 MB' in refused(source)
    reset_settings()


def test_excel_workbook_rows_have_their_sheet_row_numbers(sqlite_db, tmp_path):
    source = tmp_path / 'book.xlsx'
    _workbook(source, [['guest', 'day', 'minutes', 'price'], ['Ann', '2024-05-01 10:00', 30, 12.5], [],
                       ['Bo', 'never', 30, 1]])
    assert 'book.xlsx, line 4, field "starts_at"' in refused(source)


@pytest.mark.parametrize(('cells', 'field', 'message'), [
    ('Ann,2024-05-01 10:00,-30,1', 'duration', '-30 minutes is negative'),
    ('Ann,2024-05-01 10:00,900000,1', 'duration', 'is longer than a year'),
    ('Ann,2024-05-01 10:00,30,99999999999', 'price', 'is too large an amount'),
    ('Ann,2024-05-01 10:00,30,inf', 'price', '"inf" is not a number'),
    ('Ann,3024-05-01 10:00,30,1', 'starts_at', 'is not a date/time from 1900 to 2199'),
    ('Ann,1024-05-01 10:00,30,1', 'starts_at', 'is not a date/time from 1900 to 2199'),
    (f'{"A" * 41},2024-05-01 10:00,30,1', 'customer', 'is 41 characters long; at most 40'),
    ('"Ann\x00",2024-05-01 10:00,30,1', 'customer', 'holds a NUL character'),
])
def test_bad_values_name_line_and_field_on_both_databases(cells, field, message, db, tmp_path):
    source = tmp_path / 'values.csv'
    source.write_text(HEADER + 'Ok,2024-05-01 09:00,30,1\n' + cells + '\n')
    text = refused(source, error=ImportRowError)
    assert text.startswith(f'values.csv, line 3, field "{field}"')
    assert message in text


def test_too_long_names_of_locations_staff_and_services_are_row_errors(db, tmp_path):
    source = tmp_path / 'long.csv'
    source.write_text('where,who,what,day\n' + f'{"L" * 121},Jo,Cut,2024-05-01\n' + f'Shop,{"S" * 81},Cut,2024-05-01\n'
                      + f'Shop,Jo,{"C" * 41},2024-05-01\n')
    spec = {'fields': {'location': {'column': 'where'}, 'staff_member': {'column': 'who'},
                       'service': {'column': 'what'}, 'starts_at': {'column': 'day'}}}
    text = refused(source, spec, ImportRowError)
    assert 'line 2 location: is 121 characters long; at most 120' in text
    assert 'line 3 staff_member: is 81 characters long; at most 80' in text
    assert 'line 4 service: is 41 characters long; at most 40' in text


def test_a_missing_booking_time_is_stored_as_null_and_the_day_still_lists(db, tmp_path):
    source = tmp_path / 'booked.csv'
    source.write_text('guest,day,made\nAnn,2024-05-01 10:00,\nBo,2024-05-01 11:00,2024-04-01 09:00\n')
    spec = {'fields': {'location': {'value': 'Hotel'}, 'customer': {'column': 'guest'},
                       'starts_at': {'column': 'day'}, 'booked_at': {'column': 'made'}}}
    report = run_import(source, spec)
    assert report.added == 2
    with session_scope() as session:
        made = dict(session.exec(select(Customer.code, Booking.booked_at).join(
            Customer, Customer.id == Booking.customer_id)).all())
        raw = session.connection().exec_driver_sql('SELECT booked_at FROM booking ORDER BY id').all()
    assert made['Ann'] is None and made['Bo'] is not None
    assert raw[0][0] is None  # a real NULL, not the text 'Na '
    listed = bookings.list_bookings(report.location_ids[0], actor=OWNER)
    assert [b.booked_at is None for b in listed] == [True, False]


MAPPING_MISTAKES = [
    ({'fields': {'location': 'Hotel', 'starts_at': {'column': 'day'}}}, 'field "location" must be a table'),
    ({'fields': {'location': {'value': 'H', 'column': 'x'}, 'starts_at': {'column': 'day'}}},
     'field "location" needs exactly one of column, value (it has column and value)'),
    ({'fields': {'location': {'expression': 'a + 1'}, 'starts_at': {'column': 'day'}}},
     'field "location" cannot use expression; it takes column, value'),
    ({'fields': {'location': {'value': 'H'}, 'starts_at': {'column': 'day', 'unit': 'days'}}},
     'field "starts_at": unit does not apply here'),
    ({'fields': {'location': {'value': 'H'}, 'starts_at': {'column': 'day', 'colum': 'x'}}},
     'field "starts_at": colum: is not a known key'),
    ({'fields': {'location': {'value': 'H'}, 'starts_at': {'column': 7}}}, 'field "starts_at": column: Input should'),
    ({'fields': {'location': {'value': 'H'}, 'starts_at': {'column': 'day', 'format': 'yyyy-mm-dd'}}},
     '"yyyy-mm-dd" is not a date format'),
    ({'fields': {'location': {'value': 'H'}, 'starts_at': {'column': 'day', 'time_zone': 'Mars/Olympus'}}},
     '"Mars/Olympus" is not an IANA time zone'),
    ({'fields': {'location': {'value': 'H'}, 'starts_at': {'parts': {'year': 'y', 'month': 'm'}}}},
     'parts needs year, month and day columns'),
    ({'fields': {'location': {'value': 'H'}, 'starts_at': {'column': 'day'}, 'duration': {'value': 'long'}}},
     'field "duration": value must be a number'),
    ({'fields': {'location': {'value': 'H'}, 'starts_at': {'column': 'day'}, 'duration': {'column': 'd',
                                                                                           'unit': 'weeks'}}},
     "field \"duration\": unit: Input should be 'minutes', 'hours' or 'days'"),
    ({'fields': {'location': {'value': 'H'}, 'starts_at': {'column': 'day'},
                 'status': {'column': 's', 'values': {'1': 2}}}}, 'field "status": values.1: Input should'),
    ({'fields': {'location': {'value': 'H'}, 'starts_at': {'column': ' '}}}, 'a column name cannot be blank'),
    ({'options': {'time_zone': 'Atlantis'}, 'fields': {'location': {'value': 'H'}, 'starts_at': {'column': 'd'}}},
     '[options] time_zone: "Atlantis" is not an IANA time zone'),
    ({'options': {'currency': 'XYZ'}, 'fields': {'location': {'value': 'H'}, 'starts_at': {'column': 'd'}}},
     '"XYZ" is not an ISO 4217 currency code'),
    ({'options': {'delimiter': ';;'}, 'fields': {'location': {'value': 'H'}, 'starts_at': {'column': 'd'}}},
     'the delimiter is one character'),
    ({'options': {'encoding': 'klingon'}, 'fields': {'location': {'value': 'H'}, 'starts_at': {'column': 'd'}}},
     '"klingon" is not a text encoding'),
    ({'options': {'colour': 'red'}, 'fields': {'location': {'value': 'H'}, 'starts_at': {'column': 'd'}}},
     '[options] colour: is not a known key'),
    ({'field': {}}, 'unknown section(s) field'),
    ({'fields': []}, '[fields] must be a table'),
]


@pytest.mark.parametrize(('data', 'message'), MAPPING_MISTAKES)
def test_mapping_mistakes_are_named_when_the_mapping_is_checked(data, message):
    with pytest.raises(ValidationError) as raised:
        mapping.parse_mapping(data, name='m.toml')
    assert str(raised.value).startswith('m.toml')
    assert message in str(raised.value)


def test_a_missing_column_and_a_wrong_sheet_are_named(sqlite_db, tmp_path):
    source = tmp_path / 'f.csv'
    source.write_text('guest,when\nAnn,2024-05-01\n')
    assert refused(source).startswith('f.csv, line 1, field "starts_at": column(s) day, minutes, price not in the '
                                      'file (it has: "guest", "when")')
    book = tmp_path / 'b.xlsx'
    _workbook(book, [['guest', 'day'], ['Ann', '2024-05-01']])
    sheet = {**SIMPLE, 'options': {'sheet': 'Bookings'}}
    assert refused(book, sheet) == 'b.xlsx has no sheet "Bookings" (it has: Sheet).'


def test_toml_that_is_not_valid_or_not_utf8(tmp_path):
    with pytest.raises(ValidationError, match='m is not valid TOML'):
        mapping.parse_toml('[fields\nlocation = 1', name='m')
    path = tmp_path / 'latin.toml'
    path.write_bytes('[fields]\nlocation = { value = "Café" }\n'.encode('latin-1'))
    with pytest.raises(ValidationError, match=r'latin\.toml cannot be read as UTF-8'):
        mapping.load_mapping(path)


def _workbook(path: Path, rows: list[list]) -> None:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)


def test_progress_only_moves_forward_and_ends_at_one(sqlite_db, tmp_path):
    source = tmp_path / 'ok.csv'
    source.write_text(HEADER + ''.join(f'G{i},2024-05-01 {9 + i}:00,30,1\n' for i in range(5)))
    seen: list[float] = []
    booking_imports.import_bookings(source, mapping.parse_mapping(SIMPLE), actor=OWNER,
                                    progress=lambda fraction, _message: seen.append(fraction))
    assert seen == sorted(seen) and seen[-1] == 1.0


def test_imported_times_are_the_same_instants_whatever_the_databases_time_zone(db, tmp_path):
    """Times reach PostgreSQL's COPY as text: they must carry their zone, or a session in another time zone (a
    server set to Nairobi's) would store each booking hours off."""
    from sqlalchemy import create_engine, text

    from app.services import database

    source = tmp_path / 'booked.csv'
    source.write_text('guest,day,made\nAnn,2024-05-01 10:00,2024-04-01 09:30\n')
    spec = {'options': {'time_zone': 'UTC'},
            'fields': {'location': {'value': 'Hotel'}, 'customer': {'column': 'guest'},
                       'starts_at': {'column': 'day'}, 'booked_at': {'column': 'made'}}}
    away = db.startswith('postgresql')
    if away:  # every new connection of the app's to this database speaks Auckland time (UTC+12 in May)
        admin = create_engine(db, isolation_level='AUTOCOMMIT')
        name = admin.url.database
        with admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{name}" SET timezone TO \'Pacific/Auckland\''))
        database.reset_engines()
    try:
        run_import(source, spec)
        with session_scope() as session:
            stored = session.exec(select(Booking.starts_at, Booking.booked_at)).one()
            if away:
                assert session.connection().exec_driver_sql('SHOW timezone').scalar() == 'Pacific/Auckland'
    finally:
        if away:
            with admin.connect() as connection:
                connection.execute(text(f'ALTER DATABASE "{name}" RESET timezone'))
            admin.dispose()
            database.reset_engines()
    assert [t.isoformat() for t in stored] == ['2024-05-01T10:00:00+00:00', '2024-04-01T09:30:00+00:00']
