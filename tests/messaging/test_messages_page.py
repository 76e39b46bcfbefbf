"""The Messages page: a failed message is listed with its error for the desk and queued again with "Try again";
the owner edits a text with a preview, an unknown placeholder refused on save."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from nicegui.testing import User

from app.models import MessageChannel, MessageStatus, Role, Template
from app.services.customers import records
from app.services.messaging import outbox, templates
from tests.factories import OWNER, at, make_booking
from tests.fixtures.pages import click_block, element, eventually, sign_in

pytestmark = pytest.mark.usefixtures('shop', 'shop_clock')
THURSDAY = date(2030, 3, 7)


async def test_a_failed_message_is_shown_to_the_desk_and_tried_again(user: User, shop, monkeypatch):
    from app.config import reset_settings
    monkeypatch.setenv('CLIENTPULSE_SMTP_HOST', '127.0.0.1')
    monkeypatch.setenv('CLIENTPULSE_SMTP_PORT', '9')  # nothing listens: refused
    reset_settings()
    records.update_customer(shop['alex'].id, {'name': 'Alex Kim', 'phone': '416-555-0101',
                                              'email': 'alex@example.com'}, actor=OWNER)
    booking = make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(THURSDAY, '14:00'))
    (confirmation,) = [m for m in outbox.list_messages(shop['location'].id, actor=OWNER)
                       if m.template == 'confirmation']
    outbox._claim(at(THURSDAY, '09:00'), 'test', only=confirmation.id)
    outbox._finish(confirmation.id, status=None, error='ConnectionRefusedError: refused', permanent=True)
    await sign_in(user, Role.STAFF, '/messages?status=failed')
    await eventually(lambda: [r['customer'] for r in element(user, 'messages').rows] == ['Alex Kim'], timeout=10)
    row = element(user, 'messages').rows[0]
    assert (row['what'], row['status'], row['error'], row['retry']) == (
        'E-mail: Confirmation', 'Failed', 'ConnectionRefusedError: refused', True)
    await user.open(f'/bookings?day={THURSDAY.isoformat()}')  # the booking says so too
    await user.should_see(marker='day-grid', retries=100)
    await click_block(user, booking.id)
    await user.should_see('E-mail confirmation: failed — ConnectionRefusedError: refused', retries=100)
    await user.should_see('E-mail reminder: due Wed 06 Mar 2030 14:00')
    await user.open('/messages?status=failed')
    await eventually(lambda: len(element(user, 'messages').rows) == 1, timeout=10)
    user.find(marker='messages').trigger('retry', confirmation.id)
    await user.should_see('Queued again', retries=100)
    (again,) = [m for m in outbox.list_messages(shop['location'].id, actor=OWNER) if m.id == confirmation.id]
    assert again.status == MessageStatus.QUEUED
    reset_settings()


async def test_the_owner_edits_a_text_with_a_preview(user: User, shop):
    await sign_in(user, Role.OWNER, '/messages?status=%3D1%2B1')  # a made-up filter: all messages, no error
    await user.should_see(marker='messages', retries=100)
    await user.should_not_see('Traceback')
    await user.should_see(marker='text-body', retries=100)
    body = element(user, 'text-body')
    body.set_value('Hi {{ customer_name }}, see you {{ date }}. Bring {{ umbrella }}')
    await eventually(lambda: 'Unknown placeholder {{ umbrella }}' in (body.error or ''))
    user.find(marker='text-save').click()
    await eventually(lambda: templates.texts(shop['location'].id, actor=OWNER)[
        Template.CONFIRMATION, MessageChannel.EMAIL][2] is False)  # not saved
    body.set_value('Hi {{ customer_name }}, see you {{ time }}.')
    await eventually(lambda: element(user, 'text-preview').text.endswith('Hi Alex Morgan, see you 14:00.'))
    user.find(marker='text-save').click()
    await user.should_see('Saved', retries=100)
    assert templates.texts(shop['location'].id, actor=OWNER)[Template.CONFIRMATION, MessageChannel.EMAIL][1:] == (
        'Hi {{ customer_name }}, see you {{ time }}.', True)


async def test_the_preview_shows_the_location_its_service_and_staff_not_made_up_ones(user: User, shop):
    """Issue 30: the preview said "Main Street Salon" whatever the shop; it now fills in the location's own name and
    phone, its first service and staff member, and a date in the location's language."""
    from app.services.catalogue import locations
    location = shop['location']
    values = locations.settings_of(locations.get_location(location.id, actor=OWNER)).model_dump(mode='json')
    locations.update_location(location.id, {**values, 'phone': '+254 712 345 678', 'language': 'sw',
                                            'locale': 'sw_KE'}, actor=OWNER)
    await sign_in(user, Role.OWNER, '/messages')
    await user.should_see(marker='text-body', retries=100)
    element(user, 'text-body').set_value('{{ location_name }} | {{ location_phone }} | {{ service }} | {{ staff }} | '
                                         '{{ date }}')
    await eventually(lambda: element(user, 'text-preview').text.split('\n\n')[-1].startswith(
        "Queen St | +254 712 345 678 | Women's cut | JJ | "), timeout=10)
    shown = element(user, 'text-preview').text  # the e-mail's subject (the default's, in Kiswahili), then the text
    assert 'Main Street' not in shown
    assert shown.split(' | ')[-1].split(',')[0] == 'Jumanne'  # next Tuesday, in Kiswahili (the location's language)


