"""The Campaigns page as an owner, a manager and the desk use it: a campaign set up in the form, sent, delivered over
SMTP to a local aiosmtpd server, its code given at checkout, and the performance page of another tab following
each step live; a refused form keeps nothing; "Win back" on the analytics page opens the form with its target."""

from __future__ import annotations

import io
from datetime import date

import pytest
from nicegui.testing import User
from openpyxl import load_workbook

from app.models import BookingStatus, Role
from app.services.campaigns import campaigns
from app.services.customers import records
from app.services.frontdesk import bookings
from app.services.messaging import outbox
from tests.factories import OWNER, at, make_booking
from tests.fixtures.pages import click_block, element, eventually, sign_in

pytestmark = pytest.mark.usefixtures('shop')  # made before the app starts (tests/fixtures/pages.py)

DAY = date(2030, 3, 4)


@pytest.fixture
def spring(shop, shop_clock):
    """Alex and Sam agreed to e-mails and carry the tag "spring"; the shop's clock at 10:00 on 4 March 2030."""
    for key, address in (('alex', 'alex@example.com'), ('sam', 'sam@example.com')):
        person = shop[key]
        records.update_customer(person.id, {'name': person.name, 'phone': person.phone, 'email': address,
                                            'tags': ['spring'], 'consent': {'email': True}}, actor=OWNER)
    shop_clock(at(DAY, '10:00'))
    return shop


def figure(user: User, key: str, group: str = 'recipients') -> str:
    return element(user, f'figure-{key}-{group}').text


async def test_a_campaign_set_up_sent_delivered_and_redeemed_updates_another_sessions_performance_live(
        user: User, create_user, spring, shop_clock, smtp):
    owner, manager, desk = user, create_user(), create_user()
    await sign_in(owner, Role.OWNER, '/campaigns')
    owner.find(marker='campaign-new').click()
    owner.find(marker='campaign-name').type('Spring comeback')
    element(owner, 'campaign-target').set_value('tag')
    owner.find(marker='campaign-tag').type('spring')
    element(owner, 'campaign-holdout').set_value(0)
    element(owner, 'campaign-cost').set_value(0.05)
    element(owner, 'campaign-code').set_value('SPRING-10')
    element(owner, 'campaign-offer-value').set_value(10)
    await eventually(lambda: element(owner, 'campaign-audience').text.startswith(
        '2 in the target, 2 reachable by E-mail (an address and consent): 2 would get it, 0 held out; cost $0.10'))
    owner.find(marker='campaign-save').click()
    await eventually(lambda: owner.back_history[-1].startswith('/campaigns/'), timeout=10)
    (made,) = campaigns.list_campaigns(spring['location'].id, actor=OWNER)
    assert (made.name, made.target.segment, made.target.tag, made.status) == ('Spring comeback', 'tag', 'spring',
                                                                               'draft')
    assert (made.offer.code, made.offer.percent_off, made.cost_per_message_cents) == ('SPRING-10', 10, 5)
    await owner.should_see(marker='campaign-send', retries=100)
    owner.find(marker='campaign-send').click()
    owner.find(marker='campaign-send-confirm').click()
    await owner.should_see('Sent: the messages go out', retries=100)
    assert campaigns.get_campaign(made.id, actor=OWNER).status == 'sent'

    await sign_in(manager, Role.MANAGER, f'/campaigns/{made.id}')
    await eventually(lambda: figure(manager, 'customers') == '2' and figure(manager, 'waiting') == '2', timeout=10)
    assert figure(manager, 'sent') == '0'
    outbox.deliver_due(as_of=at(DAY, '10:01'))  # the scheduler's job, run here
    assert sorted(m['To'] for m in smtp.messages) == ['alex@example.com', 'sam@example.com']
    assert all('SPRING-10' in m.get_content() for m in smtp.messages)
    await eventually(lambda: figure(manager, 'sent') == '2' and figure(manager, 'waiting') == '0', timeout=10)

    shop_clock(at(DAY, '10:30'))  # Alex books, comes in, and gives the code at checkout
    booking = make_booking(spring['location'], spring['jj'], spring['cut'], spring['alex'], at(DAY, '11:00'))
    await eventually(lambda: figure(manager, 'booked') == '1', timeout=10)
    bookings.set_status(booking.id, BookingStatus.CHECKED_IN, actor=OWNER)
    await sign_in(desk, Role.STAFF, f'/bookings?day={DAY.isoformat()}')
    await desk.should_see(marker='day-grid', retries=100)
    await click_block(desk, booking.id)
    await desk.should_see('Status: Checked in')
    desk.find(marker='to-checkout').click()
    await desk.should_see(marker='checkout-take')
    await eventually(lambda: element(desk, 'checkout-total').text == 'Total $92.66')  # $82.00 + 13 % tax
    element(desk, 'checkout-code').set_value('nope')
    await eventually(lambda: element(desk, 'checkout-error').text == 'No such code here.')
    element(desk, 'checkout-code').set_value('spring-10')
    await eventually(lambda: element(desk, 'checkout-total').text == 'Total $83.39')  # 10 % off: 7380 + 959 tax
    assert element(desk, 'checkout-sum-discounts').text == 'Discounts −$8.20'
    desk.find(marker='checkout-take').click()
    await desk.should_see('Receipt', retries=100)
    await eventually(lambda: figure(manager, 'redeemed') == '1' and figure(manager, 'discounts') == '$8.20',
                     timeout=10)
    assert figure(manager, 'revenue') == '$82.00'  # $73.80 paid before tax + the $8.20 the code took off
    assert figure(manager, 'cost') == '$0.10' and figure(manager, 'roi') == '737.00×'  # (8200 − 820 − 10) / 10
    manager.find(marker='campaign-excel').click()
    book = load_workbook(io.BytesIO((await manager.download.next(timeout=10)).content))
    rows = {row[0]: row[1:3] for row in book['Performance'].iter_rows(values_only=True) if row and row[0]}
    assert rows['Codes redeemed'][0] == 1 and rows['Discounts'][0] == 8.2 and rows['ROI'][0] == 737.0


