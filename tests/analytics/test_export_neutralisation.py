"""Text that could run as a spreadsheet formula leaves every export as text (OWASP CSV injection), while the
numbers ClientPulse computed stay numbers."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook

from app.services import cells
from app.services.accounts import activity
from app.services.analytics import exports, reports
from tests.factories import OWNER, at, make_booking, make_customer, make_location, make_service, make_staff_member

DAY = date(2030, 3, 4)
FORMULAS = ['=HYPERLINK("http://evil.example","Click")', '+SUM(1,2)', '-2+3', '@SUM(1)', '\t=1+1', '\r=1+1',
            "=cmd|' /C calc'!A0"]
NAMES = [f for f in FORMULAS if '\r' not in f]  # a customer's name may not hold a carriage return at all


@pytest.mark.parametrize('text', FORMULAS)
def test_formula_text_is_prefixed_and_plain_text_and_numbers_are_not(text):
    assert cells.safe_text(text) == "'" + text
    assert cells.csv_value(text) == "'" + text
    assert cells.csv_value('Alex Kim') == 'Alex Kim'
    assert cells.csv_value(-12.5) == '-12.5'  # a number we computed stays a number
    assert cells.excel_value(-3) == -3
    assert cells.csv_value(date(2030, 3, 4)) == '2030-03-04'


@pytest.fixture
def poisoned(sqlite_db):
    """A shop whose customer, staff member and service names are formulas, with one booking each."""
    location = make_location('=LOC()', time_zone='UTC')
    member = make_staff_member(location, '+STAFF()', start='08:00', end='20:00')
    service = make_service(location, 'X1', '@SERVICE()', price_cents=1250)
    for hour, name in zip(range(9, 9 + len(NAMES)), NAMES, strict=True):
        make_booking(location, member, service, make_customer(location, name, '416 555 0101'),
                     at(DAY, f'{hour:02d}:00', 'UTC'))
    return location


def _texts(values) -> list[str]:
    return [v for v in values if isinstance(v, str)]


def _assert_inert(texts: list[str]) -> None:
    dangerous = [t for t in texts if t[:1] in cells.FORMULA_STARTS]
    assert dangerous == []


def test_bookings_csv_and_excel_sheet(poisoned, tmp_path):
    rows = reports.booking_rows([poisoned.id], DAY, DAY, actor=OWNER, time_zone='UTC')
    path = exports.export_bookings_csv(rows, tmp_path / 'bookings.csv')
    read = list(csv.reader(path.open(newline='', encoding='utf-8')))
    _assert_inert([cell for row in read for cell in row])
    assert {"'" + f.strip() for f in NAMES} == {row[3] for row in read[1:]}  # the customer column, prefixed
    assert {row[4] for row in read[1:]} == {"'+STAFF()"}
    report = reports.build_report([poisoned.id], DAY, DAY, as_of=datetime(2030, 3, 5, tzinfo=UTC), time_zone='UTC')
    rows = reports.booking_rows([poisoned.id], DAY, DAY, actor=OWNER, time_zone='UTC')
    book_path = exports.export(report, tmp_path / 'r.xlsx', fmt='xlsx', title='=TITLE()', currency='EUR',
                               locations=['=LOC()'], bookings=rows)
    book = load_workbook(book_path)
    every = [cell for sheet in book for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert all(cell.data_type != 'f' for cell in every)  # no formula anywhere
    _assert_inert(_texts(c.value for c in every))
    price = reports.BOOKING_HEADER.index('Price')
    prices = [row[price].value for row in book['Bookings'].iter_rows(min_row=2)]
    assert prices == [12.5] * len(NAMES)  # numbers stay numbers
    rows = reports.booking_rows([poisoned.id], DAY, DAY, actor=OWNER, time_zone='UTC')  # rows are read once
    alone = load_workbook(exports.export_bookings_xlsx(rows, tmp_path / 'b.xlsx', title='=TITLE()'))
    every = [cell for row in alone['Bookings'].iter_rows() for cell in row if cell.value is not None]
    assert all(cell.data_type != 'f' for cell in every)
    _assert_inert(_texts(c.value for c in every))
    assert [row[price].value for row in alone['Bookings'].iter_rows(min_row=2)] == [12.5] * len(NAMES)


def test_report_csv(poisoned, tmp_path):
    report = reports.build_report([poisoned.id], DAY, DAY, as_of=datetime(2030, 3, 5, tzinfo=UTC), time_zone='UTC')
    path = exports.export(report, tmp_path / 'r.csv', fmt='csv', title='-TITLE', currency='EUR',
                          locations=['=LOC()'])
    read = list(csv.reader(path.open(newline='', encoding='utf-8')))
    _assert_inert([cell for row in read for cell in row[:2]])
    assert ['report', 'locations', "'=LOC()"] in read


def test_the_activity_log_keeps_what_a_stranger_typed_at_sign_in_as_text(sqlite_db):
    activity.record(None, 'sign_in_failed', 'Wrong email or password.', email="=cmd|' /C calc'!A0",
                    ip='10.0.0.9', user_agent='@evil')
    rows = activity.entries(actor=OWNER)
    read = list(csv.reader(io.StringIO(activity.to_csv(rows, {}))))
    assert read[1][1] == "'=cmd|' /C calc'!A0" and read[1][8] == "'@evil"
    _assert_inert([cell for row in read for cell in row])
