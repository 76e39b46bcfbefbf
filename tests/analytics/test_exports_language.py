"""Exports in the reader's language: sheet titles, headers and words of the report; numbers stay numbers."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook

from app.services import i18n
from app.services.analytics import exports, reports
from tests.factories import OWNER, at, make_booking, make_customer, make_location, make_service, make_staff_member

pytestmark = pytest.mark.usefixtures('sqlite_db')
DAY = date(2030, 3, 4)  # a Monday


@pytest.fixture
def report():
    location = make_location()
    make_booking(location, make_staff_member(location), make_service(location), make_customer(location),
                 at(DAY, '10:00'))
    return reports.build_report([location.id], date(2030, 3, 1), date(2030, 3, 31),
                                as_of=datetime(2030, 4, 1, tzinfo=UTC), time_zone='America/Toronto')


def test_a_workbook_exported_in_kiswahili_has_kiswahili_sheets_and_headers(report, tmp_path):
    with i18n.speaking('sw'):
        path = exports.export(report, tmp_path / 'ripoti.xlsx', fmt='xlsx', title='Queen St — takwimu',
                              currency='KES', locations=['Queen St'])
        expected = exports.sections(report)
    book = load_workbook(path)
    assert book.sheetnames == list(expected)  # every translated title fits a sheet's 31 characters, none twice
    assert 'Muhtasari' in book.sheetnames and 'Summary' not in book.sheetnames
    assert [c.value for c in book['Muhtasari'][1]] == ['Kipimo', 'Thamani']
    summary = {row[0].value: row[1] for row in book['Muhtasari'].iter_rows(min_row=2)}
    assert summary['Miadi (iliyotarajiwa)'].value == 1  # "Bookings (due)": a number still
    assert summary['Kiwango cha kutofika'].number_format == exports.PERCENT
    weekdays = [r[0] for r in book['Miadi kwa siku ya wiki'].iter_rows(min_row=2, values_only=True)]
    assert weekdays[0] == 'Jumatatu'  # Monday
    staff = [c.value for c in book['Wahudumu'][1]]
    assert staff[:3] == ['Mhudumu', 'Miadi', 'Imekamilika']
    definitions = {r[0]: r[1] for r in book['Maelezo'].iter_rows(min_row=2, values_only=True)}
    assert definitions['Thamani ya miadi'].startswith('Bei ya kila miadi ambayo haikughairiwa')


def test_every_translated_sheet_title_fits_excel(report, tmp_path):
    for language in ('fr', 'sw'):
        with i18n.speaking(language):
            names = list(exports.sections(report))
        assert all(len(name) <= 31 and not set(name) & set('[]:*?/\\') for name in names), names
        assert len(set(names)) == len(names)


def test_the_bookings_sheet_and_csv_header_follow_the_language(report, tmp_path):
    with i18n.speaking('fr'):
        rows = reports.booking_rows(report.location_ids, report.start, report.end, actor=OWNER,
                                    time_zone='America/Toronto')
        book = load_workbook(exports.export_bookings_xlsx(rows, tmp_path / 'rdv.xlsx'))
    sheet = book['Rendez-vous']
    header = [c.value for c in sheet[1]]
    assert header[:3] == ['Rendez-vous', 'Établissement', 'Début']
    assert sheet['C2'].is_date and sheet['C2'].number_format == 'yyyy-mm-dd hh:mm'  # formats follow the columns


def test_the_pdf_says_its_page_and_tax_words_in_french(report, tmp_path):
    from pypdf import PdfReader
    with i18n.speaking('fr'):
        path = exports.export(report, tmp_path / 'r.pdf', fmt='pdf', title='Queen St — analyses', currency='CAD',
                              locations=['Queen St'], locale=i18n.locale_for('en_CA'))
    text = '\n'.join(page.extract_text() for page in PdfReader(path).pages)
    assert 'hors taxes' in text and 'Page 1' in text and 'Résumé' not in text  # the summary table has no heading
    assert 'Taux d’absence' in text or "Taux d'absence" in text
    assert '1 mars 2030' in text  # the period, in French (fr_CA)