async def test_a_refused_form_names_the_field_and_keeps_nothing(user: User, spring):
    await sign_in(user, Role.MANAGER, '/campaigns?segment=tag')
    await user.should_see(marker='campaign-save', retries=100)
    assert element(user, 'campaign-name').value == 'Win back: Tag'
    user.find(marker='campaign-save').click()  # no tag yet
    await eventually(lambda: 'name the tag' in (element(user, 'campaign-tag').error or ''))
    user.find(marker='campaign-tag').type('spring')
    element(user, 'campaign-body').set_value('Hello {{ umbrella }}')
    user.find(marker='campaign-save').click()
    await eventually(lambda: 'Unknown placeholder {{ umbrella }}' in (element(user, 'campaign-body').error or ''))
    element(user, 'campaign-body').set_value('Hello {{ customer_name }}, give {{ offer_code }}')
    element(user, 'campaign-code').set_value('no spaces allowed')
    user.find(marker='campaign-save').click()
    await eventually(lambda: 'letters, digits or hyphens' in (element(user, 'campaign-code').error or ''))
    element(user, 'campaign-code').set_value('SPRING')
    element(user, 'campaign-when').set_value('schedule')
    element(user, 'campaign-day').set_value('2030-03-01')  # before the shop's clock
    user.find(marker='campaign-save').click()
    await eventually(lambda: 'That time has passed' in (element(user, 'campaign-day').error or ''))
    assert campaigns.list_campaigns(spring['location'].id, actor=OWNER) == []
    await user.should_not_see('Traceback')


