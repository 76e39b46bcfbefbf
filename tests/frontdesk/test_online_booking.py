"""Online booking's rules on both databases: codes by SMS and e-mail, rate limits per number and per network
address, a proven number joins its customer (a typed one never does), the code hashed at rest and not kept in the
message record, the notice, and services the location keeps for the desk."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from babel.dates import format_date
from sqlmodel import select

from app.models import Message, MessageChannel, Verification
from app.services import clock, i18n
from app.services.catalogue import catalog, locations
from app.services.database import session_scope
from app.services.errors import NotFoundError, ValidationError
from app.services.frontdesk import online
from tests.factories import OWNER, at, make_customer, make_location, make_service, make_staff_member


@pytest.fixture
def shop(db):
    location = make_location()
    locations.update_location(location.id, {**locations.settings_of(location).model_dump(), 'online_booking': True,
                                            'min_notice_minutes': 120}, actor=OWNER)
    return {'location': location, 'jj': make_staff_member(location, 'JJ'), 'cut': make_service(location),
            'alex': make_customer(location)}  # 416-555-0101


def _slot(shop, days=2, hhmm='10:00'):
    day = clock.local_day(clock.now(), shop['location'].time_zone) + timedelta(days=days)
    (slot,) = [s for s in online.free_times(shop['location'].id, shop['cut'].id, day) if s.starts_at == at(day, hhmm)]
    return slot


def _details(phone='416 555 0101', **more):
    return online.Details(name='A. Kim', phone=phone, **more)


def test_a_proven_number_joins_its_customer_and_the_code_is_not_kept(shop, twilio):
    token = online.request_code(shop['location'].id, _details(), ip='10.0.0.5')
    code = re.search(r'\d{6}', twilio.messages[-1]['Body']).group(0)
    with session_scope() as session:
        check = session.exec(select(Verification)).one()
        message = session.exec(select(Message)).one()
    assert code not in check.code_hash and len(check.code_hash) == 64
    assert code not in message.body and '••••••' in message.body and message.context == {}
    booking, manage = online.confirm(shop['location'].id, token, code, _details(), service_id=shop['cut'].id,
                                     slot=_slot(shop), holder='page-1')
    assert booking.customer_id == shop['alex'].id and booking.channel == 'online' and manage
    with pytest.raises(ValidationError, match='expired'):  # spent
        online.confirm(shop['location'].id, token, code, _details(), service_id=shop['cut'].id,
                       slot=_slot(shop, hhmm='12:00'), holder='page-1')


def test_an_e_mailed_code_books_a_new_customer_even_with_a_known_phone_typed(shop, smtp):
    details = _details(email='someone@example.com', channel=MessageChannel.EMAIL)
    token = online.request_code(shop['location'].id, details, ip='')
    code = re.search(r'\d{6}', smtp.messages[-1]['Subject']).group(0)
    with pytest.raises(ValidationError, match='another address'):
        online.confirm(shop['location'].id, token, code, _details(email='other@example.com',
                                                                  channel=MessageChannel.EMAIL),
                       service_id=shop['cut'].id, slot=_slot(shop, hhmm='12:00'), holder='page-2')
    booking, _ = online.confirm(shop['location'].id, token, code, details, service_id=shop['cut'].id,
                                slot=_slot(shop), holder='page-2')
    assert booking.customer_id != shop['alex'].id  # the phone was typed, not proven: not Alex's bookings


def test_codes_are_rate_limited_per_number_and_per_address(shop, twilio):
    for _ in range(online.CODES_PER_DESTINATION):
        online.request_code(shop['location'].id, _details(), ip='10.0.0.7')
    with pytest.raises(ValidationError, match='Too many codes') as caught:
        online.request_code(shop['location'].id, _details(), ip='10.0.0.8')
    assert caught.value.field == 'sms'
    for n in range(online.CODES_PER_IP - online.CODES_PER_DESTINATION):
        online.request_code(shop['location'].id, _details(f'416 555 02{n:02d}'), ip='10.0.0.7')
    with pytest.raises(ValidationError, match='Too many codes'):
        online.request_code(shop['location'].id, _details('416 555 0299'), ip='10.0.0.7')
    online.request_code(shop['location'].id, _details('416 555 0299'), ip='10.0.0.9')  # another address may


def test_no_sms_code_where_the_location_sends_no_sms(shop, smtp):
    with pytest.raises(ValidationError, match='Codes go by e-mail here') as caught:
        online.request_code(shop['location'].id, _details(), ip='')  # no SMS provider is set up
    assert caught.value.field == 'email'
    assert online.shop(shop['location'].id).sms is False


def test_notice_desk_only_services_and_bad_details(shop, twilio):
    location = shop['location']
    locations.update_location(location.id, {**locations.settings_of(location).model_dump(),
                                            'online_booking': True, 'min_notice_minutes': 2 * 24 * 60}, actor=OWNER)
    day = clock.local_day(clock.now(), location.time_zone)
    assert online.free_times(location.id, shop['cut'].id, day + timedelta(days=1)) == []
    assert len(online.free_times(location.id, shop['cut'].id, day + timedelta(days=3))) == 30  # 09:00 … 16:15
    colour = make_service(location, 'CLR', 'Colour')
    catalog.update_service(colour.id, actor=OWNER, name='Colour', duration_minutes=60, kiosk=False)
    assert [s[1] for s in online.shop(location.id).services] == ["Women's cut"]
    with pytest.raises(NotFoundError):
        online.free_times(location.id, colour.id, day)
    with pytest.raises(ValidationError, match='not a phone number') as caught:
        online.request_code(location.id, _details('12'), ip='')
    assert caught.value.field == 'phone'
    with pytest.raises(ValidationError) as caught:
        online.request_code(location.id, online.Details(name='X', channel=MessageChannel.EMAIL, email='x@'), ip='')
    assert caught.value.field == 'email'
    locations.update_location(location.id, {**locations.settings_of(location).model_dump(), 'online_booking': False},
                              actor=OWNER)
    with pytest.raises(NotFoundError):
        online.shop(location.id)


def test_hostile_details_are_refused_naming_the_field_and_a_deposit_never_exceeds_the_price(shop):
    from app.services.errors import validated
    for values, field in (({'name': 'A\x00B', 'phone': '4165550101'}, 'name'),
                          ({'name': 'x' * 500, 'phone': '4165550101'}, 'name'),
                          ({'name': 'Kim', 'phone': '1' * 100}, 'phone'),
                          ({'name': 'Kim', 'channel': 'carrier-pigeon'}, 'channel')):
        with pytest.raises(ValidationError) as caught:
            validated(online.Details, **values)
        assert caught.value.field == field
    catalog.update_service(shop['cut'].id, actor=OWNER, name="Women's cut", duration_minutes=45, price_cents=8200,
                           deposit_cents=999_999)
    assert online.deposit_cents(shop['location'].id, shop['cut'].id) == 8200  # as at the desk: capped at the price


@pytest.mark.parametrize(('language', 'four', 'one', 'paused'), [
    ('en', 'That code is not right. 4 tries left.', 'That code is not right. 1 try left.',
     'Too many wrong codes. Try again in 15 minutes.'),
    ('fr', "Ce code n'est pas le bon. Il vous reste 4 essais.", "Ce code n'est pas le bon. Il vous reste 1 essai.",
     'Trop de codes erronés. Réessayez dans 15 minutes.'),
    ('sw', 'Msimbo huo si sahihi. Umebakiwa na majaribio 4.', 'Msimbo huo si sahihi. Umebakiwa na jaribio 1.',
     'Misimbo mingi isiyo sahihi. Jaribu tena baada ya dakika 15.'),
])
def test_wrong_codes_are_counted_down_in_the_readers_language(shop, twilio, language, four, one, paused):
    token = online.request_code(shop['location'].id, _details(), ip='')
    right = re.search(r'\d{6}', twilio.messages[-1]['Body']).group(0)
    wrong = '000000' if right != '000000' else '111111'
    said = []
    with i18n.speaking(language):
        for _ in range(online.MAX_TRIES):
            with pytest.raises(ValidationError) as caught:
                online.confirm(shop['location'].id, token, wrong, _details(), service_id=shop['cut'].id,
                               slot=_slot(shop), holder='page-1')
            said.append(str(caught.value))
    assert said[0] == four and said[3] == one and said[4] == paused


def test_refusals_and_the_time_that_went_in_kiswahili(shop, twilio):
    location = shop['location']
    locations.update_location(location.id, {**locations.settings_of(location).model_dump(), 'online_booking': True,
                                            'min_notice_minutes': 120, 'language': 'sw', 'locale': 'en_KE'},
                              actor=OWNER)
    slot = _slot(shop)
    with i18n.speaking('sw'):
        with pytest.raises(ValidationError, match='si nambari ya simu tunayoweza kusoma') as caught:
            online.request_code(location.id, _details('12'), ip='')
        assert caught.value.field == 'phone'
        went = online.time_went(slot, location.time_zone, 'en_KE')
        with pytest.raises(NotFoundError, match='Huduma hiyo haiwekewi miadi mtandaoni'):
            online.free_times(location.id, 999_999, slot.starts_at.date())
    local = clock.to_local(slot.starts_at, location.time_zone)
    assert went == (f"Samahani, muda wa 10:00 {format_date(local.date(), 'EEEE dd MMMM', locale='sw_KE')} na JJ "
                    'umechukuliwa na mtu mwingine sasa hivi. Tafadhali chagua muda mwingine.')
    assert online.shop(location.id).language == 'sw'
