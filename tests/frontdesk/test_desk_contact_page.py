"""Issue 30 §1 and §5 at the desk, as a receptionist does it: a new customer's contact in the booking dialog (a Kenyan
number typed the local way stored as E.164, consent, preferred channel), a refused number that changes nothing, the
duplicate warning with "Use this customer", and a customer no message can reach flagged in the dialog, on the
day-view block, on Messages and on the dashboard — until the desk adds an e-mail from the booking."""

from __future__ import annotations

import threading

import pytest
from nicegui.testing import User
from sqlmodel import func, select

from app.models import Booking, Customer, Role
from app.services import clock
from app.services.catalogue import locations
from app.services.customers import customers
from app.services.database import session_scope
from tests.factories import OWNER, at, make_booking, make_customer
from tests.fixtures.pages import DAY, click_block, element, eventually, figure, new_booking_dialog, sign_in

pytestmark = pytest.mark.usefixtures('shop', 'shop_clock')
NO_REMINDER = 'No reminder will be sent — no phone or e-mail'


@pytest.fixture
def morning(shop_clock, shop):
    """The shop's clock at 08:00 on the test day: the day's bookings are still ahead."""
    shop_clock(clock.local_datetime(DAY, 8 * 60, shop['location'].time_zone))


def rows() -> tuple[int, int]:
    with session_scope() as session:
        return (session.exec(select(func.count()).select_from(Customer)).one(),
                session.exec(select(func.count()).select_from(Booking)).one())


def customer_named(name: str) -> Customer | None:
    with session_scope() as session:
        return session.exec(select(Customer).where(Customer.name == name)).first()


async def open_new_booking(user: User, shop) -> None:
    await sign_in(user, Role.STAFF, f'/bookings?day={DAY.isoformat()}')
    await new_booking_dialog(user)
    element(user, 'customer').set_value(-1)
    element(user, 'service').set_value(shop['mens'].id)
    element(user, 'staff').set_value(shop['becky'].id)
    element(user, 'time').set_value('09:30')


async def test_a_new_customer_with_a_local_kenyan_number_is_stored_in_e164(user: User, shop):
    location = shop['location']
    locations.update_location(location.id, {**locations.settings_of(location).model_dump(mode='json'),
                                            'country': 'KE'}, actor=OWNER)
    await open_new_booking(user, shop)
    user.find(marker='new-name').type('Wanjiku Kamau')
    user.find(marker='new-phone').type('0712 345 678')
    user.find(marker='new-email').type('wanjiku@example.com')
    element(user, 'new-preferred').set_value('sms')
    element(user, 'new-consent-sms').set_value(True)
    user.find(marker='book').click()
    await eventually(lambda: customer_named('Wanjiku Kamau') is not None)
    customer = customer_named('Wanjiku Kamau')
    assert (customer.phone, customer.phone_e164, customer.email) == ('0712 345 678', '+254712345678',
                                                                     'wanjiku@example.com')
    assert customer.preferred_channel == 'sms'
    assert list(customer.consent) == ['sms']  # dated; e-mail consent not given


async def test_an_unreadable_number_is_refused_beside_the_field_and_changes_nothing(user: User, shop):
    before = rows()
    await open_new_booking(user, shop)
    user.find(marker='new-name').type('Otieno')
    user.find(marker='new-phone').type('12')
    user.find(marker='book').click()
    await eventually(lambda: 'is not a phone number we can read' in (element(user, 'new-phone').error or ''))
    assert rows() == before


async def test_a_known_phone_in_another_spelling_offers_that_customer_and_books_for_them(user: User, shop):
    sam = shop['sam']  # 416-555-0102
    before = rows()
    await open_new_booking(user, shop)
    user.find(marker='new-name').type('Samuel Lee')
    user.find(marker='new-phone').type('+1 (416) 555 0102')
    await user.should_see(marker=f'use-customer-{sam.id}', retries=30)
    await user.should_see('Already a customer with this phone or e-mail: Sam Lee')
    user.find(marker=f'use-customer-{sam.id}').click()
    assert element(user, 'customer').value == sam.id
    user.find(marker='book').click()
    await eventually(lambda: rows() == (before[0], before[1] + 1))
    with session_scope() as session:
        assert session.exec(select(Booking.customer_id)).all() == [sam.id]  # Sam's booking; no second Sam
    assert len(customers.matching(shop['location'].id, phone='4165550102', actor=OWNER)) == 1


