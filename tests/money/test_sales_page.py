"""The Sales page: the day's receipts; a product refunded by the manager from its receipt; the day closed with
figures the test works out itself; a payment in one tab seen on another tab's dashboard and sales list."""

from __future__ import annotations

import pytest
from nicegui.testing import User

from app.models import BookingStatus, PaymentMethod, Role
from app.services.catalogue import catalog
from app.services.frontdesk import bookings
from app.services.money import checkout
from app.services.money.checkout import PaymentIn, Sale, SaleLine
from tests.factories import OWNER, at, make_booking, make_product
from tests.fixtures.pages import DAY, element, eventually, figure, sign_in

pytestmark = pytest.mark.usefixtures('shop', 'shop_clock')  # the shop's clock: 23:00 on DAY


async def test_a_refund_and_the_day_close_through_the_sales_page(user: User, create_user, shop):
    oil = make_product(shop['location'], 'OIL', 'Argan oil', stock=3)  # $15.00
    booking = make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(DAY, '10:00'))
    bookings.set_status(booking.id, BookingStatus.CHECKED_IN, actor=OWNER)
    desk = create_user()
    await sign_in(desk, Role.OWNER, f'/?day={DAY.isoformat()}')
    assert figure(desk, 'revenue-today') == '$0.00'
    noon = at(DAY, '12:00')
    # the cut and an oil: 8200 + 1500, 13 % of taxes: 10961; 5000 cash (6000 handed) and 5961 card; a $4.00 tip
    sold = checkout.check_out(Sale(location_id=shop['location'].id, booking_id=booking.id, tip_cents=400, lines=[
        SaleLine(service_id=shop['cut'].id), SaleLine(product_id=oil)], payments=[
        PaymentIn(method=PaymentMethod.CASH, amount_cents=5000, tendered_cents=6000),
        PaymentIn(method=PaymentMethod.CARD, amount_cents=6361)]), actor=OWNER, as_of=noon)

    await eventually(lambda: figure(desk, 'revenue-today') == '$97.00')  # another tab, at once
    await sign_in(user, Role.MANAGER, f'/sales?day={DAY.isoformat()}')
    assert [r['number'] for r in element(user, 'sales-list').rows] == [sold.number]
    user.find(marker='sales-list').trigger('rowClick', [{}, {'id': sold.receipt_id}, 0])
    await user.should_see(marker='receipt-title')
    element(user, 'refund-Argan oil').set_value(1)
    element(user, 'refund-method').set_value('cash')
    user.find(marker='refund-give').click()
    await eventually(lambda: 'Say why' in (element(user, 'refund-reason').error or ''))
    user.find(marker='refund-reason').type('allergic')
    user.find(marker='refund-give').click()
    await eventually(lambda: len(element(user, 'sales-list').rows) == 2)
    assert catalog.list_products(shop['location'].id, actor=OWNER)[0].stock_on_hand == 3  # back on the shelf

    # the day: net 9700 − 1500 = 8200; tax 1261 − 195 = 1066; cash 5000 − 1695 = 3305; card 6361; tip 400 for JJ
    assert element(user, 'day-net').text == '$82.00'
    assert element(user, 'day-tax').text == '$10.66'
    assert element(user, 'day-cash').text == '$33.05'
    assert element(user, 'day-card').text == '$63.61'
    assert element(user, 'day-refunds').text == '$16.95'
    assert element(user, 'day-tip-JJ').text == '$4.00'
    assert element(user, 'day-expected-cash').text == '$33.05'
    element(user, 'day-counted').set_value(33)
    user.find(marker='day-close').click()
    await user.should_see(marker='day-closed')
    assert element(user, 'day-closed').text == 'Closed: $33.00 counted, $0.05 short'


