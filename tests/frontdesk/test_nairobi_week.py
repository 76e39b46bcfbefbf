"""Issue 30, "What it must show", for a Nairobi salon (KES, Kiswahili, country KE, VAT 16 % inside prices, SMS through
Africa's Talking), through the pages as the desk uses them:

- bookings made in the desk's booking dialog for new customers with numbers typed the local way ('0712 345 678'):
  their confirmations and reminders go through the fake Africa's Talking server to +2547… in Kiswahili, a delivery
  report posted back marks one delivered on Messages; a customer booked without phone or e-mail is flagged in the
  dialog and counted on the dashboard;
- an M-Pesa checkout through the fake Daraja whose M-Pesa receipt number is printed on the receipt PDF;
- a staff member invited by SMS (through Africa's Talking) signing in through the link in that SMS.

An online booking paying its deposit by M-Pesa, with this salon (:func:`_salon`), is in test_online_deposit.py; the
Kigali spa's checkout, refund and day report in RWF without decimals are tests/money/test_kigali_spa.py.

The fakes are tests/messaging/fake_africastalking.py and tests/money/fake_daraja.py; the outbox's scheduler is
switched off in tests, so its job (``outbox.deliver_due``) is run here at the moment it would run."""

from __future__ import annotations

import httpx
import pytest
from nicegui import app
from nicegui.testing import User
from sqlmodel import select

from app.models import Booking, BookingStatus, Role
from app.services import clock, i18n
from app.services.accounts import users
from app.services.catalogue import locations
from app.services.database import session_scope
from app.services.frontdesk import bookings
from app.services.messaging import outbox, reach, sign_in_links
from app.services.money import checkout, receipts
from app.services.money.receipt_pdf import receipt_pdf
from tests.accounts.test_sign_in_links import _open_sign_in_tab
from tests.factories import OWNER, make_booking, make_customer
from tests.fixtures.pages import DAY, click_block, drawn, element, eventually, figure, new_booking_dialog, sign_in
from tests.frontdesk.test_desk_contact_page import customer_named
from tests.messaging.fake_africastalking import SENDER_ID
from tests.messaging.test_africastalking import _client, _post
from tests.money.test_mpesa_checkout import _nairobi, _pdf_text

pytestmark = pytest.mark.usefixtures('shop')  # made before the app starts (tests/fixtures/pages.py)

TZ = 'Africa/Nairobi'
SLOW = 15  # seconds: worker threads, argon2 and live updates on a loaded 2-core machine


def _in_swahili(text: str) -> str:
    with i18n.speaking('sw'):
        return i18n._(text)


def _salon(shop, shop_clock, hhmm: str = '08:00'):
    """The test shop as a Nairobi salon (KES, VAT 16 % inside prices, its KRA PIN; Kiswahili, Nairobi's time, SMS
    through Africa's Talking with its sender ID), its clock at ``hhmm`` on DAY, Nairobi time. Returns the location."""
    location = _nairobi(shop)
    location = locations.update_location(location.id, {
        **locations.settings_of(location).model_dump(), 'language': 'sw', 'time_zone': TZ,
        'sms_provider': 'africastalking', 'sms_sender_id': SENDER_ID}, actor=OWNER)
    shop['location'] = location
    shop_clock(_at(hhmm))
    return location


def _at(hhmm: str, day=DAY):
    return clock.local_datetime(day, int(hhmm[:2]) * 60 + int(hhmm[3:]), TZ)


async def _book_new_customer(user: User, shop, *, name: str, phone: str, time: str, member: str) -> None:
    """Book DAY at ``time`` with ``member`` for a new customer typed into the desk's booking dialog."""
    await new_booking_dialog(user)
    await user.should_see(marker='book')
    element(user, 'customer').set_value(-1)
    element(user, 'service').set_value(shop['mens'].id)
    element(user, 'staff').set_value(shop[member].id)
    element(user, 'time').set_value(time)
    user.find(marker='new-name').type(name)
    if phone:
        user.find(marker='new-phone').type(phone)
        await user.should_not_see(marker='no-reminder', retries=100)  # an SMS reaches this one
    else:  # the dialog says so before anything is booked
        await user.should_see(marker='no-reminder', retries=100)
        assert element(user, 'no-reminder').text == _in_swahili(reach.NO_REMINDER)
    user.find(marker='book').click()
    await eventually(lambda: customer_named(name) is not None, timeout=SLOW)
    await user.should_not_see(marker='book', retries=100)  # the dialog closed


