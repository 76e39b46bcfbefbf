"""Africa's Talking as a location's SMS provider, on both databases, against a local fake of their bulk SMS API
(tests/messaging/fake_africastalking.py): a location that chose it sends through it (with its sender ID, the
``apiKey`` header, JSON asked for) while another keeps Twilio; refusals that trying again will not change fail at
once, the others are retried; and delivery reports, posted over HTTP to the app as Africa's Talking posts them,
mark a message delivered or failed with the reason — while forged, unknown, malformed and oversized ones are refused
without a server error and change nothing, and nothing ever moves a message backwards or touches another row."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlencode

import httpx
import pytest
from nicegui import app
from nicegui.testing import User
from sqlmodel import select

from app.models import Delivery, Message, MessageStatus, Notification
from app.services import clock, i18n
from app.services.catalogue import locations
from app.services.customers import records
from app.services.database import session_scope
from app.services.errors import ValidationError
from app.services.messaging import delivery_reports, outbox, sms
from tests.factories import OWNER, at, make_booking, make_customer, make_location, make_service, make_staff_member
from tests.messaging.fake_africastalking import API_KEY, SENDER_ID, USERNAME

DAY = date(2030, 3, 6)
pytestmark = pytest.mark.usefixtures('shop_clock')


def _shop(name: str, *, provider: str, sender_id: str = '', phone: str):
    location = make_location(name)
    location = locations.update_location(location.id, {
        **locations.settings_of(location).model_dump(), 'email_messages': False, 'sms_provider': provider,
        'sms_sender_id': sender_id}, actor=OWNER)
    member, cut = make_staff_member(location, 'Wanjiru'), make_service(location)
    customer = make_customer(location)
    customer = records.update_customer(customer.id, {'name': customer.name, 'phone': phone}, actor=OWNER)
    return {'location': location, 'member': member, 'cut': cut, 'customer': customer}


@pytest.fixture
def nairobi(db, africastalking):
    return _shop('Kilimani', provider=sms.AFRICASTALKING, sender_id=SENDER_ID, phone='+254712345678')


def _book(shop, hhmm='14:00'):
    return make_booking(shop['location'], shop['member'], shop['cut'], shop['customer'], at(DAY, hhmm))


def _messages(**where) -> list[Message]:
    with session_scope() as session:
        query = select(Message).order_by(Message.id)
        for name, value in where.items():
            query = query.where(getattr(Message, name) == value)
        return list(session.exec(query))


def _confirmation(shop) -> Message:
    (message,) = _messages(location_id=shop['location'].id, template='confirmation')
    return message


def test_each_location_sends_through_the_provider_it_chose(nairobi, twilio, africastalking):
    toronto = _shop('Queen St', provider=sms.TWILIO, phone='+14165550101')
    _book(nairobi)
    _book(toronto)
    assert outbox.deliver_due() == 2
    (sent,) = africastalking.messages
    assert (sent['to'], sent['from'], sent['username']) == ('+254712345678', SENDER_ID, USERNAME)
    assert 'Kilimani: you are booked' in sent['message']
    (request,) = africastalking.requests
    assert (request['headers']['apikey'], request['headers']['accept']) == (API_KEY, 'application/json')
    assert [m['To'] for m in twilio.messages] == ['+14165550101']
    here, there = _confirmation(nairobi), _confirmation(toronto)
    assert (here.status, here.provider, here.provider_id) == ('sent', 'africastalking', sent['messageId'])
    assert (there.status, there.provider, there.provider_id) == ('sent', 'twilio', twilio.messages[0]['sid'])


def test_without_a_sender_id_the_accounts_default_is_used(db, africastalking):
    shop = _shop('Westlands', provider=sms.AFRICASTALKING, phone='+254712345678')
    _book(shop)
    assert outbox.deliver_due() == 1
    assert 'from' not in africastalking.messages[0]


def test_a_location_whose_provider_is_not_set_up_queues_no_sms(db, twilio):
    shop = _shop('Kilimani', provider=sms.AFRICASTALKING, phone='+254712345678')  # Africa's Talking not set up
    _book(shop)
    assert _messages() == [] and twilio.messages == []


@pytest.mark.parametrize(('code', 'words'), [(403, 'InvalidPhoneNumber'), (406, 'UserInBlacklist'),
                                             (402, 'InvalidSenderId'), (401, 'RiskHold')])
def test_a_refusal_trying_again_cannot_change_fails_at_once(nairobi, africastalking, code, words):
    africastalking.refuse_next = [code]
    _book(nairobi)
    outbox.deliver_due()
    message = _confirmation(nairobi)
    assert (message.status, message.attempts) == ('failed', 1)
    assert f'{words} (status {code})' in i18n.shown(message.last_error)
    with session_scope() as session:
        (note,) = session.exec(select(Notification).where(Notification.kind == 'message_failed')).all()
    assert i18n.shown(note.text).startswith('SMS confirmation to')


def test_insufficient_balance_and_gateway_errors_are_tried_again(nairobi, africastalking):
    africastalking.refuse_next = [405, 501]
    africastalking.fail_next = [503]
    _book(nairobi)
    now = clock.now()
    for minutes, status in ((0, 'queued'), (1, 'queued'), (5, 'queued'), (15, 'sent')):
        now += timedelta(minutes=minutes)
        outbox.deliver_due(as_of=now)
        message = _confirmation(nairobi)
        assert message.status == status, minutes
    assert message.attempts == 4 and len(africastalking.messages) == 1


def test_a_wrong_key_an_unknown_sender_id_and_a_bad_number_fail_at_once(nairobi, africastalking, monkeypatch):
    from app.config import reset_settings
    monkeypatch.setenv('CLIENTPULSE_AFRICASTALKING_API_KEY', 'not-the-key')
    reset_settings()
    provider = sms.provider_for(sms.AFRICASTALKING, sender_id=SENDER_ID)
    with pytest.raises(sms.SendError) as refused:
        provider.send('+254712345678', 'Hello')
    assert refused.value.permanent and 'HTTP 401' in i18n.shown(str(refused.value))
    monkeypatch.setenv('CLIENTPULSE_AFRICASTALKING_API_KEY', API_KEY)
    reset_settings()
    with pytest.raises(sms.SendError) as refused:
        sms.provider_for(sms.AFRICASTALKING, sender_id='NOTOURS').send('+254712345678', 'Hello')
    assert refused.value.permanent and 'InvalidSenderId' in i18n.shown(str(refused.value))
    with pytest.raises(sms.SendError) as refused:
        sms.provider_for(sms.AFRICASTALKING).send('0712345678', 'Hello')
    assert refused.value.permanent and 'InvalidPhoneNumber' in i18n.shown(str(refused.value))
    assert africastalking.messages == []


def test_the_settings_refuse_an_unknown_provider_and_a_malformed_sender_id(nairobi):
    settings = locations.settings_of(nairobi['location']).model_dump()
    for field, value in (('sms_provider', 'nexmo'), ('sms_sender_id', 'SALON<b>'), ('sms_sender_id', 'A' * 12)):
        with pytest.raises(ValidationError) as refused:
            locations.update_location(nairobi['location'].id, {**settings, field: value}, actor=OWNER)
        assert refused.value.field == field
    saved = locations.update_location(nairobi['location'].id, {**settings, 'sms_sender_id': ' My Salon '},
                                      actor=OWNER)
    assert (saved.sms_provider, saved.sms_sender_id) == ('africastalking', 'My Salon')


# ---- delivery reports ------------------------------------------------------------------------------------------


def _client() -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=('198.51.100.7', 4711)),
                             base_url='http://shop')


def _path(token: str | None = None) -> str:
    return f'{sms.DELIVERY_REPORT_PATH}/{sms.delivery_report_token() if token is None else token}'


async def _post(client: httpx.AsyncClient, fields: dict | bytes, token: str | None = None) -> httpx.Response:
    body = fields if isinstance(fields, bytes) else urlencode(fields).encode()
    return await client.post(_path(token), content=body,
                             headers={'Content-Type': 'application/x-www-form-urlencoded'})


@pytest.fixture
async def sent(nairobi, africastalking, user: User):
    """The app serving Kilimani, its confirmation sent through the fake Africa's Talking."""
    _book(nairobi)
    assert outbox.deliver_due() == 1
    return {**nairobi, 'sent': africastalking.messages[0], 'fake': africastalking}


