"""The real salon export in ../shared/data: exact counts and sums checked against figures computed
here straight from the raw CSVs (csv module, not the app), idempotence, and malformed copies."""

from __future__ import annotations

import csv
import shutil
from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select

from app.models import Booking, Customer, Location, Product, Receipt, ReceiptLine, ReceiptLineTax, Service, StaffMember
from app.services.database import session_scope
from app.services.errors import ImportRowError
from app.services.imports import salon as imports
from tests.conftest import required_shared_data
from tests.factories import OWNER

AS_OF = datetime(2026, 11, 21, tzinfo=UTC)
SALON = list(imports.SALON_FILES.values())


def raw(data: Path, name: str) -> list[dict[str, str]]:
    with (data / name).open(newline='', encoding='utf-8') as handle:
        return list(csv.DictReader(handle))


def table_counts() -> dict[str, int]:
    with session_scope() as session:
        return {m.__name__: session.exec(select(func.count()).select_from(m)).one()
                for m in (Location, Service, Product, StaffMember, Customer, Booking, Receipt, ReceiptLine,
                          ReceiptLineTax)}


def booking_counts() -> tuple[Counter, Counter]:
    """(status counts, non-cancelled bookings per staff member)."""
    with session_scope() as session:
        statuses = Counter(dict(session.exec(select(Booking.status, func.count()).group_by(Booking.status)).all()))
        per_staff = Counter(dict(session.exec(
            select(StaffMember.name, func.count()).join(Booking, Booking.staff_member_id == StaffMember.id)
            .where(Booking.status != 'cancelled').group_by(StaffMember.name)).all()))
    return statuses, per_staff


@pytest.fixture
def salon_copy(shared_data: Path, tmp_path: Path) -> Path:
    """A private copy of the seven salon files (tests may break it)."""
    target = tmp_path / 'salon'
    target.mkdir()
    for name in SALON:
        shutil.copy(shared_data / name, target / name)
    return target


def test_import_matches_the_raw_files(db, shared_data):
    bookings = raw(shared_data, imports.SALON_FILES['bookings'])
    no_shows = raw(shared_data, imports.SALON_FILES['no_shows'])
    cancellations = raw(shared_data, imports.SALON_FILES['cancellations'])
    receipts = raw(shared_data, imports.SALON_FILES['receipts'])
    progress: list[float] = []

    report = imports.import_salon(shared_data, actor=OWNER, as_of=AS_OF, progress=lambda f, _m: progress.append(f))

    statuses, per_staff = booking_counts()
    assert per_staff == Counter(r['Staff'] for r in bookings)
    assert {k: per_staff[k] for k in ('JJ', 'BECKY', 'KELLY', 'JOANNE', 'SINEAD')} == {
        'JJ': 724, 'BECKY': 446, 'KELLY': 271, 'JOANNE': 253, 'SINEAD': 177}
    assert statuses['no_show'] == len(no_shows) == 60
    assert statuses['cancelled'] == len(cancellations) == 243  # identical rows stay separate records
    assert statuses['completed'] == len(bookings) - len(no_shows)
    customer_codes = {r['Code'] for r in bookings + no_shows + cancellations} | {r['Client'] for r in receipts}
    counts = table_counts()
    assert counts['Customer'] == len(customer_codes - {''})
    assert counts['Service'] == len(raw(shared_data, imports.SALON_FILES['services']))
    assert counts['Product'] == len(raw(shared_data, imports.SALON_FILES['products']))
    assert counts['Receipt'] == len({r['Receipt'] for r in receipts})
    assert counts['ReceiptLine'] == len(receipts)
    with session_scope() as session:
        amount = session.exec(select(func.sum(ReceiptLine.amount_cents))).one()
        taxes = dict(session.exec(select(ReceiptLineTax.name, func.sum(ReceiptLineTax.amount))
                                  .group_by(ReceiptLineTax.name)).all())
        cancelled = session.exec(select(Booking).where(Booking.status == 'cancelled')).all()
        booked_at = session.exec(select(func.count()).select_from(Booking).where(Booking.booked_at.is_not(None))).one()
    assert booked_at == 0  # the export does not say when bookings were made: nothing is invented
    assert amount == sum(round(Decimal(r['Amount']) * 100) for r in receipts) == 11_580_903
    for tax in ('GST', 'PST'):
        assert Decimal(taxes[tax]).quantize(Decimal('0.0001')) == sum(Decimal(r[tax]) for r in receipts)
    assert Counter(b.cancelled_by for b in cancelled) == Counter(r['Canceled By'] for r in cancellations)
    assert sorted((b.notice_days for b in cancelled), key=str) == sorted(
        (int(r['Days']) if r['Days'] else None for r in cancellations), key=str)
    assert report.created['bookings'] == len(bookings)
    assert progress[-1] == 1.0 and progress == sorted(progress)


