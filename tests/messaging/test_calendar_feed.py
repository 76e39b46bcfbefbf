"""A staff member's calendar feed: made in the staff editor, subscribed to by a phone calendar (an .ics address
holding their bookings), renewed or revoked by the owner (the old address answers 404)."""

from __future__ import annotations

from datetime import date

import pytest
from icalendar import Calendar
from nicegui.testing import User

from app.models import Role
from app.services.errors import PermissionDeniedError
from app.services.frontdesk import bookings
from app.services.messaging import feeds
from tests.factories import OWNER, actor, at, make_booking
from tests.fixtures.pages import element, sign_in

pytestmark = pytest.mark.usefixtures('shop', 'shop_clock')  # 23:00 on Monday 4 March 2030
THURSDAY = date(2030, 3, 7)


async def test_the_owner_makes_renews_and_revokes_a_feed(user: User, shop):
    kept = make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(THURSDAY, '14:00'))
    gone = make_booking(shop['location'], shop['jj'], shop['mens'], shop['sam'], at(THURSDAY, '16:00'))
    bookings.cancel_booking(gone.id, actor=OWNER)
    make_booking(shop['location'], shop['becky'], shop['cut'], shop['sam'], at(THURSDAY, '14:00'))  # not JJ's
    await sign_in(user, Role.OWNER, '/staff')
    user.find(marker='staff-list').trigger('rowClick', [None, {'id': shop['jj'].id}])
    user.find(marker='staff-feed-tab').click()
    user.find(marker='staff-feed-make').click()
    await user.should_see(marker='staff-feed-link', retries=100)
    address = element(user, 'staff-feed-link').value
    path = address[address.index('/calendar/'):]
    response = await user.http_client.get(path)
    assert response.status_code == 200
    calendar = Calendar.from_ical(response.content)
    assert str(calendar['x-wr-calname']) == 'JJ — Queen St'
    assert [(e.decoded('dtstart'), str(e['summary'])) for e in calendar.walk('VEVENT')] == [
        (kept.starts_at, "Women's cut — Alex Kim")]
    user.find(marker='staff-feed-renew').click()
    await _changed(user, address)
    assert (await user.http_client.get(path)).status_code == 404  # the old address stopped
    renewed = element(user, 'staff-feed-link').value
    renewed_path = renewed[renewed.index('/calendar/'):]
    assert (await user.http_client.get(renewed_path)).status_code == 200
    user.find(marker='staff-feed-revoke').click()
    await user.should_see(marker='staff-feed-none', retries=100)
    assert (await user.http_client.get(renewed_path)).status_code == 404


async def _changed(user: User, old: str) -> None:
    from tests.fixtures.pages import eventually
    await eventually(lambda: element(user, 'staff-feed-link').value != old, timeout=10)


def test_only_a_manager_or_the_staff_member_manages_a_feed(shop):
    staff_user = actor(Role.STAFF, shop['location'].id)
    with pytest.raises(PermissionDeniedError):
        feeds.feed_link(shop['jj'].id, actor=staff_user)
    own = staff_user.model_copy(update={'staff_member_id': shop['jj'].id})
    assert '/calendar/' in feeds.feed_link(shop['jj'].id, actor=own)
    with pytest.raises(PermissionDeniedError):
        feeds.revoke(shop['jj'].id, actor=actor(Role.MANAGER, shop['location'].id + 1))


async def test_a_made_up_huge_or_malformed_feed_address_answers_404(user: User, shop):
    feeds.feed_link(shop['jj'].id, actor=OWNER)
    for name in ('x' * 5000 + '.ics', '..%2f..%2fetc%2fpasswd.ics', '.ics', '%00.ics', 'not-a-token'):
        assert (await user.http_client.get(f'/calendar/{name}')).status_code == 404, name