async def test_a_delivery_report_marks_the_message_delivered_and_a_late_one_changes_nothing(sent):
    fake, message = sent['fake'], sent['sent']
    async with _client() as client:
        assert (await _post(client, fake.report(message, 'Sent'))).status_code == 200
        assert _confirmation(sent).delivery == Delivery.PENDING
        answer = await _post(client, fake.report(message, 'Success'))
        assert (answer.status_code, answer.text) == (200, 'OK')
        for late in ('Buffered', 'Failed', 'Submitted'):  # out of order: nothing moves back
            assert (await _post(client, fake.report(message, late, failure_reason='DeliveryFailure'))
                    ).status_code == 200
    stored = _confirmation(sent)
    assert (stored.status, stored.delivery, stored.last_error) == ('sent', 'delivered', '')
    assert stored.delivered_at is not None
    (read,) = [m for m in outbox.list_messages(sent['location'].id, actor=OWNER) if m.id == stored.id]
    assert read.delivery == Delivery.DELIVERED


async def test_a_failed_delivery_is_failed_with_its_reason_and_can_be_tried_again(sent):
    fake, message = sent['fake'], sent['sent']
    async with _client() as client:
        answer = await _post(client, fake.report(message, 'Failed', failure_reason='AbsentSubscriber'))
        assert answer.status_code == 200
        assert (await _post(client, fake.report(message, 'Success'))).status_code == 200  # final: not undone
    stored = _confirmation(sent)
    assert (stored.status, stored.delivery) == ('failed', 'failed')
    assert i18n.shown(stored.last_error) == 'not delivered: Failed: AbsentSubscriber'
    with session_scope() as session:
        (note,) = session.exec(select(Notification).where(Notification.kind == 'message_failed')).all()
    assert i18n.shown(note.text) == 'SMS confirmation to Alex Kim failed: not delivered: Failed: AbsentSubscriber'
    outbox.retry(stored.id, actor=OWNER)
    assert outbox.deliver_due() == 1
    again = _confirmation(sent)
    assert (again.status, again.delivery) == ('sent', '') and again.provider_id == fake.messages[1]['messageId']


