"""The Analytics page: figures for the period, live updates, who may open it."""

from __future__ import annotations

import importlib
import re
import threading
from uuid import uuid4

import pytest
from nicegui import ui
from nicegui.client import Client
from nicegui.nicegui import _on_handshake
from nicegui.testing import User

from app.models import BookingStatus, PaymentMethod, Role
from app.pages.figure_cards import FigureCards
from app.services.analytics.reports import BOOKING_HEADER
from app.services.frontdesk import bookings
from app.services.money import receipts
from tests.factories import OWNER, at, make_booking
from tests.fixtures.pages import DAY, element, eventually, figure, sign_in

pytestmark = pytest.mark.usefixtures('shop', 'shop_clock')  # check-ins on the day booked, no-shows after the start

PERIOD = '/analytics?start=2030-03-01&end=2030-03-31'


async def test_manager_sees_the_periods_figures_and_they_move_live(user: User, shop):
    paid = make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(DAY, '10:00'))
    bookings.set_status(paid.id, BookingStatus.CHECKED_IN, actor=OWNER)
    receipts.pay_booking(paid.id, payment_method=PaymentMethod.CARD, actor=OWNER, as_of=at(DAY, '11:00'))
    missed = make_booking(shop['location'], shop['becky'], shop['mens'], shop['sam'], at(DAY, '12:00'))
    bookings.set_status(missed.id, BookingStatus.NO_SHOW, actor=OWNER)
    await sign_in(user, Role.MANAGER, PERIOD)
    await eventually(lambda: figure(user, 'kpi-revenue') == '$82.00')
    assert figure(user, 'kpi-bookings') == '2'
    assert figure(user, 'kpi-no-show') == '50.0 %'
    staff = {r['staff']: r for r in element(user, 'staff-table').rows}
    assert (staff['JJ']['revenue'], staff['BECKY']['no_shows']) == ('$82.00', 1)
    assert element(user, 'chart-payment').options['series'][0]['data'] == [{'name': 'Card', 'value': 8200}]

    assert (figure(user, 'kpi-tips'), figure(user, 'kpi-refunds')) == ('$0.00', '$0.00')
    element(user, 'analytics-tabs').set_value('customers')  # the reader looks at the customers meanwhile
    make_booking(shop['location'], shop['jj'], shop['cut'], shop['sam'], at(DAY, '15:00'))  # from another tab
    await eventually(lambda: figure(user, 'kpi-bookings') == '3')
    assert figure(user, 'kpi-no-show') == '33.3 %'
    assert element(user, 'analytics-tabs').value == 'customers'  # drawn again, on the tab they chose


async def test_staff_cannot_open_analytics(user: User):
    await sign_in(user, Role.STAFF, PERIOD)
    await user.should_see('This page is not available for your role.')
    await user.should_not_see(marker='kpis')


async def test_export_buttons_download_the_report(user: User, shop):
    make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(DAY, '10:00'))
    await sign_in(user, Role.OWNER, PERIOD)
    await eventually(lambda: figure(user, 'kpi-bookings') == '1')
    user.find(marker='export-xlsx').click()
    response = await user.download.next(timeout=10)
    assert response.content[:2] == b'PK'  # an xlsx is a zip
    user.find(marker='export-csv').click()
    response = await user.download.next(timeout=10)
    assert response.content.decode().startswith('section,label,value')
    user.find(marker='export-bookings').click()
    response = await user.download.next(timeout=10)
    lines = response.content.decode().splitlines()
    assert lines[0] == ','.join(BOOKING_HEADER) and len(lines) == 2 and ',Alex Kim,JJ,' in lines[1]


async def test_a_long_export_shows_its_progress_while_the_page_stays_live(user: User, shop, monkeypatch):
    make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(DAY, '10:00'))
    # the module this test's pages use (imported here if no page has yet: a start imports no page module)
    exports = importlib.import_module('app.services.analytics.exports')
    real, gate = exports.export_for_download, threading.Event()

    def slow(report, **options):
        options['progress'](0.5, '1 of 2 bookings written')
        gate.wait(10)  # the worker thread is busy; the event loop is not
        return real(report, **options)

    monkeypatch.setattr(exports, 'export_for_download', slow)
    await sign_in(user, Role.OWNER, PERIOD)
    await eventually(lambda: figure(user, 'kpi-bookings') == '1')
    user.find(marker='export-xlsx').click()
    await eventually(lambda: element(user, 'export-message').text == '1 of 2 bookings written')
    assert element(user, 'export-progress').value == 0.5
    make_booking(shop['location'], shop['becky'], shop['mens'], shop['sam'], at(DAY, '12:00'))
    await eventually(lambda: figure(user, 'kpi-bookings') == '2')  # live while the export runs
    gate.set()
    response = await user.download.next(timeout=10)
    assert response.content[:2] == b'PK'
    await user.should_not_see(marker='export-progress')


async def test_the_page_is_drawn_at_once_and_filled_in_when_the_report_is_ready(user: User, shop, monkeypatch):
    """A first report that takes longer than NiceGUI waits for a page (3 s) no longer breaks the page."""
    make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(DAY, '10:00'))
    reports = importlib.import_module('app.services.analytics.reports')
    real, gate = reports.report, threading.Event()

    def slow(*args, **options):
        gate.wait(10)  # a worker thread computing for a long time
        return real(*args, **options)

    monkeypatch.setattr(reports, 'report', slow)
    await sign_in(user, Role.OWNER, PERIOD)
    await user.should_see(marker='analytics-loading')  # the page is out, with its filters and progress
    await user.should_see(marker='apply')
    await user.should_not_see(marker='kpis')
    gate.set()
    await eventually(lambda: figure(user, 'kpi-bookings') == '1', timeout=10)
    await user.should_not_see(marker='analytics-loading')