async def test_the_commission_page_shows_the_periods_rows(user: User, shop):
    from decimal import Decimal

    from app.services.catalogue import staff
    staff.update_staff_member(shop['jj'].id, actor=OWNER, name='JJ', working_hours=shop['jj'].working_hours,
                              service_commission=Decimal('40'))
    checkout.check_out(Sale(location_id=shop['location'].id, lines=[SaleLine(
        service_id=shop['cut'].id, staff_member_id=shop['jj'].id)], tip_cents=300,
        settle_with=PaymentMethod.CARD), actor=OWNER, as_of=at(DAY, '12:00'))
    await sign_in(user, Role.MANAGER, f'/commission?start={DAY.isoformat()}&end={DAY.isoformat()}')
    rows = element(user, 'commission-table').rows
    assert [(r['name'], r['services'], r['commission'], r['tips']) for r in rows] == [
        ('JJ', '$82.00', '$32.80', '$3.00')]
    await user.open('/commission?start=2030-03-09&end=2030-03-01')
    await user.should_see('The period ends before it starts.', retries=100)


async def test_the_sales_page_takes_no_hostile_arguments(user: User, shop):
    """Another location's receipt by a forged row click, nonsense where an id goes, a day that is no date."""
    from tests.factories import make_location, make_service, make_staff_member
    elsewhere = make_location('King St')
    theirs = checkout.check_out(Sale(location_id=elsewhere.id, lines=[SaleLine(
        service_id=make_service(elsewhere).id, staff_member_id=make_staff_member(elsewhere, 'KELLY').id)],
        settle_with=PaymentMethod.CARD), actor=OWNER)
    await sign_in(user, Role.MANAGER, '/sales?day=2030-13-45')
    await user.should_see('is not a date')
    user.find(marker='sales-list').trigger('rowClick', [{}, {'id': theirs.receipt_id}, 0])
    await user.should_see('You can only work with your own location.', retries=100)
    for nonsense in ('1; DROP TABLE receipt', -5, None):
        user.find(marker='sales-list').trigger('rowClick', [{}, {'id': nonsense}, 0])
    await user.should_not_see(marker='receipt-title', retries=2)


async def test_the_checkout_speaks_kiswahili_at_a_kiswahili_location(user: User, shop):
    """Issue 29: a staff member with no language of their own at a location that speaks Kiswahili: the sales page
    and the checkout are in Kiswahili, and a refusal made by the service in its worker thread (a discount staff may
    not give) arrives in Kiswahili too, on the form and on the field."""
    from app.services.catalogue import locations
    locations.update_location(shop['location'].id, {**locations.settings_of(shop['location']).model_dump(),
                                                    'language': 'sw', 'locale': 'en_KE'}, actor=OWNER)
    await sign_in(user, Role.STAFF, f'/sales?day={DAY.isoformat()}')
    await user.should_see('Siku kwenye droo ya pesa')  # the day at the till
    await user.should_see('Jumatatu 04 Machi 2030')  # the day's name, the location's way, in Kiswahili
    user.find(marker='sales-new').click()
    await user.should_see(marker='checkout-take')
    for words in ('Mauzo ya papo hapo', 'Pokea malipo', 'Bado hakuna kitu: ongeza huduma au bidhaa.',
                  'Hapa ni meneja pekee anayetoa punguzo.'):
        await user.should_see(words)
    for english in ('Walk-in sale', 'Take payment', 'Only a manager gives discounts here.'):
        await user.should_not_see(english)
    element(user, 'checkout-item').set_value(f's{shop["cut"].id}')
    user.find(marker='checkout-add').click()
    await eventually(lambda: element(user, 'checkout-total').text.startswith('Jumla ') and '92.66' in element(
        user, 'checkout-total').text)
    element(user, 'checkout-discount').set_value(10)
    await eventually(lambda: element(user, 'checkout-error').text == 'Eleza kwa nini punguzo linatolewa.')  # why?
    user.find(marker='checkout-discount-reason').type('rafiki')
    refusal = 'Punguzo linahitaji meneja: mwombe meneja apokee malipo haya.'
    await eventually(lambda: element(user, 'checkout-error').text == refusal)
    assert element(user, 'checkout-discount').error == refusal
