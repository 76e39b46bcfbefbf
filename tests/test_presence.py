"""Who is online, across processes: another process's list (a PresenceChanged on the bus) joins this one's, only
for the people the viewer may see, and goes when that process stops renewing it."""

from __future__ import annotations

import json

import pytest

from app.models import Role, UserRead
from app.pages import presence
from app.services import events

pytestmark = pytest.mark.usefixtures('shop')  # made before the app starts (tests/fixtures/pages.py)

OWNER = UserRead(id=1, email='owner@shop.test', role=Role.OWNER, location_id=None, staff_member_id=None, active=True)
MANAGER = UserRead(id=2, email='manager@shop.test', role=Role.MANAGER, location_id=1, staff_member_id=None, active=True)


def heard_from(process: str, people: list[dict] | str) -> None:
    online = people if isinstance(people, str) else json.dumps(people)
    presence._heard(events.PresenceChanged(location_id=0, process=process, online=online))


def test_another_processes_people_are_listed_by_who_may_see_them_until_that_process_goes(monkeypatch):
    presence.install()
    clock = [1000.0]
    monkeypatch.setattr(presence.time, 'monotonic', lambda: clock[0])
    heard_from('other', [{'email': 'staff@shop.test', 'role': 'staff', 'location_id': 1, 'page': 'Bookings',
                          'since': 5.0},
                         {'email': 'far@shop.test', 'role': 'staff', 'location_id': 2, 'page': 'Bookings',
                          'since': 6.0}])
    heard_from(presence.PROCESS, [{'email': 'ghost@shop.test', 'role': 'staff', 'location_id': 1, 'page': 'x',
                                   'since': 1.0}])  # this process's own list, read back: not counted twice
    assert [p.email for p in presence.online(OWNER)] == ['staff@shop.test', 'far@shop.test']
    assert [p.email for p in presence.online(MANAGER)] == ['staff@shop.test']  # not another location's
    clock[0] += presence.STALE_SECONDS - 1
    assert len(presence.online(OWNER)) == 2
    clock[0] += 2  # not renewed: that process has died
    assert presence.online(OWNER) == []
    heard_from('other', 'not json')  # an unreadable list counts as nobody, and breaks nothing
    heard_from('other', [{'email': 'x'}])
    assert presence.online(OWNER) == []
    presence.install()


def test_a_browser_is_listed_on_the_page_it_connected_to_last_among_those_still_connected(monkeypatch):
    """A page counts from its connect to its disconnect: a browser that left its day view for Activity is on
    Activity at once, and a page built for it that never connected (a reload given up, a request a proxy sent
    elsewhere) does not move it back (the cluster test once saw ['Bookings', 'Bookings'] for good)."""
    presence.install()
    clock = [100.0]
    monkeypatch.setattr(presence.time, 'monotonic', lambda: clock[0])
    changes: list[None] = []
    monkeypatch.setattr(presence, '_changed', lambda: changes.append(None))
    presence._arrive('browser-1', 'day-view', MANAGER, 'Bookings')
    assert [(p.email, p.page) for p in presence.online(OWNER)] == [('manager@shop.test', 'Bookings')]
    clock[0] += 1
    presence._arrive('browser-1', 'activity', MANAGER, 'Activity')  # a second tab, or the next page
    assert [p.page for p in presence.online(OWNER)] == ['Activity']
    presence._leave('browser-1', 'day-view')  # the day view's socket closed
    assert [p.page for p in presence.online(OWNER)] == ['Activity']
    presence._leave('browser-1', 'day-view')  # and it is deleted later: nothing changes, nothing is told
    assert len(changes) == 3
    clock[0] += 1
    presence._arrive('browser-1', 'activity', MANAGER, 'Activity')  # a reconnect of the same page
    presence._arrive('browser-1', 'bookings-again', MANAGER, 'Bookings')
    presence._leave('browser-1', 'bookings-again')
    assert [p.page for p in presence.online(OWNER)] == ['Activity']  # back on the page still connected
    presence._leave('browser-1', 'activity')
    assert presence.online(OWNER) == []
    presence.install()