async def test_charts_write_days_and_money_the_locations_way(user: User, shop):
    """A Paris location in euros, speaking French: the daily chart's days in French (babel), its amounts through the
    browser's CLDR formatter for fr-FR and EUR. (Month and day names follow the reader's language: an English desk
    there reads "4 Mar".)"""
    from app.services.catalogue import locations
    values = {**locations.settings_of(shop['location']).model_dump(), 'time_zone': 'Europe/Paris',
              'currency': 'EUR', 'locale': 'fr_FR', 'country': 'FR', 'language': 'fr'}
    locations.update_location(shop['location'].id, values, actor=OWNER)
    make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(DAY, '10:00', 'Europe/Paris'))
    await sign_in(user, Role.MANAGER, PERIOD)
    await eventually(lambda: figure(user, 'kpi-revenue').endswith('€'))
    daily = element(user, 'chart-daily').options
    assert '4 mars' in daily['xAxis']['data']
    assert '"fr-FR"' in daily['yAxis']['axisLabel'][':formatter'] and '"EUR"' in daily['yAxis']['axisLabel'][
        ':formatter']
    for mark in ('chart-daily', 'chart-staff', 'chart-services'):  # axis amounts short (400 k€), never touching:
        options = element(user, mark).options  # written in full they ran into each other on a phone
        axis = options['xAxis'] if options['xAxis']['type'] == 'value' else options['yAxis']
        assert '"compact"' in axis['axisLabel'][':formatter'] and axis['axisLabel']['hideOverlap'] is True
        assert '"compact"' not in options['tooltip'].get(':valueFormatter', '')  # the tooltip keeps the full amount
    monthly = element(user, 'chart-monthly').options
    assert monthly['xAxis']['data'][-1] == 'mars 30'


async def test_a_booking_after_the_period_draws_only_the_forecast_tab_again(user: User, shop, monkeypatch):
    from app.pages.analytics import analytics as page
    from app.services.analytics import noshow

    make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(DAY, '10:00'))
    asked: list[int] = []  # the risk counts change with every booking ahead: here, with every load
    monkeypatch.setattr(noshow, 'model_state', lambda location_id, **_: asked.append(1) or noshow.ModelState(
        trained_on=100, no_shows=5, levels={'high': len(asked)}))
    loaded = []
    original = page._AnalyticsView.load

    async def load(self) -> None:
        await original(self)
        loaded.append(1)

    monkeypatch.setattr(page._AnalyticsView, 'load', load)
    await sign_in(user, Role.OWNER, PERIOD)
    await eventually(lambda: figure(user, 'kpi-bookings') == '1' and loaded)
    cards, levels = element(user, 'kpis'), element(user, 'noshow-levels')
    make_booking(shop['location'], shop['jj'], shop['cut'], shop['sam'], at(DAY.replace(month=4), '10:00'))
    await eventually(lambda: len(loaded) == 2)
    assert element(user, 'kpis') is cards  # the report's figures were not drawn again
    assert element(user, 'noshow-levels') is not levels and '2 high' in element(user, 'noshow-levels').text
    make_booking(shop['location'], shop['jj'], shop['cut'], shop['sam'], at(DAY, '15:00'))  # inside the period
    await eventually(lambda: figure(user, 'kpi-bookings') == '2')
    assert element(user, 'kpis') is not cards


async def test_a_change_of_working_hours_shows_in_an_open_page(user: User, shop):
    from app.models import WorkingHoursBase
    from app.services.catalogue import staff

    make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(DAY, '10:00'))
    await sign_in(user, Role.OWNER, PERIOD)
    await eventually(lambda: figure(user, 'kpi-bookings') == '1')

    def jj() -> str:
        return {r['staff']: r for r in element(user, 'staff-table').rows}['JJ']['utilisation']

    before = jj()
    staff.update_staff_member(shop['jj'].id, actor=OWNER, name='JJ', working_hours=[
        WorkingHoursBase(weekday=d, start_minute=9 * 60, end_minute=11 * 60) for d in range(7)])  # fewer hours
    await eventually(lambda: jj() != before)


async def test_the_figures_go_out_before_the_charts_which_follow_the_browser_connecting(user: User, shop):
    make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(DAY, '10:00'))
    await sign_in(user, Role.OWNER, '/')
    response = await user.http_client.get(PERIOD)  # the page's first HTML; its browser has not connected yet
    client = Client.instances[re.search(r"'client_id': '([0-9a-f-]+)'", response.text)[1]]

    def shown(kind) -> list:
        return [e for e in client.elements.values() if isinstance(e, kind)]

    await eventually(lambda: any('kpi-bookings' in cards.props['values'] for cards in shown(FigureCards)))
    assert shown(ui.echart) == [] and shown(ui.table) == []  # the figures' update needs no chart library
    await _on_handshake(f'test-{uuid4()}', {'client_id': client.id, 'tab_id': str(uuid4()),
                                            'document_id': str(uuid4())})
    await eventually(lambda: len(shown(ui.echart)) >= 3 and shown(ui.table))
    assert next(c for c in shown(FigureCards) if 'kpi-bookings' in c.props['values']).value('kpi-bookings') == '1'