async def test_desk_bookings_are_confirmed_and_reminded_by_africas_talking_in_kiswahili(
        user: User, create_user, shop, shop_clock, africastalking):
    _salon(shop, shop_clock)
    await sign_in(user, Role.STAFF, f'/bookings?day={DAY.isoformat()}')
    await _book_new_customer(user, shop, name='Wanjiku Kamau', phone='0712 345 678', time='14:00', member='becky')
    await _book_new_customer(user, shop, name='Otieno Ouma', phone='0722 000 111', time='14:00', member='jj')
    await _book_new_customer(user, shop, name='Akinyi', phone='', time='15:00', member='becky')
    wanjiku, otieno, akinyi = (customer_named(n) for n in ('Wanjiku Kamau', 'Otieno Ouma', 'Akinyi'))
    assert (wanjiku.phone_e164, otieno.phone_e164, akinyi.phone_e164) == ('+254712345678', '+254722000111', '')
    with session_scope() as session:
        unreached = session.exec(select(Booking.id).where(Booking.customer_id == akinyi.id)).one()
    await eventually(lambda: {b['id']: b['unreached'] for b in element(user, 'day-grid').props['blocks']} == {
        b: None for b in drawn(user) if b != unreached} | {unreached: _in_swahili(reach.NO_REMINDER)}, timeout=SLOW)
    assert len(drawn(user)) == 3  # the day view flags Akinyi's block

    # the scheduler's job at 08:01: the two confirmations go through Africa's Talking, in Kiswahili; none for Akinyi
    assert outbox.deliver_due(as_of=_at('08:01')) == 2
    assert sorted(m['to'] for m in africastalking.messages) == ['+254712345678', '+254722000111']
    for sent in africastalking.messages:
        assert sent['from'] == SENDER_ID
        assert sent['message'].startswith(f'{shop["location"].name}: miadi yako imethibitishwa, '), sent['message']
    # … and at 12:01 the reminders two hours before (the 24-hour ones were already past when booked)
    assert outbox.deliver_due(as_of=_at('12:01')) == 2
    assert sorted(m['to'] for m in africastalking.messages[2:]) == ['+254712345678', '+254722000111']
    for sent in africastalking.messages[2:]:
        assert sent['message'].startswith(f'Kumbusho kutoka {shop["location"].name}: '), sent['message']

    # Africa's Talking posts a delivery report for Wanjiku's confirmation: Messages says it arrived
    confirmation = next(m for m in africastalking.messages if m['to'] == '+254712345678')
    async with _client() as client:
        assert (await _post(client, africastalking.report(confirmation, 'Success'))).status_code == 200
    await user.open('/messages')
    delivered = _in_swahili('Delivered')
    await eventually(lambda: [r['to'] for r in element(user, 'messages').rows if r['status'] == delivered] == [
        '+254712345678'], timeout=SLOW)

    # Akinyi, whom nothing reaches, is listed on Messages and counted on the owner's dashboard
    await eventually(lambda: [r['customer'] for r in element(user, 'unreached').rows] == ['Akinyi'], timeout=SLOW)
    owner = create_user()
    await sign_in(owner, Role.OWNER, f'/?day={DAY.isoformat()}')
    await eventually(lambda: figure(owner, 'no-reminder') == '1', timeout=SLOW)


