"""The Analytics page on data that lacks things: date-only imports, no receipts, a short history. Every figure
says what it rests on instead of showing a misleading zero."""

from __future__ import annotations

import io

import pytest
from nicegui.testing import User
from openpyxl import load_workbook

from app.models import BookingStatus, Role
from app.services.analytics.reports import BOOKING_HEADER
from app.services.frontdesk import bookings
from app.services.imports import mapped as booking_imports
from app.services.imports import mapping
from tests.factories import OWNER, at, make_booking
from tests.fixtures.pages import DAY, element, eventually, figure, sign_in

pytestmark = pytest.mark.usefixtures('shop', 'shop_clock')

PERIOD = '/analytics?start=2030-03-01&end=2030-03-31'


def import_dates_only(tmp_path, location_name: str) -> None:
    """Two visits whose export gives only their date (Tuesday 5 March), from the travel agents' channel."""
    path = tmp_path / 'visits.csv'
    path.write_text('Day,Client,Price,Via\n2030-03-05,C1,40,TA/TO\n2030-03-05,C2,60,Direct\n', encoding='utf-8')
    spec = mapping.parse_toml(
        f'[options]\ntime_zone = "America/Toronto"\ncurrency = "CAD"\n[fields]\n'
        f'location = {{ value = "{location_name}" }}\ncustomer = {{ column = "Client" }}\n'
        'starts_at = { column = "Day", format = "%Y-%m-%d" }\nprice = { column = "Price" }\n'
        'source = { column = "Via" }\nstatus = { value = "booked" }\n')
    booking_imports.import_bookings(path, spec, actor=OWNER)


async def test_booked_value_hours_left_out_breakdowns_and_short_history(user: User, shop, tmp_path):
    import_dates_only(tmp_path, shop['location'].name)
    came = make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(DAY, '10:00'))
    bookings.set_status(came.id, BookingStatus.CHECKED_IN, actor=OWNER)
    await sign_in(user, Role.OWNER, PERIOD)
    await eventually(lambda: figure(user, 'kpi-bookings') == '3')
    # no receipts at all: revenue collected is 0, booked value is not, and the charts say which they show
    assert figure(user, 'kpi-revenue') == '$0.00'
    assert figure(user, 'kpi-booked-value') == '$182.00'  # 40 + 60 + the cut's 82
    await user.should_see(marker='revenue-basis')
    monthly = element(user, 'chart-monthly').options['series'][0]['data']
    assert monthly[-1] == 182.0  # March 2030 in the booked-value chart, not a flat zero
    assert figure(user, 'kpi-growth') == 'No earlier period to compare'
    # two of the three bookings have no time of day: the heatmap leaves them out and says so
    await user.should_see('66.7 % of the bookings have no time of day')
    heat = element(user, 'chart-heatmap').options['series'][0]['data']
    assert sum(v for _, _, v in heat) == 1
    assert element(user, 'chart-weekday').options['series'][0]['data'][:2] == [1, 2]  # Mon, Tue (date-only too)
    # the breakdown follows the dimension chosen; the export's own channel text is one
    rows = element(user, 'breakdown-table').rows
    assert [r['name'] for r in rows] == ['Monday', 'Tuesday']
    element(user, 'breakdown-by').set_value('source')
    await eventually(lambda: {r['name'] for r in element(user, 'breakdown-table').rows} == {'TA/TO', 'Direct',
                                                                                           '(none)'})
    element(user, 'breakdown-by').set_value('hour')
    await eventually(lambda: [r['name'] for r in element(user, 'breakdown-table').rows] == ['10:00'])
    # a few days of history: no segments, no churn, no at-risk list, no forecast; customers by name, linked
    await user.should_see(marker='segments-short')
    await user.should_see(marker='at-risk-short')
    assert figure(user, 'kpi-churn') == 'Not enough history'
    top = element(user, 'top-customers').rows
    assert [(r['name'], r['link']) for r in top] == [('Alex Kim', f'/customers/{shop["alex"].id}')]
    assert 'usual gap' in top[0]['churn_risk']
    await user.should_see(marker='forecast-short')
    assert figure(user, 'kpi-customers-booked') == '3' and figure(user, 'kpi-repeat') == '0.0 %'


async def test_every_booking_downloads_as_a_workbook_too(user: User, shop):
    make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(DAY, '10:00'))
    await sign_in(user, Role.OWNER, PERIOD)
    await eventually(lambda: figure(user, 'kpi-bookings') == '1')
    user.find(marker='export-bookings-xlsx').click()
    response = await user.download.next(timeout=10)
    sheet = load_workbook(io.BytesIO(response.content), read_only=True)['Bookings']
    table = list(sheet.iter_rows(values_only=True))
    assert list(table[0]) == BOOKING_HEADER and len(table) == 2 and table[1][3] == 'Alex Kim'