async def test_a_scheduled_campaign_shows_as_scheduled_can_be_taken_off_and_deleted(user: User, spring):
    await sign_in(user, Role.OWNER, '/campaigns?segment=tag')
    await user.should_see(marker='campaign-save', retries=100)
    user.find(marker='campaign-tag').type('spring')
    element(user, 'campaign-when').set_value('schedule')
    element(user, 'campaign-day').set_value('2030-03-05')
    element(user, 'campaign-time').set_value('09:30')
    user.find(marker='campaign-save').click()
    await eventually(lambda: user.back_history[-1].startswith('/campaigns/'), timeout=10)
    (made,) = campaigns.list_campaigns(spring['location'].id, actor=OWNER)
    assert made.send_at == at(date(2030, 3, 5), '09:30')
    await user.should_see('Scheduled for Tue 05 Mar 2030 09:30', retries=100)
    user.find(marker='campaign-unschedule').click()
    await eventually(lambda: campaigns.get_campaign(made.id, actor=OWNER).send_at is None)
    await user.should_see(marker='campaign-status', retries=100)
    await eventually(lambda: element(user, 'campaign-status').text == 'Draft')
    user.find(marker='campaign-discard').click()
    await eventually(lambda: user.back_history[-1] == '/campaigns')
    assert campaigns.list_campaigns(spring['location'].id, actor=OWNER) == []


async def test_win_back_on_the_analytics_page_opens_a_campaign_for_that_target(user: User, spring, shop_clock):
    """Alex came every four weeks last autumn and not for 99 days since: at risk, and a regular (4 visits in a year).
    "Win back" beside the at-risk list opens the form with that target, and the audience counts Alex; the segment's
    button under the segments chart does the same for its segment."""
    from datetime import timedelta

    for weeks in range(4):
        day = date(2029, 9, 3) + timedelta(weeks=4 * weeks)
        shop_clock(at(day, '08:00'))
        visit = make_booking(spring['location'], spring['jj'], spring['cut'], spring['alex'], at(day, '10:00'),
                             override_hours=True)
        shop_clock(at(day, '11:00'))
        bookings.set_status(visit.id, BookingStatus.CHECKED_IN, actor=OWNER)
        bookings.set_status(visit.id, BookingStatus.COMPLETED, actor=OWNER)
    shop_clock(at(DAY, '10:00'))
    await sign_in(user, Role.OWNER, '/analytics?start=2030-03-01&end=2030-03-31')
    user.find('Customers').click()
    await user.should_see(marker='win-back-at-risk', retries=200)
    assert [r['name'] for r in element(user, 'at-risk').rows] == [spring['alex'].name]
    user.find(marker='win-back-at-risk').click()
    await eventually(lambda: user.back_history[-1] == f'/campaigns?segment=at_risk&location={spring["location"].id}')
    await user.should_see(marker='campaign-save', retries=100)
    assert element(user, 'campaign-target').value == 'at_risk'
    assert element(user, 'campaign-name').value == 'Win back: At risk'
    await eventually(lambda: element(user, 'campaign-audience').text.startswith('1 in the target, 1 reachable'))
    await user.open('/analytics?start=2030-03-01&end=2030-03-31')
    user.find('Customers').click()
    await user.should_see(marker='win-back-regular', retries=200)
    user.find(marker='win-back-regular').click()
    await eventually(lambda: user.back_history[-1].startswith('/campaigns?segment=regular'))
    await user.should_see(marker='campaign-save', retries=100)
    assert element(user, 'campaign-target').value == 'regular'
    await eventually(lambda: element(user, 'campaign-audience').text.startswith('1 in the target, 1 reachable'))


async def test_a_kiswahili_location_starts_its_campaign_in_kiswahili(user: User, shop, shop_clock):
    """The desk reads the form in its language; the text the customers get starts in the location's."""
    from sqlmodel import select

    from app.models import Location
    from app.services.database import session_scope
    with session_scope(write=True) as session:
        location = session.exec(select(Location).where(Location.id == shop['location'].id)).one()
        location.language = 'sw'
        session.add(location)
    shop_clock(at(DAY, '10:00'))
    await sign_in(user, Role.MANAGER, '/campaigns?segment=lapsed&days=1')
    await user.should_see('Kampeni mpya')
    assert element(user, 'campaign-name').value == 'Warudishe: Wasiofika tena'
    assert element(user, 'campaign-subject').value == 'Tunakukumbuka {{ location_name }}'
    assert element(user, 'campaign-body').value.startswith('Habari {{ customer_name }},')
    assert element(user, 'campaign-target').options['lapsed'] == 'Wasiofika tena'
    await eventually(lambda: 'katika walengwa' in element(user, 'campaign-audience').text, timeout=10)