async def test_a_customer_no_message_reaches_is_flagged_everywhere_the_desk_looks(user: User, create_user, shop,
                                                                                  morning):
    silent = make_customer(shop['location'], 'Quiet Person', '')
    booking = make_booking(shop['location'], shop['becky'], shop['mens'], silent, at(DAY, '11:00'))
    heard = make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(DAY, '12:00'))  # no SMS set up

    owner = create_user()
    await sign_in(owner, Role.OWNER, f'/?day={DAY.isoformat()}')
    assert figure(owner, 'no-reminder') == '2'  # this week: Quiet Person, and Alex (a phone, no SMS set up)

    await sign_in(user, Role.STAFF, '/messages')
    await eventually(lambda: {row['id'] for row in element(user, 'unreached').rows} == {booking.id, heard.id})
    listed = {row['customer']: row['problem'] for row in element(user, 'unreached').rows}
    assert listed == {'Quiet Person': NO_REMINDER, 'Alex Kim': NO_REMINDER}
    assert element(user, 'unreached-count').text.startswith('2 bookings')

    await user.open(f'/bookings?day={DAY.isoformat()}')
    blocks = {b['id']: b for b in next(iter(user.find(marker='day-grid').elements)).props['blocks']}
    assert blocks[booking.id]['unreached'] == NO_REMINDER
    assert NO_REMINDER in blocks[booking.id]['title']  # its accessible name says so too

    await click_block(user, booking.id)
    await user.should_see(marker='no-reminder')
    user.find(marker='contact-email').type('quiet@example.com')
    user.find(marker='save-contact').click()
    await eventually(lambda: customer_named('Quiet Person').email == 'quiet@example.com')
    await eventually(lambda: next(iter(user.find(marker='day-grid').elements)).props['blocks'] and {
        b['id']: b for b in next(iter(user.find(marker='day-grid').elements)).props['blocks']}[booking.id][
        'unreached'] is None)
    await eventually(lambda: figure(owner, 'no-reminder') == '1')  # only Alex now


async def test_a_contact_added_on_the_customers_page_clears_the_desks_flag_live(user: User, create_user, shop,
                                                                                morning):
    silent = make_customer(shop['location'], 'Quiet Person', '')
    make_booking(shop['location'], shop['becky'], shop['mens'], silent, at(DAY, '11:00'))
    other = make_customer(shop['location'], 'Also Quiet', '')
    make_booking(shop['location'], shop['jj'], shop['cut'], other, at(DAY, '12:00'))
    owner = create_user()
    await sign_in(owner, Role.OWNER, f'/?day={DAY.isoformat()}')
    assert figure(owner, 'no-reminder') == '2'

    await sign_in(user, Role.STAFF, f'/customers/{silent.id}')
    user.find(marker='customer-edit').click()
    user.find(marker='edit-email').type('quiet@example.com')
    element(user, 'edit-preferred').set_value('email')
    user.find(marker='edit-save').click()
    await eventually(lambda: (customer_named('Quiet Person').email,
                              customer_named('Quiet Person').preferred_channel) == ('quiet@example.com', 'email'))
    await eventually(lambda: figure(owner, 'no-reminder') == '1')  # the dashboard is built again at once


async def test_the_booking_s_customer_and_contact_are_read_off_the_event_loop(user: User, shop, morning,
                                                                             monkeypatch):
    """The booking dialog's alerts and "Contact" read the customer in a worker thread, never on the event loop that
    serves every session."""
    quiet = make_customer(shop['location'], 'Quiet Person', '')
    with session_scope(write=True) as session:
        session.get(Customer, quiet.id).alerts = 'Allergic to latex'
    booking = make_booking(shop['location'], shop['becky'], shop['mens'], quiet, at(DAY, '11:00'))
    real, threads = customers.get_customer, []

    def get_customer(*args, **kwargs):
        threads.append(threading.get_ident())
        return real(*args, **kwargs)
    monkeypatch.setattr(customers, 'get_customer', get_customer)
    await sign_in(user, Role.STAFF, f'/bookings?day={DAY.isoformat()}')
    await click_block(user, booking.id)
    await user.should_see('Allergic to latex', retries=100)
    await user.should_see(marker='contact-section')
    await user.should_see(marker='no-reminder')
    assert threads and threading.get_ident() not in threads  # this test runs on the app's event loop
