"""Exports of the real salon's June 2018 report: Excel, PDF and CSV, opened and read back."""

from __future__ import annotations

import csv
import shutil
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select
from typer.testing import CliRunner

from app.cli import cli
from app.models import Booking
from app.services import clock, database
from app.services.analytics import exports, reports
from app.services.database import session_scope
from app.services.imports import salon as imports
from tests.factories import OWNER

JUNE = (date(2018, 6, 1), date(2018, 6, 30))


@pytest.fixture(scope='module')
def imported(sqlite_template, tmp_path_factory):
    """The salon data set imported once for the module (3 s) into a database of its own, June's report built from it
    and June's takings summed from the raw receipts: ``(database URL, report, takings)``. The tests only read it."""
    from tests.conftest import required_shared_data, use_database

    data = required_shared_data()
    path = tmp_path_factory.mktemp('june') / 'clientpulse.db'
    shutil.copy(sqlite_template, path)
    url = f'sqlite:///{path}'
    use_database(url)
    location_id = imports.import_salon(data, actor=OWNER, as_of=datetime(2026, 11, 21, tzinfo=UTC)).location_id
    report = reports.build_report([location_id], *JUNE, as_of=datetime(2018, 7, 1, tzinfo=UTC),
                                  time_zone='America/Toronto')
    with (data / imports.SALON_FILES['receipts']).open(newline='') as handle:
        takings = sum(Decimal(r['Amount']) for r in csv.DictReader(handle) if r['Date'].startswith('06/'))
    return url, report, takings


@pytest.fixture
def june(imported):
    """(June's report, June's takings), the app pointed at the imported database."""
    from tests.conftest import use_database

    url, report, takings = imported
    use_database(url)
    yield report, takings
    database.reset_engines()


def write(report, tmp_path, fmt, locale='en_CA'):
    return exports.export(report, tmp_path / f'june-{locale}.{fmt}', fmt=fmt, title='Hair salon — analytics',
                          currency='CAD', locations=['Hair salon (Toronto)'], locale=locale)


def test_revenue_matches_the_raw_receipts(june):
    report, takings = june
    assert Decimal(report.kpis['revenue_cents']) / 100 == takings


def test_excel_has_a_sheet_per_section_styled_headers_and_charts(june, tmp_path):
    report, takings = june
    path = write(report, tmp_path, 'xlsx')
    book = load_workbook(path)
    expected = exports.sections(report)
    assert book.sheetnames == list(expected)
    for name, (header, rows) in expected.items():
        sheet = book[name]
        assert [c.value for c in sheet[1]] == header
        assert sheet['A1'].font.bold and sheet.freeze_panes == 'A2'
        assert sheet.max_row == len(rows) + 1
    summary = {row[0].value: row[1] for row in book['Summary'].iter_rows(min_row=2)}
    assert Decimal(str(summary['Collected revenue'].value)) == takings
    assert summary['No-show rate'].number_format == exports.PERCENT
    assert summary['Bookings (due)'].number_format != exports.PERCENT
    assert book['Collected revenue per month']['B2'].number_format == exports.MONEY
    assert book['Collected revenue per month']['A2'].is_date
    # everything the page shows is in the file: the heatmap, the weekday counts, every breakdown, the definitions
    heat = [list(r) for r in book['Peak hours'].iter_rows(min_row=2, values_only=True)]
    assert [r[1:] for r in heat] == report.peak_hours and sum(map(sum, report.peak_hours)) > 0
    assert [list(r) for r in book['Weekday counts'].iter_rows(min_row=2, values_only=True)] == [
        list(p) for p in report.weekday_counts]
    assert {'By staff member', 'By hour', 'By weekday', 'By service', 'By category', 'By channel'} <= set(
        book.sheetnames)
    assert book['No-show rate by weekday']['B2'].number_format == exports.PERCENT
    definitions = {r[0]: r[1] for r in book['Definitions'].iter_rows(min_row=2, values_only=True)}
    assert definitions['Booked value'].startswith('The price of every booking that was not cancelled')
    methods = [r[1] for r in book['Revenue by'].iter_rows(min_row=2, values_only=True) if r[0] == 'payment method']
    assert methods and all('_' not in m and m[0].isupper() for m in methods)
    with zipfile.ZipFile(path) as archive:  # openpyxl does not read charts back; the file must hold them
        charts = [n for n in archive.namelist() if n.startswith('xl/charts/chart')]
    assert len(charts) == 3


