"""Sign-ins expire; a person of one location hears nothing of another's changes."""

from __future__ import annotations

import asyncio

import pytest
from nicegui.testing import User

from app.config import reset_settings
from app.models import Role
from tests.factories import at, make_booking, make_customer, make_location, make_service, make_staff_member
from tests.fixtures.pages import DAY, eventually, log_in, sign_in, toasts

pytestmark = pytest.mark.usefixtures('shop')  # made before the app starts (tests/fixtures/pages.py)


async def test_an_idle_sign_in_expires_and_the_login_page_says_so(user: User, shop, monkeypatch):
    await log_in(user, Role.MANAGER)
    await user.open('/bookings')
    await user.should_see(marker='new-booking')  # within the limit: still signed in
    monkeypatch.setenv('CLIENTPULSE_SIGN_IN_IDLE_MINUTES', '0')  # now any pause between pages is too long
    reset_settings()
    await asyncio.sleep(0.01)
    await user.open('/bookings')
    await eventually(lambda: user.back_history[-1].startswith('/login?next='))
    await user.should_see(marker='expired')
    await user.should_not_see(marker='new-booking')


async def test_a_kiosk_is_not_signed_out_for_idling_but_no_sign_in_outlives_its_maximum_age(user: User, shop,
                                                                                             monkeypatch):
    await log_in(user, Role.KIOSK)
    monkeypatch.setenv('CLIENTPULSE_SIGN_IN_IDLE_MINUTES', '0')
    reset_settings()
    await asyncio.sleep(0.01)
    await user.open('/kiosk')
    await user.should_see('Welcome!')  # idle far beyond the limit, still the kiosk
    monkeypatch.setenv('CLIENTPULSE_SESSION_MAX_DAYS', '0')  # the setting's former name, still read
    reset_settings()
    await user.open('/kiosk')
    await eventually(lambda: user.back_history[-1].startswith('/login?next='))
    await user.should_see(marker='expired')


async def test_staff_hear_nothing_of_another_locations_bookings(user: User, shop, room_messages):
    elsewhere = make_location('King St')
    member, service = make_staff_member(elsewhere, 'KELLY'), make_service(elsewhere)
    stranger = make_customer(elsewhere, 'Casey Moore', '416-555-0199')
    await sign_in(user, Role.STAFF, f'/bookings?day={DAY.isoformat()}')
    make_booking(elsewhere, member, service, stranger, at(DAY, '11:00'))  # at the other location
    await asyncio.sleep(0.5)  # what would arrive, would have by now (the same bus delivers it below)
    assert room_messages == []  # the staff member's room is at this location: nothing was sent to it
    await user.should_not_see('Casey')
    make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(DAY, '14:30'))  # here: it arrives
    await eventually(lambda: "New booking: Alex Kim — Women's cut, Mon 04 Mar 14:30 with JJ" in toasts(
        user, room_messages))
    assert not [m for _, m, _ in room_messages if 'Casey' in str(m)]


def test_the_sign_in_limits_are_read_by_their_names_and_by_their_former_ones(monkeypatch):
    from app.config import Settings

    assert (Settings(sign_in_idle_minutes=5).sign_in_idle_minutes, Settings(sign_in_max_days=2).sign_in_max_days) == (
        5, 2)  # by name, as tests and tools pass them
    monkeypatch.setenv('CLIENTPULSE_SESSION_IDLE_MINUTES', '7')
    assert Settings().sign_in_idle_minutes == 7
