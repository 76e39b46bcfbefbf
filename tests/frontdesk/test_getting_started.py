"""Issue 30: a new shop's dashboard has a "Getting started" list whose steps tick themselves off as the shop's data
shows them done (hours, team, services, a message sent, online booking, a first booking); backups stay a reminder;
the list goes once all the rest is done."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from nicegui.testing import User

from app.models import Role
from app.services.catalogue import locations
from app.services.customers import records
from app.services.frontdesk import getting_started
from app.services.messaging import outbox
from tests.factories import OWNER, at, make_booking
from tests.fixtures.pages import DAY, sign_in

pytestmark = pytest.mark.usefixtures('shop', 'shop_clock')


async def test_the_getting_started_list_ticks_itself_off_from_the_data(user: User, shop, smtp):
    location = shop['location']
    await sign_in(user, Role.OWNER, '/')
    await user.should_see(marker='getting-started', retries=100)
    await user.should_see('Getting started')
    done = {i.key for i in getting_started.getting_started(location.id, actor=OWNER) if i.done}
    assert done == {'staff', 'services'}  # the shop fixture has a team with hours and services, nothing else
    await user.should_see('2 of 7 done')
    await user.should_see('Set your opening hours')  # a link to Settings, for the owner
    steps = user.find(marker='getting-started-steps').elements.pop().content
    assert '<a class="text-blue-9 underline" href="/settings">Set your opening hours</a>' in steps
    await user.should_see('Schedule a daily backup')  # backups: none has worked yet (a link for the owner)
    assert '<a class="text-blue-9 underline" href="/settings/backups">Back up your data</a>' in steps
    assert 'href="/staff"' not in steps  # done: the words, no link

    records.update_customer(shop['alex'].id, {'name': 'Alex Kim', 'phone': '416-555-0101',
                                              'email': 'alex@example.com'}, actor=OWNER)
    tomorrow = DAY + timedelta(days=1)  # the shop's clock says 23:00 on DAY
    make_booking(location, shop['jj'], shop['cut'], shop['alex'], at(tomorrow, '10:00'))
    assert outbox.deliver_due(as_of=at(tomorrow, '09:00')) >= 1  # the confirmation, by e-mail, after quiet hours
    assert smtp.messages
    values = locations.settings_of(locations.get_location(location.id, actor=OWNER)).model_dump(mode='json')
    locations.update_location(location.id, {
        **values, 'online_booking': True,
        'opening_hours': [{'weekday': d, 'start_minute': 540, 'end_minute': 1080} for d in range(6)]}, actor=OWNER)
    items = getting_started.getting_started(location.id, actor=OWNER)
    assert [i.key for i in items if not i.done] == ['backups'] and getting_started.all_done(items)

    await user.open('/')
    await user.should_see(marker='figures', retries=100)
    await user.should_not_see(marker='getting-started')  # all done: the list is gone


async def test_the_getting_started_list_is_read_off_the_event_loop(user: User, shop, monkeypatch):
    real, threads = getting_started.getting_started, []

    def read(*args, **kwargs):
        threads.append(threading.get_ident())
        return real(*args, **kwargs)
    monkeypatch.setattr(getting_started, 'getting_started', read)
    await sign_in(user, Role.OWNER, '/')
    await user.should_see(marker='getting-started', retries=100)
    assert threads and threading.get_ident() not in threads  # this test runs on the app's event loop
