"""The Settings page: the owner edits a location's settings; errors sit on their field and save nothing; another
open Settings page hears of the change."""

from __future__ import annotations

import pytest
from nicegui.testing import User

from app.models import Role
from tests.factories import OWNER
from tests.fixtures.pages import element, eventually, sign_in

pytestmark = pytest.mark.usefixtures('shop')  # made before the app starts (tests/fixtures/pages.py)


async def test_the_owner_changes_hours_taxes_and_policy_and_another_session_hears_of_it(user: User, create_user,
                                                                                        shop):
    from app.services.catalogue import locations  # to read back what the page saved
    other = create_user()
    await sign_in(other, Role.OWNER, '/settings')
    await sign_in(user, Role.OWNER, '/settings')
    await user.should_see(marker='settings-title')
    location_id = shop['location'].id

    user.find(marker='settings-opens-0-0').clear().type('09:00')
    user.find(marker='settings-closes-0-0').clear().type('12:00')
    user.find(marker='settings-opens-0-1').clear().type('11:00')  # overlaps the morning
    user.find(marker='settings-closes-0-1').clear().type('18:00')
    user.find(marker='settings-save').click()
    await eventually(lambda: 'overlap' in (element(user, 'settings-opens-0-0').error or ''))
    assert locations.get_location(location_id, actor=OWNER).opening_hours == []  # nothing saved

    user.find(marker='settings-opens-0-1').clear().type('13:00')
    user.find(marker='settings-tax0').clear().type('HST')
    user.find(marker='settings-tax0-percent').clear().type('13')
    element(user, 'settings-buffer').set_value(10)
    user.find(marker='settings-add-closure').click()
    user.find(marker='settings-save').click()
    await eventually(lambda: locations.get_location(location_id, actor=OWNER).buffer_minutes == 10)
    saved = locations.get_location(location_id, actor=OWNER)
    assert saved.opening_hours == [{'weekday': 0, 'start_minute': 540, 'end_minute': 720},
                                   {'weekday': 0, 'start_minute': 780, 'end_minute': 1080}]
    assert saved.tax_rates[0] == {'name': 'HST', 'percent': '13', 'services': True, 'products': True}
    await eventually(lambda: 'hidden' not in element(other, 'settings-changed-elsewhere').classes)
    assert 'hidden' in element(user, 'settings-changed-elsewhere').classes  # one's own save is no news


async def test_the_owner_opens_another_location_and_archives_it(user: User, shop):
    from app.services.catalogue import locations
    await sign_in(user, Role.OWNER, '/settings')
    user.find(marker='location-add').click()
    user.find(marker='location-new-name').type(shop['location'].name)
    user.find(marker='location-create').click()
    await eventually(lambda: 'already' in (element(user, 'location-new-name').error or ''))
    element(user, 'location-new-name').set_value('King St')
    user.find(marker='location-create').click()
    await eventually(lambda: 'King St' in [x.name for x in locations.list_locations(actor=OWNER)])
    king = next(x for x in locations.list_locations(actor=OWNER) if x.name == 'King St')
    assert (king.time_zone, king.currency, [(t['name'], t['percent']) for t in king.tax_rates]) == (
        shop['location'].time_zone, shop['location'].currency, [('GST', '5'), ('PST', '8')])
    await user.should_see(marker=f'location-archive-{king.id}')
    user.find(marker=f'location-archive-{king.id}').click()
    await eventually(lambda: 'King St' not in [x.name for x in locations.list_locations(actor=OWNER)])
    assert [x.archived for x in locations.list_locations(actor=OWNER, include_archived=True)
            if x.name == 'King St'] == [True]


async def test_the_owner_sets_reminders_quiet_hours_and_online_booking(user: User, shop):
    from app.services.catalogue import locations
    await sign_in(user, Role.OWNER, '/settings')
    await user.should_see(marker='settings-title')
    location_id = shop['location'].id
    await user.should_see(f'/book/{location_id}')
    user.find(marker='settings-reminders').clear().type('a day before')
    user.find(marker='settings-save').click()
    await eventually(lambda: element(user, 'settings-reminders').error == 'Give whole hours separated by commas, '
                                                                          'e.g. 24, 2.')
    user.find(marker='settings-reminders').clear().type('2, 48, 2')
    user.find(marker='settings-save').click()
    await eventually(lambda: element(user, 'settings-reminders').error == 'The reminder hours field is not valid: '
                                                                          'two reminders at the same time.', timeout=10)
    user.find(marker='settings-reminders').clear().type('2, 48')
    user.find(marker='settings-quiet-start').clear().type('22:00')
    user.find(marker='settings-quiet-end').clear().type('07:30')
    element(user, 'settings-online-booking').set_value(True)
    element(user, 'settings-sms-messages').set_value(False)
    user.find(marker='settings-save').click()
    await eventually(lambda: locations.get_location(location_id, actor=OWNER).online_booking, timeout=10)
    saved = locations.get_location(location_id, actor=OWNER)
    assert (saved.reminder_hours, saved.quiet_start_minute, saved.quiet_end_minute, saved.sms_messages,
            saved.email_messages) == ([48, 2], 22 * 60, 7 * 60 + 30, False, True)


async def test_the_owner_sets_the_largest_discount_staff_may_give(user: User, shop):
    from app.services.catalogue import locations
    await sign_in(user, Role.OWNER, '/settings')
    await user.should_see(marker='settings-title')
    location_id = shop['location'].id
    assert element(user, 'settings-staff-discount').value == 0  # the default: staff give none
    element(user, 'settings-staff-discount').set_value(150)
    user.find(marker='settings-save').click()
    await eventually(lambda: 'less than or equal to 100' in (element(user, 'settings-staff-discount').error or ''))
    assert locations.get_location(location_id, actor=OWNER).staff_discount_limit_percent == 0  # nothing saved
    element(user, 'settings-staff-discount').set_value(15)
    user.find(marker='settings-save').click()
    await eventually(lambda: locations.get_location(location_id, actor=OWNER).staff_discount_limit_percent == 15,
                     timeout=10)


async def test_the_owner_chooses_africas_talking_with_a_sender_id_and_sees_the_delivery_report_address(
        user: User, shop, africastalking):
    from app.services.catalogue import locations
    from app.services.messaging import sms
    await sign_in(user, Role.OWNER, '/settings')
    await user.should_see(marker='settings-sms-provider')
    location_id = shop['location'].id
    address = element(user, 'settings-sms-reports-address').text
    assert f'{sms.DELIVERY_REPORT_PATH}/{sms.delivery_report_token()}' in address
    assert 'Twilio (CLIENTPULSE_TWILIO_*)' in element(user, 'settings-sms-missing').text  # only Twilio is missing
    element(user, 'settings-sms-provider').set_value(sms.AFRICASTALKING)
    user.find(marker='settings-sms-sender-id').clear().type('Salon <3')
    user.find(marker='settings-save').click()
    await eventually(lambda: 'sender ID' in (element(user, 'settings-sms-sender-id').error or ''), timeout=10)
    assert locations.get_location(location_id, actor=OWNER).sms_provider == sms.TWILIO  # nothing saved
    user.find(marker='settings-sms-sender-id').clear().type('KILIMANI')
    user.find(marker='settings-save').click()
    await eventually(lambda: locations.get_location(location_id, actor=OWNER).sms_sender_id == 'KILIMANI',
                     timeout=10)
    assert locations.get_location(location_id, actor=OWNER).sms_provider == sms.AFRICASTALKING