async def test_an_mpesa_checkout_prints_its_receipt_number_on_the_receipt(user: User, shop, shop_clock, daraja,
                                                                          tmp_path):
    location = _salon(shop, shop_clock, '12:00')
    wanjiku = make_customer(location, 'Wanjiku Kamau', '0712 345 678')
    booking = make_booking(location, shop['jj'], shop['cut'], wanjiku, _at('11:00'))
    bookings.set_status(booking.id, BookingStatus.CHECKED_IN, actor=OWNER)

    await sign_in(user, Role.STAFF, f'/bookings?day={DAY.isoformat()}')
    await click_block(user, booking.id)
    await user.should_see(marker='to-checkout')
    user.find(marker='to-checkout').click()
    await user.should_see(marker='checkout-take')
    element(user, 'checkout-pay-0-method').set_value('mobile_money')
    # the customer's phone, read the Kenyan way, filled in for the prompt
    await eventually(lambda: element(user, 'checkout-pay-0-phone').value == '+254712345678', timeout=SLOW)
    user.find(marker='checkout-take').click()
    # the prompt is stored once Daraja (the fake) has answered it ("Waiting for the customer's phone"): a callback
    # before that names no prompt and is refused (in CI once)
    await eventually(lambda: element(user, 'checkout-mpesa-status').text.startswith(  # the shop speaks Swahili
        'Inasubiri simu ya mteja'), timeout=SLOW)
    assert len(daraja.requests) == 1
    prompt = daraja.requests[0]
    assert (prompt['Amount'], prompt['PhoneNumber']) == (82, '254712345678')  # KES82.00, VAT inside

    daraja.complete(prompt['CheckoutRequestID'])  # the customer typed the PIN; Daraja posts to the CallBackURL
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url='http://shop') as client:
        assert (await daraja.post_callback(client, prompt['CheckoutRequestID'])).json()['ResultCode'] == 0
    await eventually(lambda: 'NLJ7RT61SV' in element(user, 'checkout-mpesa-status').text, timeout=SLOW)
    (sold,) = receipts.list_receipts(location.id, actor=OWNER)
    assert checkout.balance_of(sold.id, actor=OWNER) == 0
    assert bookings.get_booking(booking.id, actor=OWNER).status == BookingStatus.COMPLETED

    printed = _pdf_text(receipt_pdf(sold.id, actor=OWNER), tmp_path)
    for words in ('NLJ7RT61SV', 'P051234567X', '82.00'):
        assert words in printed, words


async def test_a_staff_member_invited_by_sms_signs_in_through_the_link(user: User, create_user, shop, shop_clock,
                                                                       africastalking):
    _salon(shop, shop_clock)
    await _open_sign_in_tab(user, shop['jj'].id)
    await user.should_see(marker='staff-no-sign-in')
    element(user, 'staff-link-channel').set_value('sms')
    await eventually(lambda: element(user, 'staff-link-to').value == '')
    user.find(marker='staff-link-to').type('0733 444 555')
    user.find(marker='staff-invite').click()
    await eventually(lambda: len(africastalking.messages) == 1, timeout=SLOW)
    await user.should_see(marker='staff-invited', retries=100)
    (sent,) = africastalking.messages
    assert (sent['to'], sent['from']) == ('+254733444555', SENDER_ID)
    assert sent['message'].startswith(f'{shop["location"].name}: JJ, chagua nenosiri lako la ClientPulse hapa'), sent[
        'message']
    token = sign_in_links.link_of(sent['message'])
    assert token, sent['message']

    jj = create_user()
    await jj.open(f'/account/{token}')
    await jj.should_see(marker='link-new-email')  # by SMS: they choose the address they sign in with
    jj.find(marker='link-new-email').type('jj@salon.test')
    jj.find(marker='link-password').type('my own secret')
    jj.find(marker='link-repeat').type('my own secret')
    jj.find(marker='link-save').click()
    await eventually(lambda: any(u.email == 'jj@salon.test' for u in users.list_users(actor=OWNER)), timeout=SLOW)
    await jj.should_not_see(marker='link-save', retries=200)  # signed in and sent on
    await jj.open(f'/bookings?day={DAY.isoformat()}')
    await jj.should_see(marker='new-booking', retries=100)  # the desk, not the login page
    account = next(u for u in users.list_users(actor=OWNER) if u.email == 'jj@salon.test')
    assert (account.role, account.staff_member_id, account.location_id) == (Role.STAFF, shop['jj'].id,
                                                                            shop['location'].id)
    assert users.authenticate('jj@salon.test', 'my own secret').id == account.id
