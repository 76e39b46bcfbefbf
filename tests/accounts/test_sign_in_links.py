"""Staff get in without the owner knowing their passwords: "Invite" on the staff member's page sends a one-time link,
the staff member chooses a password and is signed in; reset by link; a revoked sign-in's open page ends at once;
the link page refuses what it cannot use with a clear page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from nicegui.testing import User

from app.models import MessageChannel, Role, StaffMember
from app.services.accounts import users
from app.services.database import session_scope
from app.services.messaging import sign_in_links
from tests.factories import OWNER, at, make_booking
from tests.fixtures.pages import DAY, element, eventually, sign_in

pytestmark = pytest.mark.usefixtures('shop')  # made before the app starts (tests/fixtures/pages.py)


def _count(user: User) -> str:
    try:
        return element(user, 'bell-count').text
    except AssertionError:
        return '0'


async def _open_sign_in_tab(user: User, staff_member_id: int) -> None:
    await sign_in(user, Role.OWNER, '/staff')
    user.find(marker='staff-list').trigger('rowClick', [None, {'id': staff_member_id}])
    await user.should_see(marker='staff-editing')
    user.find(marker='staff-sign-in-tab').click()


async def test_invite_link_in_the_e_mail_sets_a_password_and_signs_the_staff_member_in(user: User, create_user, shop,
                                                                                       smtp):
    make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(DAY, '10:00'))  # an alert from before
    owner = user
    await _open_sign_in_tab(owner, shop['jj'].id)
    await owner.should_see(marker='staff-no-sign-in')
    owner.find(marker='staff-link-to').clear().type('jj@salon.test')
    owner.find(marker='staff-invite').click()
    await eventually(lambda: len(smtp.messages) == 1, timeout=10)
    await owner.should_see(marker='staff-invited')
    token = sign_in_links.link_of(smtp.messages[0].get_content())
    assert token and smtp.messages[0]['To'] == 'jj@salon.test'

    jj = create_user()
    await jj.open(f'/account/{token}')
    await jj.should_see('Welcome, JJ')
    await jj.should_see('You sign in as jj@salon.test.')
    jj.find(marker='link-password').type('my own secret')
    jj.find(marker='link-repeat').type('my own secreT')
    jj.find(marker='link-save').click()
    await jj.should_see('The two passwords are not the same.')
    jj.find(marker='link-repeat').clear().type('my own secret')
    jj.find(marker='link-save').click()
    await jj.should_see('jj@salon.test (staff)', retries=200)  # signed in: the frame names them
    await jj.open(f'/bookings?day={DAY.isoformat()}')
    await jj.should_see('jj@salon.test (staff)')
    assert _count(jj) == '0'  # no backlog: the booking's alert came before the account
    account = next(u for u in users.list_users(actor=OWNER) if u.email == 'jj@salon.test')
    assert (account.role, account.staff_member_id, account.location_id) == (Role.STAFF, shop['jj'].id,
                                                                            shop['location'].id)
    assert users.authenticate('jj@salon.test', 'my own secret').id == account.id

    other = create_user()
    await other.open(f'/account/{token}')  # spent on use
    await other.should_see(marker='link-refused')
    await other.should_see('used already')
    await other.should_not_see(marker='link-password')


async def test_expired_wrong_and_malformed_links_get_a_clear_page(user: User, shop, smtp):
    sent = sign_in_links.invite(shop['becky'].id, channel=MessageChannel.EMAIL, to='becky@salon.test', actor=OWNER,
                                as_of=datetime.now(UTC) - timedelta(hours=sign_in_links.INVITE_HOURS + 1))
    token = sign_in_links.link_of(smtp.messages[0].get_content())
    await user.open(f'/account/{token}')
    await user.should_see(marker='link-refused')
    await user.should_see('This link has expired. Ask for a new one.')
    for bad in (f'{sent.link_id}.{"x" * 43}', 'nonsense', '0', '%00', 'x' * 500):
        await user.open(f'/account/{bad}')
        await user.should_see('This link is not valid')
        await user.should_not_see(marker='link-password')


async def test_a_reset_link_sent_from_the_staff_page_sets_a_new_password(user: User, create_user, shop, smtp):
    account = users.create_user('jj@salon.test', 'old password', role=Role.STAFF, location_id=shop['location'].id,
                                staff_member_id=shop['jj'].id, actor=OWNER)
    await _open_sign_in_tab(user, shop['jj'].id)
    await user.should_see('Signs in as jj@salon.test.')
    user.find(marker='staff-reset').click()
    await eventually(lambda: len(smtp.messages) == 1, timeout=10)
    token = sign_in_links.link_of(smtp.messages[0].get_content())
    jj = create_user()
    await jj.open(f'/account/{token}')
    await jj.should_see('Set a new password')
    jj.find(marker='link-password').type('brand new one')
    jj.find(marker='link-repeat').type('brand new one')
    jj.find(marker='link-save').click()
    await jj.should_see('jj@salon.test (staff)', retries=200)
    assert users.authenticate('jj@salon.test', 'brand new one').id == account.id


async def test_revoking_a_sign_in_ends_the_open_page_at_once_and_keeps_them_out(user: User, shop):
    await sign_in(user, Role.STAFF, f'/bookings?day={DAY.isoformat()}')
    await user.should_see(marker='new-booking')
    staff_account = next(u for u in users.list_users(actor=OWNER) if u.email == 'staff@shop.test')
    users.set_active(staff_account.id, False, actor=OWNER)
    await user.should_see(marker='sign-in', retries=100)  # sent to the login page without a click
    await user.open(f'/bookings?day={DAY.isoformat()}')
    await user.should_see(marker='sign-in')
    await user.should_not_see(marker='new-booking')


async def test_a_reset_from_the_staff_page_offers_no_address_and_goes_to_the_accounts_own(user: User, shop, smtp):
    users.create_user('jj@salon.test', 'old password', role=Role.STAFF, location_id=shop['location'].id,
                      staff_member_id=shop['jj'].id, actor=OWNER)
    await _open_sign_in_tab(user, shop['jj'].id)
    await user.should_see('A password reset link goes to their own address on record: jj@salon.test.')
    await user.should_not_see(marker='staff-link-to')  # nowhere to type another address
    await user.should_not_see(marker='staff-link-channel')
    user.find(marker='staff-reset').click()
    await eventually(lambda: len(smtp.messages) == 1, timeout=10)
    assert smtp.messages[0]['To'] == 'jj@salon.test'


async def test_an_invitation_offers_the_staff_members_e_mail_on_record(user: User, shop, smtp):
    with session_scope(write=True) as session:
        session.get(StaffMember, shop['becky'].id).email = 'becky.own@salon.test'
    await _open_sign_in_tab(user, shop['becky'].id)
    await user.should_see(marker='staff-no-sign-in')
    assert element(user, 'staff-link-to').value == 'becky.own@salon.test'
    user.find(marker='staff-invite').click()
    await eventually(lambda: len(smtp.messages) == 1, timeout=10)
    assert smtp.messages[0]['To'] == 'becky.own@salon.test'


async def test_wrong_links_do_not_spend_an_invitation_and_a_caller_trying_many_is_paused(user: User, shop, smtp):
    sent = sign_in_links.invite(shop['becky'].id, channel=MessageChannel.EMAIL, to='becky@salon.test', actor=OWNER)
    token = sign_in_links.link_of(smtp.messages[0].get_content())
    wrong = f'{sent.link_id}.' + ('A' if token[-1] != 'A' else 'B') * 43
    for _try in range(sign_in_links.WRONG_TRIES_PER_ADDRESS - 1):  # more than once spent the link
        await user.open(f'/account/{wrong}')
        await user.should_see('This link is not valid')
    await user.open(f'/account/{token}')
    await user.should_see('Welcome, BECKY')  # still valid
    await user.open(f'/account/{wrong}')
    await user.should_see('This link is not valid')
    await user.open(f'/account/{token}')  # now this caller is paused, for every link
    await user.should_see(marker='link-refused')
    await user.should_see('Too many wrong links were tried from your network.')
    await user.should_not_see(marker='link-password')
    assert sign_in_links.open_link(token, ip='10.9.9.9').staff_name == 'BECKY'  # not spent for anyone else


async def test_a_mobile_number_typed_on_the_staff_form_is_where_a_reset_by_sms_goes(user: User, shop, smtp, twilio):
    account = users.create_user('jj@salon.test', 'old password', role=Role.STAFF, location_id=shop['location'].id,
                                staff_member_id=shop['jj'].id, actor=OWNER)
    await sign_in(user, Role.OWNER, '/staff')
    user.find(marker='staff-list').trigger('rowClick', [None, {'id': shop['jj'].id}])
    await user.should_see(marker='staff-phone')
    user.find(marker='staff-phone').type('call me')
    user.find(marker='staff-save').click()
    await eventually(lambda: 'not a phone number' in (element(user, 'staff-phone').error or ''), timeout=10)
    user.find(marker='staff-phone').clear().type('(416) 555-0142')  # the location's (Canadian) way
    user.find(marker='staff-save').click()
    await user.should_see('JJ saved.', retries=100)
    with session_scope() as session:
        assert session.get(StaffMember, shop['jj'].id).phone == '+14165550142'

    await user.open('/staff')  # the editor reopened reads the number on record
    user.find(marker='staff-list').trigger('rowClick', [None, {'id': shop['jj'].id}])
    await user.should_see(marker='staff-editing')
    user.find(marker='staff-sign-in-tab').click()
    await user.should_see('A password reset link goes to their own address on record: jj@salon.test.')
    element(user, 'staff-reset-channel').set_value(MessageChannel.SMS.value)
    await user.should_see('A password reset link goes to their own mobile number on record: +14165550142.')
    await user.should_not_see(marker='staff-link-to')  # still nowhere to type another number
    user.find(marker='staff-reset').click()
    await eventually(lambda: len(twilio.messages) == 1, timeout=10)
    assert twilio.messages[0]['To'] == '+14165550142' and smtp.messages == []
    assert sign_in_links.open_link(sign_in_links.link_of(twilio.messages[0]['Body'])).email == account.email


async def test_an_invitation_by_sms_offers_the_staff_members_mobile_number_on_record(user: User, shop, twilio):
    with session_scope(write=True) as session:
        session.get(StaffMember, shop['becky'].id).phone = '+14165550177'
    await _open_sign_in_tab(user, shop['becky'].id)
    await user.should_see(marker='staff-no-sign-in')
    element(user, 'staff-link-channel').set_value(MessageChannel.SMS.value)
    await eventually(lambda: element(user, 'staff-link-to').value == '+14165550177')
    user.find(marker='staff-invite').click()
    await eventually(lambda: len(twilio.messages) == 1, timeout=10)
    assert twilio.messages[0]['To'] == '+14165550177'