async def test_forged_unknown_and_malformed_reports_are_refused_and_change_nothing(sent, caplog):
    fake, message = sent['fake'], sent['sent']
    good = fake.report(message, 'Success')
    token = sms.delivery_report_token()
    one_off = token[:-1] + ('B' if token.endswith('A') else 'A')  # the right token but its last character
    refused = [
        (None, {**good, 'id': 'ATXid_' + '0' * 32}, 404),  # no such message
        (None, {**good, 'phoneNumber': '+254700000000'}, 404),  # its id, another number
        ('x' * 32, good, 403), (one_off, good, 403), (token + 'x', good, 403), (token[:16], good, 403),
        (None, {**good, 'status': 'Read'}, 400), (None, {'id': good['id']}, 400), (None, {}, 400),
        (None, {**good, 'id': 'x' * 81}, 400), (None, {**good, 'id': "'; DROP TABLE message; --"}, 400),
        (None, {**good, 'phoneNumber': 'call me'}, 400), (None, {**good, 'failureReason': 'x' * 101}, 400),
        (None, b'id=a&id=b&status=Success&phoneNumber=%2B254712345678', 400),  # a field twice
        (None, b'\xff\xfe=\x00', 400), (None, b'{"id": "x", "status": "Success"}', 400),
        (None, b'&'.join(b'f%d=1' % n for n in range(50)), 400),
    ]
    async with _client() as client:
        for token, fields, status in refused:
            answer = await _post(client, fields, token)
            assert answer.status_code == status, (token, fields)
        without = await client.post(sms.DELIVERY_REPORT_PATH, content=urlencode(good).encode(),
                                    headers={'Content-Type': 'application/x-www-form-urlencoded'})
        assert without.status_code == 403
    stored = _confirmation(sent)
    assert (stored.status, stored.delivery, stored.delivered_at) == ('sent', '', None)
    assert 'refused' in caplog.text and '198.51.100.7' in caplog.text


async def test_oversized_reports_are_not_read(sent):
    big = urlencode(sent['fake'].report(sent['sent'])).encode() + b'&x=' + b'y' * 9000

    async def chunked():  # no Content-Length: the size shows only while reading
        for start in range(0, len(big), 1024):
            yield big[start:start + 1024]

    async with _client() as client:
        declared = await _post(client, big)
        streamed = await client.post(_path(), content=chunked(),
                                     headers={'Content-Type': 'application/x-www-form-urlencoded'})
        lying = await client.post(_path(), content=b'', headers={'Content-Length': '1e9'})
    assert [a.status_code for a in (declared, streamed, lying)] == [413, 413, 413]
    assert _confirmation(sent).delivery == ''


async def test_a_report_touches_only_the_message_it_names(sent, africastalking):
    mombasa = _shop('Mombasa Rd', provider=sms.AFRICASTALKING, phone='+254712345679')
    _book(mombasa)
    assert outbox.deliver_due() == 1
    theirs = africastalking.messages[1]
    async with _client() as client:  # Kilimani's id with Mombasa's customer's number: neither moves
        mixed = {**africastalking.report(sent['sent']), 'phoneNumber': theirs['to']}
        assert (await _post(client, mixed)).status_code == 404
        assert (await _post(client, africastalking.report(theirs, 'Rejected',
                                                          failure_reason='UserInBlackList'))).status_code == 200
    assert _confirmation(sent).delivery == ''
    assert (_confirmation(mombasa).status, _confirmation(mombasa).delivery) == ('failed', 'failed')


def test_a_report_for_a_twilio_message_or_a_message_not_sent_is_not_applied(nairobi, africastalking, twilio):
    toronto = _shop('Queen St', provider=sms.TWILIO, phone='+14165550101')
    _book(toronto)
    _book(nairobi)
    outbox.deliver_due()
    token = sms.delivery_report_token()
    twilio_message = _confirmation(toronto)
    assert delivery_reports.handle_report(token, {'id': twilio_message.provider_id, 'status': 'Success',
                                                  'phoneNumber': '+14165550101'}) == 'unknown'
    withdrawn = _confirmation(nairobi)
    with session_scope(write=True) as session:  # as if the desk's retry had queued it again meanwhile
        row = session.get(Message, withdrawn.id)
        row.status = MessageStatus.QUEUED.value
        session.add(row)
    assert delivery_reports.handle_report(token, africastalking.report(africastalking.messages[0])) == 'already'
    assert _confirmation(nairobi).delivery == '' and _confirmation(toronto).delivery == ''


def test_without_africas_talking_set_up_every_report_is_refused(db, twilio):
    assert delivery_reports.handle_report(sms.delivery_report_token(), {'id': 'ATXid_1', 'status': 'Success',
                                                                        'phoneNumber': '+254712345678'}) == 'forbidden'