def test_import_twice_adds_nothing(sqlite_db, shared_data):
    imports.import_salon(shared_data, actor=OWNER, as_of=AS_OF)
    before = table_counts()
    report = imports.import_salon(shared_data, actor=OWNER, as_of=AS_OF)
    assert table_counts() == before
    assert sum(report.created.values()) == 0
    assert report.skipped['bookings'] == 1906


def test_later_export_repeating_rows_adds_only_new_rows(sqlite_db, salon_copy):
    imports.import_salon(salon_copy, actor=OWNER, as_of=AS_OF)
    before = table_counts()
    path = salon_copy / imports.SALON_FILES['bookings']
    lines = path.read_text().splitlines()
    # a later export: the same rows, one of them now twice (a second identical booking) and one new row
    path.write_text('\n'.join([*lines, lines[1], 'NEWC01,JJ,SHCW,03/01/2019,10:00:00 AM,600']) + '\n')
    report = imports.import_salon(salon_copy, actor=OWNER, as_of=AS_OF)
    assert report.created['bookings'] == 2
    assert table_counts()['Booking'] == before['Booking'] + 2


@pytest.fixture(scope='module')
def imported_once(module_db) -> dict:
    """The salon's files imported once per database kind for the module, and every table's count as imported."""
    imports.import_salon(required_shared_data(), actor=OWNER, as_of=AS_OF, progress=None)
    return {'counts': table_counts()}


@pytest.fixture
def imported(module_db, imported_once) -> None:
    """The salon imported, as it was (a case whose import changed something — a failing one — or a PostgreSQL test
    of this module that emptied the run's database has it imported again: no case sees another's rows)."""
    module_db.use()
    if table_counts() != imported_once['counts']:
        module_db.fresh()
        imports.import_salon(required_shared_data(), actor=OWNER, as_of=AS_OF, progress=None)
        imported_once['counts'] = table_counts()


@pytest.mark.parametrize(('name', 'line_no', 'mutate', 'expected'), [
    (imports.SALON_FILES['bookings'], 5, lambda cells: cells.__setitem__(3, '13/45/2018'),
     'line 5, field "Date": "13/45/2018" is not a date'),
    (imports.SALON_FILES['cancellations'], 7, lambda cells: cells.__setitem__(2, 'NOPE'),
     'line 7, field "Service": unknown service code "NOPE"'),
    (imports.SALON_FILES['receipts'], 1000, lambda cells: cells.__delitem__(slice(5, None)),
     'line 1000: expected 9 fields, found 5'),
    (imports.SALON_FILES['receipts'], 12, lambda cells: cells.__setitem__(6, '12,50'),
     'line 12: expected 9 fields, found 10'),
    (imports.SALON_FILES['receipts'], 20, lambda cells: cells.__setitem__(6, 'abc'),
     'line 20, field "Amount": "abc" is not a number'),
])
def test_malformed_copy_changes_nothing_and_names_the_line(imported, salon_copy, name, line_no, mutate, expected):
    before = table_counts()
    path = salon_copy / name
    lines = path.read_text().split('\n')
    cells = lines[line_no - 1].split(',')
    mutate(cells)
    lines[line_no - 1] = ','.join(cells)
    lines.append('ZZZZ01,JJ,SHCW,03/01/2019,10:00:00 AM,600' if name == imports.SALON_FILES['bookings'] else '')
    path.write_text('\n'.join(lines))
    with pytest.raises(ImportRowError) as raised:
        imports.import_salon(salon_copy, actor=OWNER, as_of=AS_OF)
    assert str(raised.value).startswith(name)
    assert expected in str(raised.value)
    assert table_counts() == before


def test_malformed_first_import_leaves_database_empty(sqlite_db, salon_copy):
    path = salon_copy / imports.SALON_FILES['receipts']
    path.write_text(path.read_text().rstrip('\n') + '\n9999,02/30/2019,Blowdry,KERT01,JJ,1,50,2.5,4\n')
    with pytest.raises(ImportRowError, match=r'Receipt Transactions0.csv, line 1936, field "Date"'):
        imports.import_salon(salon_copy, actor=OWNER, as_of=AS_OF)
    assert set(table_counts().values()) == {0}
