"""The Analytics page in the reader's language: a French desk sees French tabs, figures and chart series."""

from __future__ import annotations

import importlib

import pytest
from nicegui import ui
from nicegui.testing import User
from sqlmodel import select

from app.models import Location, Role
from app.services.database import session_scope
from tests.factories import at, make_booking
from tests.fixtures.pages import DAY, element, eventually, figure, sign_in

pytestmark = pytest.mark.usefixtures('shop', 'shop_clock')

PERIOD = '/analytics?start=2030-03-01&end=2030-03-31'


def speak(language: str) -> None:
    """Make every location (the shop's) speak ``language``: its desk follows it (the manager has no choice of their
    own)."""
    with session_scope(write=True) as session:
        for location in session.exec(select(Location)).all():
            location.language = language
            session.add(location)


async def test_a_french_manager_sees_french_tabs_figures_and_chart_series(user: User, shop):
    make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(DAY, '10:00'))
    speak('fr')
    await sign_in(user, Role.MANAGER, PERIOD)
    await eventually(lambda: figure(user, 'kpi-bookings') == '1', timeout=10)
    tabs = {tab.props['label'] for tab in user.find(ui.tab).elements}
    assert tabs == {'Chiffre d’affaires', 'Clients', 'Activité', 'Prévisions'}
    weekday = element(user, 'chart-weekday').options
    assert weekday['series'][0]['name'] == 'Rendez-vous'  # the tooltip's series name
    assert weekday['xAxis']['data'][0] == 'lun.'  # Monday, as French writes it short
    await user.should_see('Taux d’absence')
    await user.should_not_see('No-show rate')


async def test_english_stays_english(user: User, shop):
    make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(DAY, '10:00'))
    await sign_in(user, Role.MANAGER, PERIOD)
    await eventually(lambda: figure(user, 'kpi-bookings') == '1', timeout=10)
    assert {tab.props['label'] for tab in user.find(ui.tab).elements} == {'Revenue', 'Customers', 'Operations',
                                                                         'Forecast'}
    assert element(user, 'chart-weekday').options['series'][0]['name'] == 'Bookings'


async def test_the_figures_are_worked_out_and_refused_in_the_readers_language(user: User, shop, monkeypatch):
    """The first load runs from the page's own build (not a timer): its worker threads and its messages still speak
    the reader's language."""
    from app.services import i18n
    from app.services.errors import ValidationError
    from app.services.i18n import _
    reports = importlib.import_module('app.services.analytics.reports')
    spoken = []

    def refused(*_args, **_options):
        spoken.append(i18n.current())
        raise ValidationError(_('That day has not begun yet.'))

    monkeypatch.setattr(reports, 'report', refused)
    speak('fr')
    await sign_in(user, Role.MANAGER, PERIOD)
    await user.should_see(marker='analytics-error')
    assert spoken == ['fr']
    assert element(user, 'analytics-error').text == "Cette journée n'a pas encore commencé."