async def test_the_preview_runs_off_the_event_loop_and_refuses_a_hostile_text(user: User, shop, monkeypatch):
    """Issue 28: nested loops typed into the preview hung the process for everyone. The preview is filled in in a
    worker thread (never on the event loop that serves every session) and refuses the text, naming the line."""
    await sign_in(user, Role.OWNER, '/messages')
    await user.should_see(marker='text-body', retries=100)
    real, threads = templates.preview, []

    def preview(*args, **kwargs):
        threads.append(threading.get_ident())
        return real(*args, **kwargs)
    monkeypatch.setattr(templates, 'preview', preview)
    body = element(user, 'text-body')
    body.set_value('Hi {{ customer_name }}!')
    await eventually(lambda: element(user, 'text-preview').text.endswith('Hi Alex Morgan!'))
    assert threads and threading.get_ident() not in threads  # this test runs on the app's event loop
    body.set_value('{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}')
    await eventually(lambda: 'Loops are not allowed in a message text (line 1).' in (body.error or ''))
    user.find(marker='text-save').click()
    await eventually(lambda: 'Loops are not allowed' in (body.error or ''))
    assert templates.texts(shop['location'].id, actor=OWNER)[Template.CONFIRMATION, MessageChannel.EMAIL][2] is False


async def test_delivery_reports_show_as_delivered_or_failed_with_the_reason(user: User, shop, africastalking):
    from app.services.catalogue import locations
    from app.services.messaging import delivery_reports, sms
    location = shop['location']
    locations.update_location(location.id, {**locations.settings_of(location).model_dump(), 'email_messages': False,
                                            'sms_provider': sms.AFRICASTALKING}, actor=OWNER)
    for customer, phone in ((shop['alex'], '+254712345678'), (shop['sam'], '+254712345679')):
        records.update_customer(customer.id, {'name': customer.name, 'phone': phone}, actor=OWNER)
    make_booking(location, shop['jj'], shop['cut'], shop['alex'], at(THURSDAY, '14:00'))
    make_booking(location, shop['becky'], shop['cut'], shop['sam'], at(THURSDAY, '14:00'))
    assert outbox.deliver_due() == 2
    alex, sam = africastalking.messages
    token = sms.delivery_report_token()
    assert delivery_reports.handle_report(token, africastalking.report(alex, 'Success')) == 'delivered'
    assert delivery_reports.handle_report(token, africastalking.report(
        sam, 'Rejected', failure_reason='UserInBlackList')) == 'failed'
    await sign_in(user, Role.STAFF, '/messages')
    await eventually(lambda: len(element(user, 'messages').rows) == 6, timeout=10)  # and 2 reminders each
    rows = {r['customer']: r for r in element(user, 'messages').rows if r['what'] == 'SMS: Confirmation'}
    assert (rows['Alex Kim']['status'], rows['Alex Kim']['error'], rows['Alex Kim']['retry']) == (
        'Delivered', '', False)
    assert (rows['Sam Lee']['status'], rows['Sam Lee']['error'], rows['Sam Lee']['retry']) == (
        'Failed', 'not delivered: Rejected: UserInBlackList', True)


async def test_an_open_messages_page_shows_a_delivery_report_as_it_arrives(user: User, shop, africastalking):
    from app.services import events
    from app.services.catalogue import locations
    from app.services.messaging import delivery_reports, sms
    location = shop['location']
    locations.update_location(location.id, {**locations.settings_of(location).model_dump(), 'email_messages': False,
                                            'sms_provider': sms.AFRICASTALKING}, actor=OWNER)
    records.update_customer(shop['alex'].id, {'name': shop['alex'].name, 'phone': '+254712345678'}, actor=OWNER)
    make_booking(location, shop['jj'], shop['cut'], shop['alex'], at(THURSDAY, '14:00'))
    assert outbox.deliver_due() == 1
    (sent,) = africastalking.messages
    await sign_in(user, Role.STAFF, '/messages')

    def confirmation() -> dict:
        (row,) = [r for r in element(user, 'messages').rows if r['what'] == 'SMS: Confirmation']
        return row

    await eventually(lambda: confirmation()['status'] == 'Sent', timeout=10)
    heard = []
    events.subscribe(heard.append)
    try:
        assert delivery_reports.handle_report(sms.delivery_report_token(), africastalking.report(sent, 'Success')) == (
            'delivered')
    finally:
        events.unsubscribe(heard.append)
    assert [(e.location_id, e.delivery) for e in heard if isinstance(e, events.DeliveryReported)] == [
        (location.id, 'delivered')]
    await eventually(lambda: confirmation()['status'] == 'Delivered', timeout=10)  # no reload