def test_pdf_has_title_period_kpis_and_page_numbers(june, tmp_path):
    report, _ = june
    reader = PdfReader(write(report, tmp_path, 'pdf'))
    text = '\n'.join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) >= 2
    assert 'Hair salon — analytics' in text and 'Jun 1, 2018 – Jun 30, 2018' in text
    assert 'Hair salon (Toronto)' in text and 'No-show rate' in text and 'Collected revenue per month' in text
    assert 'Peak hours' in text and 'Weekday counts' in text and 'Definitions' in text
    assert 'mobile_money' not in text and '0.04' not in text
    assert f'Page {len(reader.pages)}' in text


def test_the_pdf_writes_amounts_rates_and_dates_the_locations_way(june, tmp_path):
    """The same report for a French location: decimal commas, narrow no-break spaces in thousands, French dates."""
    from babel.numbers import format_decimal
    report, takings = june
    english = '\n'.join(page.extract_text() for page in PdfReader(write(report, tmp_path, 'pdf')).pages)
    french = '\n'.join(page.extract_text() for page in PdfReader(write(report, tmp_path, 'pdf', 'fr_FR')).pages)
    assert f'{takings:,.2f}' in english
    grouped = format_decimal(takings, '#,##0.00', locale='fr_FR').replace('\u202f', ' ')  # a space once extracted
    assert grouped in french and f'{takings:,.2f}' not in french
    assert '1 juin 2018 – 30 juin 2018' in french


def test_csv_is_one_long_table(june, tmp_path):
    report, takings = june
    with write(report, tmp_path, 'csv').open(newline='') as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ['section', 'label', 'value']
    assert ['Summary', 'Collected revenue', str(float(takings))] in rows
    assert len(rows) == 5 + sum(len(r) for _, r in exports.sections(report).values())


def test_report_command(june, tmp_path):
    result = CliRunner().invoke(cli, ['report', '--from', '2018-06-01', '--to', '2018-06-30', '--format', 'pdf',
                                      '--output', str(tmp_path / 'r.pdf')])
    assert result.exit_code == 0, result.output
    assert PdfReader(tmp_path / 'r.pdf').pages
    bad = CliRunner().invoke(cli, ['report', '--from', '2018-06-01', '--to', '2018-06-30', '--format', 'doc'])
    assert bad.exit_code == 1 and 'Choose one of xlsx, pdf, csv' in bad.output


def test_every_booking_of_the_period_streams_into_excel_and_csv_with_progress(june, tmp_path):
    report, _ = june
    rows = reports.booking_rows(report.location_ids, *JUNE, actor=OWNER, time_zone='America/Toronto')
    first, _ = clock.day_bounds(JUNE[0], 'America/Toronto')
    _, end = clock.day_bounds(JUNE[1], 'America/Toronto')
    with session_scope() as session:  # counted straight from the table, not through the analytics columns
        stored = session.execute(select(func.count()).select_from(Booking).where(
            Booking.starts_at >= first, Booking.starts_at < end)).scalar_one()
    assert rows.total == stored > 500  # June 2018 at the salon
    seen: list[float] = []
    path = exports.export(report, tmp_path / 'june.xlsx', fmt='xlsx', title='t', currency='CAD', locations=['x'],
                          bookings=rows, progress=lambda fraction, _message: seen.append(fraction))
    assert seen == sorted(seen) and seen[0] == 0.0 and seen[-1] == 1.0 and len(seen) >= 4
    sheet = load_workbook(path, read_only=True)['Bookings']
    table = list(sheet.iter_rows(values_only=True))
    assert list(table[0]) == reports.BOOKING_HEADER and len(table) == rows.total + 1
    starts = [r[2] for r in table[1:]]
    assert starts == sorted(starts) and all(date(2018, 6, 1) <= s.date() <= date(2018, 6, 30) for s in starts)
    assert {r[7] for r in table[1:]} <= {'completed', 'no_show', 'cancelled', 'booked', 'checked_in', 'confirmed'}
    again = reports.booking_rows(report.location_ids, *JUNE, actor=OWNER, time_zone='America/Toronto')
    progress: list[str] = []
    exports.export_bookings_csv(again, tmp_path / 'june.csv', progress=lambda _f, message: progress.append(message))
    with (tmp_path / 'june.csv').open(newline='') as handle:
        lines = list(csv.reader(handle))
    assert lines[0] == reports.BOOKING_HEADER and len(lines) == rows.total + 1
    assert [line[0] for line in lines[1:]] == [str(r[0]) for r in table[1:]]
    assert progress[-2] == f'{rows.total:,} of {rows.total:,} bookings written'
