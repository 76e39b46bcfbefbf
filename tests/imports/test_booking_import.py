"""Generic import through the example mappings, checked against plain pandas on the raw files."""

from __future__ import annotations

import shutil
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook
from sqlalchemy import case, func
from sqlmodel import select
from typer.testing import CliRunner

from app.cli import cli
from app.models import Booking, Customer, Location
from app.services.catalogue import locations
from app.services.customers import customers
from app.services.database import session_scope
from app.services.errors import ImportRowError, ValidationError
from app.services.imports import mapped as booking_imports
from app.services.imports import mapping
from tests.factories import OWNER

MAPPINGS = Path(__file__).resolve().parents[2] / 'docs' / 'mappings'
CLINIC = 'KaggleV2-May-2016.csv'
HOTEL = 'hotel_bookings.csv'


def per_location(*columns) -> dict:
    with session_scope() as session:
        rows = session.exec(select(Location.name, *columns).join(Booking, Booking.location_id == Location.id)
                            .group_by(Location.name)).all()
    return {name: tuple(values) for name, *values in rows}


def booking_count() -> int:
    with session_scope() as session:
        return session.exec(select(func.count()).select_from(Booking)).one()


def test_clinic_file_keeps_patient_ids_and_no_shows(sqlite_db, shared_data):
    raw = pd.read_csv(shared_data / CLINIC, dtype={'PatientId': str})
    spec = mapping.load_mapping(MAPPINGS / 'clinic-noshow.toml')
    report = booking_imports.import_bookings(shared_data / CLINIC, spec, actor=OWNER)
    assert report.added == len(raw) == 110_527
    with session_scope() as session:
        statuses = dict(session.exec(select(Booking.status, func.count()).group_by(Booking.status)).all())
        codes = set(session.exec(select(Customer.code)).all())
    outcome = raw['No-show'].value_counts()
    assert statuses == {'no_show': outcome['Yes'], 'completed': outcome['No']}
    assert codes == set(raw['PatientId'])
    assert '3921784439E-5' in codes  # scientific notation kept as written, never turned into a number
    (location,) = [place.id for place in locations.list_locations(actor=OWNER)]
    patient = raw['PatientId'].iloc[-1]  # the customers written in bulk are found by the desk's search too
    assert [c.code for c in customers.find_customers(location, patient[:8], actor=OWNER, limit=50)
            if c.code == patient] == [patient]


