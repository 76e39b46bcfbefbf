"""Free times in the booking dialog: taken in one session, gone from the other's dialog at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from nicegui.testing import User

from app.models import Role
from app.services import clock
from tests.factories import TZ
from tests.fixtures.pages import DAY, choose_customer, element, eventually, log_in, new_booking_dialog, shown, sign_in

pytestmark = pytest.mark.usefixtures('shop')  # made before the app starts (tests/fixtures/pages.py)


async def _dialog_for_jj(user: User, shop) -> None:
    await new_booking_dialog(user)
    await choose_customer(user, 'customer', shop['alex'])
    element(user, 'service').set_value(shop['cut'].id)
    element(user, 'staff').set_value(shop['jj'].id)
    await eventually(lambda: shown(user, 'free-15:00'))


async def test_a_time_taken_in_one_session_disappears_from_the_others_dialog(user: User, create_user, shop):
    looking, booking = user, create_user()
    await sign_in(looking, Role.STAFF, f'/bookings?day={DAY.isoformat()}')
    await _dialog_for_jj(looking, shop)
    assert shown(looking, 'free-09:00') and not shown(looking, 'free-16:30')  # 45 min must end by 17:00
    looking.find(marker='free-15:00').click()
    assert element(looking, 'time').value == '15:00'

    await sign_in(booking, Role.MANAGER, f'/bookings?day={DAY.isoformat()}')
    await _dialog_for_jj(booking, shop)
    element(booking, 'time').set_value('15:00')
    booking.find(marker='book').click()
    await booking.should_see("15:00 Alex Kim · Women's cut")

    await eventually(lambda: not shown(looking, 'free-15:00'))  # gone, without a reload
    assert not shown(looking, 'free-14:30')  # 14:30 + 45 min would run into it
    assert shown(looking, 'free-14:15') and shown(looking, 'free-15:45')
    assert element(looking, 'just-booked').text == (
        '15:00 was just booked by someone else. Please choose another time.')


async def test_a_time_held_at_the_kiosk_leaves_the_desks_dialog_and_comes_back_when_let_go(user: User, create_user,
                                                                                            shop):
    from tests.frontdesk.test_kiosk import tap

    desk, kiosk_screen = user, create_user()
    await sign_in(desk, Role.STAFF, f'/bookings?day={DAY.isoformat()}')
    await _dialog_for_jj(desk, shop)
    kiosk_day = clock.today(TZ)  # the kiosk offers today and the next six days: the desk looks at tomorrow
    element(desk, 'date').set_value((kiosk_day + timedelta(days=1)).isoformat())
    await eventually(lambda: shown(desk, 'free-15:00'))
    await log_in(kiosk_screen, Role.KIOSK)
    await tap(kiosk_screen, 'kiosk-book')
    await tap(kiosk_screen, f'kiosk-service-{shop["cut"].id}')
    await tap(kiosk_screen, f'kiosk-staff-{shop["jj"].id}')
    await tap(kiosk_screen, f'kiosk-day-{(kiosk_day + timedelta(days=1)).isoformat()}')
    await kiosk_screen.should_see(marker=f'kiosk-times-{(kiosk_day + timedelta(days=1)).isoformat()}')
    await tap(kiosk_screen, 'kiosk-slot-1500')  # the customer picks 15:00 and starts typing
    await kiosk_screen.should_see(marker='kiosk-name')
    await eventually(lambda: not shown(desk, 'free-15:00'))  # held: gone from the desk's dialog
    await tap(kiosk_screen, 'kiosk-back')  # the customer walks away
    await eventually(lambda: shown(desk, 'free-15:00'))  # free again

