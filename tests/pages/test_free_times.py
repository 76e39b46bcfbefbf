"""Free times in the booking dialog: taken in one session, gone from the other's dialog at once."""

from __future__ import annotations

from nicegui.testing import User

from app.models import Role
from tests.pages.conftest import DAY, sign_in
from tests.pages.test_pages import element, eventually


def _shown(user: User, marker: str) -> bool:
    try:
        user.find(marker=marker)
    except AssertionError:
        return False
    return True


async def _dialog_for_jj(user: User, shop) -> None:
    user.find(marker='new-booking').click()
    element(user, 'customer').set_value(shop['alex'].id)
    element(user, 'service').set_value(shop['cut'].id)
    element(user, 'staff').set_value(shop['jj'].id)
    await eventually(lambda: _shown(user, 'free-15:00'))


async def test_a_time_taken_in_one_session_disappears_from_the_others_dialog(user: User, create_user, shop):
    looking, booking = user, create_user()
    await sign_in(looking, Role.STAFF, f'/bookings?day={DAY.isoformat()}')
    await _dialog_for_jj(looking, shop)
    assert _shown(looking, 'free-09:00') and not _shown(looking, 'free-16:30')  # 45 min must end by 17:00
    looking.find(marker='free-15:00').click()
    assert element(looking, 'time').value == '15:00'

    await sign_in(booking, Role.MANAGER, f'/bookings?day={DAY.isoformat()}')
    await _dialog_for_jj(booking, shop)
    element(booking, 'time').set_value('15:00')
    booking.find(marker='book').click()
    await booking.should_see("15:00 Alex Kim · Women's cut")

    await eventually(lambda: not _shown(looking, 'free-15:00'))  # gone, without a reload
    assert not _shown(looking, 'free-14:30')  # 14:30 + 45 min would run into it
    assert _shown(looking, 'free-14:15') and _shown(looking, 'free-15:45')
    assert element(looking, 'just-booked').text == (
        '15:00 was just booked in another session. Please choose another time.')