def test_hotel_file_per_hotel_counts_cancellations_and_revenue(db, shared_data):
    raw = pd.read_csv(shared_data / HOTEL, dtype=str, keep_default_na=False)
    spec = mapping.load_mapping(MAPPINGS / 'hotel-bookings.toml')
    report = booking_imports.import_bookings(shared_data / HOTEL, spec, actor=OWNER)
    assert report.added == len(raw) == 119_390  # the 31,994 exact duplicates stay separate bookings
    nights = raw['stays_in_weekend_nights'].astype(int) + raw['stays_in_week_nights'].astype(int)
    cents = [int((Decimal(adr) * n * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
             for adr, n in zip(raw['adr'], nights, strict=True)]
    expected = (raw.assign(cents=cents, cancelled=raw['is_canceled'] == '1')
                .groupby('hotel').agg(bookings=('hotel', 'size'), cancelled=('cancelled', 'sum'),
                                      cents=('cents', 'sum')))
    cancelled = func.sum(case((Booking.status == 'cancelled', 1), else_=0))
    got = per_location(func.count(), cancelled, func.sum(Booking.price_cents))
    assert got == {hotel: (row.bookings, row.cancelled, row.cents) for hotel, row in expected.iterrows()}


def test_reimport_and_later_export_add_only_new_rows(sqlite_db, shared_data, tmp_path):
    source = tmp_path / 'hotel.csv'
    lines = (shared_data / HOTEL).read_text().splitlines()[:501]
    source.write_text('\n'.join(lines) + '\n')
    spec = mapping.load_mapping(MAPPINGS / 'hotel-bookings.toml')
    first = booking_imports.import_bookings(source, spec, actor=OWNER)
    again = booking_imports.import_bookings(source, spec, actor=OWNER)
    assert (first.added, again.added, again.already_there) == (500, 0, 500)
    source.write_text('\n'.join([*lines, lines[1]]) + '\n')  # a later export: one row now twice
    assert booking_imports.import_bookings(source, spec, actor=OWNER).added == 1
    assert booking_count() == 501


def test_bad_values_name_their_lines_and_change_nothing(sqlite_db, shared_data, tmp_path):
    source = tmp_path / 'hotel.csv'
    lines = (shared_data / HOTEL).read_text().splitlines()[:40]
    lines[6] = lines[6].replace('July', 'Julember', 1)
    cells = lines[20].split(',')
    cells[27] = 'cheap'  # adr
    lines[20] = ','.join(cells)
    source.write_text('\n'.join(lines) + '\n')
    with pytest.raises(ImportRowError) as raised:
        booking_imports.import_bookings(source, mapping.load_mapping(MAPPINGS / 'hotel-bookings.toml'), actor=OWNER)
    message = str(raised.value)
    assert message.startswith('hotel.csv, line 7, field "starts_at": 2 values could not be read')
    assert 'line 21 price: adr "cheap" is not a number' in message
    assert booking_count() == 0


def test_unmapped_status_value_is_reported(sqlite_db, shared_data, tmp_path):
    source = tmp_path / 'clinic.csv'
    lines = (shared_data / CLINIC).read_text().splitlines()[:10]
    lines[3] = lines[3].rsplit(',', 1)[0] + ',Maybe'
    source.write_text('\n'.join(lines) + '\n')
    with pytest.raises(ImportRowError, match=r'line 4 status: "Maybe" is not one of'):
        booking_imports.import_bookings(source, mapping.load_mapping(MAPPINGS / 'clinic-noshow.toml'), actor=OWNER)


def test_mapping_errors_are_clear():
    with pytest.raises(ValidationError, match='the field "starts_at" must be mapped'):
        mapping.parse_mapping({'fields': {'location': {'value': 'x'}}})
    with pytest.raises(ValidationError, match='unknown field'):
        mapping.parse_mapping({'fields': {'location': {'value': 'x'}, 'starts_at': {'column': 'a'}, 'color': {}}})


def test_xlsx_and_preview(sqlite_db, shared_data, tmp_path):
    raw = pd.read_csv(shared_data / CLINIC, dtype=str, nrows=50)
    book = Workbook()
    sheet = book.active
    sheet.append(list(raw.columns))
    for row in raw.itertuples(index=False):
        sheet.append(list(row))
    book.save(tmp_path / 'clinic.xlsx')
    spec = mapping.load_mapping(MAPPINGS / 'clinic-noshow.toml')
    shown = booking_imports.preview(tmp_path / 'clinic.xlsx', spec, rows=5)
    assert shown['customer'].tolist() == raw['PatientId'].head(5).tolist()
    assert booking_count() == 0  # a preview writes nothing
    assert booking_imports.import_bookings(tmp_path / 'clinic.xlsx', spec, actor=OWNER).added == 50


def test_cli_import_bookings(sqlite_db, shared_data, tmp_path):
    source = tmp_path / 'few.csv'
    source.write_text('\n'.join((shared_data / HOTEL).read_text().splitlines()[:101]) + '\n')
    shutil.copy(MAPPINGS / 'hotel-bookings.toml', tmp_path / 'm.toml')
    result = CliRunner().invoke(cli, ['import', 'bookings', str(source), '--mapping', str(tmp_path / 'm.toml')])
    assert result.exit_code == 0, result.output
    assert '100 rows: 100 bookings added, 0 already there' in result.output


def test_bulk_codes_never_repeat_each_other_or_a_stored_code(db, monkeypatch):
    from tests.factories import at, make_booking, make_customer, make_location, make_service, make_staff_member
    location = make_location(time_zone='UTC')
    member, service = make_staff_member(location, start='00:00', end='23:59'), make_service(location)
    stored = make_booking(location, member, service, make_customer(location), at(date(2030, 3, 4), '10:00', 'UTC'))
    drawn = iter([stored.code, 'AAAAAAAAAA', 'AAAAAAAAAA', 'BBBBBBBBBB', stored.code, 'CCCCCCCCCC'])
    monkeypatch.setattr(booking_imports, 'new_booking_codes', lambda count: [next(drawn) for _ in range(count)])
    with session_scope() as session:
        assert sorted(booking_imports.new_codes(session, 3)) == ['AAAAAAAAAA', 'BBBBBBBBBB', 'CCCCCCCCCC']


def test_cancelled_at_is_read_for_cancelled_rows_only_and_bad_ones_are_named(sqlite_db, tmp_path):
    source = tmp_path / 'visits.csv'
    source.write_text('Day,Client,State,Changed\n'
                      '2030-03-08,C1,cancelled,2030-03-01\n'   # cancelled a week ahead
                      '2030-03-08,C2,done,2030-03-09\n'        # the column says when they left: not a cancellation
                      '2030-03-08,C3,cancelled,\n', encoding='utf-8')  # cancelled, day not given
    spec = mapping.parse_toml(
        '[options]\ntime_zone = "America/Toronto"\ncurrency = "CAD"\n[fields]\nlocation = { value = "Spa" }\n'
        'customer = { column = "Client" }\nstarts_at = { column = "Day", format = "%Y-%m-%d" }\n'
        'status = { column = "State", values = { cancelled = "cancelled", done = "completed" } }\n'
        'cancelled_at = { column = "Changed", format = "%Y-%m-%d" }\n')
    booking_imports.import_bookings(source, spec, actor=OWNER)
    with session_scope() as session:
        rows = session.exec(select(Customer.code, Booking.cancelled_at).join(
            Customer, Customer.id == Booking.customer_id).order_by(Customer.code)).all()
    assert [(code, at and at.date()) for code, at in rows] == [('C1', date(2030, 3, 1)), ('C2', None),
                                                              ('C3', None)]
    source.write_text('Day,Client,State,Changed\n2030-03-08,C4,cancelled,soon\n', encoding='utf-8')
    with pytest.raises(ImportRowError, match=r'line 2 cancelled_at: "soon" is not a date/time'):
        booking_imports.import_bookings(source, spec, actor=OWNER)
    assert booking_count() == 3
